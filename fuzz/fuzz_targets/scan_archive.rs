#![no_main]
//! Fuzz target: see `skyscan::fuzzing::scan_archive`. Run it with an
//! allocation limit (`fuzz/run.sh` passes `-malloc_limit_mb`), so that an
//! archive bomb is a crash.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skyscan::fuzzing::scan_archive(data);
});
