//! The memory store: in-process key/value state for bindings that name a store. It lives as
//! long as the process; nothing is persisted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use zilla_engine::binding::BuildError;
use zilla_engine::registry::{ComponentContext, ComponentFactory, Store, StoreFactory};

/// The factory registered for `type: memory`. It takes no options.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryStoreFactory;

/// A store held in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    name: String,
    entries: Mutex<BTreeMap<String, Bytes>>,
}

impl MemoryStore {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    /// Stores `value` under `key`, returning what was there before.
    pub fn put(&self, key: impl Into<String>, value: Bytes) -> Option<Bytes> {
        self.entries.lock().ok()?.insert(key.into(), value)
    }

    pub fn remove(&self, key: &str) -> Option<Bytes> {
        self.entries.lock().ok()?.remove(key)
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Store for MemoryStore {
    fn name(&self) -> &str {
        &self.name
    }
}

impl ComponentFactory for MemoryStoreFactory {
    fn type_name(&self) -> &'static str {
        "memory"
    }

    fn options_schema(&self) -> Option<serde_json::Value> {
        None
    }
}

impl StoreFactory for MemoryStoreFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Store>, BuildError> {
        Ok(Arc::new(MemoryStore::new(context.id.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use zilla_engine::telemetry::events::Events;

    #[test]
    fn builds_a_named_store() {
        let context = ComponentContext {
            id: Arc::from("example:sessions"),
            options: None,
            config_dir: Path::new("."),
            events: Events::new(),
        };
        let store = MemoryStoreFactory
            .build(context)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(store.name(), "example:sessions");
        assert!(MemoryStoreFactory.options_schema().is_none());
    }

    #[test]
    fn keeps_values_by_key() {
        let store = MemoryStore::new("s");
        assert!(store.put("a", Bytes::from_static(b"1")).is_none());
        assert_eq!(
            store.put("a", Bytes::from_static(b"2")),
            Some(Bytes::from_static(b"1"))
        );
        assert_eq!(store.get("a"), Some(Bytes::from_static(b"2")));
        assert_eq!(store.remove("a"), Some(Bytes::from_static(b"2")));
        assert!(store.is_empty());
    }
}
