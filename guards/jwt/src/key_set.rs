//! The keys a guard verifies with at one moment, looked up by `kid` or by algorithm.

use std::collections::HashMap;

use jsonwebtoken::Algorithm;
use serde_json::Value;

use crate::jwk::Jwk;
use crate::verification_key::{KeyError, VerificationKey};

#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<VerificationKey>,
    by_kid: HashMap<String, usize>,
}

/// Why a fetched JWK set was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("not a JWK set: {0}")]
    NotJwks(String),
    #[error("no usable key in the JWK set{}", skipped_suffix(.0))]
    NoUsableKey(Vec<String>),
}

fn skipped_suffix(skipped: &[String]) -> String {
    if skipped.is_empty() {
        String::new()
    } else {
        format!(" ({})", skipped.join("; "))
    }
}

/// A JWK set read from a URL, and the keys in it that could not be used.
#[derive(Debug)]
pub struct FetchedKeys {
    pub keys: KeySet,
    pub skipped: Vec<String>,
}

impl KeySet {
    /// Keys written in the config: any key that cannot be used is an error, because the
    /// operator meant every one of them.
    pub fn from_inline(jwks: &[Jwk]) -> Result<Self, KeyError> {
        let mut set = Self::default();
        for (index, jwk) in jwks.iter().enumerate() {
            set.insert(VerificationKey::from_jwk(jwk, index)?);
        }
        Ok(set)
    }

    /// A JWK set document (`{"keys": [...]}`) from an identity provider. Providers publish keys
    /// for other purposes too (encryption keys, algorithms we do not verify), so those are
    /// skipped and reported; a set with no usable key at all is refused.
    pub fn from_jwks(document: &[u8]) -> Result<FetchedKeys, JwksError> {
        let value: Value = serde_json::from_slice(document)
            .map_err(|error| JwksError::NotJwks(error.to_string()))?;
        let entries = value
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| JwksError::NotJwks("it has no \"keys\" array".into()))?;
        let mut set = Self::default();
        let mut skipped = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let key = serde_json::from_value::<Jwk>(entry.clone())
                .map_err(|error| format!("key #{index}: {error}"))
                .and_then(|jwk| {
                    VerificationKey::from_jwk(&jwk, index).map_err(|error| error.to_string())
                });
            match key {
                Ok(key)
                    if key
                        .kid
                        .as_ref()
                        .is_some_and(|kid| set.by_kid.contains_key(kid)) =>
                {
                    skipped.push(format!("{}: its kid is already taken", key.label));
                }
                Ok(key) => set.insert(key),
                Err(reason) => skipped.push(reason),
            }
        }
        if set.is_empty() {
            return Err(JwksError::NoUsableKey(skipped));
        }
        Ok(FetchedKeys { keys: set, skipped })
    }

    fn insert(&mut self, key: VerificationKey) {
        if let Some(kid) = &key.kid {
            self.by_kid.entry(kid.clone()).or_insert(self.keys.len());
        }
        self.keys.push(key);
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn by_kid(&self, kid: &str) -> Option<&VerificationKey> {
        self.by_kid.get(kid).and_then(|index| self.keys.get(*index))
    }

    /// Keys that may verify a token signed with `algorithm` and naming no key.
    pub fn fitting(&self, algorithm: Algorithm) -> impl Iterator<Item = &VerificationKey> {
        self.keys.iter().filter(move |key| key.accepts(algorithm))
    }
}
