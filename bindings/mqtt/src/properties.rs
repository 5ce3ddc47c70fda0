//! The engine properties the mqtt bindings read (`-P zilla.binding.mqtt.NAME=VALUE`, or the
//! properties file), under the names and units Zilla gives them. Binding options cannot say
//! these: Zilla's schema for them has no place for limits and timeouts.

use std::time::Duration;

/// Seconds a new connection has to send its CONNECT.
pub const CONNECT_TIMEOUT: &str = "zilla.binding.mqtt.connect.timeout";
/// Seconds the client kind waits for the broker's CONNACK, when its options say nothing.
pub const CONNACK_TIMEOUT: &str = "zilla.binding.mqtt.connack.timeout";
/// Seconds a publish stream may stay unused before it is closed.
pub const PUBLISH_TIMEOUT: &str = "zilla.binding.mqtt.publish.timeout";
/// Largest keep-alive granted to v5 clients; larger requests get this as Server Keep Alive.
pub const KEEP_ALIVE_MAXIMUM: &str = "zilla.binding.mqtt.keep.alive.maximum";
/// Topic aliases a v5 client may use toward the server (0: none).
pub const TOPIC_ALIAS_MAXIMUM: &str = "zilla.binding.mqtt.topic.alias.maximum";

/// Every property name the mqtt bindings understand.
pub const NAMES: &[&str] = &[
    CONNECT_TIMEOUT,
    CONNACK_TIMEOUT,
    PUBLISH_TIMEOUT,
    KEEP_ALIVE_MAXIMUM,
    TOPIC_ALIAS_MAXIMUM,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttProperties {
    pub connect_timeout: Duration,
    pub connack_timeout: Duration,
    pub publish_timeout: Duration,
    /// `None`: every keep-alive a client asks for is granted.
    pub keep_alive_maximum: Option<u16>,
    pub topic_alias_maximum: u16,
}

impl Default for MqttProperties {
    /// Zilla's defaults, except two where it is stricter than a proxy in front of a broker
    /// needs to be: Zilla caps keep-alive at 1000 s and accepts no topic aliases; here the
    /// broker behind decides the keep-alive and clients may use 32 aliases.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            connack_timeout: Duration::from_secs(3),
            publish_timeout: Duration::from_secs(120),
            keep_alive_maximum: None,
            topic_alias_maximum: 32,
        }
    }
}

impl MqttProperties {
    /// The properties `lookup` has values for, over the defaults. A value that is not a
    /// number in range is an error naming the property.
    pub fn from_lookup<'a>(lookup: impl Fn(&str) -> Option<&'a str>) -> Result<Self, String> {
        let mut properties = Self::default();
        if let Some(value) = lookup(CONNECT_TIMEOUT) {
            properties.connect_timeout = seconds(CONNECT_TIMEOUT, value)?;
        }
        if let Some(value) = lookup(CONNACK_TIMEOUT) {
            properties.connack_timeout = seconds(CONNACK_TIMEOUT, value)?;
        }
        if let Some(value) = lookup(PUBLISH_TIMEOUT) {
            properties.publish_timeout = seconds(PUBLISH_TIMEOUT, value)?;
        }
        if let Some(value) = lookup(KEEP_ALIVE_MAXIMUM) {
            properties.keep_alive_maximum = Some(number(KEEP_ALIVE_MAXIMUM, value, 1)?);
        }
        if let Some(value) = lookup(TOPIC_ALIAS_MAXIMUM) {
            properties.topic_alias_maximum = number(TOPIC_ALIAS_MAXIMUM, value, 0)?;
        }
        Ok(properties)
    }
}

fn seconds(name: &str, value: &str) -> Result<Duration, String> {
    match value.trim().parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(format!(
            "{name}: expected a whole number of seconds above 0, got {value:?}"
        )),
    }
}

fn number(name: &str, value: &str, least: u16) -> Result<u16, String> {
    match value.trim().parse::<u16>() {
        Ok(number) if number >= least => Ok(number),
        _ => Err(format!(
            "{name}: expected a whole number from {least} to {}, got {value:?}",
            u16::MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<MqttProperties, String> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        MqttProperties::from_lookup(|name| map.get(name).copied())
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        assert_eq!(parse(&[]), Ok(MqttProperties::default()));
    }

    #[test]
    fn each_property_sets_its_field() {
        let properties = parse(&[
            (CONNECT_TIMEOUT, "5"),
            (CONNACK_TIMEOUT, " 7 "),
            (PUBLISH_TIMEOUT, "30"),
            (KEEP_ALIVE_MAXIMUM, "60"),
            (TOPIC_ALIAS_MAXIMUM, "0"),
        ])
        .expect("valid");
        assert_eq!(
            properties,
            MqttProperties {
                connect_timeout: Duration::from_secs(5),
                connack_timeout: Duration::from_secs(7),
                publish_timeout: Duration::from_secs(30),
                keep_alive_maximum: Some(60),
                topic_alias_maximum: 0,
            }
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_propertys_name() {
        for (name, value) in [
            (CONNECT_TIMEOUT, "0"),
            (CONNACK_TIMEOUT, "soon"),
            (PUBLISH_TIMEOUT, "-1"),
            (KEEP_ALIVE_MAXIMUM, "0"),
            (TOPIC_ALIAS_MAXIMUM, "65536"),
        ] {
            let error = parse(&[(name, value)]).expect_err(value);
            assert!(error.starts_with(name), "{error}");
        }
    }
}
