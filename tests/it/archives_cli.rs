//! End-to-end tests of archives (`.zip`, `.jar`, `.whl`, `.tar`,
//! `.tar.gz`): entries are scanned under `archive!inner/path`, nested
//! archives are opened, and bombs, floods of entries and corrupt archives
//! are warnings that leave the scan incomplete (exit 2), never a crash or a
//! hang. Every archive is written here, at test time.

use crate::common;

use std::io::{Cursor, Write};
use std::path::Path;
use std::time::Duration;

use crate::common::{commit_dated, fake_key, finding_keys, git, json_of, new_repo, skyscan};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// A zip of `(name, content)` entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A tar of `(name, content)` entries.
fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut header, name, *content).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn key_line() -> (String, Vec<u8>) {
    let key = fake_key("sk-");
    let line = format!("SKYTELLS_API_KEY = '{key}'\n").into_bytes();
    (key, line)
}

fn scan(dir: &Path, extra: &[&str]) -> std::process::Output {
    skyscan()
        .args(["scan", ".", "--format", "json"])
        .args(extra)
        .current_dir(dir)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("skyscan runs")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn keys_and_env_files_inside_a_zip_are_reported_under_the_inner_path() {
    let dir = tempfile::tempdir().unwrap();
    let (key, line) = key_line();
    let env = format!("DEBUG=1\nSKYTELLS_API_KEY={}\n", fake_key("sk-"));
    let zip = zip_of(&[
        ("src/", b""),
        ("src/client.py", &line),
        (".env", env.as_bytes()),
        ("img.bin", b"\x00\x01\x02binary"),
    ]);
    std::fs::write(dir.path().join("release.zip"), zip).unwrap();
    let out = scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let keys = finding_keys(&report);
    assert!(
        keys.contains(&(
            "skytells-api-key".into(),
            "release.zip!src/client.py".into(),
            1
        )),
        "{keys:?}"
    );
    // The path rule sees the inner path: a committed `.env` at the top of the archive.
    assert!(
        keys.contains(&("committed-env-file".into(), "release.zip!.env".into(), 1)),
        "{keys:?}"
    );
    assert!(!report.to_string().contains(&key), "the key leaks");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn jar_whl_and_tar_gz_are_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (_, line) = key_line();
    let (_, line2) = key_line();
    let (_, line3) = key_line();
    std::fs::write(
        dir.path().join("app.jar"),
        zip_of(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
            ("conf/app.properties", &line),
        ]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pkg-1.0-py3-none-any.whl"),
        zip_of(&[("pkg/settings.py", &line2)]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.tgz"),
        gzip(&tar_of(&[("./deploy/run.sh", &line3)])),
    )
    .unwrap();
    let out = scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let paths = common::finding_paths(&json_of(&out), Some("skytells-api-key"));
    assert_eq!(
        paths,
        [
            "app.jar!conf/app.properties",
            "pkg-1.0-py3-none-any.whl!pkg/settings.py",
            "site.tgz!deploy/run.sh",
        ]
    );
}

#[test]
fn a_zip_inside_a_tar_gz_inside_a_zip_is_opened_and_deeper_nesting_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (_, line) = key_line();
    let innermost = zip_of(&[("c/.env", &line)]);
    let middle = gzip(&tar_of(&[("b/inner.zip", &innermost)]));
    let outer = zip_of(&[("dist/bundle.tar.gz", &middle)]);
    std::fs::write(dir.path().join("a.zip"), &outer).unwrap();
    let out = scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let keys = finding_keys(&json_of(&out));
    let nested = "a.zip!dist/bundle.tar.gz!b/inner.zip!c/.env";
    assert!(
        keys.contains(&("skytells-api-key".into(), nested.into(), 1)),
        "{keys:?}"
    );
    assert!(
        keys.contains(&("committed-env-file".into(), nested.into(), 1)),
        "{keys:?}"
    );

    // One level more than the cap (3): the fourth archive is not opened.
    let deeper = zip_of(&[("d.zip", &outer)]);
    std::fs::write(dir.path().join("a.zip"), &deeper).unwrap();
    let out = scan(dir.path(), &["--fail-on", "never"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "a.zip!d.zip!dist/bundle.tar.gz: b/inner.zip: an archive nested deeper than 3"
        ),
        "{err}"
    );
}

#[test]
fn a_zip_bomb_is_a_warning_not_an_out_of_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (_, line) = key_line();
    // 64 MiB of zeros deflate to about 64 KiB: a 1000:1 entry.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip_of(&[("zeros.txt", &zeros), ("ok.py", &line)]);
    assert!(bomb.len() < 1 << 20);
    std::fs::write(dir.path().join("bomb.zip"), &bomb).unwrap();
    // The same stream as a gzip: nothing declares its size.
    let tar_bomb = gzip(&tar_of(&[("zeros.txt", &zeros)]));
    std::fs::write(dir.path().join("bomb.tar.gz"), &tar_bomb).unwrap();
    drop(zeros);
    let started = std::time::Instant::now();
    let out = scan(dir.path(), &["--fail-on", "never"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bomb.zip: zeros.txt: zip bomb"), "{err}");
    assert!(err.contains("bomb.tar.gz: gzip bomb"), "{err}");
    // The rest of the archive is still scanned.
    let paths = common::finding_paths(&json_of(&out), Some("skytells-api-key"));
    assert_eq!(paths, ["bomb.zip!ok.py"]);
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn too_many_entries_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..20_001 {
        w.start_file(format!("f{i}"), opts).unwrap();
    }
    std::fs::write(
        dir.path().join("flood.zip"),
        w.finish().unwrap().into_inner(),
    )
    .unwrap();
    let out = scan(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("flood.zip: holds 20001 entries or more, over the cap of 20000"),
        "{err}"
    );
}

#[test]
fn a_corrupt_archive_is_a_warning_and_never_clean() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.zip"),
        b"PK\x03\x04 this is not a zip",
    )
    .unwrap();
    let mut tgz = gzip(&tar_of(&[("a.txt", b"hello\n")]));
    tgz.truncate(tgz.len() / 2);
    std::fs::write(dir.path().join("cut.tar.gz"), &tgz).unwrap();
    let out = scan(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("broken.zip: not a readable zip archive"),
        "{err}"
    );
    assert!(
        err.contains("cut.tar.gz: not a readable tar archive"),
        "{err}"
    );
    assert!(json_of(&out)["findings"].as_array().unwrap().is_empty());
}

#[test]
fn history_opens_a_committed_zip() {
    let repo = new_repo();
    let dir = repo.path();
    let (key, line) = key_line();
    std::fs::write(dir.join("vendor.zip"), zip_of(&[("lib/config.py", &line)])).unwrap();
    git(dir, &["add", "vendor.zip"]);
    let added = commit_dated(dir, "add vendor", 10);
    git(dir, &["rm", "-q", "vendor.zip"]);
    commit_dated(dir, "remove vendor", 5);

    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let found: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "skytells-api-key")
        .collect();
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["path"], "vendor.zip!lib/config.py");
    assert_eq!(found[0]["provenance"]["commit"], added.as_str());
    let gone: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "key-only-in-history")
        .collect();
    assert_eq!(gone.len(), 1, "{report}");
    assert!(!report.to_string().contains(&key));
}

#[test]
fn a_header_that_lies_about_its_size_cannot_expand_past_the_caps() {
    let dir = tempfile::tempdir().unwrap();
    // 16 MiB of text that the headers say is 100 bytes.
    let text = b"aaaaaaaaaaaaaaa\n".repeat(1 << 20);
    let mut zip = zip_of(&[("notes.txt", &text)]);
    let set_size =
        |zip: &mut Vec<u8>, at: usize| zip[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
    assert_eq!(&zip[..4], b"PK\x03\x04");
    set_size(&mut zip, 22);
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    set_size(&mut zip, central + 24);
    std::fs::write(dir.path().join("liar.zip"), &zip).unwrap();
    let out = scan(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("liar.zip: notes.txt: "), "{err}");
}

#[test]
fn staged_archives_are_opened_before_the_commit() {
    let repo = new_repo();
    let dir = repo.path();
    let (key, line) = key_line();
    std::fs::write(
        dir.join("release.zip"),
        zip_of(&[("app/settings.py", &line)]),
    )
    .unwrap();
    std::fs::write(dir.join("broken.tgz"), b"\x1f\x8b\x08\0not gzip").unwrap();
    git(dir, &["add", "release.zip", "broken.tgz"]);

    let out = skyscan()
        .args(["staged", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    // A finding fails the commit; the unreadable archive is named.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "skytells-api-key")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["release.zip!app/settings.py"], "{report}");
    assert!(stderr(&out).contains("broken.tgz"), "{}", stderr(&out));
    assert!(!report.to_string().contains(&key));

    // Without the key, the broken archive alone leaves the check incomplete.
    git(dir, &["rm", "-q", "--cached", "release.zip"]);
    let out = skyscan()
        .args(["staged", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
