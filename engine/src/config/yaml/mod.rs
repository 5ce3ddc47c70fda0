//! YAML text → one JSON value per document, with the position of every node.
//!
//! We build our own tree from the parser's events (rather than a YAML library's value type) to
//! type scalars by the YAML 1.2 core schema, reject duplicate keys with both lines, and record
//! a pointer → position index that locates every later error.

mod builder;
pub mod locations;
mod scalar;

use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};

use builder::Builder;
pub use locations::{Locations, Position};

/// One YAML document: one namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    pub locations: Locations,
}

/// A problem found while reading YAML, located where the parser saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pointer: String,
    pub position: Option<Position>,
    pub message: String,
}

/// Parses every document in `text`. Documents with no content at all (a trailing `---`) are
/// skipped; a text with no document is an error.
pub fn parse(text: &str) -> Result<Vec<Document>, Vec<YamlError>> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    // Pulling events one by one rather than `Parser::load`, which recurses once per nesting
    // level (a line of `- - - …` would overflow the stack) and asserts on malformed streams.
    let scan = loop {
        match parser.next_token() {
            Ok((event, marker)) => {
                let last = event == Event::StreamEnd;
                builder.on_event(event, marker);
                if last || builder.stopped() {
                    break Ok(());
                }
            }
            Err(error) => break Err(error),
        }
    };
    let (documents, mut errors) = builder.finish();
    if let Err(error) = scan {
        let marker = error.marker();
        errors.push(YamlError {
            pointer: String::new(),
            position: Some((marker.line(), marker.col() + 1)),
            message: format!("invalid YAML: {}", error.info()),
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|error| error.position);
        return Err(errors);
    }
    if documents.is_empty() {
        return Err(vec![YamlError {
            pointer: String::new(),
            position: None,
            message: "the config is empty: expected at least one namespace with a name".to_owned(),
        }]);
    }
    Ok(documents)
}

#[cfg(test)]
mod tests;
