//! Who a CONNECT is: its credentials checked by the configured guard, and its client id
//! settled (validated, or assigned when empty).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use zilla_engine::binding::{BuildContext, BuildError};
use zilla_engine::guard::{Authorization, Guard};

use crate::codec::{reason, Connect};
use crate::credentials::CredentialPattern;
use crate::options::{ClientIdPolicy, MqttServerOptions};

/// Longest client id accepted.
const MAX_CLIENT_ID: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Username,
    Password,
}

/// The guard named by `options.authorization` and where its credentials come from.
pub struct Login {
    guard: Arc<dyn Guard>,
    field: Field,
    pattern: CredentialPattern,
    /// The client id must be the authorization's identity.
    confine_client_id: bool,
}

/// Why a login was refused; for the log only, never for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefused {
    #[error("no credentials in the CONNECT {0}")]
    Missing(&'static str),
    #[error("the CONNECT {0} does not match the credentials pattern")]
    Mismatch(&'static str),
    #[error("the guard refused the credentials: {0}")]
    Rejected(String),
}

impl Login {
    pub fn build(
        context: &BuildContext<'_>,
        options: &MqttServerOptions,
    ) -> Result<Option<Self>, BuildError> {
        let Some((name, authorization)) = options.authorization.iter().next() else {
            return Ok(None);
        };
        let guard =
            context.guards.get(name).cloned().ok_or_else(|| {
                BuildError::Config(format!("{}: unknown guard {name}", context.id))
            })?;
        let connect = &authorization.credentials.connect;
        let (field, pattern) = match (&connect.username, &connect.password) {
            (Some(pattern), _) => (Field::Username, pattern),
            (None, Some(pattern)) => (Field::Password, pattern),
            (None, None) => {
                return Err(BuildError::Config(format!(
                    "{}: authorization {name} names no credentials",
                    context.id
                )))
            }
        };
        let pattern = CredentialPattern::parse(pattern)
            .map_err(|error| BuildError::Config(format!("{}: {error}", context.id)))?;
        Ok(Some(Self {
            guard,
            field,
            pattern,
            confine_client_id: authorization.client_id == Some(ClientIdPolicy::Identity),
        }))
    }

    /// The client id the connection goes by under `client-id: identity`: an assigned id becomes
    /// the identity, any other must equal it. `None` when it does not (the guard is told).
    pub fn confine(&self, authorization: &Authorization, client_id: ClientId) -> Option<ClientId> {
        if !self.confine_client_id {
            return Some(client_id);
        }
        let identity = authorization
            .session(self.guard.name())
            .map(|session| session.identity.clone())?;
        if client_id.assigned && !identity.is_empty() {
            return Some(ClientId {
                value: identity,
                assigned: true,
            });
        }
        if client_id.value == identity {
            return Some(client_id);
        }
        self.guard.refused(
            Some(&identity),
            &format!(
                "client id '{}' is not the token's identity",
                client_id.value
            ),
        );
        None
    }

    /// Tells the guard that a session it issued was refused by the routes (roles missing).
    pub fn refused_by_routes(&self, authorization: &Authorization) {
        let name = self.guard.name();
        let identity = authorization
            .session(name)
            .map(|session| session.identity.as_str());
        self.guard.refused(
            identity,
            "the token lacks the roles the session route requires",
        );
    }

    /// Whether connections must end when their authorization expires.
    pub fn enforces_expiry(&self) -> bool {
        self.guard.enforces_expiry()
    }

    pub async fn authorize(&self, connect: &Connect) -> Result<Authorization, LoginRefused> {
        let (name, value) = match self.field {
            Field::Username => ("username", connect.username.clone()),
            Field::Password => (
                "password",
                connect
                    .password
                    .as_ref()
                    .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok()),
            ),
        };
        let Some(value) = value else {
            self.guard.refused(None, &format!("no {name} in CONNECT"));
            return Err(LoginRefused::Missing(name));
        };
        let Some(credentials) = self.pattern.extract(&value) else {
            self.guard.refused(
                None,
                &format!("the {name} does not match the credentials pattern"),
            );
            return Err(LoginRefused::Mismatch(name));
        };
        let session = self
            .guard
            .authorize(credentials)
            .await
            .map_err(|rejection| LoginRefused::Rejected(rejection.reason))?;
        Ok(Authorization::single(session))
    }
}

/// The client id a connection goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId {
    pub value: String,
    pub assigned: bool,
}

/// Validates the client id of a CONNECT, or assigns one; `Err` holds the v5 reason code to
/// refuse it with.
pub fn settle_client_id(client_id: &str, clean_start: bool) -> Result<ClientId, u8> {
    if client_id.is_empty() {
        if !clean_start {
            return Err(reason::CLIENT_IDENTIFIER_NOT_VALID);
        }
        return Ok(ClientId {
            value: assign_client_id(),
            assigned: true,
        });
    }
    if client_id.len() > MAX_CLIENT_ID || client_id.chars().any(char::is_control) {
        return Err(reason::CLIENT_IDENTIFIER_NOT_VALID);
    }
    Ok(ClientId {
        value: client_id.to_owned(),
        assigned: false,
    })
}

/// A fresh id, unique within the process and unlikely to collide across instances.
fn assign_client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(count);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    format!("zilla-{:016x}{:08x}", hasher.finish(), count & 0xffff_ffff)
}

/// A unique id per connection, which every application stream of it carries as affinity.
pub fn next_affinity() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_ids_are_assigned_only_with_clean_start() {
        let assigned = settle_client_id("", true).unwrap_or_else(|code| panic!("{code}"));
        assert!(assigned.assigned && assigned.value.starts_with("zilla-"));
        assert_ne!(
            settle_client_id("", true).map(|id| id.value),
            Ok(assigned.value)
        );
        assert_eq!(
            settle_client_id("", false),
            Err(reason::CLIENT_IDENTIFIER_NOT_VALID)
        );
    }

    #[test]
    fn long_or_control_ids_are_refused() {
        assert!(settle_client_id(&"a".repeat(256), false).is_ok());
        assert!(settle_client_id(&"a".repeat(257), false).is_err());
        assert!(settle_client_id("a\u{7}b", false).is_err());
    }
}
