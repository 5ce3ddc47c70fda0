//! Why a token was refused, worded for the operator reading the event log. Clients never see
//! these: they are told nothing about failed security checks.

use jsonwebtoken::Algorithm;

use crate::algorithms;
use crate::verification_key::KeyLabel;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no credentials were given")]
    MissingCredentials,
    #[error("the token is malformed: {0}")]
    Malformed(String),
    #[error("the token is not signed (alg \"none\")")]
    Unsigned,
    #[error("the token is signed with {0}, an HMAC algorithm, which a public key never verifies")]
    Hmac(String),
    #[error("the token's algorithm {0:?} is not one this guard verifies")]
    UnsupportedAlgorithm(String),
    #[error("the token names kid {0:?}, which no known key has")]
    UnknownKid(String),
    #[error("the token is signed with {token}, but {key} is for {}", names(.allowed))]
    AlgorithmDiffers {
        token: &'static str,
        key: KeyLabel,
        allowed: Vec<Algorithm>,
    },
    #[error("the token names no kid and no key is for {0}")]
    NoKeyForAlgorithm(&'static str),
    #[error("no keys are loaded yet (the JWK set could not be fetched)")]
    NoKeys,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("{key} cannot verify signatures: {reason}")]
    KeyUnusable { key: KeyLabel, reason: String },
    #[error("claim {0:?} is not a NumericDate")]
    BadTime(&'static str),
    #[error("the token expired at {exp} (now {now})")]
    Expired { exp: i64, now: i64 },
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid { nbf: i64, now: i64 },
    #[error("the token has no iss claim; {expected:?} is required")]
    IssuerMissing { expected: String },
    #[error("the token's issuer {actual:?} differs from {expected:?}")]
    IssuerDiffers { actual: String, expected: String },
    #[error("the token has no aud claim; one of {} is required", quoted(.expected))]
    AudienceMissing { expected: Vec<String> },
    #[error("the token's audience {} includes none of {}", quoted(.actual), quoted(.expected))]
    AudienceDiffers {
        actual: Vec<String>,
        expected: Vec<String>,
    },
    #[error("identity claim {0:?} is neither a string nor a number")]
    BadIdentity(String),
}

fn names(algorithms: &[Algorithm]) -> String {
    algorithms
        .iter()
        .map(|algorithm| algorithms::name(*algorithm))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|value| format!("{value:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
