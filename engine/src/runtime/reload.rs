//! Applying a new configuration to a running engine, next to the running one.
//!
//! The new generation is built and started while the old one still serves; a listener whose
//! address is unchanged is shared by both (never closed and reopened). Only then does the old
//! generation stop accepting: its open connections stay with it (see [`super::retired`]) and
//! are re-checked by their bindings against the new configuration. Listeners no longer in the
//! configuration are closed. When the new generation cannot be built or started, the old one
//! keeps running as it was.

use std::sync::Arc;

use crate::config::LoadedConfig;
use crate::registry::Registry;

use super::engine::Engine;
use super::error::RuntimeError;

impl Engine {
    /// Replaces the running configuration with `loaded`; emits `config.reload.applied` or,
    /// on failure, `config.reload.failed`.
    pub async fn reload(
        &mut self,
        loaded: &LoadedConfig,
        registry: &Registry,
    ) -> Result<(), RuntimeError> {
        let Some(old) = self.generation.clone() else {
            return Err(RuntimeError::NotStarted);
        };
        let listening_before = self.shared.listeners.addresses();
        let generation = match self.launch(loaded, registry).await {
            Ok(generation) => generation,
            Err(error) => {
                self.shared.listeners.retain(&listening_before);
                self.install_sinks(old.components());
                self.reload_failed(&error.to_string());
                return Err(error);
            }
        };
        old.retire().await;
        for earlier in self.retired.all().iter().chain([&old]) {
            earlier.succeeded_by(&generation);
        }
        let mut addresses = generation.addresses();
        self.shared.listeners.retain(&addresses);
        let bindings = generation.binding_ids().count();
        self.generation = Some(Arc::new(generation));
        self.retired.add(old);

        addresses.sort();
        let addresses: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        self.shared.events.emit(
            &self.source,
            "config.reload.applied",
            format!(
                "applied {bindings} bindings, listening on [{}]",
                addresses.join(", ")
            ),
        );
        Ok(())
    }

    /// Reports a reload that did not happen (the running configuration is unchanged).
    pub fn reload_failed(&self, reason: &str) {
        self.shared.events.emit(
            &self.source,
            "config.reload.failed",
            format!("configuration unchanged: {reason}"),
        );
    }
}
