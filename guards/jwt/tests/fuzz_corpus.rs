//! Replays the token-header fuzz seed corpus and every kept crash reproducer through the same
//! checks the fuzz target runs, so that a past crash stays fixed without a fuzzer installed.

use std::path::PathBuf;

use zilla_engine::testing::fuzz_inputs;

use zilla_guard_jwt::fuzz_token_header;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn replay_seed_corpus_and_regressions() {
    let seeds = fuzz_inputs(&crate_dir().join("fuzz/corpus/token_header"));
    assert!(seeds.len() >= 5, "seed corpus missing");
    let regressions = fuzz_inputs(&crate_dir().join("tests/fuzz-regressions"));
    for path in seeds.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        fuzz_token_header(&data);
        // A token cut anywhere, as a client that sent too few bytes would give it.
        for end in 0..data.len() {
            fuzz_token_header(data.get(..end).unwrap_or_default());
        }
    }
}
