//! `skyscan completions SHELL` and `skyscan man`: generated from the same
//! clap definitions as the parser, so they cannot drift from it; checked by
//! the tools that read them where this machine has them (bash, groff).

use std::process::Command as StdCommand;

use crate::common::skyscan;
use predicates::prelude::*;

fn stdout(args: &[&str]) -> String {
    let out = skyscan().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    assert!(out.stderr.is_empty(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_every_shell_know_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for word in [
            "history",
            "staged",
            "uninstall",
            "completions",
            "stdin-filename",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                script.contains("jsonl"),
                "{shell} completion lacks the formats"
            );
        }
    }
    skyscan()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
}

#[test]
fn bash_completion_loads_and_completes() {
    let script = stdout(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("skyscan.bash");
    std::fs::write(&file, script).unwrap();
    // Complete `skyscan sc` and `skyscan scan --form` as bash would.
    let probe = format!(
        r#"source '{}'
complete -p skyscan
COMP_WORDS=(skyscan sc); COMP_CWORD=1; COMP_LINE="skyscan sc"; COMP_POINT=${{#COMP_LINE}}
_skyscan skyscan sc skyscan; echo "words: ${{COMPREPLY[*]}}"
COMP_WORDS=(skyscan scan --format ''); COMP_CWORD=3; COMP_LINE="skyscan scan --format "; COMP_POINT=${{#COMP_LINE}}
_skyscan skyscan '' --format; echo "formats: ${{COMPREPLY[*]}}""#,
        file.display()
    );
    let out = StdCommand::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("-F _skyscan skyscan"), "{text}");
    assert!(text.contains("words: scan"), "{text}");
    assert!(
        text.contains("formats: human json jsonl sarif github csv"),
        "{text}"
    );
}

#[test]
fn man_pages_are_roff_that_groff_reads_cleanly() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
    assert!(page.contains(".TH skyscan 1"), "{page}");
    for command in [
        "scan",
        "history",
        "staged",
        "rules",
        "hook",
        "completions",
        "man",
    ] {
        assert!(page.contains(command), "the page lacks {command}");
    }
    let scan = stdout(&["man", "scan"]);
    assert!(scan.contains(".TH skyscan-scan 1"), "{scan}");
    assert!(scan.contains("stdin\\-filename"), "{scan}");
    skyscan()
        .args(["man", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no command `nope`"));
    // groff-base is part of the machine image; without it the roff is
    // still checked above.
    if StdCommand::new("groff").arg("--version").output().is_err() {
        return;
    }
    for roff in [page, scan] {
        let mut child = StdCommand::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(roff.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warns");
    }
}
