//! End-to-end tests of decoding: a key hidden in base64 (a Kubernetes
//! Secret, a pull secret's Docker config, a basic-auth header), in a
//! percent-encoded URL or under string escapes is found, reported at the
//! encoded text with the layers undone, and never printed in any form;
//! nesting is followed to a fixed depth; history scans decode too.

use crate::common::{fake_key, git, json_of, new_repo, scan_json_output, skyscan, write_file};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

fn b64(s: &str) -> String {
    STANDARD.encode(s)
}

fn findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"].as_array().unwrap().clone()
}

fn secret_manifest(value: &str) -> String {
    named_secret_manifest("SKYTELLS_API_KEY", value)
}

fn named_secret_manifest(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: inference\ntype: Opaque\ndata:\n  \
         LOG_LEVEL: aW5mbw==\n  {name}: {value}\n"
    )
}

#[test]
fn a_key_in_a_kubernetes_secret_is_reported_at_its_base64() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    let encoded = b64(&key);
    write_file(dir.path(), "deploy/secret.yaml", &secret_manifest(&encoded));
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&key), "the key is printed: {stdout}");
    assert!(
        !stdout.contains(&encoded),
        "the encoded key is printed: {stdout}"
    );
    let found = findings(&json_of(&out));
    let f = found
        .iter()
        .find(|f| f["path"] == "deploy/secret.yaml")
        .unwrap_or_else(|| panic!("no finding in the manifest: {stdout}"));
    assert_eq!(f["line"], 8);
    // `  SKYTELLS_API_KEY: ` is 20 characters: the encoded text starts at 21.
    assert_eq!(f["column"], 21);
    assert_eq!(f["end_column"], 21 + encoded.len() as u64);
    assert_eq!(f["decoded"][0]["encoding"], "base64");
    assert_eq!(f["decoded"][0]["rule"], "base64-kubernetes-secret");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("decoded from base64"),
        "{f}"
    );
    // Only the key is reported: `info` is not a finding, and the plain
    // scan of the file found nothing else.
    assert_eq!(found.len(), 1, "{stdout}");
}

#[test]
fn a_pull_secret_is_decoded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_key("ghp_") + "AbCd";
    eprintln!("token: {token}");
    let config = format!(
        r#"{{"auths": {{"ghcr.io": {{"auth": "{}"}}}}}}"#,
        b64(&format!("octocat:{token}"))
    );
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  \
         .dockerconfigjson: {}\n",
        b64(&config)
    );
    write_file(dir.path(), "deploy/pull.yaml", &manifest);
    let out = scan_json_output(dir.path(), &[]);
    let report = json_of(&out);
    let f = findings(&report)
        .into_iter()
        .find(|f| f["rule_id"] == "github-token")
        .unwrap_or_else(|| panic!("token not found: {report}"));
    assert_eq!(f["line"], 5);
    let layers: Vec<&str> = f["decoded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rule"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["base64-kubernetes-secret", "base64-docker-auth"]);
}

#[test]
fn nesting_is_followed_three_layers_deep_and_no_deeper() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    let three = b64(&b64(&b64(&key)));
    let four = b64(&three);
    // A name no rule knows: only the decoded key can be found.
    write_file(
        dir.path(),
        "deploy/three.yaml",
        &named_secret_manifest("payload", &three),
    );
    write_file(
        dir.path(),
        "deploy/four.yaml",
        &named_secret_manifest("payload", &four),
    );
    let report = json_of(&scan_json_output(dir.path(), &[]));
    let paths: Vec<String> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["deploy/three.yaml"], "{report}");
}

#[test]
fn basic_auth_percent_encoding_and_escapes_are_undone() {
    let dir = tempfile::tempdir().unwrap();
    let secret = format!("sk-lf-{}", uuid_like());
    let public = format!("pk-lf-{}", uuid_like());
    eprintln!("secret: {secret}");
    write_file(
        dir.path(),
        "tracing.py",
        &format!(
            "headers = {{\"Authorization\": \"Basic {}\"}}\n",
            b64(&format!("{public}:{secret}"))
        ),
    );
    let named = fake_key("");
    let json = format!("{{\"SKYTELLS_API_KEY\": \"{named}\"}}");
    let query: String = json
        .bytes()
        .map(|b| match b {
            b'"' | b':' | b' ' | b'{' | b'}' => format!("%{b:02X}"),
            b => (b as char).to_string(),
        })
        .collect();
    write_file(
        dir.path(),
        "fixtures/session.har",
        &format!("{{\"url\": \"https://app.acme.io/connect?state={query}\"}}\n"),
    );
    let openai = fake_key("sk-proj-") + &fake_key("");
    let escaped = openai.replace('-', "\\u002d");
    write_file(
        dir.path(),
        "web/app.js",
        &format!("const k = \"{escaped}\";\n"),
    );
    let out = scan_json_output(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for plain in [&secret, &named, &openai] {
        assert!(!stdout.contains(plain.as_str()), "printed: {stdout}");
    }
    let report = json_of(&out);
    let got: Vec<(String, String, String)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["decoded"][0]["encoding"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    for want in [
        ("tracing.py", "langfuse-secret-key", "base64"),
        (
            "fixtures/session.har",
            "skytells-api-key-assignment",
            "percent",
        ),
        ("web/app.js", "openai-api-key", "escapes"),
    ] {
        assert!(
            got.iter()
                .any(|(p, r, e)| (p.as_str(), r.as_str(), e.as_str()) == want),
            "{want:?} not in {got:?}"
        );
    }
}

/// A random lower-case UUID.
fn uuid_like() -> String {
    let hex: String = fake_key("")
        .bytes()
        .map(|b| format!("{:x}", b % 16))
        .collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..15],
        &hex[15..18],
        &hex[18..30]
    )
}

#[test]
fn history_decodes_what_it_scans() {
    let repo = new_repo();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    write_file(repo.path(), "k8s/secret.yaml", &secret_manifest(&b64(&key)));
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "add the secret"]);
    let out = skyscan()
        .args(["history", ".", "--format", "json"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    let f = findings(&report)
        .into_iter()
        .find(|f| f["path"] == "k8s/secret.yaml" && f["rule_id"] != "removed-from-head")
        .unwrap_or_else(|| panic!("not found in history: {report}"));
    assert_eq!(f["decoded"][0]["rule"], "base64-kubernetes-secret");
    assert!(f["provenance"]["commit"].is_string(), "{f}");
}

#[test]
fn sarif_results_name_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    write_file(
        dir.path(),
        "deploy/secret.yaml",
        &secret_manifest(&b64(&key)),
    );
    let out = skyscan()
        .args(["scan", ".", "--format", "sarif"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["properties"]["decoded"][0]["rule"], "base64-kubernetes-secret",
        "{result}"
    );
}

/// Documentation shows Secret manifests with encoded placeholders: decoded,
/// they are placeholders, and the encoded text is not a secret either.
#[test]
fn encoded_placeholders_in_documented_manifests_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "```yaml\n{}```\n",
        [
            ("JWT_SECRET", "your-jwt-secret-key"),
            ("OPENAI_API_KEY", "sk-proj-your-key-here"),
            ("DATABASE_URL", "postgresql://user:pass@host:5432/db"),
        ]
        .iter()
        .fold("kind: Secret\ndata:\n".to_string(), |acc, (k, v)| {
            acc + &format!("  {k}: {}\n", b64(v))
        })
    );
    write_file(dir.path(), "docs/deploy.md", &manifest);
    write_file(
        dir.path(),
        "k8s/secret.yaml",
        &manifest.replace("```yaml\n", "").replace("```\n", ""),
    );
    let report = json_of(&scan_json_output(dir.path(), &[]));
    assert!(findings(&report).is_empty(), "{report}");
}

/// A key that decoding leaves as it is (a plain key in a percent-encoded
/// query) is reported once, at its own place, not as decoded.
#[test]
fn a_key_that_reads_the_same_decoded_keeps_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake_key("sk-");
    eprintln!("key: {key}");
    let line = format!("GET /connect?state=%7B%22theme%22%3A%22dark%22%7D&token={key}&x=1\n");
    write_file(dir.path(), "logs/access.log", &line);
    let report = json_of(&scan_json_output(dir.path(), &[]));
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report}");
    let column = line.find(&key).unwrap() as u64 + 1;
    assert_eq!(found[0]["column"], column, "{report}");
    assert!(found[0].get("decoded").is_none(), "{report}");
}
