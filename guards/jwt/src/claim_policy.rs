//! What the verified claims must say (time window, issuer, audience) and what a session takes
//! from them (identity, roles, attributes, expiry).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use zilla_engine::guard::Session;

use crate::claims::{self, Claims};
use crate::options::JwtOptions;
use crate::rejection::Rejection;

#[derive(Debug, Clone)]
pub struct ClaimPolicy {
    issuer: Option<String>,
    audience: Vec<String>,
    roles: String,
    identity: String,
    attributes: Vec<(String, String)>,
    leeway: f64,
}

impl ClaimPolicy {
    pub fn from_options(options: &JwtOptions) -> Self {
        Self {
            issuer: options.issuer.clone(),
            audience: options
                .audience
                .as_ref()
                .map(|audience| audience.values().to_vec())
                .unwrap_or_default(),
            roles: options.roles.clone(),
            identity: options.identity.clone(),
            attributes: options
                .attributes
                .iter()
                .map(|(name, path)| (name.clone(), path.clone()))
                .collect(),
            leeway: options.leeway as f64,
        }
    }

    /// The identity claim, read before the other checks so a refusal can say whose token it
    /// was. A token without one gets an empty identity, as Zilla allows.
    pub fn identity(&self, claims: &Claims) -> Result<String, Rejection> {
        match claims::claim(claims, &self.identity) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(identity)) => Ok(identity.clone()),
            Some(Value::Number(number)) => Ok(number.to_string()),
            Some(_) => Err(Rejection::BadIdentity(self.identity.clone())),
        }
    }

    /// Checks the time window, issuer and audience; returns when the token expires. `exp` is
    /// optional as in Zilla: a token without it never expires.
    pub fn check(&self, claims: &Claims, now: SystemTime) -> Result<Option<SystemTime>, Rejection> {
        let now_seconds = now
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_secs_f64())
            .unwrap_or(0.0);
        let exp = date(claims, "exp")?;
        if let Some(exp) = exp {
            if now_seconds > exp + self.leeway {
                return Err(Rejection::Expired {
                    exp: exp as i64,
                    now: now_seconds as i64,
                });
            }
        }
        if let Some(nbf) = date(claims, "nbf")? {
            if now_seconds + self.leeway < nbf {
                return Err(Rejection::NotYetValid {
                    nbf: nbf as i64,
                    now: now_seconds as i64,
                });
            }
        }
        self.check_issuer(claims)?;
        self.check_audience(claims)?;
        Ok(exp.and_then(|exp| {
            Duration::try_from_secs_f64(exp)
                .ok()
                .and_then(|since| UNIX_EPOCH.checked_add(since))
        }))
    }

    fn check_issuer(&self, claims: &Claims) -> Result<(), Rejection> {
        let Some(expected) = &self.issuer else {
            return Ok(());
        };
        match claims.get("iss").and_then(Value::as_str) {
            None => Err(Rejection::IssuerMissing {
                expected: expected.clone(),
            }),
            Some(actual) if actual != expected => Err(Rejection::IssuerDiffers {
                actual: actual.to_string(),
                expected: expected.clone(),
            }),
            Some(_) => Ok(()),
        }
    }

    fn check_audience(&self, claims: &Claims) -> Result<(), Rejection> {
        if self.audience.is_empty() {
            return Ok(());
        }
        match claims::audiences(claims) {
            None => Err(Rejection::AudienceMissing {
                expected: self.audience.clone(),
            }),
            Some(actual) if !actual.iter().any(|aud| self.audience.contains(aud)) => {
                Err(Rejection::AudienceDiffers {
                    actual,
                    expected: self.audience.clone(),
                })
            }
            Some(_) => Ok(()),
        }
    }

    pub fn session(
        &self,
        guard: &Arc<str>,
        claims: &Claims,
        identity: String,
        expires_at: Option<SystemTime>,
    ) -> Session {
        let attributes: BTreeMap<String, String> = self
            .attributes
            .iter()
            .filter_map(|(name, path)| {
                let value = claims::attribute_text(claims::claim(claims, path)?)?;
                Some((name.clone(), value))
            })
            .collect();
        Session {
            guard: guard.clone(),
            identity,
            roles: claims::roles(claims::claim(claims, &self.roles)),
            attributes,
            expires_at,
        }
    }
}

fn date(claims: &Claims, name: &'static str) -> Result<Option<f64>, Rejection> {
    claims::numeric_date(claims, name)
        .transpose()
        .map_err(|()| Rejection::BadTime(name))
}
