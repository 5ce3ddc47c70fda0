//! Route patterns: topic filters whose levels may also hold one `{param}` each, matched against
//! a published topic name or against a subscription's filter, capturing the parameters.

use zilla_engine::route::Captures;

/// Why a route's topic or client-id pattern is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("pattern is empty")]
    Empty,
    #[error("'#' must be the last level and stand alone")]
    MisplacedMultiLevelWildcard,
    #[error("'+' must take a whole level")]
    MisplacedSingleLevelWildcard,
    #[error("level {0:?} has an unclosed or stray brace")]
    UnbalancedBrace(String),
    #[error("level {0:?} holds more than one parameter")]
    SeveralParams(String),
    #[error("parameter name {0:?} must be letters and digits")]
    InvalidParamName(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Level {
    Literal(String),
    /// `prefix{name}suffix`: the part between prefix and suffix is captured as `name`.
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
    SingleWildcard,
    MultiWildcard,
}

impl Level {
    fn parse(level: &str, is_last: bool) -> Result<Self, PatternError> {
        match level {
            "#" if is_last => return Ok(Level::MultiWildcard),
            "#" => return Err(PatternError::MisplacedMultiLevelWildcard),
            "+" => return Ok(Level::SingleWildcard),
            _ => {}
        }
        if level.contains('#') {
            return Err(PatternError::MisplacedMultiLevelWildcard);
        }
        if level.contains('+') {
            return Err(PatternError::MisplacedSingleLevelWildcard);
        }
        let Some((prefix, rest)) = level.split_once('{') else {
            if level.contains('}') {
                return Err(PatternError::UnbalancedBrace(level.to_owned()));
            }
            return Ok(Level::Literal(level.to_owned()));
        };
        let (name, suffix) = rest
            .split_once('}')
            .ok_or_else(|| PatternError::UnbalancedBrace(level.to_owned()))?;
        if prefix.contains('}') || name.contains('{') {
            return Err(PatternError::UnbalancedBrace(level.to_owned()));
        }
        if suffix.contains(['{', '}']) {
            return Err(PatternError::SeveralParams(level.to_owned()));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PatternError::InvalidParamName(name.to_owned()));
        }
        Ok(Level::Param {
            prefix: prefix.to_owned(),
            name: name.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    fn is_wildcard_like(&self) -> bool {
        match self {
            Level::SingleWildcard | Level::MultiWildcard => true,
            Level::Param { prefix, .. } => prefix.is_empty(),
            Level::Literal(_) => false,
        }
    }

    /// Matches one concrete level, capturing a parameter.
    fn capture(&self, level: &str, captures: &mut Captures) -> bool {
        match self {
            Level::Literal(literal) => literal == level,
            Level::SingleWildcard => true,
            Level::MultiWildcard => true,
            Level::Param {
                prefix,
                name,
                suffix,
            } => {
                let value = level
                    .strip_prefix(prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(suffix.as_str()));
                match value {
                    Some(value) if !value.is_empty() && !value.contains(['+', '#']) => {
                        captures.insert(name.clone(), value.to_owned());
                        true
                    }
                    _ => false,
                }
            }
        }
    }
}

/// A route's `topic` pattern, e.g. `place/{identity}/#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPattern {
    levels: Vec<Level>,
    text: String,
}

impl TopicPattern {
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        if pattern.is_empty() {
            return Err(PatternError::Empty);
        }
        let count = pattern.split('/').count();
        let levels = pattern
            .split('/')
            .enumerate()
            .map(|(index, level)| Level::parse(level, index.saturating_add(1) == count))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            levels,
            text: pattern.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Names of the parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.levels.iter().filter_map(|level| match level {
            Level::Param { name, .. } => Some(name.as_str()),
            _ => None,
        })
    }

    fn refuses_dollar(&self, subject: &str) -> bool {
        subject.starts_with('$') && self.levels.first().is_some_and(Level::is_wildcard_like)
    }

    /// Matches a published topic name.
    pub fn match_topic(&self, topic: &str) -> Option<Captures> {
        if self.refuses_dollar(topic) {
            return None;
        }
        let mut captures = Captures::new();
        let mut topic_levels = topic.split('/');
        for level in &self.levels {
            if *level == Level::MultiWildcard {
                return Some(captures);
            }
            let name = topic_levels.next()?;
            if !level.capture(name, &mut captures) {
                return None;
            }
        }
        topic_levels.next().is_none().then_some(captures)
    }

    /// Matches a subscription filter: true when every topic the filter selects is one the
    /// pattern allows. A parameter only covers a concrete level, never a wildcard. Strip
    /// `$share/{group}/` before calling.
    pub fn match_filter(&self, filter: &str) -> Option<Captures> {
        if self.refuses_dollar(filter) {
            return None;
        }
        let mut captures = Captures::new();
        let mut filter_levels = filter.split('/');
        for level in &self.levels {
            if *level == Level::MultiWildcard {
                return Some(captures);
            }
            let wanted = filter_levels.next()?;
            let covered = match (level, wanted) {
                (_, "#") => false,
                (Level::SingleWildcard, _) => true,
                (_, "+") => false,
                (level, wanted) => level.capture(wanted, &mut captures),
            };
            if !covered {
                return None;
            }
        }
        filter_levels.next().is_none().then_some(captures)
    }
}

/// A route's `client-id` pattern: `*` stands for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdPattern {
    parts: Vec<String>,
}

impl ClientIdPattern {
    pub fn new(pattern: &str) -> Self {
        Self {
            parts: pattern.split('*').map(str::to_owned).collect(),
        }
    }

    pub fn matches(&self, client_id: &str) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return client_id.is_empty();
        };
        let Some(mut remaining) = client_id.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return remaining.is_empty();
        };
        for part in middle {
            match remaining.find(part.as_str()) {
                Some(at) => {
                    remaining = remaining.get(at.saturating_add(part.len())..).unwrap_or("")
                }
                None => return false,
            }
        }
        remaining.ends_with(last.as_str())
    }
}
