#![no_main]
//! Fuzz target: see `skyscan::fuzzing::scan_and_report`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skyscan::fuzzing::scan_and_report(data);
});
