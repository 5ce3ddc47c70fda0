//! `zilla start`: loads the config, runs it until SIGTERM or SIGINT, then stops cleanly.

use std::process::ExitCode;

use std::sync::Arc;

use anyhow::Context;
use zilla_engine::binding::Limits;
use zilla_engine::config::{load_file, LoadOptions, LoadedConfig};
use zilla_engine::registry::Registry;
use zilla_engine::runtime::limits::raise_open_files_limit;
use zilla_engine::runtime::references::watched_files;
use zilla_engine::runtime::watch::ConfigWatch;
use zilla_engine::runtime::workers::Workers;
use zilla_engine::runtime::{Engine, EngineOptions};

use super::{print_config_errors, print_warnings};
use crate::settings::EngineSettings;

/// What `start` prints besides the settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Output {
    /// Print the config as written (before `${{ env }}` substitution).
    pub verbose: bool,
    /// Print every error with its full chain of causes.
    pub exception_traces: bool,
    /// Print every event to stdout even when no `stdout` exporter is configured.
    pub events: bool,
}

pub fn run(settings: &EngineSettings, registry: &Registry, output: Output) -> ExitCode {
    let result =
        runtime(settings).and_then(|runtime| runtime.block_on(serve(settings, registry, output)));
    match result {
        Ok(code) => code,
        Err(error) => {
            if output.exception_traces {
                eprintln!("{error:?}");
            } else {
                eprintln!("{error}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The control runtime: signals, reloads, accept loops and guards' key refreshes. Connections
/// run on the workers (see [`Workers`]), so one thread is enough here.
fn runtime(_settings: &EngineSettings) -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("zilla-control")
        .build()
        .context("cannot start the control thread")
}

/// One worker per core unless `-w` or `zilla.engine.workers` says otherwise, as in Zilla.
fn workers(settings: &EngineSettings) -> anyhow::Result<Workers> {
    let count = settings.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    Workers::start(count, settings.worker_spin).context("cannot start the worker threads")
}

async fn serve(
    settings: &EngineSettings,
    registry: &Registry,
    output: Output,
) -> anyhow::Result<ExitCode> {
    // Listening for signals first: a stop requested during startup is honoured once started.
    let mut stop = Stop::listen()?;

    let mut limits = Limits {
        drain: settings.drain,
        ..Limits::default()
    };
    if let Some(max_connections) = settings.max_connections {
        limits.max_connections = max_connections;
    }
    let mut engine = Engine::new(EngineOptions {
        directory: settings.directory.clone(),
        limits,
        workers: workers(settings)?,
    })?;
    match raise_open_files_limit() {
        Ok(limit) => tracing::info!("open file limit: {limit}"),
        Err(error) => tracing::warn!("cannot raise the open file limit: {error}"),
    }

    let options = LoadOptions {
        registry,
        env: &crate::process_env,
        check_files: true,
    };
    let loaded = match load_file(&settings.config, &options) {
        Ok(loaded) => loaded,
        Err(errors) => {
            print_config_errors(&errors);
            return Ok(ExitCode::FAILURE);
        }
    };
    print_warnings(&loaded.warnings);
    if output.verbose {
        print!("{}", loaded.written);
        if !loaded.written.ends_with('\n') {
            println!();
        }
    }

    if output.events && !declares_stdout_exporter(&loaded) {
        engine.set_event_sinks(vec![Arc::new(zilla_exporter_stdout::StdoutExporter)]);
    }
    // Watching before starting: an edit made as soon as the gateway is ready is not missed.
    let mut watch = match ConfigWatch::new(watched_files(&loaded)) {
        Ok(watch) => Some(watch),
        Err(error) => {
            eprintln!("cannot watch the config for changes: {error}");
            None
        }
    };
    engine.start(&loaded, registry).await?;
    println!("started");

    loop {
        tokio::select! {
            () = stop.requested() => break,
            () = changed(&mut watch) => {
                if let Some(watch) = watch.as_mut() {
                    reload(&mut engine, settings, &options, watch).await;
                }
            }
        }
    }
    engine.stop(settings.drain).await;
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves when the watched files changed; never without a watch.
async fn changed(watch: &mut Option<ConfigWatch>) {
    match watch {
        Some(watch) => watch.changed().await,
        None => std::future::pending().await,
    }
}

/// Runs the config pipeline again and applies the result; an invalid config, or one that
/// cannot be started, leaves the running one as it is.
async fn reload(
    engine: &mut Engine,
    settings: &EngineSettings,
    options: &LoadOptions<'_>,
    watch: &mut ConfigWatch,
) {
    let loaded = match load_file(&settings.config, options) {
        Ok(loaded) => loaded,
        Err(errors) => {
            print_config_errors(&errors);
            engine.reload_failed(&format!(
                "{} invalid ({} errors)",
                settings.config.display(),
                errors.0.len()
            ));
            return;
        }
    };
    print_warnings(&loaded.warnings);
    watch.follow(watched_files(&loaded));
    if let Err(error) = engine.reload(&loaded, options.registry).await {
        eprintln!("{error}");
    }
}

/// Whether the config already prints events to stdout, so `-l` does not print them twice.
fn declares_stdout_exporter(loaded: &LoadedConfig) -> bool {
    loaded.config.namespaces.iter().any(|namespace| {
        namespace.telemetry.as_ref().is_some_and(|telemetry| {
            telemetry
                .exporters
                .values()
                .any(|exporter| exporter.type_ == "stdout")
        })
    })
}

/// SIGTERM or SIGINT.
struct Stop {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Stop {
    fn listen() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn requested(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => tracing::info!("SIGTERM: stopping"),
            _ = self.interrupt.recv() => tracing::info!("SIGINT: stopping"),
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
