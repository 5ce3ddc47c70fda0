//! The factory registered for `type: jwt` guards.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use zilla_engine::binding::{parse_options, schema_of, BuildError};
use zilla_engine::config::error::Problem;
use zilla_engine::guard::Guard;
use zilla_engine::registry::{ComponentContext, ComponentFactory, GuardFactory};

use crate::guard_builder::{build_guard, Tuning};
use crate::jwk::Jwk;
use crate::jwt_guard::JwtGuard;
use crate::keys_url::{default_keys_url, keys_location, KeysLocation};
use crate::options::{JwtKeys, JwtOptions};
use crate::verification_key::VerificationKey;

#[derive(Debug, Default, Clone, Copy)]
pub struct JwtGuardFactory;

impl ComponentFactory for JwtGuardFactory {
    fn type_name(&self) -> &'static str {
        "jwt"
    }

    fn options_schema(&self) -> Option<Value> {
        Some(schema_of::<JwtOptions>())
    }

    fn check(&self, options: Option<&Value>, config_dir: &Path) -> Vec<Problem> {
        if options.is_none() {
            return vec![Problem::new("", "a jwt guard needs options")
                .with_hint("give at least options.keys, the keys tokens are signed with")];
        }
        let options: JwtOptions = match parse_options(options) {
            Ok(options) => options,
            Err(problem) => return vec![problem],
        };
        match (&options.keys, &options.issuer) {
            (None, None) => vec![
                Problem::new("/options", "a jwt guard without keys can verify no token")
                    .with_hint("list JWKs under options.keys, give the URL of a JWK set, or an issuer that publishes one at /.well-known/jwks.json"),
            ],
            (None, Some(issuer)) => match keys_location(&default_keys_url(issuer), config_dir) {
                Ok(_) => Vec::new(),
                Err(_) => vec![Problem::new(
                    "/options/issuer",
                    format!("without options.keys, keys are fetched from the issuer, but {issuer:?} is not an http(s) URL"),
                )
                .with_hint("give options.keys")],
            },
            (Some(JwtKeys::Inline(keys)), _) => inline_key_problems(keys, "/options/keys"),
            (Some(JwtKeys::Url(url)), _) => url_problems(url, config_dir),
        }
    }
}

impl GuardFactory for JwtGuardFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Guard>, BuildError> {
        Ok(self.build_jwt(&context)?)
    }
}

impl JwtGuardFactory {
    /// The guard as its own type, for callers that need its expiry settings.
    pub fn build_jwt(&self, context: &ComponentContext<'_>) -> Result<Arc<JwtGuard>, BuildError> {
        build_guard(context, Tuning::default()).map(Arc::new)
    }
}

fn inline_key_problems(keys: &[Jwk], pointer: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut kids: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, key) in keys.iter().enumerate() {
        let structural = key.problems();
        for error in &structural {
            problems.push(Problem::new(
                format!("{pointer}/{index}/{}", error.member()),
                error.to_string(),
            ));
        }
        // What only decoding finds (short moduli, wrong-sized points, algorithms we cannot
        // verify) is checked too, so `validate` refuses what `start` would.
        if structural.is_empty() {
            if let Err(error) = VerificationKey::from_jwk(key, index) {
                let member = error.reason.member();
                let at = if member.is_empty() {
                    format!("{pointer}/{index}")
                } else {
                    format!("{pointer}/{index}/{member}")
                };
                problems.push(Problem::new(at, error.reason.to_string()));
            }
        }
        if let Some(kid) = key.kid.as_deref() {
            if let Some(first) = kids.insert(kid, index) {
                problems.push(Problem::new(
                    format!("{pointer}/{index}/kid"),
                    format!("kid {kid:?} is also the kid of key {first}: tokens could not tell them apart"),
                ));
            }
        }
    }
    problems
}

/// A remote JWK set is fetched at start, never during validation; a local one is read now.
fn url_problems(url: &str, config_dir: &Path) -> Vec<Problem> {
    let path = match keys_location(url, config_dir) {
        Ok(KeysLocation::Http(_)) => return Vec::new(),
        Ok(KeysLocation::File(path)) => path,
        Err(error) => return vec![Problem::new("/options/keys", error.to_string())],
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            return vec![Problem::new(
                "/options/keys",
                format!("cannot read the JWK set {}: {error}", path.display()),
            )]
        }
    };
    #[derive(serde::Deserialize)]
    struct JwkSet {
        keys: Vec<Jwk>,
    }
    match serde_json::from_str::<JwkSet>(&text) {
        Ok(set) => inline_key_problems(&set.keys, "")
            .into_iter()
            .map(|problem| {
                Problem::new(
                    "/options/keys",
                    format!(
                        "{} (in {} at /keys{})",
                        problem.message,
                        path.display(),
                        problem.pointer
                    ),
                )
            })
            .collect(),
        Err(error) => vec![Problem::new(
            "/options/keys",
            format!("{} is not a JWK set: {error}", path.display()),
        )],
    }
}
