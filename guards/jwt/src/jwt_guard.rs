//! The running jwt guard: turns a bearer token into a session, or refuses it with a reason
//! that goes to the event log.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use jsonwebtoken::Algorithm;
use zilla_engine::guard::{Guard, GuardRejection, Session};
use zilla_engine::telemetry::events::Events;

use crate::algorithms;
use crate::claim_policy::ClaimPolicy;
use crate::claims::Claims;
use crate::events;
use crate::jwk::JwsAlgorithm;
use crate::key_set::KeySet;
use crate::key_store::{KeyStore, Refresher};
use crate::rejection::Rejection;
use crate::token_header::{read_header, TokenHeader};
use crate::verifier::Verifier;

pub struct JwtGuard {
    pub(crate) name: Arc<str>,
    pub(crate) events: Events,
    pub(crate) keys: Arc<KeyStore>,
    pub(crate) policy: ClaimPolicy,
    pub(crate) verifier: Verifier,
    pub(crate) challenge: Option<Duration>,
    pub(crate) enforce_expiry: bool,
    pub(crate) _refresher: Option<Refresher>,
}

impl std::fmt::Debug for JwtGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtGuard")
            .field("name", &self.name)
            .field("keys", &self.keys.current().len())
            .finish_non_exhaustive()
    }
}

/// A refusal, with the identity the token claimed when it got far enough to tell.
type Refusal = (Option<String>, Rejection);

impl JwtGuard {
    /// The keys tokens are checked against right now.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> Arc<KeySet> {
        self.keys.current()
    }

    async fn verify(&self, credentials: &str) -> Result<Session, Refusal> {
        if credentials.is_empty() {
            return Err((None, Rejection::MissingCredentials));
        }
        let header = read_header(credentials).map_err(|rejection| (None, rejection))?;
        let algorithm = header_algorithm(&header.alg).map_err(|rejection| (None, rejection))?;
        let claims = self
            .verify_signature(credentials, &header, algorithm)
            .await
            .map_err(|rejection| (None, rejection))?;
        let identity = self
            .policy
            .identity(&claims)
            .map_err(|rejection| (None, rejection))?;
        match self.policy.check(&claims, SystemTime::now()) {
            Ok(expires_at) => Ok(self
                .policy
                .session(&self.name, &claims, identity, expires_at)),
            Err(rejection) => Err((Some(identity), rejection)),
        }
    }

    async fn verify_signature(
        &self,
        token: &str,
        header: &TokenHeader,
        algorithm: Algorithm,
    ) -> Result<Claims, Rejection> {
        let mut keys = self.keys.current();
        let kid = header.kid.as_deref();
        if lacks_key(&keys, kid, algorithm) && self.keys.refresh_on_demand().await {
            keys = self.keys.current();
        }
        if keys.is_empty() {
            return Err(Rejection::NoKeys);
        }
        if let Some(kid) = kid {
            let key = keys
                .by_kid(kid)
                .ok_or_else(|| Rejection::UnknownKid(kid.to_string()))?;
            if !key.accepts(algorithm) {
                return Err(Rejection::AlgorithmDiffers {
                    token: algorithms::name(algorithm),
                    key: key.label.clone(),
                    allowed: key.algorithms.clone(),
                });
            }
            return self.verifier.verify(token, key, algorithm);
        }
        // Without a kid the token may be from any key of its algorithm; a bad signature
        // from one key only means it was not that one.
        let mut refusal = Rejection::NoKeyForAlgorithm(algorithms::name(algorithm));
        for key in keys.fitting(algorithm) {
            match self.verifier.verify(token, key, algorithm) {
                Ok(claims) => return Ok(claims),
                Err(rejection @ (Rejection::BadSignature | Rejection::KeyUnusable { .. })) => {
                    refusal = rejection;
                }
                Err(other) => return Err(other),
            }
        }
        Err(refusal)
    }
}

fn lacks_key(keys: &KeySet, kid: Option<&str>, algorithm: Algorithm) -> bool {
    match kid {
        Some(kid) => keys.by_kid(kid).is_none(),
        None => keys.fitting(algorithm).next().is_none(),
    }
}

/// The header's algorithm, if this guard verifies it: `none`, HMAC and anything unknown are
/// refused whatever the keys say.
pub(crate) fn header_algorithm(alg: &str) -> Result<Algorithm, Rejection> {
    if alg.eq_ignore_ascii_case("none") {
        return Err(Rejection::Unsigned);
    }
    let parsed =
        JwsAlgorithm::parse(alg).ok_or_else(|| Rejection::UnsupportedAlgorithm(alg.to_string()))?;
    if parsed.family().is_none() {
        return Err(Rejection::Hmac(alg.to_string()));
    }
    algorithms::verifiable(parsed).ok_or_else(|| Rejection::UnsupportedAlgorithm(alg.to_string()))
}

#[async_trait]
impl Guard for JwtGuard {
    fn name(&self) -> &str {
        &self.name
    }

    /// On by default (`enforce-expiry`), unlike Zilla, which only checks expiry at login.
    fn enforces_expiry(&self) -> bool {
        self.enforce_expiry
    }

    /// The `challenge` option.
    fn challenge(&self) -> Option<Duration> {
        self.challenge
    }

    fn refused(&self, identity: Option<&str>, reason: &str) {
        self.events.emit(
            &self.name,
            events::AUTHORIZATION_FAILED,
            events::authorization_failed(identity, reason),
        );
    }

    async fn authorize(&self, credentials: &str) -> Result<Session, GuardRejection> {
        self.verify(credentials)
            .await
            .map_err(|(identity, rejection)| {
                let reason = rejection.to_string();
                self.events.emit(
                    &self.name,
                    events::AUTHORIZATION_FAILED,
                    events::authorization_failed(identity.as_deref(), &reason),
                );
                GuardRejection::new(reason)
            })
    }
}
