//! Engine settings resolved as Zilla's launcher resolves them: defaults, then a properties
//! file (`.zilla/zilla.properties` beside the binary, or `-p FILE`), then `-P name=value`,
//! then the dedicated flags (`-c`, `-w`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::properties::Properties;

pub const CONFIG_URL: &str = "zilla.engine.config.url";
pub const DIRECTORY: &str = "zilla.engine.directory";
pub const WORKERS: &str = "zilla.engine.workers";
pub const VERBOSE: &str = "zilla.engine.verbose";
pub const DRAIN_TIMEOUT: &str = "zilla.engine.drain.timeout";
pub const MAX_CONNECTIONS: &str = "zilla.engine.max.connections";
pub const WORKER_SPIN: &str = "zilla.engine.worker.spin.micros";
pub const TLS_HANDSHAKE_TIMEOUT: &str = zilla_binding_tls::HANDSHAKE_TIMEOUT_PROPERTY;

/// Engine property names this gateway understands besides the mqtt bindings' ([`is_known`]);
/// others are accepted with a warning.
pub const KNOWN: &[&str] = &[
    CONFIG_URL,
    DIRECTORY,
    WORKERS,
    VERBOSE,
    DRAIN_TIMEOUT,
    MAX_CONNECTIONS,
    WORKER_SPIN,
    TLS_HANDSHAKE_TIMEOUT,
];

const DEFAULT_CONFIG: &str = "zilla.yaml";
const DEFAULT_DIRECTORY: &str = ".zilla/engine";
const DEFAULT_DRAIN: Duration = Duration::from_secs(5);
/// Off by default: on a machine whose cores the gateway shares with its broker and clients, a
/// spinning worker takes CPU time those need. Measured there, spin cost QoS 1 throughput with
/// one connection each way and helped QoS 0 and fan-out (see the README's benchmarks).
const DEFAULT_WORKER_SPIN: Duration = Duration::ZERO;
const PROPERTIES_BESIDE_BINARY: &str = ".zilla/zilla.properties";

/// What the command line asked for, before resolution.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub properties_file: Option<PathBuf>,
    pub properties: Vec<String>,
    pub config: Option<String>,
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    pub config: PathBuf,
    pub directory: PathBuf,
    pub workers: Option<usize>,
    pub drain: Duration,
    pub max_connections: Option<usize>,
    /// How long a worker keeps polling after network activity before it sleeps.
    pub worker_spin: Duration,
    /// How long a tls binding waits for a handshake to complete.
    pub tls_handshake_timeout: Duration,
    /// Limits and timeouts of the mqtt bindings.
    pub mqtt: zilla_binding_mqtt::MqttProperties,
    pub verbose: bool,
}

/// The settings, plus a warning for each `-P` name this gateway does not know.
pub fn resolve(overrides: &Overrides) -> anyhow::Result<(EngineSettings, Vec<String>)> {
    let mut properties = Properties::default();
    match &overrides.properties_file {
        Some(path) => properties.merge(read_properties(path)?),
        None => {
            if let Some(path) = properties_beside_binary().filter(|path| path.is_file()) {
                properties.merge(read_properties(&path)?);
            }
        }
    }
    let mut warnings = Vec::new();
    for assignment in &overrides.properties {
        let (name, value) = Properties::parse_assignment(assignment);
        if !is_known(&name) {
            warnings.push(format!("warning: unknown property {name} (ignored)"));
        }
        properties.set(name, value);
    }
    if let Some(config) = &overrides.config {
        properties.set(CONFIG_URL, config.clone());
    }
    if let Some(workers) = overrides.workers {
        properties.set(WORKERS, workers.to_string());
    }
    Ok((from_properties(&properties)?, warnings))
}

fn from_properties(properties: &Properties) -> anyhow::Result<EngineSettings> {
    let config = match properties.get(CONFIG_URL) {
        Some(url) => config_path(url)?,
        None => PathBuf::from(DEFAULT_CONFIG),
    };
    let directory = PathBuf::from(properties.get(DIRECTORY).unwrap_or(DEFAULT_DIRECTORY));
    let workers = match properties.get(WORKERS) {
        None => None,
        Some(value) => match value.trim().parse::<i64>() {
            // Zilla treats a negative count as "not set": one worker per core.
            Ok(count) if count < 0 => None,
            Ok(count) if count > 0 => Some(usize::try_from(count).unwrap_or(usize::MAX)),
            _ => bail!("{WORKERS}: expected a positive number of workers, got {value:?}"),
        },
    };
    let drain = match properties.get(DRAIN_TIMEOUT) {
        None => DEFAULT_DRAIN,
        Some(value) => value
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .with_context(|| format!("{DRAIN_TIMEOUT}: expected seconds, got {value:?}"))?,
    };
    let max_connections = match properties.get(MAX_CONNECTIONS) {
        None => None,
        Some(value) => Some(value.trim().parse::<usize>().with_context(|| {
            format!("{MAX_CONNECTIONS}: expected a number of connections, got {value:?}")
        })?),
    };
    let worker_spin = match properties.get(WORKER_SPIN) {
        None => DEFAULT_WORKER_SPIN,
        Some(value) => Duration::from_micros(value.trim().parse::<u64>().with_context(|| {
            format!("{WORKER_SPIN}: expected microseconds (0 turns spinning off), got {value:?}")
        })?),
    };
    let tls_handshake_timeout = match properties.get(TLS_HANDSHAKE_TIMEOUT) {
        None => zilla_binding_tls::DEFAULT_HANDSHAKE_TIMEOUT,
        Some(value) => {
            zilla_binding_tls::parse_handshake_timeout(value).map_err(anyhow::Error::msg)?
        }
    };
    let mqtt = zilla_binding_mqtt::MqttProperties::from_lookup(|name| properties.get(name))
        .map_err(anyhow::Error::msg)?;
    let verbose = properties.get(VERBOSE).is_some_and(|value| value == "true");
    Ok(EngineSettings {
        config,
        directory,
        workers,
        drain,
        max_connections,
        worker_spin,
        tls_handshake_timeout,
        mqtt,
        verbose,
    })
}

/// Whether this gateway reads the property `name`.
pub fn is_known(name: &str) -> bool {
    KNOWN.contains(&name) || zilla_binding_mqtt::properties::NAMES.contains(&name)
}

/// `zilla.engine.config.url` as a local path: a `file:` URL or a plain path.
pub fn config_path(url: &str) -> anyhow::Result<PathBuf> {
    let Some((scheme, rest)) = url.split_once(':').filter(|(scheme, _)| is_scheme(scheme)) else {
        return Ok(PathBuf::from(url));
    };
    if !scheme.eq_ignore_ascii_case("file") {
        bail!("{CONFIG_URL}: only file: URLs and paths are supported, got {url}");
    }
    let path = match rest.strip_prefix("//") {
        // `file:///etc/zilla.yaml` or `file://localhost/etc/zilla.yaml`
        Some(authority_and_path) => match authority_and_path.find('/') {
            Some(slash) => {
                let (authority, path) = authority_and_path.split_at(slash);
                if !authority.is_empty() && authority != "localhost" {
                    bail!("{CONFIG_URL}: a file: URL on another host is not supported: {url}");
                }
                path
            }
            None => bail!("{CONFIG_URL}: a file: URL without a path: {url}"),
        },
        None => rest,
    };
    Ok(PathBuf::from(percent_decode(path)))
}

/// A scheme has at least two characters, so that `C:` style drive letters stay paths.
fn is_scheme(candidate: &str) -> bool {
    candidate.len() > 1
        && candidate.starts_with(|c: char| c.is_ascii_alphabetic())
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = bytes
            .get(index + 1..index + 3)
            .filter(|_| bytes[index] == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn properties_beside_binary() -> Option<PathBuf> {
    let binary = std::env::current_exe().ok()?;
    Some(binary.parent()?.join(PROPERTIES_BESIDE_BINARY))
}

fn read_properties(path: &Path) -> anyhow::Result<Properties> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read properties {}", path.display()))?;
    Ok(Properties::parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_urls_become_paths() {
        let path = |url: &str| config_path(url).expect(url);
        assert_eq!(
            path("file:/etc/zilla/zilla.yaml"),
            PathBuf::from("/etc/zilla/zilla.yaml")
        );
        assert_eq!(
            path("file:///etc/zilla/zilla.yaml"),
            PathBuf::from("/etc/zilla/zilla.yaml")
        );
        assert_eq!(
            path("file://localhost/a%20b.yaml"),
            PathBuf::from("/a b.yaml")
        );
        assert_eq!(path("conf/zilla.yaml"), PathBuf::from("conf/zilla.yaml"));
        assert_eq!(path("file:zilla.yaml"), PathBuf::from("zilla.yaml"));
        assert!(config_path("http://example.com/zilla.yaml").is_err());
    }

    #[test]
    fn flags_override_properties_and_unknown_names_warn() {
        let overrides = Overrides {
            properties: vec![
                format!("{DIRECTORY}=/tmp/engine"),
                format!("{CONFIG_URL}=file:/from/property.yaml"),
                format!("{DRAIN_TIMEOUT}=0.5"),
                "zilla.engine.nonesuch=1".to_owned(),
            ],
            config: Some("from/flag.yaml".to_owned()),
            workers: Some(3),
            ..Overrides::default()
        };
        let (settings, warnings) = resolve(&overrides).expect("settings");
        assert_eq!(settings.config, PathBuf::from("from/flag.yaml"));
        assert_eq!(settings.directory, PathBuf::from("/tmp/engine"));
        assert_eq!(settings.workers, Some(3));
        assert_eq!(settings.drain, Duration::from_millis(500));
        assert_eq!(
            warnings,
            vec!["warning: unknown property zilla.engine.nonesuch (ignored)".to_owned()]
        );
    }

    #[test]
    fn zero_workers_is_refused() {
        let overrides = Overrides {
            properties: vec![format!("{WORKERS}=0")],
            ..Overrides::default()
        };
        assert!(resolve(&overrides).is_err());
    }

    #[test]
    fn worker_spin_is_in_microseconds_and_zero_turns_it_off() {
        let spin = |properties: Vec<String>| {
            resolve(&Overrides {
                properties,
                ..Overrides::default()
            })
            .map(|(settings, _)| settings.worker_spin)
        };
        assert_eq!(spin(vec![]).expect("default"), DEFAULT_WORKER_SPIN);
        assert_eq!(
            spin(vec![format!("{WORKER_SPIN}=0")]).expect("off"),
            Duration::ZERO
        );
        assert_eq!(
            spin(vec![format!("{WORKER_SPIN}=200")]).expect("set"),
            Duration::from_micros(200)
        );
        assert!(spin(vec![format!("{WORKER_SPIN}=soon")]).is_err());
    }

    #[test]
    fn the_tls_handshake_timeout_is_zillas_property_in_seconds() {
        let timeout = |properties: Vec<String>| {
            resolve(&Overrides {
                properties,
                ..Overrides::default()
            })
            .map(|(settings, warnings)| (settings.tls_handshake_timeout, warnings))
        };
        let (default, _) = timeout(vec![]).expect("default");
        assert_eq!(default, Duration::from_secs(10));
        let (set, warnings) = timeout(vec![format!("{TLS_HANDSHAKE_TIMEOUT}=3")]).expect("set");
        assert_eq!(set, Duration::from_secs(3));
        assert!(warnings.is_empty(), "a known property: {warnings:?}");
        assert!(timeout(vec![format!("{TLS_HANDSHAKE_TIMEOUT}=0")]).is_err());
    }

    #[test]
    fn the_mqtt_properties_are_known_and_checked() {
        let resolved = |properties: Vec<String>| {
            resolve(&Overrides {
                properties,
                ..Overrides::default()
            })
        };
        let name = zilla_binding_mqtt::properties::KEEP_ALIVE_MAXIMUM;
        let (settings, warnings) = resolved(vec![format!("{name}=30")]).expect("set");
        assert_eq!(settings.mqtt.keep_alive_maximum, Some(30));
        assert!(warnings.is_empty(), "a known property: {warnings:?}");
        let error = resolved(vec![format!("{name}=forever")]).expect_err("refused");
        assert!(error.to_string().contains(name), "{error}");
    }
}
