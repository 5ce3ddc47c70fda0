//! Java-style `.properties` files, as Zilla's launcher reads them: `name=value`, `name: value`
//! or `name value`; `#` and `!` comments; a trailing backslash continues a line.

use std::collections::BTreeMap;

/// Property names and values, later settings overriding earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties(BTreeMap<String, String>);

impl Properties {
    pub fn parse(text: &str) -> Self {
        let mut properties = Self::default();
        let mut logical = String::new();
        for line in text.lines() {
            let line = line.trim_start();
            if logical.is_empty() && (line.is_empty() || line.starts_with(['#', '!'])) {
                continue;
            }
            if continues(line) {
                logical.push_str(&line[..line.len() - 1]);
                continue;
            }
            logical.push_str(line);
            properties.insert_line(&logical);
            logical.clear();
        }
        if !logical.is_empty() {
            properties.insert_line(&logical);
        }
        properties
    }

    /// Parses one `name=value` argument; a bare `name` means `true`, as in Zilla's launcher.
    pub fn parse_assignment(argument: &str) -> (String, String) {
        match argument.split_once('=') {
            Some((name, value)) => (name.trim().to_owned(), value.to_owned()),
            None => (argument.trim().to_owned(), "true".to_owned()),
        }
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn merge(&mut self, other: Properties) {
        self.0.extend(other.0);
    }

    fn insert_line(&mut self, line: &str) {
        let mut name = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => name.push(unescape(chars.next())),
                '=' | ':' => break,
                c if c.is_whitespace() => {
                    // `name value` and `name = value` both separate here.
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                    if chars.peek().is_some_and(|c| *c == '=' || *c == ':') {
                        chars.next();
                    }
                    break;
                }
                c => name.push(c),
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.push(unescape(chars.next())),
                c => value.push(c),
            }
        }
        if !name.is_empty() {
            self.0.insert(name, value);
        }
    }
}

/// A line continues when it ends in an odd number of backslashes.
fn continues(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

fn unescape(next: Option<char>) -> char {
    match next {
        Some('t') => '\t',
        Some('n') => '\n',
        Some('r') => '\r',
        Some('f') => '\u{c}',
        Some(c) => c,
        None => '\\',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_forms() {
        let properties = Properties::parse(
            "# comment\n! also\nzilla.engine.config.url=file:/etc/zilla/zilla.yaml\n\
             zilla.engine.directory : /var/run/zilla\nspaced value here\n\
             long=one\\\n    two\nescaped\\=name=a\\tb\n",
        );
        assert_eq!(
            properties.get("zilla.engine.config.url"),
            Some("file:/etc/zilla/zilla.yaml")
        );
        assert_eq!(
            properties.get("zilla.engine.directory"),
            Some("/var/run/zilla")
        );
        assert_eq!(properties.get("spaced"), Some("value here"));
        assert_eq!(properties.get("long"), Some("onetwo"));
        assert_eq!(properties.get("escaped=name"), Some("a\tb"));
    }

    #[test]
    fn an_assignment_without_value_means_true() {
        assert_eq!(
            Properties::parse_assignment("zilla.engine.verbose"),
            ("zilla.engine.verbose".to_owned(), "true".to_owned())
        );
        assert_eq!(
            Properties::parse_assignment("a=b=c"),
            ("a".to_owned(), "b=c".to_owned())
        );
    }
}
