//! Topic aliases on the PUBLISH packets sent to an MQTT 5 peer that accepts them: a client
//! (its CONNECT's Topic Alias Maximum) or the broker upstream (its CONNACK's). The first message
//! on a topic carries the topic and an alias, later ones only the alias, so a few long topics
//! sent over and over cost two bytes each after the first.
//!
//! Aliases live as long as the network connection. Once every alias is taken, a new topic
//! takes over the alias assigned longest ago: the PUBLISH carrying both tells the client of the
//! change, so no message ever depends on a mapping the client has not seen.

use rustc_hash::FxHashMap;

use crate::codec::Publish;

/// Aliases handed out on one connection at most, whatever the peer accepts: each holds a copy
/// of its topic, so this bounds what a peer can make the connection keep.
pub const MAXIMUM: u16 = 256;

/// How a message's topic goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AliasUse {
    /// As a topic name, without an alias.
    Plain,
    /// As the topic name with this alias, which the client learns from it.
    Assign(u16),
    /// As this alias alone, with an empty topic name.
    Known(u16),
}

#[derive(Debug, Default)]
pub struct OutboundAliases {
    maximum: u16,
    /// Looked up on every PUBLISH; at most [`MAXIMUM`] entries, so a fast hash that a peer
    /// could aim collisions at costs it nothing worth having.
    by_topic: FxHashMap<String, u16>,
    /// The topic of alias `n` at index `n - 1`.
    topics: Vec<String>,
    /// The alias the next topic takes over once all are taken.
    next_reused: u16,
}

impl OutboundAliases {
    /// Aliases for a peer that accepts up to `peer_maximum` (0: none).
    pub fn new(peer_maximum: u16) -> Self {
        Self {
            maximum: peer_maximum.min(MAXIMUM),
            next_reused: 1,
            ..Self::default()
        }
    }

    /// Puts the alias that applies on `publish` (emptying its topic when the peer knows the
    /// alias already). A new assignment comes back, to be recorded with [`Self::sent`] once the
    /// packet went out: one that could not be sent leaves the peer's view and ours alike.
    pub fn apply(&self, publish: &mut Publish) -> Option<Assigned> {
        match self.lookup(&publish.topic) {
            AliasUse::Plain => None,
            AliasUse::Assign(alias) => {
                publish.properties.topic_alias = Some(alias);
                Some(Assigned {
                    topic: publish.topic.clone(),
                    alias,
                })
            }
            AliasUse::Known(alias) => {
                publish.properties.topic_alias = Some(alias);
                publish.topic.clear();
                None
            }
        }
    }

    fn lookup(&self, topic: &str) -> AliasUse {
        if self.maximum == 0 || topic.is_empty() {
            return AliasUse::Plain;
        }
        if let Some(&alias) = self.by_topic.get(topic) {
            return AliasUse::Known(alias);
        }
        match u16::try_from(self.topics.len() + 1) {
            Ok(alias) if alias <= self.maximum => AliasUse::Assign(alias),
            _ => AliasUse::Assign(self.next_reused),
        }
    }

    /// Records that the packet carrying `assigned` went out.
    pub fn sent(&mut self, assigned: Assigned) {
        let Assigned { topic, alias } = assigned;
        let index = usize::from(alias) - 1;
        if index == self.topics.len() {
            self.topics.push(topic.clone());
        } else if let Some(slot) = self.topics.get_mut(index) {
            let previous = std::mem::replace(slot, topic.clone());
            self.by_topic.remove(&previous);
            self.next_reused = if alias >= self.maximum { 1 } else { alias + 1 };
        } else {
            return;
        }
        self.by_topic.insert(topic, alias);
    }
}

/// An alias a packet assigns to its topic.
#[derive(Debug)]
pub struct Assigned {
    topic: String,
    alias: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a message on `topic` went out, after it did.
    fn send(aliases: &mut OutboundAliases, topic: &str) -> AliasUse {
        let used = aliases.lookup(topic);
        let mut publish = Publish {
            dup: false,
            qos: crate::codec::QoS::AtMostOnce,
            retain: false,
            topic: topic.to_owned(),
            packet_id: None,
            properties: Default::default(),
            payload: bytes::Bytes::new(),
        };
        if let Some(assigned) = aliases.apply(&mut publish) {
            aliases.sent(assigned);
        }
        let expected_topic = match used {
            AliasUse::Known(_) => "",
            _ => topic,
        };
        assert_eq!(publish.topic, expected_topic);
        let alias = match used {
            AliasUse::Plain => None,
            AliasUse::Assign(alias) | AliasUse::Known(alias) => Some(alias),
        };
        assert_eq!(publish.properties.topic_alias, alias);
        used
    }

    #[test]
    fn a_client_without_a_maximum_gets_plain_topics() {
        let mut aliases = OutboundAliases::new(0);
        assert_eq!(send(&mut aliases, "a/b"), AliasUse::Plain);
        assert_eq!(send(&mut aliases, "a/b"), AliasUse::Plain);
    }

    #[test]
    fn the_first_message_assigns_and_later_ones_use_the_alias() {
        let mut aliases = OutboundAliases::new(2);
        assert_eq!(send(&mut aliases, "a"), AliasUse::Assign(1));
        assert_eq!(send(&mut aliases, "b"), AliasUse::Assign(2));
        assert_eq!(send(&mut aliases, "a"), AliasUse::Known(1));
        assert_eq!(send(&mut aliases, "b"), AliasUse::Known(2));
    }

    #[test]
    fn once_full_the_oldest_assignment_is_taken_over_in_turn() {
        let mut aliases = OutboundAliases::new(2);
        send(&mut aliases, "a");
        send(&mut aliases, "b");
        assert_eq!(send(&mut aliases, "c"), AliasUse::Assign(1));
        assert_eq!(send(&mut aliases, "a"), AliasUse::Assign(2));
        assert_eq!(send(&mut aliases, "c"), AliasUse::Known(1));
        assert_eq!(send(&mut aliases, "b"), AliasUse::Assign(1));
        assert_eq!(send(&mut aliases, "a"), AliasUse::Known(2));
    }

    #[test]
    fn a_message_that_was_not_sent_assigns_nothing() {
        let mut aliases = OutboundAliases::new(4);
        assert_eq!(aliases.lookup("a"), AliasUse::Assign(1));
        assert_eq!(aliases.lookup("a"), AliasUse::Assign(1));
        assert_eq!(send(&mut aliases, "b"), AliasUse::Assign(1));
    }

    #[test]
    fn the_clients_maximum_is_capped() {
        let mut aliases = OutboundAliases::new(u16::MAX);
        for index in 0..MAXIMUM {
            assert_eq!(
                send(&mut aliases, &format!("t/{index}")),
                AliasUse::Assign(index + 1)
            );
        }
        assert_eq!(send(&mut aliases, "t/next"), AliasUse::Assign(1));
    }
}
