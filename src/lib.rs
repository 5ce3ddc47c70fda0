//! The `zilla` gateway binary's library: which factories it is built with, how its settings
//! resolve, and what each command does.

pub mod commands;
pub mod properties;
pub mod settings;

use zilla_engine::registry::Registry;

/// Every binding, guard, vault, store and exporter factory this binary is built with.
pub fn registry() -> Registry {
    Registry::new()
        .binding(zilla_binding_tcp::TcpBindingFactory::new())
        .binding(zilla_binding_echo::EchoBindingFactory)
        .binding(zilla_binding_fan::FanBindingFactory::default())
        .binding(zilla_binding_tls::TlsBindingFactory::default())
        .binding(zilla_binding_mqtt::MqttBindingFactory)
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
