//! The engine: owns what outlives a configuration (listeners, events, limits, the ready file)
//! and runs the current generation of bindings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::config::LoadedConfig;
use crate::registry::Registry;
use crate::runtime::listeners::Listeners;
use crate::runtime::workers::Workers;
use crate::telemetry::events::{EventSink, Events};

use super::components::Components;
use super::error::RuntimeError;
use super::generation::{Generation, Shared};
use super::limits::Limits;
use super::ready::ReadyFile;
use super::retired::Retired;

/// Source of the engine's own events.
pub const ENGINE_SOURCE: &str = "zilla:engine";

/// How to set an engine up.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Where the ready file lives (`zilla.engine.directory`).
    pub directory: PathBuf,
    pub limits: Limits,
    /// Where accepted connections run.
    pub workers: Workers,
}

/// How long a generation replaced by a reload keeps its open connections before they are
/// stopped, unless set otherwise with [`Engine::set_retired_drain`].
pub const RETIRED_DRAIN: Duration = Duration::from_secs(600);

/// A running gateway.
pub struct Engine {
    pub(super) shared: Shared,
    ready: ReadyFile,
    pub(super) generation: Option<Arc<Generation>>,
    pub(super) retired: Retired,
    pub(super) source: Arc<str>,
    event_sinks: Vec<Arc<dyn EventSink>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("directory", &self.ready.directory())
            .field("running", &self.generation.is_some())
            .finish()
    }
}

impl Engine {
    /// Prepares the engine directory (created, stale ready file removed) before anything
    /// else happens.
    pub fn new(options: EngineOptions) -> Result<Self, RuntimeError> {
        let ready = ReadyFile::prepare(&options.directory)?;
        let listeners = Listeners::with_workers(options.workers);
        listeners
            .connections()
            .set_limit(options.limits.max_connections);
        Ok(Self {
            shared: Shared {
                listeners,
                events: Events::new(),
                limits: options.limits,
            },
            ready,
            generation: None,
            retired: Retired::new(RETIRED_DRAIN),
            source: Arc::from(ENGINE_SOURCE),
            event_sinks: Vec::new(),
        })
    }

    pub fn listeners(&self) -> &Listeners {
        &self.shared.listeners
    }

    pub fn events(&self) -> &Events {
        &self.shared.events
    }

    /// Sinks that receive every event whatever exporters the config declares (`start -l`).
    pub fn set_event_sinks(&mut self, sinks: Vec<Arc<dyn EventSink>>) {
        self.event_sinks = sinks;
    }

    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    pub fn generation(&self) -> Option<&Generation> {
        self.generation.as_deref()
    }

    /// How long a generation replaced by a reload keeps its open connections.
    pub fn set_retired_drain(&mut self, drain: Duration) {
        self.retired.set_drain(drain);
    }

    pub fn ready_file(&self) -> PathBuf {
        self.ready.path()
    }

    pub fn directory(&self) -> &Path {
        self.ready.directory()
    }

    /// Builds and starts every binding of `loaded`, then writes the ready file. On failure
    /// nothing of the configuration keeps running and the listeners it opened are closed.
    pub async fn start(
        &mut self,
        loaded: &LoadedConfig,
        registry: &Registry,
    ) -> Result<(), RuntimeError> {
        if self.generation.is_some() {
            return Err(RuntimeError::AlreadyStarted);
        }
        let listening_before = self.shared.listeners.addresses();
        let generation = match self.launch(loaded, registry).await {
            Ok(generation) => generation,
            Err(error) => {
                self.shared.listeners.retain(&listening_before);
                self.shared.events.set_sinks(Vec::new());
                return Err(error);
            }
        };
        if let Err(error) = self.ready.mark() {
            generation.stop().await;
            self.shared.listeners.retain(&listening_before);
            return Err(error);
        }
        let mut addresses: Vec<String> = self
            .shared
            .listeners
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect();
        addresses.sort();
        self.shared.events.emit(
            &self.source,
            "engine.started",
            format!(
                "started {} bindings, listening on [{}]",
                generation.binding_ids().count(),
                addresses.join(", ")
            ),
        );
        self.generation = Some(Arc::new(generation));
        Ok(())
    }

    pub(super) async fn launch(
        &self,
        loaded: &LoadedConfig,
        registry: &Registry,
    ) -> Result<Generation, RuntimeError> {
        let components =
            Components::build(&loaded.config, registry, &loaded.dir, &self.shared.events)?;
        self.install_sinks(&components);
        let generation = Generation::build(loaded, registry, &self.shared, components)?;
        generation.start().await?;
        Ok(generation)
    }

    /// Sends events to the exporters of `components` and to the engine's own sinks.
    pub(super) fn install_sinks(&self, components: &Components) {
        let mut sinks = components.sinks();
        sinks.extend(self.event_sinks.iter().cloned());
        self.shared.events.set_sinks(sinks);
    }

    /// Stops accepting work, waits up to `drain` for open connections to close, then closes
    /// the listeners. The ready file goes first: a stopping engine is not ready.
    pub async fn stop(&mut self, drain: Duration) {
        self.ready.clear();
        let Some(generation) = self.generation.take() else {
            return;
        };
        generation.stop().await;
        self.retired.stop_all().await;
        let connections = self.shared.listeners.connections().clone();
        let drained = tokio::time::timeout(drain, connections.idle())
            .await
            .is_ok();
        self.shared.listeners.retain(&[]);
        let message = if drained {
            "stopped".to_owned()
        } else {
            format!(
                "stopped with {} connections still open after {drain:?}",
                connections.count()
            )
        };
        self.shared
            .events
            .emit(&self.source, "engine.stopped", message);
        drop(generation);
    }
}
