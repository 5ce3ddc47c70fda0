//! Topic names and filters: validation, shared subscriptions, and matching — both a filter
//! against a published topic and a route's pattern (with `{param}` captures) against a topic
//! or a filter.

mod filter;
mod pattern;

pub use filter::filter_matches;
pub use pattern::{ClientIdPattern, PatternError, TopicPattern};

/// Why a topic name or filter is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("topic is empty")]
    Empty,
    #[error("topic of {0} bytes exceeds 65535")]
    TooLong(usize),
    #[error("topic contains U+0000")]
    NullCharacter,
    #[error("wildcards are not allowed in a topic name")]
    WildcardInName,
    #[error("'#' must be the last level and stand alone")]
    MisplacedMultiLevelWildcard,
    #[error("'+' must take a whole level")]
    MisplacedSingleLevelWildcard,
    #[error(
        "shared subscription needs $share/{{group}}/{{filter}} with a group without wildcards"
    )]
    InvalidSharedSubscription,
}

fn check_common(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    if topic.len() > usize::from(u16::MAX) {
        return Err(TopicError::TooLong(topic.len()));
    }
    if topic.contains('\0') {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Checks a topic name (what PUBLISH and a will carry): not empty, no wildcards. An empty name
/// standing for an MQTT 5 topic alias is the caller's case to allow.
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    check_common(name)?;
    if name.contains(['+', '#']) {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
}

/// Checks a topic filter (what SUBSCRIBE carries), shared subscriptions included.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_common(filter)?;
    if let Some(shared) = SharedSubscription::parse(filter)? {
        return check_filter_levels(shared.filter);
    }
    check_filter_levels(filter)
}

/// `+` takes a whole level; `#` takes the whole last level.
fn check_filter_levels(filter: &str) -> Result<(), TopicError> {
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(TopicError::MisplacedMultiLevelWildcard);
        }
        if level.contains('+') && level != "+" {
            return Err(TopicError::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// A `$share/{group}/{filter}` subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedSubscription<'a> {
    pub group: &'a str,
    pub filter: &'a str,
}

impl<'a> SharedSubscription<'a> {
    const PREFIX: &'static str = "$share/";

    /// Whether `filter` asks for a shared subscription (valid or not).
    pub fn is_shared(filter: &str) -> bool {
        filter.starts_with(Self::PREFIX)
    }

    /// `Ok(None)` for a filter that is not shared; an error for a malformed shared one.
    pub fn parse(filter: &'a str) -> Result<Option<Self>, TopicError> {
        let Some(rest) = filter.strip_prefix(Self::PREFIX) else {
            return Ok(None);
        };
        let (group, filter) = rest
            .split_once('/')
            .ok_or(TopicError::InvalidSharedSubscription)?;
        if group.is_empty() || group.contains(['+', '#']) || filter.is_empty() {
            return Err(TopicError::InvalidSharedSubscription);
        }
        Ok(Some(Self { group, filter }))
    }
}

#[cfg(test)]
mod tests;
