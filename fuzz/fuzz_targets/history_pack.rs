#![no_main]
//! Fuzz target: see `skyscan::fuzzing::history_pack`. Run it with an
//! allocation limit (`fuzz/run.sh` passes `-malloc_limit_mb`), so that a
//! memory bomb is a crash.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skyscan::fuzzing::history_pack(data);
});
