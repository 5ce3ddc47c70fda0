//! Replays the fuzz seed corpus and every kept crash reproducer through the decoder, the same
//! way the fuzz target does, so that a past crash stays fixed without a fuzzer installed.
//!
//! `MQTT_WRITE_SEED_CORPUS=1 cargo test -p zilla-binding-mqtt --test fuzz_corpus` rewrites the
//! seed corpus from the sample packets.

mod common;

use std::path::PathBuf;

use zilla_engine::testing::fuzz_inputs;

use common::{all_packets, encode_one};
use zilla_binding_mqtt::codec::{fuzz_decode, ProtocolVersion};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> PathBuf {
    crate_dir().join("fuzz/corpus/decode")
}

fn regressions_dir() -> PathBuf {
    crate_dir().join("tests/fuzz-regressions")
}

fn write_seed_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for version in VERSIONS {
        let tag = if version.is_v5() { "v5" } else { "v3" };
        let mut stream = Vec::new();
        for (index, packet) in all_packets(version).iter().enumerate() {
            let bytes = encode_one(packet, version);
            stream.extend_from_slice(&bytes);
            let kind = format!("{:?}", packet.packet_type()).to_lowercase();
            let path = dir.join(format!("{tag}-{index:02}-{kind}"));
            std::fs::write(path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        }
        let path = dir.join(format!("{tag}-stream"));
        std::fs::write(path, &stream).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn replay_seed_corpus_and_regressions() {
    if std::env::var_os("MQTT_WRITE_SEED_CORPUS").is_some() {
        write_seed_corpus();
    }
    let seeds = fuzz_inputs(&corpus_dir());
    assert!(
        seeds.len() >= 10,
        "seed corpus missing in {:?}",
        corpus_dir()
    );
    let regressions = fuzz_inputs(&regressions_dir());
    for path in seeds.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        fuzz_decode(&data);
        // Every prefix too: a stream cut anywhere must only ask for more bytes or fail.
        for end in 0..data.len().min(256) {
            fuzz_decode(data.get(..end).unwrap_or_default());
        }
    }
}
