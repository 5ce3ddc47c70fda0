//! The broker the gateway is measured against, and the gateway configuration that proxies
//! to it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::gateway::{free_port, TempDir};

/// The broker the gateway is measured against, on a free loopback port.
pub struct Mosquitto {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Mosquitto {
    /// Starts the broker with `settings` (mosquitto.conf lines) after the bench's own.
    pub async fn start(binary: &Path, settings: &[String]) -> anyhow::Result<Self> {
        let dir = TempDir::new()?;
        let port = free_port()?;
        let config = dir.path.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n{}",
                settings.iter().map(|line| format!("{line}\n")).collect::<String>()
            ),
        )?;
        let mut command = Command::new(binary);
        let on = crate::cpus::place(&mut command, crate::cpus::placement().broker.as_ref());
        let child = command
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}{on}", binary.display()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if Instant::now() > deadline {
                bail!("mosquitto did not listen on {port} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Self {
            child,
            port,
            _dir: dir,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// CPU time and system calls the broker has spent so far.
    pub fn usage(&self) -> crate::usage::Usage {
        crate::usage::Usage::of(self.child.id())
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// `tcp server → tcp client → broker`: a plain relay, the least any gateway in between costs.
pub fn relay_config(port: u16, broker: u16) -> String {
    format!(
        "{}{}",
        entry(port, "south_tcp_client"),
        broker_client(broker)
    )
}

/// `tcp server → mqtt server → mqtt client → tcp client → broker`.
pub fn proxy_config(port: u16, broker: u16) -> String {
    format!(
        "{}{}",
        entry(port, "north_mqtt_server"),
        proxy_bindings(broker)
    )
}

/// The config's head and its tcp server on `port`, whose streams go to `exit`.
fn entry(port: u16, exit: &str) -> String {
    format!(
        "name: bench
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: {port}
    exit: {exit}
"
    )
}

/// The bindings from `north_mqtt_server` on to the broker, for a config to put its own entry
/// in front of.
pub fn proxy_bindings(broker: u16) -> String {
    format!(
        "  north_mqtt_server:
    type: mqtt
    kind: server
    exit: north_mqtt_client
  north_mqtt_client:
    type: mqtt
    kind: client
    exit: south_tcp_client
{}",
        broker_client(broker)
    )
}

/// The tcp client to the broker.
fn broker_client(broker: u16) -> String {
    format!(
        "  south_tcp_client:
    type: tcp
    kind: client
    options:
      host: 127.0.0.1
      port: {broker}
"
    )
}
