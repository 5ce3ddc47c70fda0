//! `${{ env.NAME }}` substitution, done on the text before YAML parsing so that a substituted
//! number (`port: ${{ env.PORT }}`) is typed as a number by the YAML parser.
//!
//! Only the `env` context is resolved here; other contexts (`${{ vault.x }}`, `${{ guarded… }}`)
//! are left as written for the bindings that understand them.

/// The text with every `${{ env.NAME }}` replaced, and one warning per unset variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub text: String,
    pub warnings: Vec<String>,
    /// Each unset variable with the byte offset of its first use in the original text.
    pub unset: Vec<(String, usize)>,
}

const OPEN: &str = "${{";
const CLOSE: &str = "}}";

/// Replaces `${{ env.NAME }}` (whitespace allowed inside the braces) with `env(NAME)`; an unset
/// variable becomes the empty string and produces a warning naming it.
pub fn substitute(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Substituted {
    let mut out = String::with_capacity(text.len());
    let mut warnings: Vec<String> = Vec::new();
    let mut unset: Vec<(String, usize)> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let offset = text.len() - rest.len() + start;
        let (before, from_open) = rest.split_at(start);
        out.push_str(before);
        let inner_and_more = from_open.strip_prefix(OPEN).unwrap_or_default();
        let Some((inner, after)) = inner_and_more.split_once(CLOSE) else {
            out.push_str(from_open);
            rest = "";
            break;
        };
        match env_name(inner) {
            Some(name) => {
                match env(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        if !unset.iter().any(|(seen, _)| seen == name) {
                            warnings.push(unset_warning(name));
                            unset.push((name.to_owned(), offset));
                        }
                    }
                }
                rest = after;
            }
            None => {
                // Not ours: keep the opening literally and look for the next expression after it,
                // so that a stray `${{` cannot swallow a later `${{ env.X }}`.
                out.push_str(OPEN);
                rest = inner_and_more;
            }
        }
    }
    out.push_str(rest);
    Substituted {
        text: out,
        warnings,
        unset,
    }
}

pub fn unset_warning(name: &str) -> String {
    format!("environment variable {name} is not set; substituted an empty string")
}

/// `NAME` when `inner` is `env.NAME` surrounded by optional whitespace.
fn env_name(inner: &str) -> Option<&str> {
    let name = inner.trim().strip_prefix("env.")?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_whitespace() && c != '}' && c != '{' && c != '$');
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("7183".to_owned()),
            "HOST" => Some("example.com".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_with_and_without_spaces() {
        let result = substitute(
            "a: ${{env.PORT}}\nb: ${{ env.HOST }}\nc: ${{  env.PORT}}",
            &env,
        );
        assert_eq!(result.text, "a: 7183\nb: example.com\nc: 7183");
        assert!(result.warnings.is_empty());
    }

    #[test]
    fn unset_variable_is_empty_with_one_warning() {
        let result = substitute("a: '${{ env.MISSING }}' b: ${{env.MISSING}}", &env);
        assert_eq!(result.text, "a: '' b: ");
        assert_eq!(result.warnings.len(), 1);
        assert!(result.warnings[0].contains("MISSING"));
        assert_eq!(result.unset, vec![("MISSING".to_owned(), 4)]);
    }

    #[test]
    fn other_contexts_stay_literal() {
        let text = "key: ${{ vault.secret }} and ${{ guarded['jwt'].identity }}";
        let result = substitute(text, &env);
        assert_eq!(result.text, text);
        assert!(result.warnings.is_empty());
    }

    #[test]
    fn unterminated_and_stray_openings_are_kept() {
        assert_eq!(substitute("x ${{ env.PORT", &env).text, "x ${{ env.PORT");
        assert_eq!(
            substitute("${{ vault ${{ env.PORT }}", &env).text,
            "${{ vault 7183"
        );
        assert_eq!(
            substitute("${{}}${{ env. }}", &env).text,
            "${{}}${{ env. }}"
        );
    }

    #[test]
    fn multibyte_text_is_preserved() {
        let result = substitute("é ${{ env.HOST }} ü", &env);
        assert_eq!(result.text, "é example.com ü");
    }
}
