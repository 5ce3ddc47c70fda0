//! Packet identifiers of the gateway's own packets toward the broker (PUBLISH QoS 1/2,
//! SUBSCRIBE, UNSUBSCRIBE share one space per connection).

use rustc_hash::FxHashSet;

use crate::codec::PacketId;

#[derive(Debug)]
pub struct PacketIds {
    next: u16,
    in_use: FxHashSet<u16>,
}

impl Default for PacketIds {
    fn default() -> Self {
        Self {
            next: 1,
            in_use: FxHashSet::default(),
        }
    }
}

impl PacketIds {
    /// A free identifier, or `None` when all 65535 are in use.
    pub fn allocate(&mut self) -> Option<PacketId> {
        if self.in_use.len() >= usize::from(u16::MAX) {
            return None;
        }
        loop {
            let candidate = self.next;
            self.next = self.next.checked_add(1).unwrap_or(1);
            if let Some(id) = PacketId::new(candidate) {
                if self.in_use.insert(candidate) {
                    return Some(id);
                }
            }
        }
    }

    pub fn release(&mut self, id: PacketId) {
        self.in_use.remove(&id.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_wrap_around_skipping_those_in_use() {
        let mut ids = PacketIds::default();
        let first = ids.allocate();
        assert_eq!(first.map(|id| id.get()), Some(1));
        ids.next = u16::MAX;
        assert_eq!(ids.allocate().map(|id| id.get()), Some(u16::MAX));
        assert_eq!(ids.allocate().map(|id| id.get()), Some(2));
        if let Some(id) = first {
            ids.release(id);
        }
        assert_eq!(ids.next, 3);
    }
}
