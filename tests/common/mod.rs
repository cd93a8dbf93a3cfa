//! Helpers shared by the end-to-end tests: run the binary, copy fixtures
//! into a scratch directory, build git repositories, make fake keys.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

/// The built `skyscan` binary, with a clean environment for colours.
pub fn skyscan() -> Command {
    let mut cmd = Command::cargo_bin("skyscan").expect("binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Path of a fixture under `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Copy a fixture tree into a fresh temporary directory (outside any git
/// repository), returning the directory.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(name), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Run git in `dir` with a fixed identity and no user configuration.
pub fn git(dir: &Path, args: &[&str]) {
    git_with_env(dir, args, &[]);
}

/// Run git with extra environment variables (commit dates, index file).
pub fn git_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = StdCommand::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(env.iter().copied())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Commit everything staged, dated `days_ago` days before now.
pub fn commit_dated(dir: &Path, message: &str, days_ago: u64) -> String {
    let when = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - days_ago * 86_400;
    let date = format!("@{when} +0000");
    git_with_env(
        dir,
        &["commit", "-q", "--allow-empty", "-m", message],
        &[("GIT_AUTHOR_DATE", &date), ("GIT_COMMITTER_DATE", &date)],
    );
    git_with_env(dir, &["rev-parse", "HEAD"], &[])
}

/// A fresh repository in a temporary directory.
pub fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q"]);
    dir
}

/// The environment variable that fixes the seed of the test keys, to replay
/// a failure with the keys it had.
pub const SEED_VAR: &str = "SKYSCAN_TEST_SEED";

/// The seed of every test key of this process: `SKYSCAN_TEST_SEED` when it
/// is set, otherwise the clock (chosen once).
fn key_seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| match std::env::var(SEED_VAR) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR} must be a number, not {text:?}")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    })
}

/// splitmix64's finaliser: spreads every input bit over the output.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

std::thread_local! {
    static KEY_STATE: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The next number of this thread's generator (xorshift64*). Each test runs
/// in a thread named after it, and its generator starts from the seed and
/// that name: a test gets the same keys from the same seed whatever else
/// runs beside it, so `SKYSCAN_TEST_SEED=<seed> cargo test --test it <test>`
/// replays it. The seed is printed (on the test's captured standard error,
/// which a failure shows) when a test first draws a number.
fn next_random() -> u64 {
    KEY_STATE.with(|state| {
        let mut x = state.get().unwrap_or_else(|| {
            let seed = key_seed();
            let thread = std::thread::current();
            let name = match thread.name() {
                Some(name) => name.to_string(),
                None => format!("{:?}", thread.id()),
            };
            eprintln!("test keys: seed {seed} ({SEED_VAR}={seed} replays them in {name})");
            // FNV-1a of the name, then mixed with the seed; never zero.
            let named = name.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
            });
            mix(seed ^ mix(named)) | 1
        });
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(Some(x));
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// `len` characters drawn from `alphabet`, never the same one twice in a
/// row (a run is what the placeholder filter rightly drops).
pub fn random_token(alphabet: &str, len: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    assert!(chars.len() > 1, "an alphabet of two characters or more");
    let mut out = String::new();
    let mut count = 0;
    while count < len {
        let c = chars[(next_random() >> 40) as usize % chars.len()];
        if !out.ends_with(c) {
            out.push(c);
            count += 1;
        }
    }
    out
}

/// A random-looking key with the given prefix, different on every call, so
/// no real-looking secret needs to live in the test sources. Drawn from the
/// test's seeded generator (see [`next_random`]).
pub fn fake_key(prefix: &str) -> String {
    // No e, i, l, o, s, t, x or y: no placeholder word can appear by chance.
    const ALPHABET: &str = "ABCDFGHJKMNPQRUVWZabcdfghjkmnpqruvwz23456789";
    format!("{prefix}{}", random_token(ALPHABET, 32))
}

/// `skyscan scan . --format json <extra>` in `dir`.
pub fn scan_json_output(dir: &Path, extra: &[&str]) -> std::process::Output {
    skyscan()
        .args(["scan", ".", "--format", "json"])
        .args(extra)
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("skyscan runs")
}

/// Write `SKYTELLS_API_KEY = '<fresh sk- key>'` to `path`; returns the key.
pub fn plant_key(path: &Path) -> String {
    let key = fake_key("sk-");
    std::fs::write(path, format!("SKYTELLS_API_KEY = '{key}'\n")).expect("write the planted key");
    key
}

/// Check that a command exited with `code`, showing its stderr otherwise.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
/// Parse stdout as JSON.
pub fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `(rule_id, path, line)` of every finding in a JSON report, sorted.
pub fn finding_keys(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut keys: Vec<_> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Paths of the findings of `rule` (of every rule when `None`) in a JSON
/// report, sorted.
pub fn finding_paths(report: &serde_json::Value, rule: Option<&str>) -> Vec<String> {
    let mut paths: Vec<String> = finding_keys(report)
        .into_iter()
        .filter(|(r, _, _)| rule.is_none_or(|want| want == r))
        .map(|(_, path, _)| path)
        .collect();
    paths.sort();
    paths
}

/// Write `text` to `rel` under `dir`, creating its directories.
pub fn write_file(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file path")).expect("create the directories");
    std::fs::write(path, text).expect("write the file");
}

/// `(path, line)` of the findings of `rule` in a JSON report, sorted.
pub fn findings_of(report: &serde_json::Value, rule: &str) -> Vec<(String, u64)> {
    finding_keys(report)
        .into_iter()
        .filter(|(r, _, _)| r == rule)
        .map(|(_, p, l)| (p, l))
        .collect()
}

/// The replay promise of [`fake_key`]: the keys of a test depend only on the
/// seed and the test's (thread's) name, not on what other threads drew.
#[test]
fn test_keys_follow_the_seed_and_the_test_name() {
    let draw = |name: &str| {
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(|| (fake_key("sk-"), fake_key("sk-"), random_token("ab", 8)))
            .unwrap()
            .join()
            .unwrap()
    };
    let first = draw("some_module::some_test");
    let _ = fake_key("sk-"); // this thread's draws change nothing there
    assert_eq!(draw("some_module::some_test"), first);
    let other = draw("some_module::other_test");
    assert_ne!(other.0, first.0);
    assert_ne!(first.0, first.1);
    assert_eq!(first.2.len(), 8);
    assert!(first.2 == "abababab" || first.2 == "babababa");
    assert!(first.0.starts_with("sk-") && first.0.len() == 35);
}
