//! Credential patterns such as `Bearer {credentials}`: the CONNECT field must match the whole
//! pattern, and the part standing for `{credentials}` is what the guard verifies.

const PLACEHOLDER: &str = "{credentials}";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern {pattern:?} must contain {{credentials}} exactly once, found {found}")]
pub struct CredentialPatternError {
    pub pattern: String,
    pub found: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPattern {
    prefix: String,
    suffix: String,
}

impl CredentialPattern {
    pub fn parse(pattern: &str) -> Result<Self, CredentialPatternError> {
        let found = pattern.matches(PLACEHOLDER).count();
        let Some((prefix, suffix)) = pattern.split_once(PLACEHOLDER).filter(|_| found == 1) else {
            return Err(CredentialPatternError {
                pattern: pattern.to_owned(),
                found,
            });
        };
        Ok(Self {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    /// The credentials inside `field`, when the whole field matches the pattern.
    pub fn extract<'a>(&self, field: &'a str) -> Option<&'a str> {
        field
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_suffix(self.suffix.as_str()))
            .filter(|credentials| !credentials.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let pattern = CredentialPattern::parse("Bearer {credentials}");
        let pattern = pattern.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pattern.extract("Bearer abc.def"), Some("abc.def"));
        assert_eq!(pattern.extract("bearer abc"), None);
        assert_eq!(pattern.extract("Bearer "), None);
        assert_eq!(pattern.extract("xBearer abc"), None);
    }

    #[test]
    fn exactly_one_placeholder() {
        let none = CredentialPattern::parse("Bearer");
        assert_eq!(none.map_err(|e| e.found), Err(0));
        let two = CredentialPattern::parse("{credentials}:{credentials}");
        assert_eq!(two.map_err(|e| e.found), Err(2));
        let bare = CredentialPattern::parse("{credentials}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bare.extract("token"), Some("token"));
    }
}
