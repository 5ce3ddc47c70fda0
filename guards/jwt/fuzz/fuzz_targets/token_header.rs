//! Feeds arbitrary text to the reader of a token's JOSE header, the part of a token the guard
//! reads before any signature is checked.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zilla_guard_jwt::fuzz_token_header;

fuzz_target!(|data: &[u8]| fuzz_token_header(data));
