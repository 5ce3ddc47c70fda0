//! Which JWS algorithms this guard verifies, and which a key without `alg` accepts.

use jsonwebtoken::Algorithm;

use crate::jwk::{JwsAlgorithm, KeyFamily};

/// Every asymmetric algorithm `jsonwebtoken` verifies. HMAC is absent on purpose: a guard holds
/// public keys only, and accepting HS* would let a public key be used as a shared secret.
pub const VERIFIABLE: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The `jsonwebtoken` algorithm for a JWS algorithm this guard can verify.
pub fn verifiable(algorithm: JwsAlgorithm) -> Option<Algorithm> {
    Some(match algorithm {
        JwsAlgorithm::Rs256 => Algorithm::RS256,
        JwsAlgorithm::Rs384 => Algorithm::RS384,
        JwsAlgorithm::Rs512 => Algorithm::RS512,
        JwsAlgorithm::Ps256 => Algorithm::PS256,
        JwsAlgorithm::Ps384 => Algorithm::PS384,
        JwsAlgorithm::Ps512 => Algorithm::PS512,
        JwsAlgorithm::Es256 => Algorithm::ES256,
        JwsAlgorithm::Es384 => Algorithm::ES384,
        JwsAlgorithm::EdDsa => Algorithm::EdDSA,
        JwsAlgorithm::Hs256
        | JwsAlgorithm::Hs384
        | JwsAlgorithm::Hs512
        | JwsAlgorithm::Es512
        | JwsAlgorithm::Es256k => return None,
    })
}

/// Algorithms a key of this family (and curve) accepts when it names none itself.
pub fn for_family(family: KeyFamily, curve: Option<&str>) -> Option<Vec<Algorithm>> {
    match (family, curve) {
        (KeyFamily::Rsa, _) => Some(vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ]),
        (KeyFamily::Ec, Some("P-256")) => Some(vec![Algorithm::ES256]),
        (KeyFamily::Ec, Some("P-384")) => Some(vec![Algorithm::ES384]),
        (KeyFamily::Okp, Some("Ed25519")) => Some(vec![Algorithm::EdDSA]),
        _ => None,
    }
}

/// The name a JWS header or JWK gives the algorithm.
pub fn name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::EdDSA => "EdDSA",
    }
}
