//! The MQTT proxy pipeline without a guard, `tcp → mqtt server → mqtt client → tcp`, in
//! front of a test broker.
#![allow(dead_code)]

use super::mosquitto::{publish, stdout, Broker, Subscriber};
use super::{free_port, Gateway};

/// The proxy listening on `port`, forwarding to a broker on `broker`.
pub fn proxy_config(port: u16, broker: u16) -> String {
    format!(
        "name: test
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: {port}
    exit: north_mqtt_server
  north_mqtt_server:
    type: mqtt
    kind: server
    exit: north_mqtt_client
  north_mqtt_client:
    type: mqtt
    kind: client
    exit: south_tcp_client
  south_tcp_client:
    type: tcp
    kind: client
    options:
      host: 127.0.0.1
      port: {broker}
telemetry:
  exporters:
    stdout_logs_exporter:
      type: stdout
"
    )
}

/// A broker and the proxy in front of it.
pub struct Setup {
    pub broker: Broker,
    pub _gateway: Gateway,
    pub port: u16,
}

/// Starts a fresh broker and the proxy in front of it.
pub fn setup() -> Setup {
    setup_with_broker("")
}

/// The same, with `extra` lines in the broker's config.
pub fn setup_with_broker(extra: &str) -> Setup {
    let broker = Broker::start_with(free_port(), extra);
    let port = free_port();
    let gateway = Gateway::start(&proxy_config(port, broker.port), &[]);
    Setup {
        broker,
        _gateway: gateway,
        port,
    }
}

pub const V5: &str = "mqttv5";
pub const V311: &str = "mqttv311";

/// One message from mosquitto_pub to mosquitto_sub through the proxy, at `qos`.
pub fn round_trip(setup: &Setup, version: &str, qos: &str) {
    let topic = format!("sensors/{version}/{qos}");
    let subscriber = Subscriber::start(
        setup.port,
        &[
            "-V", version, "-q", qos, "-t", &topic, "-C", "1", "-W", "10", "-F", "%t %q %p",
        ],
    );
    let published = publish(
        setup.port,
        &["-V", version, "-q", qos, "-t", &topic, "-m", "Hello, world"],
    );
    assert!(published.status.success(), "{published:?}");
    let output = subscriber.wait();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout(&output).trim(),
        format!("{topic} {qos} Hello, world")
    );
}
