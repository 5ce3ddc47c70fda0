//! Where each node of a parsed YAML document was written, by JSON pointer.

use std::collections::HashMap;

/// 1-based line and column.
pub type Position = (usize, usize);

/// JSON pointer → position of the node (for a mapping entry holding a collection, the position of
/// its key, which is where a reader looks for it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    positions: HashMap<String, Position>,
    /// Where the key of each mapping entry was written.
    keys: HashMap<String, Position>,
}

impl Locations {
    pub fn insert(&mut self, pointer: String, position: Position) {
        self.positions.entry(pointer).or_insert(position);
    }

    pub fn insert_key(&mut self, pointer: String, position: Position) {
        self.keys.entry(pointer).or_insert(position);
    }

    /// Where the key of the entry at `pointer` was written (a property that should not be there
    /// is pointed out at its key).
    pub fn key(&self, pointer: &str) -> Option<Position> {
        self.keys.get(pointer).copied()
    }

    /// The exact position of `pointer`, if it was recorded.
    pub fn exact(&self, pointer: &str) -> Option<Position> {
        self.positions.get(pointer).copied()
    }

    /// The position of `pointer`, or of its nearest recorded ancestor (a missing property is
    /// reported where its parent object was written).
    pub fn locate(&self, pointer: &str) -> Option<Position> {
        let mut current = pointer;
        loop {
            if let Some(position) = self.exact(current) {
                return Some(position);
            }
            let (parent, _) = current.rsplit_once('/')?;
            current = parent;
        }
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `parent` extended by one unescaped token.
pub fn child(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_up_to_the_nearest_ancestor() {
        let mut locations = Locations::default();
        locations.insert(String::new(), (1, 1));
        locations.insert("/bindings".to_owned(), (2, 1));
        assert_eq!(locations.locate("/bindings/a~1b/kind"), Some((2, 1)));
        assert_eq!(locations.locate("/name"), Some((1, 1)));
        assert_eq!(locations.exact("/name"), None);
    }

    #[test]
    fn escapes_tokens() {
        assert_eq!(child("", "a/b~c"), "/a~1b~0c");
    }
}
