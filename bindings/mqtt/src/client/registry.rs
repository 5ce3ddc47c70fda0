//! Live sessions by affinity: how the publish and subscribe streams of one client connection
//! find the session (and its upstream connection) they belong to.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc;
use zilla_engine::frame::Begin;
use zilla_engine::stream::StreamEnd;

/// A publish or subscribe stream handed to its session's task.
pub struct Opened {
    pub begin: Begin,
    pub end: StreamEnd,
}

struct Entry {
    generation: u64,
    inbox: mpsc::UnboundedSender<Opened>,
}

#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<u64, Entry>>,
    generations: std::sync::atomic::AtomicU64,
}

impl Registry {
    /// Registers a session under `affinity`; returns its generation (to unregister exactly it)
    /// and the inbox its streams arrive on. A session already there is replaced.
    pub fn register(&self, affinity: u64) -> (u64, mpsc::UnboundedReceiver<Opened>) {
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (inbox, receiver) = mpsc::unbounded_channel();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(affinity, Entry { generation, inbox });
        }
        (generation, receiver)
    }

    pub fn unregister(&self, affinity: u64, generation: u64) {
        if let Ok(mut sessions) = self.sessions.lock() {
            if sessions
                .get(&affinity)
                .is_some_and(|entry| entry.generation == generation)
            {
                sessions.remove(&affinity);
            }
        }
    }

    /// Hands `opened` to the session under `affinity`; gives it back when there is none.
    pub fn deliver(&self, affinity: u64, opened: Opened) -> Option<Opened> {
        let Ok(sessions) = self.sessions.lock() else {
            return Some(opened);
        };
        match sessions.get(&affinity) {
            Some(entry) => entry.inbox.send(opened).err().map(|error| error.0),
            None => Some(opened),
        }
    }
}
