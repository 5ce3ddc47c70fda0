//! Shared helpers for end-to-end tests: run the real `zilla` binary as a user would.
#![allow(dead_code)]

pub mod jwt;
pub mod mosquitto;
pub mod project;
pub mod proxy;
pub mod raw_mqtt;
pub mod reload;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A loopback port held bound but not listening: nothing answers on it (a connection to it is
/// refused), and no other socket, such as another test's broker, can take it until it is
/// released.
pub struct ReservedPort {
    pub port: u16,
    _socket: socket2::Socket,
}

pub fn reserve_port() -> ReservedPort {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&loopback.into()).expect("bind");
    let port = socket
        .local_addr()
        .expect("address")
        .as_socket()
        .expect("an IP address")
        .port();
    ReservedPort {
        port,
        _socket: socket,
    }
}

/// The folder of upstream reference files, when present.
pub fn shared() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("SKIPPED: ../shared (upstream reference files) is not present");
        None
    }
}

pub fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

/// A running gateway with its own engine directory; stopped (SIGTERM) on drop.
pub struct Gateway {
    child: Child,
    pub dir: tempfile::TempDir,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Gateway {
    /// Writes `config` to a fresh directory and starts the gateway on it.
    pub fn start(config: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zilla.yaml");
        std::fs::write(&path, config).expect("write config");
        Self::start_in(dir, &path, env, &[])
    }

    /// Like [`Gateway::start`], with more command-line arguments.
    pub fn start_with_args(config: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zilla.yaml");
        std::fs::write(&path, config).expect("write config");
        Self::start_in(dir, &path, &[], args)
    }

    /// Starts the gateway on a config file that already exists.
    pub fn start_file(path: &Path, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir, path, env, &[])
    }

    fn start_in(
        dir: tempfile::TempDir,
        config: &Path,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let engine = dir.path().join("engine");
        let mut command = Command::new(env!("CARGO_BIN_EXE_zilla"));
        command
            .args(["start", "-v", "-e", "-c"])
            .arg(config)
            .arg("-P")
            .arg(format!("zilla.engine.directory={}", engine.display()))
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("zilla starts");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        let mut gateway = Self {
            child,
            dir,
            stdout,
            stderr,
        };
        let ready = engine.join("ready");
        let started = wait_until(Duration::from_secs(15), || {
            ready.exists() || matches!(gateway.child.try_wait(), Ok(Some(_)))
        });
        if !started || !ready.exists() {
            let _ = gateway.child.kill();
            panic!(
                "gateway did not become ready\nstdout:\n{}\nstderr:\n{}",
                gateway.stdout().join("\n"),
                gateway.stderr().join("\n")
            );
        }
        gateway
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    }

    /// Waits until a stdout line contains `needle`.
    pub fn wait_stdout(&self, needle: &str, deadline: Duration) -> bool {
        wait_until(deadline, || {
            self.stdout().iter().any(|line| line.contains(needle))
        })
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate();
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("gateway did not stop within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn terminate(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut lines) = sink.lock() {
                lines.push(line);
            }
        }
    });
    lines
}
