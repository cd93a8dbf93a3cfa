//! The progress line of `skyscan history`, end to end: the binary runs
//! under a pseudo-terminal (util-linux `script`), so its standard error is
//! a terminal and the line is drawn; what the terminal received is checked
//! for a phase of the line, and for none of it with `--quiet`.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::{commit_dated, git, new_repo, skyscan, write_file};

/// The phases `skyscan history` names on its line (src/source/history).
const PHASES: &[&str] = &[
    "starting",
    "opening packs",
    "reading commits",
    "walking commits",
    "ordering commits, reading trees",
    "reading trees",
    "listing unreachable objects",
    "scanning blobs",
    "done",
];

/// A repository with one commit of an ordinary file (no secret).
fn repo_with_a_commit() -> tempfile::TempDir {
    let repo = new_repo();
    write_file(repo.path(), "src/main.txt", "hello from a history scan\n");
    git(repo.path(), &["add", "-A"]);
    commit_dated(repo.path(), "first", 3);
    repo
}

/// Quote `text` for `sh -c` (what `script -c` runs its command with).
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Run `skyscan history <repo> <extra>` under a pseudo-terminal and return
/// everything the terminal received (standard output and error together,
/// escape sequences included) and whether it exited with 0.
fn history_on_a_terminal(repo: &Path, extra: &[&str]) -> (String, bool) {
    let bin = assert_cmd::cargo::cargo_bin("skyscan");
    let mut command = vec![
        sh_quote(&bin.to_string_lossy()),
        "history".to_string(),
        sh_quote(&repo.to_string_lossy()),
    ];
    command.extend(extra.iter().map(|a| sh_quote(a)));
    let out = match StdCommand::new("script")
        .args(["-qec", &command.join(" "), "/dev/null"])
        .env("NO_COLOR", "1")
        // indicatif draws nothing on a terminal whose TERM is unset or
        // `dumb` (as under some CI runners): name an ordinary one.
        .env("TERM", "xterm")
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!(
            "this test needs util-linux `script` to run skyscan under a pseudo-terminal, \
             and it could not be run: {e}"
        ),
    };
    let seen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.stderr.is_empty(),
        "script wrote to its own stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (seen, out.status.success())
}

/// The phases of the progress line found in `seen` (as `skyscan: <phase>`).
fn phases_shown(seen: &str) -> Vec<&'static str> {
    PHASES
        .iter()
        .copied()
        .filter(|phase| seen.contains(&format!("skyscan: {phase}")))
        .collect()
}

#[test]
fn history_on_a_terminal_draws_its_progress_line() {
    let repo = repo_with_a_commit();
    let (seen, ok) = history_on_a_terminal(repo.path(), &[]);
    assert!(
        ok,
        "a clean history scan exits 0; the terminal got:\n{seen:?}"
    );
    let shown = phases_shown(&seen);
    assert!(
        !shown.is_empty(),
        "no phase of the progress line reached the terminal:\n{seen:?}"
    );
}

#[test]
fn history_quiet_on_a_terminal_draws_no_progress_line() {
    // The flag the test relies on is one `history` documents.
    let help = skyscan().args(["history", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--quiet"), "history --help:\n{help}");

    let repo = repo_with_a_commit();
    let (seen, ok) = history_on_a_terminal(repo.path(), &["--quiet"]);
    assert!(
        ok,
        "a clean history scan exits 0; the terminal got:\n{seen:?}"
    );
    assert_eq!(phases_shown(&seen), Vec::<&str>::new(), "{seen:?}");
    assert!(
        !seen.contains("skyscan: "),
        "--quiet still drew on the terminal:\n{seen:?}"
    );
}
