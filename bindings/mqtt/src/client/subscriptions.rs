//! The subscriptions of one session at the broker: which identifier stands for which
//! stream and client subscription id, the requests waiting for their answers, and where a
//! message from the broker goes.

use std::collections::{HashMap, HashSet, VecDeque};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::codec::MAX_VARIABLE_INTEGER;
use crate::topic::{filter_matches, SharedSubscription};

#[derive(Default)]
pub struct SubscribeStream {
    /// The filters this stream holds at the broker → the identifier they are under.
    pub patterns: HashMap<String, u32>,
}

pub(super) struct Group {
    pub key: u64,
    pub client_id: Option<u32>,
    pub patterns: HashSet<String>,
}

pub(super) enum Request {
    Subscribe {
        collect: u64,
        /// Index in the client's request, and pattern, of each filter of this SUBSCRIBE.
        filters: Vec<(usize, String)>,
        identifier: u32,
    },
    Unsubscribe {
        key: u64,
        packet_id: u16,
        patterns: Vec<String>,
    },
}

/// The answer to one client request split over several SUBSCRIBEs.
pub(super) struct Collect {
    pub key: u64,
    pub packet_id: u16,
    pub codes: Vec<u8>,
    pub outstanding: usize,
}

#[derive(Default)]
pub struct Subscriptions {
    pub(super) next_identifier: u32,
    pub(super) groups: FxHashMap<u32, Group>,
    pub(super) requests: FxHashMap<u16, Request>,
    pub(super) collecting: FxHashMap<u64, Collect>,
    pub(super) next_collect: u64,
    /// Identifiers of closed streams whose subscriptions the broker still holds (they belong to
    /// the session): never reused, so their messages are not mistaken for a newer stream's.
    pub(super) retired: FxHashSet<u32>,
}

impl Subscriptions {
    pub(super) fn allocate_identifier(&mut self) -> u32 {
        loop {
            self.next_identifier = match self.next_identifier {
                MAX_VARIABLE_INTEGER.. => 1,
                other => other.saturating_add(1),
            };
            let candidate = self.next_identifier;
            if !self.groups.contains_key(&candidate) && !self.retired.contains(&candidate) {
                return candidate;
            }
        }
    }

    /// Adds to `targets` the streams a message on `topic` goes to, each with the client's
    /// subscription ids to report; adds none when no open subscription wants it.
    pub fn targets(
        &self,
        topic: &str,
        identifiers: &[u32],
        broker_has_ids: bool,
        targets: &mut VecDeque<(u64, Vec<u32>)>,
    ) {
        let mut add = |group: &Group| {
            let index = match targets.iter().position(|(key, _)| *key == group.key) {
                Some(index) => index,
                None => {
                    targets.push_back((group.key, Vec::new()));
                    targets.len() - 1
                }
            };
            if let (Some(id), Some((_, ids))) = (group.client_id, targets.get_mut(index)) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        };
        if broker_has_ids {
            for identifier in identifiers {
                if let Some(group) = self.groups.get(identifier) {
                    add(group);
                }
            }
        } else {
            for group in self.groups.values() {
                if group.patterns.iter().any(|pattern| selects(pattern, topic)) {
                    add(group);
                }
            }
        }
    }

    /// Moves `pattern` of stream `key` under `identifier`.
    pub(super) fn assign(&mut self, stream: &mut SubscribeStream, pattern: &str, identifier: u32) {
        if let Some(previous) = stream.patterns.insert(pattern.to_owned(), identifier) {
            self.unassign(previous, pattern);
        }
        if let Some(group) = self.groups.get_mut(&identifier) {
            group.patterns.insert(pattern.to_owned());
        }
    }

    pub(super) fn unassign(&mut self, identifier: u32, pattern: &str) {
        if let Some(group) = self.groups.get_mut(&identifier) {
            group.patterns.remove(pattern);
            if group.patterns.is_empty() {
                self.groups.remove(&identifier);
            }
        }
    }
}

/// Whether a filter as written (maybe shared) selects `topic`.
fn selects(pattern: &str, topic: &str) -> bool {
    match SharedSubscription::parse(pattern) {
        Ok(Some(shared)) => filter_matches(shared.filter, topic),
        _ => filter_matches(pattern, topic),
    }
}
