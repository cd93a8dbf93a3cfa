//! The GitHub Action's scripts, run locally with the environment variables
//! GitHub would set (workspace, outputs file, job summary, event, runner OS
//! and tool cache): the scan step, and the install step against a fake
//! release served by `python3 -m http.server` on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};

use sha2::{Digest, Sha256};

use crate::common::{commit_dated, copy_fixture, git, new_repo, plant_key};

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
        .env("RUNNER_TEMP", scratch.path())
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
    // 9 findings, and the note that the app has no .gitignore for its .env files
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 10);
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
fn action_yml_declares_every_input_the_scripts_read() {
    let yml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let script = ["action.sh", "action-install.sh"]
        .map(|name| {
            std::fs::read_to_string(format!("{}/scripts/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        })
        .join("\n");
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
    assert_eq!(total, 10 + 14);
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

#[test]
fn sarif_goes_to_the_runner_temp_directory_with_a_category_per_mode() {
    let dir = copy_fixture("sample-app");
    let (out, outputs, _) = run_action(
        dir.path(),
        &[
            ("INPUT_SARIF_FILE", ""),
            ("INPUT_ARGS", "--threads 1 --no-ignore"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("--threads 1 --no-ignore"), "{log}");
    let sarif = outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif-file="))
        .expect("a sarif-file output");
    assert!(sarif.ends_with("/skyscan-scan.sarif"), "{sarif}");
    assert!(!sarif.starts_with(dir.path().to_str().unwrap()), "{sarif}");
    assert!(outputs.contains("category=skyscan/scan/"), "{outputs}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sarif"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `python3 -m http.server` serving `root` on 127.0.0.1 (a port the OS
/// picks), stopped when dropped.
struct FakeServer {
    child: Child,
    base: String,
}

impl FakeServer {
    fn serve(root: &Path) -> FakeServer {
        let mut child = StdCommand::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_string();
        FakeServer {
            child,
            base: format!("http://127.0.0.1:{port}/download"),
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A release directory as GitHub serves one: `download/v<version>/` with the
/// Linux x86_64 archive (holding the real binary) and the sums file. With
/// `corrupt`, the sums file names another digest.
fn fake_release(version: &str, corrupt: bool) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let tag = format!("v{version}");
    let dir = root.path().join("download").join(&tag);
    let stem = format!("skyscan-{tag}-x86_64-unknown-linux-musl");
    let staging = dir.join(&stem);
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("skyscan"),
        staging.join("skyscan"),
    )
    .unwrap();
    // Debug information is most of the debug binary: without it the
    // archive is small and quick to make (`strip` may be missing: no matter).
    let _ = StdCommand::new("strip")
        .arg(staging.join("skyscan"))
        .status();
    std::fs::write(staging.join("README.md"), "skyscan\n").unwrap();
    let archive = format!("{stem}.tar.gz");
    let status = StdCommand::new("sh")
        .args([
            "-c",
            "tar -cf - \"$1\" | gzip -1 > \"$2\"",
            "sh",
            &stem,
            &archive,
        ])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(&staging).unwrap();
    let mut digest = format!(
        "{:x}",
        Sha256::digest(std::fs::read(dir.join(&archive)).unwrap())
    );
    if corrupt {
        digest = digest.chars().rev().collect();
    }
    std::fs::write(
        dir.join(format!("skyscan-{tag}-sha256sums.txt")),
        format!("{digest}  {archive}\n0000  skyscan-{tag}-x86_64-apple-darwin.tar.gz\n"),
    )
    .unwrap();
    root
}

struct Install {
    code: Option<i32>,
    log: String,
    outputs: String,
    env_file: String,
}

impl Install {
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
    }
}

/// Run the install step for a Linux x86_64 runner whose tool cache is
/// `cache`.
fn install(cache: &Path, env: &[(&str, &str)]) -> Install {
    let scratch = tempfile::tempdir().unwrap();
    let outputs = scratch.path().join("github_output");
    let env_file = scratch.path().join("github_env");
    let out = StdCommand::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/action-install.sh"
        ))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TOOL_CACHE", cache)
        .env("RUNNER_TEMP", scratch.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ENV", &env_file)
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .env_remove("INPUT_VERSION")
        .env_remove("ACTION_REF")
        .env_remove("SKYSCAN_DOWNLOAD_BASE")
        .env("SKYSCAN_DOWNLOAD_RETRIES", "0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Install {
        code: out.status.code(),
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        outputs: std::fs::read_to_string(outputs).unwrap_or_default(),
        env_file: std::fs::read_to_string(env_file).unwrap_or_default(),
    }
}

/// A base URL where nothing listens: a run that reaches for the network
/// fails loudly instead of passing by luck.
const NOWHERE: &str = "http://127.0.0.1:9/download";

#[test]
fn install_downloads_checks_and_caches_a_release() {
    let release = fake_release("9.9.9", false);
    let server = FakeServer::serve(release.path());
    let cache = tempfile::tempdir().unwrap();
    let run = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "v9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", &server.base),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.output("source"), Some("release"), "{}", run.outputs);
    let bin: PathBuf = cache.path().join("skyscan/9.9.9/X64/skyscan");
    assert_eq!(run.output("bin"), Some(bin.to_str().unwrap()));
    assert!(cache.path().join("skyscan/9.9.9/X64.complete").exists());
    assert!(run
        .env_file
        .contains(&format!("SKYSCAN_BIN={}", bin.display())));
    let version = StdCommand::new(&bin).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("skyscan "));
    drop(server);

    // The second run on this runner takes the tool cache, no download.
    let again = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", NOWHERE),
        ],
    );
    assert_eq!(again.code, Some(0), "{}", again.log);
    assert_eq!(again.output("source"), Some("cache"));
}

#[test]
fn install_refuses_an_archive_whose_checksum_does_not_match() {
    let release = fake_release("9.9.9", true);
    let server = FakeServer::serve(release.path());
    let cache = tempfile::tempdir().unwrap();
    let run = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", &server.base),
        ],
    );
    assert_eq!(run.code, Some(2), "{}", run.log);
    assert!(run.log.contains("checksum mismatch"), "{}", run.log);
    assert_eq!(run.output("source"), None);
    assert!(!cache.path().join("skyscan").exists());
}

#[test]
fn install_builds_from_source_only_when_no_release_exists() {
    let release = fake_release("9.9.9", false);
    let server = FakeServer::serve(release.path());
    let cache = tempfile::tempdir().unwrap();
    // 9.9.8 was never released: the server answers 404.
    let run = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "9.9.8"),
            ("SKYSCAN_DOWNLOAD_BASE", &server.base),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.output("source"), Some("build"), "{}", run.log);
    assert!(run.log.contains("no release v9.9.8"), "{}", run.log);
    let key = run.output("cache-key").unwrap();
    assert!(key.starts_with("skyscan-build-Linux-X64-"), "{key}");
    assert!(run.output("bin").is_none());

    // A server error is not "no release": it fails the step.
    let broken = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", NOWHERE),
        ],
    );
    assert_eq!(broken.code, Some(2), "{}", broken.log);
    assert_eq!(broken.output("source"), None);
}

#[test]
fn install_picks_the_version_from_the_action_ref() {
    let release = fake_release("9.9.9", false);
    let server = FakeServer::serve(release.path());
    let cache = tempfile::tempdir().unwrap();
    // Pinned at a release tag: that release.
    let tagged = install(
        cache.path(),
        &[
            ("ACTION_REF", "v9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", &server.base),
        ],
    );
    assert_eq!(tagged.output("source"), Some("release"), "{}", tagged.log);
    // Pinned at a branch: that source is built, nothing is downloaded.
    let branch = install(
        cache.path(),
        &[("ACTION_REF", "main"), ("SKYSCAN_DOWNLOAD_BASE", NOWHERE)],
    );
    assert_eq!(branch.code, Some(0), "{}", branch.log);
    assert_eq!(branch.output("source"), Some("build"));
    // `version: source` builds too, wherever the action is pinned.
    let source = install(
        cache.path(),
        &[
            ("INPUT_VERSION", "source"),
            ("ACTION_REF", "v9.9.9"),
            ("SKYSCAN_DOWNLOAD_BASE", NOWHERE),
        ],
    );
    assert_eq!(source.output("source"), Some("build"), "{}", source.log);
    // No ref (the runner leaves it empty in some nestings) or a major tag:
    // the version of the action's own Cargo.toml.
    let action = tempfile::tempdir().unwrap();
    std::fs::write(
        action.path().join("Cargo.toml"),
        "[package]\nname = \"skyscan\"\nversion = \"9.9.9\"\n",
    )
    .unwrap();
    for reference in ["", "v9"] {
        let run = install(
            cache.path(),
            &[
                ("ACTION_REF", reference),
                ("GITHUB_ACTION_PATH", action.path().to_str().unwrap()),
                ("SKYSCAN_DOWNLOAD_BASE", NOWHERE),
            ],
        );
        // Found in the tool cache the tagged run filled.
        assert_eq!(
            run.output("source"),
            Some("cache"),
            "{reference}: {}",
            run.log
        );
    }
    let bad = install(cache.path(), &[("INPUT_VERSION", "latest; rm -rf /")]);
    assert_eq!(bad.code, Some(2), "{}", bad.log);
}

#[test]
fn build_cache_key_changes_with_the_source() {
    let action = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(action.path().join("src")).unwrap();
    std::fs::create_dir_all(action.path().join("rules")).unwrap();
    std::fs::write(
        action.path().join("Cargo.toml"),
        "[package]\nversion = \"0.0.1\"\n",
    )
    .unwrap();
    std::fs::write(action.path().join("Cargo.lock"), "# lock\n").unwrap();
    std::fs::write(action.path().join("rules/keys.toml"), "# rules\n").unwrap();
    std::fs::write(action.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let key = || {
        let run = install(
            cache.path(),
            &[
                ("ACTION_REF", "main"),
                ("GITHUB_ACTION_PATH", action.path().to_str().unwrap()),
            ],
        );
        assert_eq!(run.output("source"), Some("build"), "{}", run.log);
        run.output("cache-key").unwrap().to_string()
    };
    let first = key();
    assert_eq!(key(), first, "the key is stable");
    std::fs::write(action.path().join("src/main.rs"), "fn main() { }\n").unwrap();
    let edited = key();
    assert_ne!(edited, first);
    std::fs::write(action.path().join("rules/new.toml"), "# more\n").unwrap();
    assert_ne!(key(), edited);
}
