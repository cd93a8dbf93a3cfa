//! Hostile and broken input, generated here: nothing may panic, hang or
//! leak a secret; each problem is a warning naming the file, and the rest of
//! the scan is completed and reported.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{
    commit_dated, fake_key, finding_keys, git, git_with_env, json_of, new_repo, plant_key,
    scan_json_output, skyscan,
};

const LIMIT: Duration = Duration::from_secs(60);

fn scan(dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = scan_json_output(dir, extra);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

#[test]
fn binary_invalid_utf8_empty_fifo_and_odd_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = fake_key("sk-");
    // Binary: skipped, even with a key inside.
    let mut binary = vec![0x7f, b'E', b'L', b'F', 0, 0, 1];
    binary.extend(format!("SKYTELLS_API_KEY='{key}'").as_bytes());
    std::fs::write(root.join("tool.bin"), binary).unwrap();
    // Invalid UTF-8 around a key: still found.
    let mut invalid = b"\xc3\x28 latin1 \xe9t\xe9\n".to_vec();
    invalid.extend(format!("SKYTELLS_API_KEY = '{}'\n", fake_key("sk-")).as_bytes());
    invalid.extend(b"\xff\xfe\n");
    std::fs::write(root.join("broken.py"), invalid).unwrap();
    std::fs::write(root.join("empty.py"), b"").unwrap();
    // A FIFO must not block the scan.
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    // A name with a newline and bytes that are not UTF-8.
    let odd = std::ffi::OsStr::from_bytes(b"we\nird\xff.py");
    plant_key(&root.join(odd));

    let out = scan(root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let keys = finding_keys(&report);
    assert!(
        keys.contains(&("skytells-api-key".into(), "broken.py".into(), 2)),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|(_, p, _)| p.starts_with("we\nird")),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|(_, p, _)| p == "tool.bin"));
    assert_eq!(report["stats"]["skipped_binary"], 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&key));

    // GitHub annotations stay one per line whatever the file name holds.
    let out = skyscan()
        .args(["scan", ".", "--format", "github"])
        .current_dir(root)
        .timeout(LIMIT)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
    assert!(text.contains("file=we%0Aird"), "{text}");
    // SARIF stays valid JSON with an encoded URI.
    let out = skyscan()
        .args(["scan", ".", "--format", "sarif"])
        .current_dir(root)
        .timeout(LIMIT)
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let uris: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(uris.iter().any(|u| u.starts_with("we%0Aird")), "{uris:?}");
}

#[test]
fn gigabyte_file_is_skipped_with_a_warning_and_read_only_at_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Sparse: no disk used, but 1 GiB long.
    let f = std::fs::File::create(root.join("huge.log")).unwrap();
    f.set_len(1 << 30).unwrap();
    plant_key(&root.join("ok.py"));
    let out = scan(root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("huge.log: skipped, 1073741824 bytes"),
        "{stderr}"
    );
    assert_eq!(json_of(&out)["stats"]["skipped_large"], 1);
    // With the cap raised, the (all-zero) file is binary: only its head is read.
    let out = scan(root, &["--max-filesize", "2G"]);
    assert_eq!(json_of(&out)["stats"]["skipped_binary"], 1);
}

#[test]
fn minified_lines_of_megabytes_are_scanned_and_snippets_clipped() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    let mut js = "var a=1;".repeat(300_000);
    js.push_str(&format!("var SKYTELLS_API_KEY=\"{key}\";"));
    js.push_str(&"var b=2;".repeat(300_000));
    js.push_str("https.request({rejectUnauthorized:false});");
    std::fs::write(dir.path().join("bundle.min.js"), &js).unwrap();
    assert!(js.len() > 4_000_000);
    let out = scan(dir.path(), &[]);
    let report = json_of(&out);
    let ids: Vec<String> = finding_keys(&report).into_iter().map(|k| k.0).collect();
    assert!(ids.contains(&"skytells-api-key".to_string()), "{ids:?}");
    assert!(
        ids.contains(&"node-reject-unauthorized-false".to_string()),
        "{ids:?}"
    );
    for f in report["findings"].as_array().unwrap() {
        assert!(f["snippet"].as_str().unwrap().chars().count() <= 241);
    }
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&key));
}

#[test]
fn symlink_loops_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("a")).unwrap();
    std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
    std::os::unix::fs::symlink("self", root.join("self")).unwrap();
    std::fs::write(root.join("a/x.py"), "x = 1\n").unwrap();
    let out = scan(root, &[]);
    assert_eq!(out.status.code(), Some(0));
    let out = scan(root, &["--no-ignore"]);
    assert_eq!(out.status.code(), Some(0));
}

/// A file listed in a directory but refused by the OS when opened, for any
/// user, root included: its path from the scan root is longer than
/// `PATH_MAX` (4096 bytes on Linux), while its directory's path is not, so
/// the walk lists it and the open fails with "file name too long". (File
/// permissions cannot make the test: root reads through mode 000, so a
/// test built on them proves nothing in containers and CI that run as
/// root.) A file of mode 000 is there too: for a user the OS stops, it is a
/// second unreadable file; for root it is read and scanned like any other.
#[test]
fn unreadable_file_is_a_warning_and_the_rest_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    plant_key(&root.join("ok.py"));
    // 16 directories of 250 bytes: "./" and the chain make 4017 bytes,
    // under PATH_MAX; the 203-byte file name takes the path over it.
    let segment = "d".repeat(250);
    let deep = (0..16).fold(root.to_path_buf(), |p, _| p.join(&segment));
    let relative_dir = deep.strip_prefix(root).unwrap().as_os_str().len() + 2;
    assert!(relative_dir < 4096);
    std::fs::create_dir_all(&deep).unwrap();
    let name = format!("{}.py", "f".repeat(200));
    assert!(relative_dir + 1 + name.len() > 4096);
    // Created from inside its directory: the full path is too long for
    // this process too.
    let made = std::process::Command::new("sh")
        .args(["-c", "printf 'x = 1\\n' > \"$1\"", "sh", &name])
        .current_dir(&deep)
        .status()
        .expect("sh runs");
    assert!(made.success());
    assert!(std::fs::read(deep.join(&name)).is_err());
    let locked = root.join("locked.py");
    std::fs::write(&locked, "x = 1\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked_out = std::fs::read(&locked).is_err();

    let out = scan(root, &["--fail-on", "never"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warned = |file: &str| {
        stderr
            .lines()
            .any(|l| l.contains(file) && l.contains("warning"))
    };
    assert!(warned(&name), "{stderr}");
    assert_eq!(warned("locked.py"), locked_out, "{stderr}");
    // Incomplete scan, nothing failing: exit 2, and the readable file is reported.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let report = json_of(&out);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["findings"][0]["path"], "ok.py");
    let unreadable = if locked_out { 2 } else { 1 };
    assert_eq!(report["stats"]["errors"], unreadable, "{report}");
}

#[test]
fn catastrophic_patterns_in_a_config_are_linear_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.txt"), format!("{}!\n", "a".repeat(200_000))).unwrap();
    let rule = |regex: &str| {
        format!(
            "[[rules]]\nid = \"nested\"\nname = \"n\"\nchecklist = \"SC1\"\nseverity = \"error\"\nprecision = \"low\"\nkeywords = [\"aaaa\"]\nregex = '''{regex}'''\nmessage = \"m\"\nwhat = \"w\"\nwhy = \"y\"\nfix = \"f\"\nexamples = [\"aaaa\"]\nnegative_examples = [\"b\"]\n"
        )
    };
    // Backtracking engines blow up on this; skyscan's regexes are linear.
    std::fs::write(root.join("nested.toml"), rule("(a+)+$")).unwrap();
    let out = scan(root, &["--config", "nested.toml", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0));
    // A pattern too large to compile is refused up front.
    std::fs::write(root.join("huge.toml"), rule("(?:[a-z]{1000}){1000}")).unwrap();
    let out = scan(root, &["--config", "huge.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nested"));
}

#[test]
fn corrupt_packfile_is_reported_and_the_scan_finishes() {
    let repo = new_repo();
    let dir = repo.path();
    for n in 0..20 {
        std::fs::write(
            dir.join(format!("f{n}.txt")),
            format!("file {n}\n{}\n", "lorem ipsum ".repeat(200)),
        )
        .unwrap();
        git(dir, &["add", "."]);
        commit_dated(dir, &format!("c{n}"), 30 - n);
    }
    plant_key(&dir.join("k.py"));
    git(dir, &["add", "."]);
    commit_dated(dir, "key", 1);
    git(dir, &["gc", "-q", "--aggressive"]);
    let pack = std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack after gc");
    let mut bytes = std::fs::read(&pack).unwrap();
    let (from, to) = (bytes.len() / 3, bytes.len() / 3 + 200);
    for b in &mut bytes[from..to] {
        *b ^= 0x5a;
    }
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(dir)
        .timeout(LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "{:?} {stderr}",
        out.status
    );
    assert!(stderr.contains("warning"), "{stderr}");
    // Whatever could be read was reported as JSON, and the damage counted:
    // a corrupt repository never passes as clean.
    let report = json_of(&out);
    assert!(report["stats"]["errors"].as_u64().unwrap() >= 1, "{report}");
}

#[test]
fn submodules_are_not_followed() {
    let repo = new_repo();
    let dir = repo.path();
    std::fs::write(dir.join("a.py"), "x = 1\n").unwrap();
    git(dir, &["add", "."]);
    let c = commit_dated(dir, "a", 2);
    // A gitlink to a commit that does not exist here, as after a clone
    // without --recursive.
    git_with_env(
        dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{c},vendor/lib"),
        ],
        &[],
    );
    commit_dated(dir, "submodule", 1);
    for args in [vec!["history", "."], vec!["scan", "."], vec!["staged", "."]] {
        let out = skyscan()
            .args(&args)
            .current_dir(dir)
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn secrets_never_appear_in_full_in_any_output() {
    let repo = new_repo();
    let dir = repo.path();
    let keys = [fake_key("sk-"), fake_key("sk_live_"), fake_key("sk_test_")];
    // One in history only, one at HEAD in two environments, one staged.
    std::fs::write(
        dir.join("old.py"),
        format!("SKYTELLS_API_KEY = '{}'\n", keys[0]),
    )
    .unwrap();
    git(dir, &["add", "."]);
    commit_dated(dir, "old", 200);
    std::fs::remove_file(dir.join("old.py")).unwrap();
    std::fs::write(
        dir.join(".env.staging"),
        format!("SKYTELLS_API_KEY={}\n", keys[1]),
    )
    .unwrap();
    std::fs::write(
        dir.join(".env.production"),
        format!("SKYTELLS_API_KEY={}\n", keys[1]),
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    commit_dated(dir, "envs", 150);
    std::fs::write(
        dir.join("new.py"),
        format!("skytells_key = '{}'\n", keys[2]),
    )
    .unwrap();
    git(dir, &["add", "new.py"]);
    let scratch = tempfile::tempdir().unwrap();
    let mut everything = Vec::new();
    for mode in ["scan", "history", "staged"] {
        for format in ["human", "json", "sarif", "github"] {
            let sarif = scratch.path().join(format!("{mode}-{format}.sarif"));
            let summary = scratch.path().join(format!("{mode}-{format}.md"));
            let out = skyscan()
                .args([mode, ".", "--format", format, "--color", "always"])
                .arg("--sarif-output")
                .arg(&sarif)
                .arg("--summary")
                .arg(&summary)
                .current_dir(dir)
                .timeout(LIMIT)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{mode} {format}");
            everything.extend(out.stdout);
            everything.extend(out.stderr);
            everything.extend(std::fs::read(&sarif).unwrap());
            everything.extend(std::fs::read(&summary).unwrap());
        }
    }
    let baseline = scratch.path().join("baseline.json");
    skyscan()
        .args(["history", ".", "--write-baseline"])
        .arg(&baseline)
        .current_dir(dir)
        .assert()
        .code(0);
    everything.extend(std::fs::read(&baseline).unwrap());
    let text = String::from_utf8_lossy(&everything);
    for k in &keys {
        assert!(!text.contains(k.as_str()), "{k} leaked");
        assert!(
            text.contains(&k[..7]),
            "{k}: expected its masked prefix somewhere"
        );
    }
}

#[test]
fn a_key_on_a_line_matched_by_another_rule_is_masked_there_too() {
    // Found by the fuzzer: the browser-fetch rule (not a secret rule) quoted
    // a line that held a key.
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    std::fs::create_dir(dir.path().join("components")).unwrap();
    std::fs::write(
        dir.path().join("components/Gen.jsx"),
        format!("fetch('https://api.skytells.ai/v1/predictions', {{ headers: {{ 'x-api-key': '{key}' }} }});\n"),
    )
    .unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let out = skyscan()
            .args(["scan", ".", "--format", format])
            .current_dir(dir.path())
            .timeout(LIMIT)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("browser-fetch-api-key"), "{format}: {text}");
        assert!(!text.contains(&key), "{format} leaks the key");
    }
}

#[test]
fn nothing_from_the_scanned_repository_is_executed() {
    let repo = new_repo();
    let dir = repo.path();
    // History, a staged change, and a working-tree file first...
    plant_key(&dir.join("a.py"));
    git(dir, &["add", "."]);
    commit_dated(dir, "c", 1);
    plant_key(&dir.join("b.py"));
    git(dir, &["add", "b.py"]);
    // ...then every program a repository can name: hooks, fsmonitor,
    // filters, textconv, diff drivers, ssh commands.
    let marker = tempfile::tempdir().unwrap();
    let cmd = |name: &str| format!("touch {}", marker.path().join(name).display());
    let hooks = dir.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "pre-commit",
        "post-checkout",
        "reference-transaction",
        "fsmonitor-watchman",
    ] {
        let path = hooks.join(hook);
        std::fs::write(&path, format!("#!/bin/sh\n{}\n", cmd(hook))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (key, name) in [
        ("core.fsmonitor", "fsmonitor"),
        ("filter.evil.clean", "clean"),
        ("filter.evil.smudge", "smudge"),
        ("filter.evil.process", "process"),
        ("diff.evil.textconv", "textconv"),
        ("diff.evil.command", "diffcmd"),
        ("core.sshCommand", "ssh"),
    ] {
        git(dir, &["config", key, &cmd(name)]);
    }
    std::fs::write(dir.join(".gitattributes"), "* filter=evil diff=evil\n").unwrap();
    for mode in ["scan", "history", "staged"] {
        let out = skyscan()
            .args([mode, "."])
            .current_dir(dir)
            .timeout(LIMIT)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    skyscan()
        .args(["hook", "install", "--force"])
        .current_dir(dir)
        .assert()
        .code(0);
    let ran: Vec<String> = std::fs::read_dir(marker.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        ran.is_empty(),
        "skyscan ran programs from the repository: {ran:?}"
    );
}
