//! Building a running guard from its options: keys decoded or fetched, claim rules set,
//! background refresh started.
//!
//! Keys from a `file:` URL that cannot be loaded stop the start, as in Zilla (the file is local
//! and `zilla validate` already reads it). Keys over HTTP(S) that cannot be fetched at start do
//! not: the identity provider may simply be starting alongside the gateway, so the guard starts
//! with no keys, refuses every token, and fetches again on the next token (rate-limited) and
//! on every refresh until it succeeds. Each failure is logged and emitted as an event.

use std::sync::Arc;
use std::time::Duration;

use zilla_engine::binding::{parse_options, BuildError};
use zilla_engine::registry::ComponentContext;

use crate::claim_policy::ClaimPolicy;
use crate::fetch::FetchLimits;
use crate::jwt_guard::JwtGuard;
use crate::key_set::KeySet;
use crate::key_store::{spawn_refresher, KeyStore, RemoteKeys, ON_DEMAND_INTERVAL};
use crate::keys_url::{default_keys_url, keys_location, KeysLocation};
use crate::options::{JwtKeys, JwtOptions};
use crate::verifier::Verifier;

/// Limits on fetching keys; tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    pub limits: FetchLimits,
    pub on_demand_interval: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            limits: FetchLimits::default(),
            on_demand_interval: ON_DEMAND_INTERVAL,
        }
    }
}

pub fn build_guard(context: &ComponentContext<'_>, tuning: Tuning) -> Result<JwtGuard, BuildError> {
    let name = context.id.clone();
    let fail = |message: String| BuildError::Config(format!("{name}: {message}"));
    let options: JwtOptions =
        parse_options(context.options).map_err(|problem| fail(problem.message))?;
    let keys = match (&options.keys, &options.issuer) {
        (Some(JwtKeys::Inline(jwks)), _) => {
            KeyStore::fixed(KeySet::from_inline(jwks).map_err(|error| fail(error.to_string()))?)
        }
        (Some(JwtKeys::Url(url)), _) => remote_keys(context, url, tuning)?,
        (None, Some(issuer)) => remote_keys(context, &default_keys_url(issuer), tuning)?,
        (None, None) => {
            return Err(fail(
                "a jwt guard needs keys, or an issuer to fetch them from".into(),
            ))
        }
    };
    let keys = Arc::new(keys);
    let refresher = if keys.is_remote() {
        spawn_refresher(&keys, Duration::from_secs(options.refresh.max(1)))
    } else {
        None
    };
    Ok(JwtGuard {
        name: name.clone(),
        events: context.events.clone(),
        keys,
        policy: ClaimPolicy::from_options(&options),
        verifier: Verifier::default(),
        challenge: options.challenge.map(Duration::from_secs),
        enforce_expiry: options.enforce_expiry,
        _refresher: refresher,
    })
}

fn remote_keys(
    context: &ComponentContext<'_>,
    url: &str,
    tuning: Tuning,
) -> Result<KeyStore, BuildError> {
    let fail = |message: String| BuildError::Config(format!("{}: {message}", context.id));
    let location =
        keys_location(url, context.config_dir).map_err(|error| fail(error.to_string()))?;
    let is_file = matches!(location, KeysLocation::File(_));
    let mut remote = RemoteKeys::new(location, context.id.clone(), context.events.clone());
    remote.limits = tuning.limits;
    remote.on_demand_interval = tuning.on_demand_interval;
    let initial = match remote.load_blocking() {
        Ok(keys) => keys,
        Err(reason) if is_file => return Err(fail(format!("cannot load keys: {reason}"))),
        Err(reason) => {
            remote.report(format!(
                "cannot load keys at start, refusing every token until a fetch succeeds: {reason}"
            ));
            KeySet::default()
        }
    };
    Ok(KeyStore::remote(initial, remote))
}
