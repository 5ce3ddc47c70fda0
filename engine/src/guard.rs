//! Guards turn credentials into an authorization that travels on every `Begin`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

/// A verified identity issued by one guard. It is a shared handle that outlives the guard instance
/// (and a config reload): later bindings read it directly instead of asking the guard that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Qualified name of the guard that issued it (`namespace:name`).
    pub guard: Arc<str>,
    pub identity: String,
    pub roles: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub expires_at: Option<SystemTime>,
}

/// The sessions a stream carries, one per guard that authorized it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization(Arc<Vec<Session>>);

impl Authorization {
    pub fn new(sessions: Vec<Session>) -> Self {
        Self(Arc::new(sessions))
    }

    pub fn single(session: Session) -> Self {
        Self::new(vec![session])
    }

    pub fn sessions(&self) -> &[Session] {
        &self.0
    }

    /// The session issued by `guard` (a qualified name).
    pub fn session(&self, guard: &str) -> Option<&Session> {
        self.0.iter().find(|session| &*session.guard == guard)
    }

    /// True when the session from `guard` carries every role in `roles`.
    pub fn verify(&self, guard: &str, roles: &[String]) -> bool {
        self.session(guard).is_some_and(|session| {
            roles
                .iter()
                .all(|role| session.roles.iter().any(|have| have == role))
        })
    }

    /// The earliest expiry across sessions.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.0.iter().filter_map(|session| session.expires_at).min()
    }
}

/// Why a guard refused credentials. The reason is for the event log only, never for the client.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{reason}")]
pub struct GuardRejection {
    pub reason: String,
}

impl GuardRejection {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A running guard.
#[async_trait]
pub trait Guard: Send + Sync {
    /// Qualified name (`namespace:name`).
    fn name(&self) -> &str;

    /// Verifies `credentials` and issues a session.
    async fn authorize(&self, credentials: &str) -> Result<Session, GuardRejection>;

    /// Records a refusal a binding decided on the guard's behalf — credentials missing from where
    /// the binding looks for them, or roles a route requires but the session lacks — as this
    /// guard's own authorization-failure event, so operators find every refusal in one place.
    fn refused(&self, identity: Option<&str>, reason: &str) {
        let _ = (identity, reason);
    }

    /// Whether a connection must end when its session expires (not only be refused at login
    /// once expired).
    fn enforces_expiry(&self) -> bool {
        false
    }

    /// Seconds before expiry at which a client may be asked to re-authenticate, if configured.
    fn challenge(&self) -> Option<std::time::Duration> {
        None
    }
}
