//! A real Mosquitto broker on a free port, and its command-line clients.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::{free_port, wait_until};

pub const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// A broker that lives as long as the value.
pub struct Broker {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Broker {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        Self::start_with(port, "")
    }

    /// A broker on `port` whose config has `extra` lines too.
    pub fn start_with(port: u16, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config: PathBuf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n{extra}"
            ),
        )
        .expect("broker config");
        let child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts (scripts/setup.sh installs it)");
        let broker = Self {
            child,
            port,
            _dir: dir,
        };
        assert!(
            wait_until(Duration::from_secs(10), || std::net::TcpStream::connect((
                "127.0.0.1",
                port
            ))
            .is_ok()),
            "mosquitto did not listen on {port}"
        );
        broker
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `mosquitto_sub` started in the background; collect its output with [`Subscriber::wait`].
pub struct Subscriber {
    child: Option<Child>,
}

impl Subscriber {
    /// Starts `mosquitto_sub -p PORT ARGS…` and waits until it is subscribed (it prints nothing
    /// until then, so give it a moment).
    pub fn start(port: u16, args: &[&str]) -> Self {
        let child = Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mosquitto_sub runs (scripts/setup.sh installs it)");
        std::thread::sleep(Duration::from_millis(500));
        Self { child: Some(child) }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// Waits for it to exit (it should have `-C`/`-W`) and returns what it printed.
    pub fn wait(mut self) -> Output {
        self.child
            .take()
            .expect("running")
            .wait_with_output()
            .expect("mosquitto_sub output")
    }

    /// Kills it abruptly: no DISCONNECT is sent.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `mosquitto_pub -p PORT ARGS…` to completion.
pub fn publish(port: u16, args: &[&str]) -> Output {
    Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("mosquitto_pub runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
