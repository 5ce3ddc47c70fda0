//! The client's settings, from its options and the engine's limits.

use std::time::Duration;

use crate::options::MqttClientOptions;
use crate::properties::MqttProperties;

/// Waiting for the broker's TCP connection when the options say nothing.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Keep-alive toward the broker when the client asked for none. The client's keep-alive only
/// governs its hop to the gateway; upstream we still want to notice a dead broker, so a
/// session whose client turned keep-alive off is kept alive upstream at this interval.
pub const DEFAULT_KEEP_ALIVE: u16 = 60;

/// The largest packet accepted from the broker (told to it as Maximum Packet Size, lowered to
/// the client's own limit when it has one): a whole packet is buffered before it is decoded,
/// so this bounds the memory one session can take on the way in.
pub const MAXIMUM_PACKET_SIZE: u32 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub connect_timeout: Duration,
    pub connack_timeout: Duration,
    /// Window granted to every application stream and to the upstream stream.
    pub window: u32,
}

impl Settings {
    /// Timeouts from `options`, else the CONNACK wait from the engine `properties`
    /// (`zilla.binding.mqtt.connect.timeout` is the server's wait for a CONNECT, not this).
    pub fn new(options: &MqttClientOptions, window: u32, properties: &MqttProperties) -> Self {
        let seconds = |value: Option<u32>, default: Duration| {
            value
                .filter(|seconds| *seconds > 0)
                .map_or(default, |seconds| Duration::from_secs(u64::from(seconds)))
        };
        Self {
            connect_timeout: seconds(options.connect_timeout, DEFAULT_TIMEOUT),
            connack_timeout: seconds(options.connack_timeout, properties.connack_timeout),
            window: window.max(1),
        }
    }
}
