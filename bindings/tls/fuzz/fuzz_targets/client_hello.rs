//! Feeds arbitrary bytes to the proxy's ClientHello reader as a connection's first bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zilla_binding_tls::client_hello::fuzz_peek;

fuzz_target!(|data: &[u8]| fuzz_peek(data));
