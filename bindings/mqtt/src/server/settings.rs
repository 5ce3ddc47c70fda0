//! Limits and timeouts of the mqtt server. `options` has no place for them (it mirrors Zilla's
//! schema): some come from the engine properties Zilla has for them, the rest are fixed bounds
//! on what a connection may make the server buffer.

use std::time::Duration;

use crate::properties::MqttProperties;

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
    pub fn new(window: u32, properties: &MqttProperties) -> Self {
        Self {
            connect_timeout: properties.connect_timeout,
            session_timeout: Duration::from_secs(10),
            maximum_packet_size: 1024 * 1024,
            receive_maximum: u16::MAX,
            topic_alias_maximum: properties.topic_alias_maximum,
            keep_alive_maximum: properties.keep_alive_maximum,
            publish_idle: properties.publish_timeout,
            drain_timeout: Duration::from_secs(2),
            linger_timeout: Duration::from_secs(2),
            window: window.max(1024),
        }
    }
}
