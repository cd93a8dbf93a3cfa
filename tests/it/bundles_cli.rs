//! End-to-end tests of SC2 for build output: a key in a web framework's
//! client bundle is also reported as `secret-in-client-bundle`; the same
//! key in source or in server output is not; build output is scanned only
//! with `--no-ignore` when git ignores it.

use crate::common::{fake_key, findings_of, git, json_of, scan_json_output, write_file};

#[test]
fn a_key_in_a_client_bundle_is_also_an_sc2_finding() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    let chunk = format!(
        "(self.c=self.c||[]).push([[1],{{\n7:e=>{{const t={{SKYTELLS_API_KEY:\"{key}\"}}}}}}]);\n"
    );
    for rel in [
        ".next/static/chunks/app/page-4f1c.js",
        "web/dist/assets/index-Bq7.js",
        ".svelte-kit/output/client/_app/immutable/chunks/api.js",
        ".output/public/_nuxt/entry.js",
        "build/static/js/main.3a9.js",
        // Not shipped to the browser: only the key finding.
        ".next/server/app/api/route.js",
        "src/app/page.tsx",
    ] {
        write_file(dir.path(), rel, &chunk);
    }
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&key), "the key is printed in full");
    let report = json_of(&out);
    let shipped = findings_of(&report, "secret-in-client-bundle");
    let mut expected: Vec<(String, u64)> = [
        ".next/static/chunks/app/page-4f1c.js",
        ".output/public/_nuxt/entry.js",
        ".svelte-kit/output/client/_app/immutable/chunks/api.js",
        "build/static/js/main.3a9.js",
        "web/dist/assets/index-Bq7.js",
    ]
    .iter()
    .map(|p| (p.to_string(), 2))
    .collect();
    expected.sort();
    assert_eq!(shipped, expected);
    // Every file still has its key finding.
    assert_eq!(findings_of(&report, "skytells-api-key").len(), 7);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "secret-in-client-bundle")
        .unwrap();
    assert_eq!(f["checklist"], "SC2");
    assert_eq!(f["severity"], "error");
    assert!(f["message"].as_str().unwrap().contains(&key[..8]));
    let checklist = report["checklist"].as_array().unwrap();
    let sc2 = checklist.iter().find(|c| c["id"] == "SC2").unwrap();
    assert_eq!(sc2["status"], "fail");
}

#[test]
fn ignored_build_output_needs_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write_file(dir.path(), ".gitignore", ".next/\n");
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    write_file(
        dir.path(),
        ".next/static/chunks/main.js",
        &format!("const k={{headers:{{\"x-api-key\":\"{key}\"}}}};\n"),
    );
    let plain = scan_json_output(dir.path(), &[]);
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(json_of(&plain)["findings"], serde_json::json!([]));
    let all = scan_json_output(dir.path(), &["--no-ignore"]);
    assert_eq!(all.status.code(), Some(1));
    let report = json_of(&all);
    assert_eq!(
        findings_of(&report, "secret-in-client-bundle"),
        [(".next/static/chunks/main.js".to_string(), 1)]
    );
}

#[test]
fn a_bundle_without_a_key_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "dist/assets/index.js",
        "fetch(\"/api/generate\",{method:\"POST\"});const hint=\"SKYTELLS_API_KEY=sk-your-api-key-here\";\n",
    );
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(json_of(&out)["findings"], serde_json::json!([]));
    assert_eq!(out.status.code(), Some(0));
}
