//! Echo load: round trips (latency) and streaming (bandwidth), against any echo address.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Load {
    pub connections: usize,
    pub size: usize,
    pub duration: Duration,
}

#[derive(Debug, Default)]
pub struct EchoResult {
    pub round_trips_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub stream_bytes_per_second: f64,
}

/// The alternative the gateway is measured against: a plain tokio echo server.
pub struct PlainEchoServer {
    address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl PlainEchoServer {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let _ = socket.set_nodelay(true);
                tokio::spawn(async move {
                    let (mut reader, mut writer) = socket.split();
                    let _ = tokio::io::copy(&mut reader, &mut writer).await;
                });
            }
        });
        Ok(Self { address, task })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for PlainEchoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn measure(address: SocketAddr, load: &Load) -> anyhow::Result<EchoResult> {
    let (round_trips, mut latencies) = round_trips(address, load).await?;
    latencies.sort_unstable();
    let stream_bytes = streaming(address, load).await?;
    let seconds = load.duration.as_secs_f64();
    Ok(EchoResult {
        round_trips_per_second: round_trips as f64 / seconds,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        stream_bytes_per_second: stream_bytes as f64 / seconds,
    })
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn connect(address: SocketAddr) -> anyhow::Result<TcpStream> {
    let socket = TcpStream::connect(address).await?;
    socket.set_nodelay(true)?;
    Ok(socket)
}

/// Each connection sends a message and waits for it to come back, until the time is up.
async fn round_trips(address: SocketAddr, load: &Load) -> anyhow::Result<(u64, Vec<Duration>)> {
    let deadline = Instant::now() + load.duration;
    let mut tasks = Vec::new();
    for _ in 0..load.connections {
        let mut socket = connect(address).await?;
        let size = load.size;
        tasks.push(tokio::spawn(async move {
            let message = vec![b'x'; size];
            let mut echoed = vec![0u8; size];
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                socket.write_all(&message).await?;
                socket.read_exact(&mut echoed).await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((all.len() as u64, all))
}

/// Each connection writes as fast as the echo lets it while reading everything back.
async fn streaming(address: SocketAddr, load: &Load) -> anyhow::Result<u64> {
    let deadline = tokio::time::Instant::now() + load.duration;
    let mut tasks = Vec::new();
    for _ in 0..load.connections {
        let socket = connect(address).await?;
        let size = load.size;
        tasks.push(tokio::spawn(async move {
            let (mut reader, mut writer) = socket.into_split();
            let writing = tokio::spawn(async move {
                let chunk = vec![b'y'; size];
                while tokio::time::Instant::now() < deadline {
                    if writer.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
                let _ = writer.shutdown().await;
            });
            let mut buffer = vec![0u8; 64 * 1024];
            let mut received = 0u64;
            loop {
                match tokio::time::timeout_at(deadline, reader.read(&mut buffer)).await {
                    Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                    Ok(Ok(read)) => received += read as u64,
                }
            }
            writing.abort();
            received
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await?;
    }
    Ok(total)
}
