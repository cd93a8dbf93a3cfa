#![no_main]
//! Fuzz target: see `skyscan::fuzzing::parse_index`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skyscan::fuzzing::parse_index(data);
});
