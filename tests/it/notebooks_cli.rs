//! End-to-end tests of Jupyter notebook scanning: findings in cells and
//! outputs name the cell and the line in it, point at the real line and
//! column of the `.ipynb` file, and keep secrets masked in every format.

use crate::common::{fake_key, json_of, skyscan};
use serde_json::{json, Value};

/// A notebook as Jupyter writes it (one JSON string per source line).
fn write_notebook(dir: &std::path::Path, name: &str, cells: Value) -> String {
    let nb = json!({
        "cells": cells,
        "metadata": { "kernelspec": { "language": "python", "name": "python3" } },
        "nbformat": 4,
        "nbformat_minor": 5
    });
    let text = serde_json::to_string_pretty(&nb).unwrap();
    std::fs::write(dir.join(name), &text).unwrap();
    text
}

fn scan(dir: &std::path::Path, format: &str) -> std::process::Output {
    skyscan()
        .args(["scan", ".", "--format", format])
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn place_of(text: &str, needle: &str) -> (u64, u64) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the file"));
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u64, (text[start..at].chars().count() + 1) as u64)
}

fn finding<'a>(report: &'a Value, rule: &str, cell: u64) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule && f["notebook"]["cell"] == cell)
        .unwrap_or_else(|| panic!("no {rule} in cell {cell}: {report:#}"))
}

fn located(report: &Value, at: Value) -> &Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["notebook"] == at)
        .unwrap_or_else(|| panic!("nothing at {at}: {report:#}"))
}

#[test]
fn cells_and_outputs_are_named_and_mapped_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (in_code, in_stream, in_traceback) = (fake_key("sk-"), fake_key("sk-"), fake_key("sk-"));
    eprintln!("keys: {in_code} {in_stream} {in_traceback}");
    let text = write_notebook(
        dir.path(),
        "demo.ipynb",
        json!([
            { "cell_type": "markdown", "metadata": {}, "source": ["# Demo\n", "Calls Skytells.\n"] },
            { "cell_type": "code", "execution_count": 1, "metadata": {},
              "source": ["import requests\n", format!("SKYTELLS_API_KEY = \"{in_code}\"\n"),
                         "r = requests.get(\"https://api.skytells.ai/v1/models\", verify=False)"],
              "outputs": [
                { "output_type": "stream", "name": "stdout",
                  "text": ["connecting\n", format!("skytells key {in_stream}\n")] },
              ] },
            { "cell_type": "code", "execution_count": 2, "metadata": {}, "source": "boom()",
              "outputs": [
                { "output_type": "error", "ename": "ValueError", "evalue": "bad key",
                  "traceback": ["\u{1b}[0;31mValueError\u{1b}[0m  Traceback", format!("skytells token {in_traceback}")] },
              ] },
        ]),
    );
    let out = scan(dir.path(), "json");
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for key in [&in_code, &in_stream, &in_traceback] {
        assert!(!stdout.contains(key.as_str()), "a key is printed in full");
    }

    // The code cell: cell 2, its line 2; in the file, the key's own column
    // (after the escaped quote `\"`).
    let code = located(&report, json!({ "cell": 2, "line": 2 }));
    assert_eq!(code["rule_id"], "skytells-api-key");
    assert_eq!(code["notebook"], json!({ "cell": 2, "line": 2 }));
    let (line, column) = place_of(&text, &in_code);
    assert_eq!(
        (
            code["line"].as_u64().unwrap(),
            code["column"].as_u64().unwrap()
        ),
        (line, column)
    );
    assert_eq!(
        code["end_column"].as_u64().unwrap(),
        column + in_code.len() as u64
    );
    assert!(code["message"]
        .as_str()
        .unwrap()
        .ends_with("(cell 2, line 2)"));
    // The snippet is the cell's line, not its JSON quoting.
    assert!(
        code["snippet"]
            .as_str()
            .unwrap()
            .starts_with("SKYTELLS_API_KEY = \"sk-"),
        "{code}"
    );

    // A code rule for Python applies to the code cell.
    let tls = finding(&report, "python-tls-verify-false", 2);
    assert_eq!(tls["notebook"], json!({ "cell": 2, "line": 3 }));
    assert_eq!(
        tls["line"].as_u64().unwrap(),
        place_of(&text, "verify=False").0
    );

    // The stream output of cell 2, and the traceback of cell 3 (the error
    // value is its line 1, the traceback's entries lines 2 and 3).
    let stream = located(&report, json!({ "cell": 2, "output": 1, "line": 2 }));
    assert_eq!(
        stream["line"].as_u64().unwrap(),
        place_of(&text, &in_stream).0
    );
    let traceback = finding(&report, "skytells-api-key", 3);
    assert_eq!(
        traceback["notebook"],
        json!({ "cell": 3, "output": 1, "line": 3 })
    );
    assert_eq!(
        (
            traceback["line"].as_u64().unwrap(),
            traceback["column"].as_u64().unwrap()
        ),
        place_of(&text, &in_traceback)
    );
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        4,
        "{report:#}"
    );
}

#[test]
fn every_format_names_the_cell_and_masks_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    let file = write_notebook(
        dir.path(),
        "nb.ipynb",
        json!([
            { "cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
              "source": ["x = 1\n", "y = 2\n", format!("skytells_key = '{key}'")] },
        ]),
    );
    let human = scan(dir.path(), "human");
    let text = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(text.contains("nb.ipynb (cell 1, line 3)"), "{text}");
    assert!(text.contains("skytells_key = '"), "{text}");
    let csv = String::from_utf8_lossy(&scan(dir.path(), "csv").stdout).to_string();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains(",occurrences,cell,cell_output,cell_line,verification,"),
        "{header}"
    );
    // The three verification columns (empty without --verify) follow.
    assert!(csv.lines().nth(1).unwrap().ends_with(",1,,3,,,"), "{csv}");
    let jsonl = String::from_utf8_lossy(&scan(dir.path(), "jsonl").stdout).to_string();
    let row: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(row["notebook"], json!({ "cell": 1, "line": 3 }));
    let sarif = String::from_utf8_lossy(&scan(dir.path(), "sarif").stdout).to_string();
    assert!(sarif.contains("(cell 1, line 3)"));
    let github = String::from_utf8_lossy(&scan(dir.path(), "github").stdout).to_string();
    let (line, column) = place_of(&file, &key);
    let annotation = format!("file=nb.ipynb,line={line},endLine={line},col={column},");
    assert!(github.contains(&annotation), "{github}");
    for out in [&text, &csv, &jsonl, &sarif, &github] {
        assert!(!out.contains(&key), "the key is printed in full:\n{out}");
        assert!(out.contains(&key[..8]));
    }
}

#[test]
fn prose_cells_get_no_code_rules_and_a_clean_notebook_passes() {
    let dir = tempfile::tempdir().unwrap();
    write_notebook(
        dir.path(),
        "guide.ipynb",
        json!([
            { "cell_type": "markdown", "metadata": {},
              "source": ["Never write `requests.get(url, verify=False)`.\n",
                         "Read the key with `os.environ[\"SKYTELLS_API_KEY\"]`.\n"] },
            { "cell_type": "code", "execution_count": 1, "metadata": {},
              "source": ["import os\n", "key = os.environ[\"SKYTELLS_API_KEY\"]\n"],
              "outputs": [ { "output_type": "execute_result", "execution_count": 1, "metadata": {},
                             "data": { "text/plain": ["'verify=False'"] } } ] },
        ]),
    );
    let out = scan(dir.path(), "json");
    let report = json_of(&out);
    assert_eq!(report["findings"], json!([]), "{report:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_notebook_that_is_not_json_is_scanned_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    std::fs::write(
        dir.path().join("broken.ipynb"),
        format!("{{\n \"cells\": [\n  \"SKYTELLS_API_KEY = '{key}'\n"),
    )
    .unwrap();
    let out = scan(dir.path(), "json");
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let f = &report["findings"][0];
    assert_eq!(f["rule_id"], "skytells-api-key");
    assert_eq!(f["line"], 3);
    assert!(f.get("notebook").is_none(), "{f}");
}
