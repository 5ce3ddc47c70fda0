//! MQTT load: paced publishers and subscribers over MQTT 3.1.1, each on its own connection,
//! against any broker address (Mosquitto itself, or the gateway proxying to it), over plain TCP
//! or TLS.
//!
//! A step publishes at a fixed offered rate for a fixed time and passes when every subscriber
//! received every published message before the grace period ran out, with a bounded p99.
//! The maximum rate is searched for by doubling, then bisecting between the last pass and the
//! first failure.

pub(crate) mod broker;
mod clients;
mod pacer;
mod search;

pub use broker::{proxy_config, relay_config, Mosquitto};
pub use clients::Target;
pub use pacer::Pacing;
pub use search::{find_max, measure_at, Clock, Load, Step};
