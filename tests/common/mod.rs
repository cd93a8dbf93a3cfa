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

/// A random-looking key with the given prefix, different on every call, so
/// no real-looking secret needs to live in the test sources.
pub fn fake_key(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    // No e, i, l, o, s, t, x or y: no placeholder word can appear by chance.
    const ALPHABET: &[u8] = b"ABCDFGHJKMNPQRUVWZabcdfghjkmnpqruvwz23456789";
    let mut state = COUNTER.fetch_add(1, Ordering::Relaxed)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    let mut body = String::new();
    while body.len() < 32 {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let v = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let c = ALPHABET[(v >> 58) as usize % ALPHABET.len()] as char;
        // Avoid runs that the placeholder filter would (rightly) drop.
        if !body.ends_with(c) {
            body.push(c);
        }
    }
    format!("{prefix}{body}")
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
