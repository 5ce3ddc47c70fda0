//! Signature verification with `jsonwebtoken`, configured to check the signature and nothing
//! else: its claim checks (60 s default leeway, `exp` required, `nbf` ignored, vague errors)
//! differ from Zilla's, so [`crate::claim_policy`] checks the claims itself.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};

use crate::algorithms::VERIFIABLE;
use crate::claims::Claims;
use crate::rejection::Rejection;
use crate::verification_key::VerificationKey;

/// One `Validation` per algorithm, built once so a token costs no set-up.
pub struct Verifier {
    validations: Vec<(Algorithm, Validation)>,
}

impl Default for Verifier {
    fn default() -> Self {
        let validations = VERIFIABLE
            .iter()
            .map(|algorithm| {
                let mut validation = Validation::new(*algorithm);
                validation.leeway = 0;
                validation.validate_exp = false;
                validation.validate_nbf = false;
                validation.validate_aud = false;
                validation.required_spec_claims.clear();
                (*algorithm, validation)
            })
            .collect();
        Self { validations }
    }
}

impl Verifier {
    /// Verifies `token`'s signature with `key` and returns its claims.
    pub fn verify(
        &self,
        token: &str,
        key: &VerificationKey,
        algorithm: Algorithm,
    ) -> Result<Claims, Rejection> {
        let validation = self
            .validations
            .iter()
            .find(|(candidate, _)| *candidate == algorithm)
            .map(|(_, validation)| validation)
            .ok_or(Rejection::UnsupportedAlgorithm(
                crate::algorithms::name(algorithm).into(),
            ))?;
        match jsonwebtoken::decode::<Claims>(token, &key.decoding, validation) {
            Ok(data) => Ok(data.claims),
            Err(error) => Err(match error.kind() {
                ErrorKind::InvalidSignature => Rejection::BadSignature,
                ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidEcdsaKey
                | ErrorKind::InvalidEddsaKey
                | ErrorKind::InvalidKeyFormat => Rejection::KeyUnusable {
                    key: key.label.clone(),
                    reason: error.to_string(),
                },
                ErrorKind::Json(_) => {
                    Rejection::Malformed(format!("its claims are not a JSON object: {error}"))
                }
                _ => Rejection::Malformed(error.to_string()),
            }),
        }
    }
}
