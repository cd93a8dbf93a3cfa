//! The GitHub Action's scan script, run locally with the environment
//! variables GitHub would set (workspace, outputs file, job summary, event).

mod common;

use std::path::Path;
use std::process::Command as StdCommand;

use common::{commit_dated, copy_fixture, git, new_repo, plant_key};

fn run_action(workspace: &Path, env: &[(&str, &str)]) -> (std::process::Output, String, String) {
    let scratch = tempfile::tempdir().unwrap();
    let outputs = scratch.path().join("github_output");
    let summary = scratch.path().join("step_summary");
    let out = StdCommand::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/action.sh"))
        .env("SKYSCAN_BIN", assert_cmd::cargo::cargo_bin("skyscan"))
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_EVENT_NAME", "push")
        .env("INPUT_PATH", ".")
        .env("INPUT_MODE", "scan")
        .env("INPUT_FORMAT", "github")
        .env("INPUT_FAIL_ON", "error")
        .env("INPUT_SARIF_FILE", "skyscan.sarif")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(outputs).unwrap_or_default();
    let summary = std::fs::read_to_string(summary).unwrap_or_default();
    (out, outputs, summary)
}

#[test]
fn action_annotates_writes_sarif_summary_and_outputs() {
    let dir = copy_fixture("sample-app");
    let (out, outputs, summary) = run_action(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.lines()
            .filter(|l| l.starts_with("::error file="))
            .count()
            >= 6,
        "{log}"
    );
    assert!(log.contains("::notice file=client.py,line=9,"));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("skyscan.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 9);
    assert!(outputs.contains("sarif-file=skyscan.sarif"), "{outputs}");
    assert!(outputs.contains("exit-code=1"));
    assert!(
        summary.contains("## skyscan: Skytells security checklist"),
        "{summary}"
    );
    assert!(
        summary.contains("| :x: | SC1 Keys never in source code | fail | 2 |"),
        "{summary}"
    );
    assert!(!summary.contains("sk-FnJxFkQjVDZRucq2zyw8GOuLfafi1Jrp"));
}

#[test]
fn action_scans_only_the_pull_request_commits_in_history_mode() {
    let repo = new_repo();
    let dir = repo.path();
    plant_key(&dir.join("old.py"));
    git(dir, &["add", "."]);
    let base = commit_dated(dir, "base", 3);
    plant_key(&dir.join("new.py"));
    git(dir, &["add", "."]);
    let head = commit_dated(dir, "pr", 1);
    let (out, _, _) = run_action(
        dir,
        &[
            ("INPUT_MODE", "history"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("PR_BASE_SHA", &base),
            ("PR_HEAD_SHA", &head),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains(&format!("--range {base}..{head}")), "{log}");
    assert!(log.contains("::error file=new.py,"), "{log}");
    assert!(!log.contains("file=old.py"), "{log}");
}

#[test]
fn action_rejects_a_bad_mode_and_passes_a_clean_tree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
    let (out, _, _) = run_action(dir.path(), &[("INPUT_MODE", "everything")]);
    assert_eq!(out.status.code(), Some(2));
    let (out, outputs, _) = run_action(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(outputs.contains("exit-code=0"));
}

#[test]
fn action_yml_declares_every_input_the_script_reads() {
    let yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let script =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/action.sh")).unwrap();
    let re = regex::Regex::new(r"INPUT_([A-Z_]+)").unwrap();
    for cap in re.captures_iter(&script) {
        let name = cap[1].to_ascii_lowercase().replace('_', "-");
        assert!(
            yml.contains(&format!("\n  {name}:\n")),
            "action.yml lacks input `{name}`"
        );
        assert!(
            yml.contains(&format!("INPUT_{}: ${{{{ inputs.{name} }}}}", &cap[1])),
            "action.yml does not pass `{name}`"
        );
    }
}

/// GitHub shows 10 annotations of each kind per step and silently drops
/// the rest: the errors come first, at most 10 of them, a line counts what
/// was left out, and the job summary lists every finding.
#[test]
fn annotations_are_capped_most_severe_first_and_the_summary_has_the_rest() {
    let dir = copy_fixture("sample-app");
    for i in 0..14 {
        plant_key(&dir.path().join(format!("zz_service_{i:02}.py")));
    }
    let (out, _, summary) = run_action(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = log.lines().filter(|l| l.starts_with("::")).collect();
    let errors = commands.iter().filter(|l| l.starts_with("::error")).count();
    assert_eq!(errors, 10, "{log}");
    // The notice of the sample app (client.py sorts before zz_*) comes
    // after every error.
    let last_error = commands.iter().rposition(|l| l.starts_with("::error"));
    let first_notice = commands.iter().position(|l| l.starts_with("::notice"));
    assert!(first_notice.is_some() && first_notice > last_error, "{log}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("skyscan.sarif")).unwrap()).unwrap();
    let total = sarif["runs"][0]["results"].as_array().unwrap().len();
    assert_eq!(total, 9 + 14);
    let left_out = total - commands.len();
    assert!(left_out >= 10, "{log}");
    assert!(
        log.contains(&format!(
            "skyscan: {left_out} more findings are not annotated"
        )),
        "{log}"
    );
    let rows = summary
        .lines()
        .filter(|l| {
            l.starts_with("| error |") || l.starts_with("| warning |") || l.starts_with("| note |")
        })
        .count();
    assert_eq!(rows, total, "{summary}");
    assert!(summary.contains("zz_service_13.py"), "{summary}");
}
