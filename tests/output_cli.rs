//! How results reach the reader: JSON Lines and CSV.

mod common;

use common::{copy_fixture, json_of, plant_key, skyscan};
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
    assert_eq!(lines.len(), 9);
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
}
