//! A JWK turned into something that verifies signatures: the decoded key and the algorithms it
//! may be used with.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey};

use crate::algorithms;
use crate::jwk::{Jwk, JwkError, JwsAlgorithm, KeyFamily};
use crate::key_material::{bit_length, decode_member, KeyMaterial};

/// RSA moduli shorter than this are refused, as Zilla's JOSE library refuses them: such keys
/// are factorable and would let anyone forge tokens.
pub const MIN_RSA_BITS: usize = 2048;

pub struct VerificationKey {
    pub kid: Option<String>,
    /// How operators recognise the key in messages: its kid, or its place in the set.
    pub label: KeyLabel,
    /// The algorithms this key verifies: the one its `alg` names, or those of its family.
    pub algorithms: Vec<Algorithm>,
    pub decoding: DecodingKey,
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationKey")
            .field("label", &self.label)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLabel {
    Kid(String),
    Index(usize),
}

impl fmt::Display for KeyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLabel::Kid(kid) => write!(f, "key {kid:?}"),
            KeyLabel::Index(index) => write!(f, "key #{index}"),
        }
    }
}

/// Why one key cannot be used, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: {reason}")]
pub struct KeyError {
    pub label: KeyLabel,
    pub reason: KeyProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error(transparent)]
    Jwk(#[from] JwkError),
    #[error("algorithm {0} cannot be verified by this gateway")]
    Unsupported(String),
    #[error("curve {0:?} cannot be verified by this gateway")]
    UnsupportedCurve(String),
    #[error("RSA modulus has {bits} bits; at least {MIN_RSA_BITS} are needed")]
    RsaTooShort { bits: usize },
    #[error("`{member}` is {actual} bytes long; curve {crv} needs {expected}")]
    CoordinateLength {
        member: &'static str,
        crv: String,
        expected: usize,
        actual: usize,
    },
    #[error("the key material is not usable: {0}")]
    Material(String),
}

impl KeyProblem {
    /// The key member the problem is about, as a JSON pointer segment; empty for the key.
    pub fn member(&self) -> &'static str {
        match self {
            KeyProblem::Jwk(error) => error.member(),
            KeyProblem::Unsupported(_) => "alg",
            KeyProblem::UnsupportedCurve(_) => "crv",
            KeyProblem::RsaTooShort { .. } => "n",
            KeyProblem::CoordinateLength { member, .. } => member,
            KeyProblem::Material(_) => "",
        }
    }
}

impl VerificationKey {
    /// Decodes the JWK at `index` of its set. Every structural problem `Jwk::problems` knows is
    /// checked first, so the message is the same one `zilla validate` gives.
    pub fn from_jwk(jwk: &Jwk, index: usize) -> Result<Self, KeyError> {
        let label = match &jwk.kid {
            Some(kid) => KeyLabel::Kid(kid.clone()),
            None => KeyLabel::Index(index),
        };
        let fail = |reason: KeyProblem| KeyError {
            label: label.clone(),
            reason,
        };
        if let Some(problem) = jwk.problems().into_iter().next() {
            return Err(fail(problem.into()));
        }
        let family = jwk.family().map_err(|error| fail(error.into()))?;
        let algorithms = match &jwk.alg {
            Some(alg) => {
                let verifiable = JwsAlgorithm::parse(alg).and_then(algorithms::verifiable);
                vec![verifiable.ok_or_else(|| fail(KeyProblem::Unsupported(alg.clone())))?]
            }
            None => algorithms::for_family(family, jwk.crv.as_deref()).ok_or_else(|| {
                fail(KeyProblem::UnsupportedCurve(
                    jwk.crv.clone().unwrap_or_default(),
                ))
            })?,
        };
        let decoding = decoding_key(jwk, family).map_err(fail)?;
        Ok(Self {
            kid: jwk.kid.clone(),
            label,
            algorithms,
            decoding,
        })
    }

    pub fn accepts(&self, algorithm: Algorithm) -> bool {
        self.algorithms.contains(&algorithm)
    }
}

fn decoding_key(jwk: &Jwk, family: KeyFamily) -> Result<DecodingKey, KeyProblem> {
    let member = |name: &'static str, value: &Option<String>| -> Result<KeyMaterial, KeyProblem> {
        let text = value
            .as_deref()
            .ok_or_else(|| KeyProblem::Material(format!("`{name}` is missing")))?;
        decode_member(name, text).map_err(|_| JwkError::Encoding { member: name }.into())
    };
    let material = |error: jsonwebtoken::errors::Error| KeyProblem::Material(error.to_string());
    match family {
        KeyFamily::Rsa => {
            let n = member("n", &jwk.n)?;
            let e = member("e", &jwk.e)?;
            let bits = bit_length(&n.bytes);
            if bits < MIN_RSA_BITS {
                return Err(KeyProblem::RsaTooShort { bits });
            }
            DecodingKey::from_rsa_components(&n.base64url, &e.base64url).map_err(material)
        }
        KeyFamily::Ec => {
            let crv = jwk.crv.clone().unwrap_or_default();
            let expected = match crv.as_str() {
                "P-256" => 32,
                "P-384" => 48,
                _ => return Err(KeyProblem::UnsupportedCurve(crv)),
            };
            let x = member("x", &jwk.x)?;
            let y = member("y", &jwk.y)?;
            for (name, value) in [("x", &x), ("y", &y)] {
                if value.bytes.len() != expected {
                    return Err(KeyProblem::CoordinateLength {
                        member: name,
                        crv,
                        expected,
                        actual: value.bytes.len(),
                    });
                }
            }
            DecodingKey::from_ec_components(&x.base64url, &y.base64url).map_err(material)
        }
        KeyFamily::Okp => {
            let crv = jwk.crv.clone().unwrap_or_default();
            if crv != "Ed25519" {
                return Err(KeyProblem::UnsupportedCurve(crv));
            }
            let x = member("x", &jwk.x)?;
            if x.bytes.len() != 32 {
                return Err(KeyProblem::CoordinateLength {
                    member: "x",
                    crv,
                    expected: 32,
                    actual: x.bytes.len(),
                });
            }
            DecodingKey::from_ed_components(&x.base64url).map_err(material)
        }
    }
}
