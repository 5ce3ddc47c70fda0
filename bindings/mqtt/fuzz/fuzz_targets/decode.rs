//! Feeds arbitrary bytes to the decoder as a stream of packets, for both versions and a small
//! and a large maximum packet size. Whatever decodes must encode and decode back to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zilla_binding_mqtt::codec::fuzz_decode;

fuzz_target!(|data: &[u8]| fuzz_decode(data));
