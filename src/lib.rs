//! The `zilla` gateway binary's library: which factories it is built with, how its settings
//! resolve, and what each command does.

pub mod commands;
pub mod properties;
pub mod settings;

use std::time::Duration;

use zilla_engine::registry::Registry;

use crate::settings::EngineSettings;

/// Every binding, guard, vault, store and exporter factory this binary is built with, as the
/// default engine properties set them up.
pub fn registry() -> Registry {
    registry_with(
        zilla_binding_tls::DEFAULT_HANDSHAKE_TIMEOUT,
        zilla_binding_mqtt::MqttProperties::default(),
    )
}

/// The same factories, set up as `settings` say (the engine properties bindings read).
pub fn registry_for(settings: &EngineSettings) -> Registry {
    registry_with(settings.tls_handshake_timeout, settings.mqtt.clone())
}

fn registry_with(
    tls_handshake_timeout: Duration,
    mqtt: zilla_binding_mqtt::MqttProperties,
) -> Registry {
    Registry::new()
        .binding(zilla_binding_tcp::TcpBindingFactory::new())
        .binding(zilla_binding_echo::EchoBindingFactory)
        .binding(zilla_binding_fan::FanBindingFactory::default())
        .binding(
            zilla_binding_tls::TlsBindingFactory::with_handshake_timeout(tls_handshake_timeout),
        )
        .binding(zilla_binding_mqtt::MqttBindingFactory::with_properties(
            mqtt,
        ))
        .binding(zilla_binding_mqtt_kafka::MqttKafkaBindingFactory)
        .binding(zilla_binding_kafka::KafkaBindingFactory)
        .binding(zilla_binding_http::HttpBindingFactory)
        .binding(zilla_binding_ws::WsBindingFactory)
        .guard(zilla_guard_jwt::JwtGuardFactory)
        .vault(zilla_vault_filesystem::FilesystemVaultFactory)
        .store(zilla_store_memory::MemoryStoreFactory)
        .exporter(zilla_exporter_stdout::StdoutExporterFactory)
        .exporter(zilla_exporter_prometheus::PrometheusExporterFactory)
}

/// Looks up `${{ env.NAME }}` in the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
