//! The project's own default config, run on free ports against a test broker.
#![allow(dead_code)]

use std::path::PathBuf;

use super::mosquitto::Broker;
use super::{free_port, Gateway};

pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Starts the project's zilla.yaml, edited by `edit`, with its MQTT port (returned) and TLS port
/// moved to free ports and its upstream set to `broker`; returns the config text it runs too.
pub fn start_gateway(
    broker: &Broker,
    edit: impl FnOnce(String) -> String,
) -> (Gateway, u16, String) {
    let port = free_port();
    let tls_port = free_port();
    let config = edit(std::fs::read_to_string(project().join("zilla.yaml")).expect("zilla.yaml"))
        .replace("7183", &port.to_string())
        .replace("7883", &tls_port.to_string())
        .replace(
            "store: etc/tls/localhost.p12",
            &format!(
                "store: {}",
                project().join("etc/tls/localhost.p12").display()
            ),
        );
    let broker_port = broker.port.to_string();
    let gateway = Gateway::start(
        &config,
        &[
            ("KEYSTORE_PASSWORD", "zilla-local"),
            ("MOSQUITTO_BROKER_HOST", "127.0.0.1"),
            ("MOSQUITTO_BROKER_PORT", &broker_port),
        ],
    );
    (gateway, port, config)
}
