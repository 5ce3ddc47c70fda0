//! Limits and timeouts of the mqtt server. `options` has no place for them (it mirrors Zilla's
//! schema), so they are the defaults Zilla's own properties have, or tighter where a Rust
//! server must bound what it buffers.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Time from the network stream opening to a CONNECT.
    pub connect_timeout: Duration,
    /// Time the next hop has to answer a session stream.
    pub session_timeout: Duration,
    /// Largest packet accepted from a client: the read buffer never grows past it.
    pub maximum_packet_size: usize,
    /// Unacknowledged QoS 1/2 publishes a client may have in flight toward us.
    pub receive_maximum: u16,
    /// Topic aliases a v5 client may use toward us.
    pub topic_alias_maximum: u16,
    /// When set, v5 clients asking for more (or for none) are told this Server Keep Alive.
    pub keep_alive_maximum: Option<u16>,
    /// A publish stream unused this long is closed.
    pub publish_idle: Duration,
    /// How long QoS 0 publishes may take to be consumed before a session ends anyway.
    pub drain_timeout: Duration,
    /// How long the next hop has to close its reply directions after ours closed.
    pub linger_timeout: Duration,
    /// Window granted to each application stream's reply and to the network.
    pub window: u32,
}

impl Settings {
    pub fn new(window: u32) -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            session_timeout: Duration::from_secs(10),
            maximum_packet_size: 1024 * 1024,
            receive_maximum: u16::MAX,
            topic_alias_maximum: 32,
            keep_alive_maximum: None,
            publish_idle: Duration::from_secs(120),
            drain_timeout: Duration::from_secs(2),
            linger_timeout: Duration::from_secs(2),
            window: window.max(1024),
        }
    }
}
