//! The `zilla` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use zilla_gateway::commands::{self, start::Output, EXIT_CONFIG};
use zilla_gateway::settings::{self, Overrides};

mod allocator;

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

#[derive(Parser)]
#[command(
    name = "zilla",
    version,
    about = "A config-driven MQTT/Kafka protocol gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the engine with zilla.yaml
    Start(StartArgs),
    /// Check zilla.yaml without starting anything
    Validate(ValidateArgs),
    /// Print the JSON schema of zilla.yaml
    Schema,
    /// Print the version
    Version,
}

#[derive(Args)]
struct StartArgs {
    /// Configuration location (a path or a file: URL)
    #[arg(short = 'c', long = "config")]
    config: Option<String>,
    /// Show verbose output (prints the configuration as written)
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Show exception traces (full error chains)
    #[arg(short = 'e', long = "exception-traces")]
    exception_traces: bool,
    /// Show log events (every engine event on stdout, as the stdout exporter prints them)
    #[arg(short = 'l', long = "logs")]
    logs: bool,
    /// Worker count (defaults to the number of cores)
    #[arg(short = 'w', long = "workers", value_parser = clap::value_parser!(u16).range(1..))]
    workers: Option<u16>,
    /// Path to a properties file
    #[arg(short = 'p', long = "properties")]
    properties: Option<PathBuf>,
    /// Property name=value
    #[arg(short = 'P', long = "property", value_name = "NAME=VALUE")]
    property: Vec<String>,
}

#[derive(Args)]
struct ValidateArgs {
    /// Configuration location (a path or a file: URL)
    #[arg(short = 'c', long = "config")]
    config: Option<String>,
    /// Do not read local files the configuration refers to (keystores, JWKS files)
    #[arg(long = "no-environment")]
    no_environment: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("zilla version {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Schema => {
            init_tracing(false);
            report(commands::schema::run(&zilla_gateway::registry()))
        }
        Command::Validate(args) => {
            init_tracing(false);
            let overrides = Overrides {
                config: args.config,
                ..Overrides::default()
            };
            match settings::resolve(&overrides) {
                Ok((settings, _)) => commands::validate::run(
                    &settings.config,
                    &zilla_gateway::registry(),
                    !args.no_environment,
                ),
                Err(error) => {
                    eprintln!("{error:#}");
                    ExitCode::from(EXIT_CONFIG)
                }
            }
        }
        Command::Start(args) => {
            let overrides = Overrides {
                properties_file: args.properties,
                properties: args.property,
                config: args.config,
                workers: args.workers.map(usize::from),
            };
            let (settings, warnings) = match settings::resolve(&overrides) {
                Ok(resolved) => resolved,
                Err(error) => {
                    eprintln!("{error:#}");
                    return ExitCode::FAILURE;
                }
            };
            let verbose = args.verbose || settings.verbose;
            init_tracing(verbose);
            for warning in warnings {
                eprintln!("{warning}");
            }
            let output = Output {
                verbose,
                exception_traces: args.exception_traces,
                events: args.logs,
            };
            commands::start::run(&settings, &zilla_gateway::registry_for(&settings), output)
        }
    }
}

/// Diagnostics on stderr; `RUST_LOG` wins over the default level.
fn init_tracing(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .init();
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
