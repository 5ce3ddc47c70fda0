//! Helpers for the live-reload tests: edit a running gateway's config and watch its events.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Gateway;

pub const APPLIED: &str = "CONFIG_RELOAD_APPLIED";
pub const FAILED: &str = "CONFIG_RELOAD_FAILED";

/// tcp → echo on every port in `ports`.
pub fn echo_config(ports: &[u16]) -> String {
    let ports: Vec<String> = ports.iter().map(ToString::to_string).collect();
    format!(
        "name: test
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: [{}]
    exit: north_echo_server
  north_echo_server:
    type: echo
    kind: server
telemetry:
  exporters:
    stdout_logs_exporter:
      type: stdout
",
        ports.join(", ")
    )
}

pub fn config_path(gateway: &Gateway) -> PathBuf {
    gateway.dir.path().join("zilla.yaml")
}

pub struct Echo {
    socket: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Echo {
    pub fn connect(port: u16) -> std::io::Result<Self> {
        let socket = TcpStream::connect(("127.0.0.1", port))?;
        socket.set_read_timeout(Some(Duration::from_secs(5)))?;
        let reader = BufReader::new(socket.try_clone()?);
        Ok(Self { socket, reader })
    }

    /// Sends a line and reads it back.
    pub fn echoes(&mut self, line: &str) -> bool {
        if self
            .socket
            .write_all(format!("{line}\n").as_bytes())
            .is_err()
        {
            return false;
        }
        let mut back = String::new();
        self.reader.read_line(&mut back).is_ok() && back.trim_end() == line
    }
}

pub fn echoes_on(port: u16) -> bool {
    Echo::connect(port).is_ok_and(|mut echo| echo.echoes("fresh"))
}

pub fn count(gateway: &Gateway, needle: &str) -> usize {
    gateway
        .stdout()
        .iter()
        .filter(|line| line.contains(needle))
        .count()
}

/// Waits for one more `needle` event than `before`; returns how long it took.
pub fn next_event(gateway: &Gateway, needle: &str, before: usize) -> Duration {
    let started = Instant::now();
    let seen = super::wait_until(Duration::from_secs(10), || count(gateway, needle) > before);
    assert!(
        seen,
        "no {needle}\nstdout:\n{}\nstderr:\n{}",
        gateway.stdout().join("\n"),
        gateway.stderr().join("\n")
    );
    started.elapsed()
}

/// Writes `config` in place and waits for it to be applied; returns how long that took.
pub fn apply(gateway: &Gateway, config: &str) -> Duration {
    let before = count(gateway, APPLIED);
    std::fs::write(config_path(gateway), config).expect("write config");
    let took = next_event(gateway, APPLIED, before);
    eprintln!("reload applied {took:?} after the write");
    took
}

/// Connects (and echoes) on `port` over and over until stopped; counts the failures.
pub struct Prober {
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicUsize>,
    successes: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Prober {
    pub fn start(port: u16) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(AtomicUsize::new(0));
        let successes = Arc::new(AtomicUsize::new(0));
        let thread = std::thread::spawn({
            let (stop, failures, successes) = (stop.clone(), failures.clone(), successes.clone());
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let counter = if echoes_on(port) {
                        &successes
                    } else {
                        &failures
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        Self {
            stop,
            failures,
            successes,
            thread: Some(thread),
        }
    }

    /// (successes, failures)
    pub fn finish(mut self) -> (usize, usize) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("prober");
        }
        (
            self.successes.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed),
        )
    }
}

pub fn validate_errors(config: &Path) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_zilla"))
        .args(["validate", "-c"])
        .arg(config)
        .output()
        .expect("zilla validate runs");
    assert_eq!(output.status.code(), Some(78), "{output:?}");
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}
