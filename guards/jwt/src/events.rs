//! Event names this guard emits and how their messages read.

/// A token was refused. Zilla emits the same event; exporters render the name in upper case.
pub const AUTHORIZATION_FAILED: &str = "guard.jwt.authorization.failed";

/// Keys could not be read from the `keys` URL; the guard keeps the last keys it had.
pub const KEYS_FETCH_FAILED: &str = "guard.jwt.keys.fetch.failed";

/// The message of an authorization failure: who the token claimed to be (when it got far
/// enough to tell) and why it was refused.
pub fn authorization_failed(identity: Option<&str>, reason: &str) -> String {
    let identity = identity
        .filter(|identity| !identity.is_empty())
        .unwrap_or("-");
    format!("JWT authorization failed for identity {identity}: {reason}")
}
