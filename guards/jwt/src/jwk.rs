//! One inline JSON Web Key, and the structural checks that make it usable for verifying
//! signatures before any token arrives.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A public key as RFC 7517 writes it. Members other than these (`x5c`, `key_ops`, …) are
/// allowed and ignored, as in Zilla, so a JWK set copied from an identity provider loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub kid: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub alg: Option<String>,
    /// RSA modulus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub n: Option<String>,
    /// RSA exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub e: Option<String>,
    /// Curve of an EC or OKP key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub y: Option<String>,
}

/// The key types a guard can verify with. Symmetric (`oct`) keys are refused: a shared secret
/// in a config file would let anyone who reads it mint tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFamily {
    Rsa,
    Ec,
    Okp,
}

/// JWS algorithms (RFC 7518, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsAlgorithm {
    Hs256,
    Hs384,
    Hs512,
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    Es512,
    Es256k,
    EdDsa,
}

impl JwsAlgorithm {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "HS256" => Self::Hs256,
            "HS384" => Self::Hs384,
            "HS512" => Self::Hs512,
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            "ES256K" => Self::Es256k,
            "EdDSA" => Self::EdDsa,
            _ => return None,
        })
    }

    /// The key family this algorithm verifies with; `None` for HMAC, which needs a secret.
    pub fn family(self) -> Option<KeyFamily> {
        match self {
            Self::Hs256 | Self::Hs384 | Self::Hs512 => None,
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                Some(KeyFamily::Rsa)
            }
            Self::Es256 | Self::Es384 | Self::Es512 | Self::Es256k => Some(KeyFamily::Ec),
            Self::EdDsa => Some(KeyFamily::Okp),
        }
    }

    /// The EC curve an ECDSA algorithm is defined on.
    fn curve(self) -> Option<&'static str> {
        match self {
            Self::Es256 => Some("P-256"),
            Self::Es384 => Some("P-384"),
            Self::Es512 => Some("P-521"),
            Self::Es256k => Some("secp256k1"),
            _ => None,
        }
    }
}

/// Why a key cannot be used, with the member it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    #[error("key type {0:?} is not supported (expected RSA, EC or OKP)")]
    KeyType(String),
    #[error("an {family} key needs `{member}`")]
    Missing {
        family: &'static str,
        member: &'static str,
    },
    #[error("`{member}` is not base64 or base64url")]
    Encoding { member: &'static str },
    #[error("curve {crv:?} is not a {family} curve")]
    Curve { family: &'static str, crv: String },
    #[error("algorithm `none` would accept unsigned tokens")]
    AlgorithmNone,
    #[error("algorithm {0:?} is not a JWS algorithm")]
    UnknownAlgorithm(String),
    #[error("HMAC algorithm {alg} cannot be verified with a public key")]
    Hmac { alg: String },
    #[error("algorithm {alg} does not fit an {family} key")]
    AlgorithmFamily { alg: String, family: &'static str },
    #[error("algorithm {alg} needs curve {expected}, the key is on {crv}")]
    AlgorithmCurve {
        alg: String,
        expected: &'static str,
        crv: String,
    },
    #[error("use {0:?} is not for signatures (expected \"sig\")")]
    Use(String),
}

impl JwkError {
    /// The key member the problem is about, as a JSON pointer segment.
    pub fn member(&self) -> &'static str {
        match self {
            JwkError::KeyType(_) => "kty",
            JwkError::Missing { member, .. } | JwkError::Encoding { member } => member,
            JwkError::Curve { .. } => "crv",
            JwkError::Use(_) => "use",
            _ => "alg",
        }
    }
}

impl Jwk {
    pub fn family(&self) -> Result<KeyFamily, JwkError> {
        match self.kty.as_str() {
            "RSA" => Ok(KeyFamily::Rsa),
            "EC" => Ok(KeyFamily::Ec),
            "OKP" => Ok(KeyFamily::Okp),
            other => Err(JwkError::KeyType(other.to_string())),
        }
    }

    /// Every reason this key could not verify a token.
    pub fn problems(&self) -> Vec<JwkError> {
        let family = match self.family() {
            Ok(family) => family,
            Err(error) => return vec![error],
        };
        let mut problems = Vec::new();
        let (name, members, curves): (_, &[_], &[&str]) = match family {
            KeyFamily::Rsa => ("RSA", &[("n", &self.n), ("e", &self.e)], &[]),
            KeyFamily::Ec => (
                "EC",
                &[("crv", &self.crv), ("x", &self.x), ("y", &self.y)],
                &["P-256", "P-384", "P-521", "secp256k1"],
            ),
            KeyFamily::Okp => (
                "OKP",
                &[("crv", &self.crv), ("x", &self.x)],
                &["Ed25519", "Ed448"],
            ),
        };
        for (member, value) in members {
            match value {
                None => problems.push(JwkError::Missing {
                    family: name,
                    member,
                }),
                Some(text) if *member != "crv" && !is_base64ish(text) => {
                    problems.push(JwkError::Encoding { member })
                }
                Some(_) => {}
            }
        }
        if let Some(crv) = &self.crv {
            if !curves.is_empty() && !curves.contains(&crv.as_str()) {
                problems.push(JwkError::Curve {
                    family: name,
                    crv: crv.clone(),
                });
            }
        }
        if let Some(alg) = &self.alg {
            problems.extend(self.algorithm_problem(alg, family, name));
        }
        if let Some(use_) = &self.use_ {
            if use_ != "sig" {
                problems.push(JwkError::Use(use_.clone()));
            }
        }
        problems
    }

    fn algorithm_problem(
        &self,
        alg: &str,
        family: KeyFamily,
        name: &'static str,
    ) -> Option<JwkError> {
        if alg.eq_ignore_ascii_case("none") {
            return Some(JwkError::AlgorithmNone);
        }
        let Some(algorithm) = JwsAlgorithm::parse(alg) else {
            return Some(JwkError::UnknownAlgorithm(alg.to_string()));
        };
        match algorithm.family() {
            None => Some(JwkError::Hmac {
                alg: alg.to_string(),
            }),
            Some(expected) if expected != family => Some(JwkError::AlgorithmFamily {
                alg: alg.to_string(),
                family: name,
            }),
            Some(_) => match (algorithm.curve(), &self.crv) {
                (Some(expected), Some(crv)) if expected != crv => Some(JwkError::AlgorithmCurve {
                    alg: alg.to_string(),
                    expected,
                    crv: crv.clone(),
                }),
                _ => None,
            },
        }
    }
}

/// Standard base64 or base64url, padded or not: key material is decoded leniently, because
/// published examples use either.
fn is_base64ish(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'-' | b'_'))
}
