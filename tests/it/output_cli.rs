//! How results reach the reader: JSON Lines and CSV, `--quiet` and
//! `--verbose`, standard input, colour (NO_COLOR, CLICOLOR, CLICOLOR_FORCE,
//! `--color`) and a reader that goes away early.

use crate::common;

use std::io::Read;
use std::process::{Command as StdCommand, Stdio};

use crate::common::{copy_fixture, fake_key, finding_keys, json_of, plant_key, skyscan};
use predicates::prelude::*;

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn jsonl_is_one_finding_per_line_as_in_json() {
    let dir = copy_fixture("sample-app");
    let json = json_of(&common::scan_json_output(dir.path(), &[]));
    let out = skyscan()
        .args(["scan", ".", "--format", "jsonl"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines, *json["findings"].as_array().unwrap());
    assert_eq!(lines.len(), 10);
    // A clean scan writes nothing at all.
    skyscan()
        .args(["scan", "clean", "--format", "jsonl"])
        .current_dir(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
}

#[test]
fn csv_has_a_header_and_a_row_per_finding_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let key = plant_key(&dir.path().join("client.py"));
    std::fs::write(
        dir.path().join("get.sh"),
        "=cmd|' /C calc'!A0; curl -k https://api.skytells.ai/v1/models\n",
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", ".", "--format", "csv"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    assert!(!text.contains(&key), "CSV leaks the key:\n{text}");
    assert!(text.contains(&key[..8]));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..12],
        [
            "rule_id",
            "checklist",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "snippet",
            "match",
            "fingerprint"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let keys: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[0], &r[3], &r[4])).collect();
    assert_eq!(
        keys,
        [
            ("skytells-api-key", "client.py", "1"),
            ("curl-insecure", "get.sh", "1")
        ]
    );
    // A scanned line that a spreadsheet would run as a formula is defused.
    assert!(rows[1][9].starts_with("'=cmd"), "{:?}", &rows[1][9]);
    // A CSV report left in the tree is not scanned again.
    std::fs::write(dir.path().join("skyscan.csv"), &text).unwrap();
    let again = json_of(&common::scan_json_output(dir.path(), &[]));
    assert_eq!(again["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn quiet_prints_nothing_when_clean_and_everything_when_not() {
    let dir = copy_fixture("sample-app");
    for format in ["human", "json", "sarif"] {
        skyscan()
            .args(["scan", "clean", "-q", "--format", format])
            .current_dir(dir.path())
            .assert()
            .code(0)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::is_empty());
    }
    // Warnings of a clean run (an oversized file) are silenced too...
    std::fs::write(dir.path().join("clean/big.txt"), "x".repeat(2048)).unwrap();
    skyscan()
        .args(["scan", "clean", "--quiet", "--max-filesize", "1K"])
        .current_dir(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    // ...but a finding is reported in full, warnings included.
    skyscan()
        .args(["scan", ".", "--quiet", "--max-filesize", "1K"])
        .current_dir(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("skytells-api-key (SC1)"))
        .stdout(predicate::str::contains("Security checklist"))
        .stderr(predicate::str::contains("big.txt: skipped"));
    // --quiet and --verbose contradict each other.
    skyscan()
        .args(["scan", "-q", "-v"])
        .current_dir(dir.path())
        .assert()
        .code(2);
}

#[test]
fn verbose_says_what_was_scanned_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("blob.bin"), b"\0\x01\x02").unwrap();
    std::fs::write(dir.path().join("huge.txt"), "y".repeat(4096)).unwrap();
    skyscan()
        .args([
            "scan",
            ".",
            "-v",
            "--max-filesize",
            "1K",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("skyscan: configuration: none"))
        .stderr(predicate::str::contains("skyscan: scanned a.py"))
        .stderr(predicate::str::contains(
            "skyscan: skipped blob.bin: binary",
        ))
        .stderr(predicate::str::contains("huge.txt: skipped, 4096 bytes"))
        .stderr(predicate::str::contains(
            "1 file(s) scanned (6 bytes); skipped 1 binary, 1 over the size cap, 0 unreadable",
        ));
    // Without -v none of that is said.
    skyscan()
        .args(["scan", ".", "--format", "json"])
        .current_dir(dir.path())
        .assert()
        .stderr(predicate::str::contains("scanned a.py").not());
}

#[test]
fn standard_input_is_scanned_under_its_given_name() {
    let key = fake_key("sk-");
    let text = format!("SKYTELLS_API_KEY={key}\n");
    let dir = tempfile::tempdir().unwrap();
    let out = skyscan()
        .args(["scan", "-", "--format", "json"])
        .current_dir(dir.path())
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(
        finding_keys(&report),
        vec![("skytells-api-key".into(), "-".into(), 1)]
    );
    assert!(!stdout_of(&out).contains(&key));
    // Named `.env`, the path rule for committed env files applies as well.
    let out = skyscan()
        .args([
            "scan",
            "-",
            "--stdin-filename",
            "./deploy/.env",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .write_stdin(text.clone())
        .output()
        .unwrap();
    let ids: Vec<String> = finding_keys(&json_of(&out))
        .into_iter()
        .map(|(rule, path, _)| format!("{rule} {path}"))
        .collect();
    assert_eq!(
        ids,
        [
            "committed-env-file deploy/.env",
            "skytells-api-key deploy/.env"
        ]
    );
    // Standard input and files together.
    std::fs::write(
        dir.path().join("get.sh"),
        "curl -k https://api.skytells.ai/x\n",
    )
    .unwrap();
    let out = skyscan()
        .args(["scan", "get.sh", "-", "--format", "json"])
        .current_dir(dir.path())
        .write_stdin("nothing here\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["stats"]["files_scanned"], 2);
    // A name without `-` is a usage error.
    skyscan()
        .args(["scan", ".", "--stdin-filename", "x.py"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`-`"));
}

/// `skyscan scan` on the sample app with colour settings from `env` and
/// `args`: whether stdout and stderr hold escape sequences.
fn colours(env: &[(&str, &str)], args: &[&str]) -> (bool, bool) {
    let dir = copy_fixture("sample-app");
    let out = skyscan()
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .args(["scan", ".", "missing"])
        .args(args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout_of(&out).contains("Security checklist"));
    (out.stdout.contains(&0x1b), out.stderr.contains(&0x1b))
}

#[test]
fn colour_follows_no_color_clicolor_and_the_flag() {
    // Not a terminal: no colour unless forced.
    assert_eq!(colours(&[], &[]), (false, false));
    assert_eq!(colours(&[("CLICOLOR_FORCE", "1")], &[]), (true, true));
    assert_eq!(colours(&[("CLICOLOR", "1")], &[]), (false, false));
    assert_eq!(
        colours(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]),
        (false, false)
    );
    // The flag beats the environment, on both streams.
    assert_eq!(
        colours(&[("NO_COLOR", "1")], &["--color", "always"]),
        (true, true)
    );
    assert_eq!(
        colours(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]),
        (false, false)
    );
}

#[test]
fn colour_never_reaches_a_file_or_a_machine_format() {
    let dir = copy_fixture("sample-app");
    skyscan()
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .args(["scan", ".", "--output", "report.txt"])
        .current_dir(dir.path())
        .assert()
        .code(1);
    let text = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(text.contains("FAIL  SC5") && !text.contains('\x1b'));
    skyscan()
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .args(["scan", ".", "--format", "github"])
        .current_dir(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\x1b").not());
}

/// Run skyscan with a pipe on stdout that is closed after `keep` bytes;
/// returns the exit code and stderr.
fn with_closed_pipe(dir: &std::path::Path, args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("skyscan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = vec![0; keep];
    stdout.read_exact(&mut head).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_pipe_ends_the_output_not_the_verdict() {
    // More output than a pipe holds, so the writer must meet the closed end.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..150 {
        plant_key(&dir.path().join(format!("k{i:03}.py")));
    }
    let (code, stderr) = with_closed_pipe(dir.path(), &["scan", "."], 100);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr, "");
    let (code, stderr) = with_closed_pipe(dir.path(), &["scan", ".", "--format", "jsonl"], 10);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr, "");
}
