//! Turns parser events into JSON values, recording positions and catching duplicate keys.

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::locations::{child, Locations, Position};
use super::{scalar, Document, YamlError};

/// Deeper nesting than any config needs; the limit keeps later recursive passes (validation,
/// deserialization, drop) far from the stack's end.
const MAX_DEPTH: usize = 128;

/// Nodes that aliases may copy in all, so that nested aliases cannot blow up memory.
const ALIAS_NODE_BUDGET: usize = 100_000;

enum Frame {
    Sequence {
        pointer: String,
        anchor: usize,
        items: Vec<Value>,
    },
    Mapping {
        pointer: String,
        anchor: usize,
        entries: Map<String, Value>,
        /// The key waiting for its value, with where it was written.
        key: Option<(String, Position)>,
        /// Line of each key seen, to name both lines of a duplicate.
        lines: HashMap<String, usize>,
        /// Set until the mapping is located: the parser marks a block mapping after its first
        /// key, so a mapping that is not a keyed value is located at its first key instead.
        unlocated: Option<Position>,
    },
}

#[derive(Default)]
struct DocumentState {
    stack: Vec<Frame>,
    root: Option<Value>,
    /// The root is the empty scalar the parser reports for a document without content.
    empty: bool,
    locations: Locations,
}

#[derive(Default)]
pub struct Builder {
    documents: Vec<Document>,
    current: DocumentState,
    anchors: HashMap<usize, (Value, usize)>,
    alias_nodes: usize,
    errors: Vec<YamlError>,
    /// Set after an error that leaves the tree unusable; later events are ignored.
    stopped: bool,
}

fn position(marker: Marker) -> Position {
    (marker.line(), marker.col() + 1)
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.stopped {
            return;
        }
        match event {
            Event::DocumentStart => self.current = DocumentState::default(),
            Event::DocumentEnd => self.end_document(),
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(text, style, anchor, tag, marker)
            }
            Event::SequenceStart(anchor, _) => self.start(marker, anchor, false),
            Event::MappingStart(anchor, _) => self.start(marker, anchor, true),
            Event::SequenceEnd | Event::MappingEnd => self.end(),
            Event::Alias(anchor) => self.alias(anchor, marker),
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
    }
}

impl Builder {
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    pub fn finish(self) -> (Vec<Document>, Vec<YamlError>) {
        (self.documents, self.errors)
    }

    fn stop(&mut self, pointer: String, marker: Marker, message: String) {
        self.errors.push(YamlError {
            pointer,
            position: Some(position(marker)),
            message,
        });
        self.stopped = true;
    }

    fn end_document(&mut self) {
        let state = std::mem::take(&mut self.current);
        if let Some(value) = state.root {
            if !state.empty {
                self.documents.push(Document {
                    value,
                    locations: state.locations,
                });
            }
        }
    }

    /// Where the next node goes, or `None` when it is a mapping key.
    fn next_pointer(&self) -> Option<String> {
        match self.current.stack.last() {
            None => Some(String::new()),
            Some(Frame::Sequence { pointer, items, .. }) => {
                Some(format!("{pointer}/{}", items.len()))
            }
            Some(Frame::Mapping { pointer, key, .. }) => {
                key.as_ref().map(|(key, _)| child(pointer, key))
            }
        }
    }

    fn scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<Tag>,
        marker: Marker,
    ) {
        let forced_string = tag.is_some_and(|tag| tag.suffix == "str");
        let value = if style == TScalarStyle::Plain && !forced_string {
            scalar::plain(&text)
        } else {
            Value::String(text.clone())
        };
        match self.next_pointer() {
            Some(pointer) => {
                if self.current.stack.is_empty() {
                    self.current.empty = style == TScalarStyle::Plain && text.is_empty();
                }
                self.current.locations.insert(pointer, position(marker));
                self.remember(anchor, &value);
                self.place(value);
            }
            None => self.key(text, marker),
        }
    }

    fn key(&mut self, key: String, marker: Marker) {
        let DocumentState {
            stack, locations, ..
        } = &mut self.current;
        let Some(Frame::Mapping {
            pointer,
            key: pending,
            lines,
            unlocated,
            ..
        }) = stack.last_mut()
        else {
            return;
        };
        let at = position(marker);
        if unlocated.take().is_some() {
            locations.insert(pointer.clone(), at);
        }
        let entry = child(pointer, &key);
        locations.insert_key(entry.clone(), at);
        if let Some(first) = lines.get(&key) {
            let message = format!(
                "duplicate key '{key}' on line {} (first defined on line {first})",
                at.0
            );
            self.errors.push(YamlError {
                pointer: entry,
                position: Some(at),
                message,
            });
        } else {
            lines.insert(key.clone(), at.0);
        }
        *pending = Some((key, at));
    }

    fn start(&mut self, marker: Marker, anchor: usize, mapping: bool) {
        let Some(pointer) = self.next_pointer() else {
            let parent = match self.current.stack.last() {
                Some(Frame::Mapping { pointer, .. }) => pointer.clone(),
                _ => String::new(),
            };
            return self.stop(
                parent,
                marker,
                "a mapping key must be a plain value, not a list or a mapping".to_owned(),
            );
        };
        if self.current.stack.len() >= MAX_DEPTH {
            return self.stop(
                pointer,
                marker,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            );
        }
        let keyed_at = match self.current.stack.last() {
            Some(Frame::Mapping {
                key: Some((_, key_at)),
                ..
            }) => Some(*key_at),
            _ => None,
        };
        let mut unlocated = None;
        match keyed_at {
            Some(at) => self.current.locations.insert(pointer.clone(), at),
            None if mapping => unlocated = Some(position(marker)),
            None => self
                .current
                .locations
                .insert(pointer.clone(), position(marker)),
        }
        self.current.stack.push(if mapping {
            Frame::Mapping {
                pointer,
                anchor,
                entries: Map::new(),
                key: None,
                lines: HashMap::new(),
                unlocated,
            }
        } else {
            Frame::Sequence {
                pointer,
                anchor,
                items: Vec::new(),
            }
        });
    }

    fn end(&mut self) {
        let (anchor, value) = match self.current.stack.pop() {
            Some(Frame::Sequence { anchor, items, .. }) => (anchor, Value::Array(items)),
            Some(Frame::Mapping {
                pointer,
                anchor,
                entries,
                unlocated,
                ..
            }) => {
                if let Some(at) = unlocated {
                    self.current.locations.insert(pointer, at);
                }
                (anchor, Value::Object(entries))
            }
            None => return,
        };
        self.remember(anchor, &value);
        self.place(value);
    }

    fn alias(&mut self, anchor: usize, marker: Marker) {
        let Some(pointer) = self.next_pointer() else {
            return self.stop(
                String::new(),
                marker,
                "an alias cannot be used as a mapping key".to_owned(),
            );
        };
        let Some((value, nodes)) = self.anchors.get(&anchor) else {
            return self.stop(pointer, marker, "alias to an unknown anchor".to_owned());
        };
        let (value, nodes) = (value.clone(), *nodes);
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        if self.alias_nodes > ALIAS_NODE_BUDGET {
            return self.stop(
                pointer,
                marker,
                format!("aliases expand to more than {ALIAS_NODE_BUDGET} values"),
            );
        }
        self.current.locations.insert(pointer, position(marker));
        self.place(value);
    }

    fn remember(&mut self, anchor: usize, value: &Value) {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (value.clone(), count_nodes(value)));
        }
    }

    fn place(&mut self, value: Value) {
        match self.current.stack.last_mut() {
            None => self.current.root = Some(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { entries, key, .. }) => {
                if let Some((key, _)) = key.take() {
                    entries.insert(key, value);
                }
            }
        }
    }
}

/// Nodes in `value`; depth is bounded by `MAX_DEPTH`, so recursion is safe.
fn count_nodes(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Object(entries) => 1 + entries.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}
