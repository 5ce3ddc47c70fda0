//! Replays the ClientHello fuzz seed corpus and every kept crash reproducer through the same
//! checks the fuzz target runs, so that a past crash stays fixed without a fuzzer installed.
//!
//! `TLS_WRITE_SEED_CORPUS=1 cargo test -p zilla-binding-tls --test fuzz_corpus` rewrites the
//! seed corpus from hellos a rustls client writes.

mod support;

use std::path::PathBuf;

use std::sync::Arc;
use zilla_engine::testing::fuzz_inputs;

use support::client_config;
use zilla_binding_tls::client_hello::{fuzz_peek, peek, Peeked};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> PathBuf {
    crate_dir().join("fuzz/corpus/client_hello")
}

fn regressions_dir() -> PathBuf {
    crate_dir().join("tests/fuzz-regressions")
}

/// The first flight of a rustls client for `name`, offering `alpn`.
fn hello(
    name: &str,
    alpn: &[&str],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Vec<u8> {
    let mut config = client_config(None, versions);
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let name =
        rustls::pki_types::ServerName::try_from(name.to_owned()).unwrap_or_else(|e| panic!("{e}"));
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), name).unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = Vec::new();
    connection
        .write_tls(&mut bytes)
        .unwrap_or_else(|e| panic!("{e}"));
    bytes
}

/// The same hello with its handshake message split over two records, as a client may send it.
fn split_in_two_records(record: &[u8]) -> Vec<u8> {
    let payload = &record[5..];
    let (first, second) = payload.split_at(payload.len() / 2);
    let mut bytes = Vec::new();
    for part in [first, second] {
        bytes.extend_from_slice(&record[..3]);
        bytes.extend_from_slice(&(part.len() as u16).to_be_bytes());
        bytes.extend_from_slice(part);
    }
    bytes
}

fn write_seed_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let tls13: &[&'static rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    let tls12: &[&'static rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
    let seeds = [
        ("tls13-sni", hello("localhost", &[], tls13)),
        ("tls13-sni-alpn", hello("localhost", &["mqtt", "h2"], tls13)),
        ("tls12-sni-alpn", hello("example.com", &["mqtt"], tls12)),
        (
            "all-versions",
            hello("localhost", &["http/1.1"], rustls::ALL_VERSIONS),
        ),
        ("ip-no-sni", hello("127.0.0.1", &[], rustls::ALL_VERSIONS)),
        (
            "two-records",
            split_in_two_records(&hello("localhost", &["mqtt"], tls13)),
        ),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn replay_seed_corpus_and_regressions() {
    if std::env::var_os("TLS_WRITE_SEED_CORPUS").is_some() {
        write_seed_corpus();
    }
    let seeds = fuzz_inputs(&corpus_dir());
    assert!(
        seeds.len() >= 5,
        "seed corpus missing in {:?}",
        corpus_dir()
    );
    for path in &seeds {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert!(
            matches!(peek(&data), Peeked::Hello(_)),
            "{path:?} is not a hello"
        );
    }
    for path in seeds.iter().chain(&fuzz_inputs(&regressions_dir())) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        fuzz_peek(&data);
        for end in 0..data.len() {
            fuzz_peek(data.get(..end).unwrap_or_default());
        }
    }
}
