//! Runs the gateway binary as a child process with a generated config.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

/// Properties given to every gateway this run starts.
static PROPERTIES: OnceLock<Vec<String>> = OnceLock::new();

/// Sets the properties every gateway started from now on gets; only the first call counts.
pub fn set_properties(properties: Vec<String>) {
    let _ = PROPERTIES.set(properties);
}

/// The properties every gateway gets, in the order given (a later one overrides an earlier).
pub fn properties() -> &'static [String] {
    PROPERTIES.get().map_or(&[], Vec::as_slice)
}

pub struct Gateway {
    child: Child,
    address: SocketAddr,
    /// The process forks one of its own per connection (socat), whose usage counts too.
    forks: bool,
    /// The config and engine directory of a gateway; socat has none.
    _dir: Option<TempDir>,
}

impl Gateway {
    /// Starts `tcp server → echo` on a free port and waits for the ready file.
    pub async fn start_echo(binary: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        Self::start(binary, port, &echo_config(port)).await
    }

    /// Starts the gateway with `config` (whose entry listens on `port`) and waits for the
    /// ready file.
    pub async fn start(binary: &Path, port: u16, config: &str) -> anyhow::Result<Self> {
        let dir = TempDir::new()?;
        let config_path = dir.path.join("zilla.yaml");
        std::fs::write(&config_path, config)?;
        let mut child = spawn(binary, &config_path, &dir.path.join("engine"))?;
        wait_ready(
            &mut child,
            &dir.path.join("engine/ready"),
            Duration::from_secs(10),
        )
        .await?;
        Ok(Self {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            forks: false,
            _dir: Some(dir),
        })
    }

    /// Starts socat in the gateway's place, relaying `port` to the broker on `broker` with a
    /// process per connection that copies bytes and nothing else, and waits until it listens.
    pub async fn start_socat(port: u16, broker: u16) -> anyhow::Result<Self> {
        let mut command = Command::new("socat");
        let on = crate::cpus::place(&mut command, crate::cpus::placement().gateway.as_ref());
        let mut child = command
            .arg(format!(
                "TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,nodelay"
            ))
            .arg(format!("TCP:127.0.0.1:{broker},nodelay"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start socat (Debian package socat){on}"))?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        wait_listening(&mut child, address, Duration::from_secs(10)).await?;
        Ok(Self {
            child,
            address,
            forks: true,
            _dir: None,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// CPU time and wakeups the gateway has spent so far.
    pub fn usage(&self) -> crate::usage::Usage {
        match self.forks {
            true => crate::usage::Usage::of_tree(self.child.id()),
            false => crate::usage::Usage::of(self.child.id()),
        }
    }

    /// Resident memory of the gateway process, from /proc.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let pid = self.child.id().context("gateway exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc status")
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        terminate(&mut self.child).await
    }
}

/// Times `starts` cold starts of the gateway until its ready file appears.
pub async fn time_startups(binary: &Path, starts: usize) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(starts);
    for _ in 0..starts {
        let dir = TempDir::new()?;
        let config = dir.path.join("zilla.yaml");
        std::fs::write(&config, echo_config(free_port()?))?;
        let began = Instant::now();
        let mut child = spawn(binary, &config, &dir.path.join("engine"))?;
        wait_ready(
            &mut child,
            &dir.path.join("engine/ready"),
            Duration::from_secs(10),
        )
        .await?;
        samples.push(began.elapsed());
        terminate(&mut child).await?;
    }
    Ok(samples)
}

fn echo_config(port: u16) -> String {
    format!(
        "name: bench\nbindings:\n  tcp_server:\n    type: tcp\n    kind: server\n    options:\n      host: 127.0.0.1\n      port: {port}\n    exit: echo_server\n  echo_server:\n    type: echo\n    kind: server\n"
    )
}

fn spawn(binary: &Path, config: &Path, engine: &Path) -> anyhow::Result<Child> {
    let mut command = Command::new(binary);
    let on = crate::cpus::place(&mut command, crate::cpus::placement().gateway.as_ref());
    command
        .arg("start")
        .arg("-c")
        .arg(config)
        .arg("-P")
        .arg(format!("zilla.engine.directory={}", engine.display()))
        .args(
            properties()
                .iter()
                .flat_map(|property| ["-P", property.as_str()]),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}{on}", binary.display()))
}

async fn wait_ready(child: &mut Child, ready: &Path, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !ready.exists() {
        if let Some(status) = child.try_wait()? {
            bail!("the gateway exited before it was ready ({status})");
        }
        if Instant::now() > deadline {
            bail!("no ready file at {} after {limit:?}", ready.display());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// Waits until `address` accepts a connection (the probe is closed at once).
async fn wait_listening(
    child: &mut Child,
    address: SocketAddr,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while tokio::net::TcpStream::connect(address).await.is_err() {
        if let Some(status) = child.try_wait()? {
            bail!("the relay exited before it listened ({status})");
        }
        if Instant::now() > deadline {
            bail!("nothing listens on {address} after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

async fn terminate(child: &mut Child) -> anyhow::Result<()> {
    if let Some(pid) = child.id() {
        // kill(1) keeps this crate free of unsafe signal calls.
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    }
    match tokio::time::timeout(Duration::from_secs(10), child.wait()).await {
        Ok(status) => {
            status?;
            Ok(())
        }
        Err(_) => {
            child.kill().await?;
            bail!("gateway did not stop within 10 s of SIGTERM")
        }
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A temporary directory removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> anyhow::Result<Self> {
        let unique = format!("zilla-bench-{}-{}", std::process::id(), next_suffix());
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }
}

fn next_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
