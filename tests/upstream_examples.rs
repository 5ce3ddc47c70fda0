//! The upstream example configs, unchanged, as the upstream image would run them. Skipped with a
//! message when the reference folder `../shared` is not present.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{shared, Gateway};

/// The environment the upstream compose files give the gateway.
const COMPOSE_ENV: &[(&str, &str)] = &[
    ("KEYSTORE_PASSWORD", "generated"),
    ("MOSQUITTO_BROKER_HOST", "mosquitto"),
    ("MOSQUITTO_BROKER_PORT", "1883"),
    ("KAFKA_BOOTSTRAP_SERVER", "kafka:29092"),
];

fn example_configs(shared: &Path) -> Vec<PathBuf> {
    let mut configs = Vec::new();
    let examples = shared.join("upstream-examples");
    for example in std::fs::read_dir(&examples).expect("examples").flatten() {
        for folder in [example.path().join("etc"), example.path()] {
            for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("zilla") && name.ends_with(".yaml") {
                    configs.push(entry.path());
                }
            }
        }
    }
    configs.sort();
    configs
}

#[test]
fn every_upstream_example_config_validates() {
    let Some(shared) = shared() else { return };
    let configs = example_configs(&shared);
    assert!(configs.len() >= 9, "found {configs:?}");
    let mut failures = Vec::new();
    for config in &configs {
        let output = Command::new(env!("CARGO_BIN_EXE_zilla"))
            .args(["validate", "-c"])
            .arg(config)
            .envs(COMPOSE_ENV.iter().copied())
            .output()
            .expect("zilla validate runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || stdout.trim() != "OK" {
            failures.push(format!(
                "{}:\n{}{}",
                config.display(),
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn round_trip(port: u16, line: &str) -> (TcpStream, BufReader<TcpStream>) {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reader = BufReader::new(socket.try_clone().expect("clone"));
    socket.write_all(line.as_bytes()).expect("send");
    let mut echoed = String::new();
    reader.read_line(&mut echoed).expect("echo");
    assert_eq!(echoed, line);
    (socket, reader)
}

/// Both examples listen on the fixed port 12345, so they run one after the other.
#[test]
fn upstream_tcp_echo_and_reflect_behave_as_their_guides_show() {
    let Some(shared) = shared() else { return };
    let examples = shared.join("upstream-examples");
    for generation in ["zilla.yaml", "zilla.legacy-0.9.yaml"] {
        let echo = Gateway::start_file(&examples.join("tcp.echo/etc").join(generation), &[]);
        drop(round_trip(12345, "Hello, world\n"));
        assert!(echo.stop().success());

        let reflect = Gateway::start_file(&examples.join("tcp.reflect/etc").join(generation), &[]);
        let (mut first, mut first_reader) = round_trip(12345, "Hello, one\n");
        let (_second, mut second_reader) = round_trip(12345, "Hello, two\n");
        let mut line = String::new();
        first_reader
            .read_line(&mut line)
            .expect("the other client's line");
        assert_eq!(line, "Hello, two\n");
        first.write_all(b"Hello, all\n").expect("send");
        for reader in [&mut first_reader, &mut second_reader] {
            line.clear();
            reader.read_line(&mut line).expect("line to every client");
            assert_eq!(line, "Hello, all\n");
        }
        assert!(reflect.stop().success());
    }
}
