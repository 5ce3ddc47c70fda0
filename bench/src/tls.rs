//! TLS through the gateway beside plain TCP through the same gateway, in one run: handshakes
//! (new connections) per second, round trips on established connections, and the MQTT proxy's
//! publish rate with a tls server in front of it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// `tcp → echo` on `plain` and `tcp → tls → echo` on `tls`, with the tls binding's test keys.
pub fn config(plain: u16, tls: u16, keys: &Path) -> String {
    format!(
        "{}  echo_server:
    type: echo
    kind: server
",
        tls_front(plain, tls, keys, "echo_server")
    )
}

/// `tcp → mqtt → mqtt client → tcp client → broker` on `plain`, and the same with a tls server
/// in front of the mqtt server on `tls`: the MQTT proxy pipeline with and without TLS.
pub fn mqtt_config(plain: u16, tls: u16, broker: u16, keys: &Path) -> String {
    format!(
        "{}{}",
        tls_front(plain, tls, keys, "north_mqtt_server"),
        crate::mqtt::broker::proxy_bindings(broker)
    )
}

/// A config's start: the test keystore's vault, and a tcp server whose `plain` port goes
/// straight to `entry` and whose `tls` port goes through a tls server to it.
fn tls_front(plain: u16, tls: u16, keys: &Path, entry: &str) -> String {
    format!(
        "name: bench
vaults:
  server:
    type: filesystem
    options:
      keys:
        store: {store}
        password: test-password
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: [{plain}, {tls}]
    routes:
      - when:
          - port: {plain}
        exit: {entry}
      - when:
          - port: {tls}
        exit: north_tls_server
  north_tls_server:
    type: tls
    kind: server
    vault: server
    options:
      keys: [localhost]
      sni: [localhost]
    exit: {entry}
",
        store = keys.join("localhost.p12").display()
    )
}

pub fn connector(keys: &Path) -> anyhow::Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(keys.join("ca.crt"))
        .context("the test CA of the tls binding")?
    {
        roots.add(certificate?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

#[derive(Debug, Default)]
pub struct TlsResult {
    pub connections_per_second: f64,
    pub round_trips_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// New connections per second (each exchanging one byte), then round trips per second on
/// `connections` established ones, with TLS when `tls` is given.
pub async fn measure(
    address: SocketAddr,
    tls: Option<&TlsConnector>,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<TlsResult> {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let tls = tls.cloned();
        tasks.push(tokio::spawn(async move {
            let mut opened = 0u64;
            while Instant::now() < deadline {
                let mut stream = open(address, tls.as_ref()).await?;
                ping(&mut stream, 1).await?;
                opened += 1;
            }
            anyhow::Ok(opened)
        }));
    }
    let mut opened = 0;
    for task in tasks {
        opened += task.await??;
    }

    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut stream = open(address, tls).await?;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                ping(&mut stream, 1024).await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    latencies.sort_unstable();
    let seconds = duration.as_secs_f64();
    Ok(TlsResult {
        connections_per_second: opened as f64 / seconds,
        round_trips_per_second: latencies.len() as f64 / seconds,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
    })
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

trait Duplex: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Duplex for T {}

async fn open(address: SocketAddr, tls: Option<&TlsConnector>) -> anyhow::Result<Box<dyn Duplex>> {
    let socket = TcpStream::connect(address).await?;
    socket.set_nodelay(true)?;
    match tls {
        None => Ok(Box::new(socket)),
        Some(connector) => {
            let name = ServerName::try_from("localhost")?;
            Ok(Box::new(connector.connect(name, socket).await?))
        }
    }
}

async fn ping(stream: &mut Box<dyn Duplex>, size: usize) -> anyhow::Result<()> {
    let message = vec![b'z'; size];
    stream.write_all(&message).await?;
    stream.flush().await?;
    let mut echoed = vec![0u8; size];
    stream.read_exact(&mut echoed).await?;
    Ok(())
}
