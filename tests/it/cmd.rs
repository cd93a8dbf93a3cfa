//! Snapshot cases of the command line (`tests/cmd/`, run by trycmd): the
//! help, errors and plain-text reports exactly as a user sees them, so a
//! change to any of them shows up as a reviewable diff. `TRYCMD=overwrite
//! cargo test --test it cmd::` rewrites the snapshots after an intended change.

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.trycmd")
        .case("tests/cmd/*.toml");
}
