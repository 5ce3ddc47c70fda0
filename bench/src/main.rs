//! `zilla-bench`: measures the gateway side by side with the alternative, in one run.

mod echo;
mod gateway;
mod report;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmarks the gateway beside the alternative, in the same run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start-up time to the ready file, idle memory, and echo throughput through tcp → echo
    /// beside a plain socket echo server.
    Engine {
        /// The gateway binary to measure.
        #[arg(long, default_value = "target/release/zilla")]
        binary: PathBuf,
        /// Start-ups to time.
        #[arg(long, default_value_t = 10)]
        starts: usize,
        /// Concurrent connections for the echo runs.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Message size in bytes.
        #[arg(long, default_value_t = 1024)]
        size: usize,
        /// Seconds per echo run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    match cli.command {
        Command::Engine {
            binary,
            starts,
            connections,
            size,
            seconds,
        } => runtime.block_on(async move {
            let load = echo::Load {
                connections,
                size,
                duration: std::time::Duration::from_secs(seconds),
            };
            run_engine(binary, starts, load).await
        }),
    }
}

async fn run_engine(binary: PathBuf, starts: usize, load: echo::Load) -> anyhow::Result<()> {
    let startup = gateway::time_startups(&binary, starts).await?;
    report::startup(&startup);

    let gateway = gateway::Gateway::start_echo(&binary).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let idle_rss = gateway.rss_kib()?;
    report::memory("idle RSS", idle_rss);

    let plain = echo::PlainEchoServer::start().await?;
    let direct = echo::measure(plain.address(), &load).await?;
    let through = echo::measure(gateway.address(), &load).await?;
    let loaded_rss = gateway.rss_kib()?;
    report::echo(&load, &direct, &through);
    report::memory("RSS after the echo run", loaded_rss);
    gateway.stop().await?;
    Ok(())
}
