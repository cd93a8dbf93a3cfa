//! End-to-end tests for the practices added to the checklist beyond
//! SC1–SC10 as first built: unverified webhooks (SC10), old TLS versions
//! (SC5), `.env` files git does not ignore (SC3) and full-access keys in
//! automation (least privilege). Each runs the binary on a project written
//! here.

use std::path::Path;

use crate::common::{
    fake_key, finding_keys, git, json_of, new_repo, scan_json_output, skyscan, write_file,
};

fn scan(dir: &Path) -> serde_json::Value {
    json_of(&scan_json_output(dir, &[]))
}

/// `(path, line)` of the findings of one rule.
fn of_rule(report: &serde_json::Value, rule: &str) -> Vec<(String, u64)> {
    finding_keys(report)
        .into_iter()
        .filter(|(r, _, _)| r == rule)
        .map(|(_, p, l)| (p, l))
        .collect()
}

fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report}"))
}

#[test]
fn webhook_handlers_must_verify_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    // Flask, no signature at all.
    write_file(
        dir.path(),
        "api/hooks.py",
        "import skytells\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n@app.post(\"/webhooks/skytells\")\ndef done():\n    event = request.get_json()\n    mark_done(event[\"id\"])\n    return \"\", 204\n",
    );
    // Next.js route handler that reads the header and never compares it.
    write_file(
        dir.path(),
        "app/api/webhooks/skytells/route.ts",
        "// Skytells prediction events\nexport async function POST(req: Request) {\n  const sig = req.headers.get('x-skytells-signature');\n  const prediction = await req.json();\n  await save(prediction);\n  return Response.json({ ok: true });\n}\n",
    );
    // Verified: constant-time compare in Flask, middleware in Express.
    write_file(
        dir.path(),
        "api/verified.py",
        "import hmac, hashlib, skytells\nfrom flask import request, abort\n\n@app.post(\"/webhooks/skytells-verified\")\ndef done():\n    got = request.headers.get(\"X-Skytells-Signature\", \"\")\n    want = hmac.new(KEY, request.get_data(), hashlib.sha256).hexdigest()\n    if not hmac.compare_digest(want, got):\n        abort(401)\n    return request.get_json()\n",
    );
    write_file(
        dir.path(),
        "server/app.js",
        "const { Skytells } = require('skytells');\napp.post('/webhooks/skytells', express.raw({ type: '*/*' }), verifySkytellsSignature, (req, res) => {\n  jobs.finish(JSON.parse(req.body));\n  res.sendStatus(200);\n});\n",
    );
    // A webhook route in a file that has nothing to do with the vendor.
    write_file(
        dir.path(),
        "api/github.py",
        "@app.post(\"/webhooks/github\")\ndef push():\n    return request.get_json()\n",
    );
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(
        of_rule(&report, "python-webhook-unverified"),
        vec![("api/hooks.py".to_string(), 7)]
    );
    assert_eq!(
        of_rule(&report, "js-webhook-unverified"),
        vec![("app/api/webhooks/skytells/route.ts".to_string(), 2)]
    );
    let js = finding(&report, "js-webhook-unverified");
    assert_eq!(js["severity"], "error");
    assert!(
        js["message"]
            .as_str()
            .unwrap()
            .contains("never compares it"),
        "{js}"
    );
    let py = finding(&report, "python-webhook-unverified");
    assert!(
        py["message"].as_str().unwrap().contains("never reads"),
        "{py}"
    );
}

#[test]
fn old_tls_versions_are_reported_and_their_successors_are_not() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "client.py",
        "import ssl\nold = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\nnew = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)\nnew.minimum_version = ssl.TLSVersion.TLSv1_2\nnew.maximum_version = ssl.TLSVersion.TLSv1_3\ncapped = ssl.create_default_context()\ncapped.maximum_version = ssl.TLSVersion.TLSv1_1\n",
    );
    write_file(
        dir.path(),
        "net/dial.go",
        "package net\n\nvar old = &tls.Config{MinVersion: tls.VersionTLS10}\nvar ok = &tls.Config{MinVersion: tls.VersionTLS12}\n",
    );
    write_file(
        dir.path(),
        "scripts/ping.sh",
        "curl --tlsv1.2 https://api.skytells.ai/v1/models\ncurl --tlsv1.1 https://api.skytells.ai/v1/models\n",
    );
    write_file(
        dir.path(),
        "deploy/nginx/site.conf",
        "server {\n  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n}\n",
    );
    write_file(
        dir.path(),
        "tests/test_refuses_tls1.py",
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\n",
    );
    let report = scan(dir.path());
    assert_eq!(
        of_rule(&report, "python-old-tls-version"),
        vec![("client.py".to_string(), 2), ("client.py".to_string(), 7)]
    );
    assert_eq!(
        of_rule(&report, "go-old-tls-version"),
        vec![("net/dial.go".to_string(), 3)]
    );
    assert_eq!(
        of_rule(&report, "curl-old-tls-version"),
        vec![("scripts/ping.sh".to_string(), 2)]
    );
    assert_eq!(
        of_rule(&report, "server-old-tls-protocols"),
        vec![("deploy/nginx/site.conf".to_string(), 2)]
    );
    let sc5 = report["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SC5")
        .unwrap();
    assert_eq!(sc5["status"], "fail");
}

#[test]
fn env_files_that_git_would_not_ignore_get_one_note() {
    let repo = new_repo();
    let dir = repo.path();
    write_file(dir, ".env.example", "SKYTELLS_API_KEY=\n");
    write_file(
        dir,
        "app.py",
        "from dotenv import load_dotenv\nload_dotenv()\n",
    );
    write_file(dir, ".gitignore", "__pycache__/\n.env\n");
    let out = scan_json_output(dir, &[]);
    // A note does not fail the run at the default --fail-on.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = json_of(&out);
    assert_eq!(
        of_rule(&report, "env-not-ignored"),
        vec![(".gitignore".to_string(), 1)]
    );
    let note = finding(&report, "env-not-ignored");
    assert_eq!(note["severity"], "note");
    let message = note["message"].as_str().unwrap();
    assert!(
        message.contains("`.env.local`, `.env.*.local`") && !message.contains("`.env`,"),
        "{message}"
    );
    assert!(message.contains(".env.example") && message.contains("app.py"));

    // `.env*` with the example re-included covers all three.
    write_file(dir, ".gitignore", ".env*\n!.env.example\n");
    assert!(of_rule(&scan(dir), "env-not-ignored").is_empty());
    // A negation that uncovers `.env.local` is a note again.
    write_file(dir, ".gitignore", ".env*\n!.env.local\n");
    let report = scan(dir);
    let note = finding(&report, "env-not-ignored");
    assert!(note["message"]
        .as_str()
        .unwrap()
        .contains("ignore `.env.local`:"));

    // `staged` leaves it to `scan` (it reports committed env files).
    git(dir, &["add", "-A"]);
    let out = skyscan()
        .args(["staged", ".", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(of_rule(&json_of(&out), "env-not-ignored").is_empty());
}

#[test]
fn a_project_without_env_files_gets_no_note() {
    let repo = new_repo();
    write_file(
        repo.path(),
        "app.py",
        "import os\nkey = os.environ['SKYTELLS_API_KEY']\n",
    );
    assert!(of_rule(&scan(repo.path()), "env-not-ignored").is_empty());
}

#[test]
fn full_access_keys_in_automation_are_reported_with_the_scoped_key_advice() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        ".github/workflows/nightly.yml",
        "on: schedule\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python batch.py\n        env:\n          SKYTELLS_API_KEY: ${{ secrets.SKYTELLS_ADMIN_KEY }}\n          OTHER_KEY: ${{ secrets.SKYTELLS_API_KEY }}\n",
    );
    let admin = format!("sk-admin-{}{}", fake_key(""), fake_key(""));
    write_file(
        dir.path(),
        "Dockerfile",
        &format!("FROM python:3.12\nENV OPENAI_ADMIN_KEY={admin}\n"),
    );
    // The same name outside automation is application code, not CI.
    write_file(
        dir.path(),
        "admin/tools.py",
        "import os\nkey = os.environ['SKYTELLS_ADMIN_KEY']\n",
    );
    let out = scan_json_output(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let mut found = of_rule(&report, "admin-key-in-automation");
    found.sort();
    assert_eq!(
        found,
        vec![
            (".github/workflows/nightly.yml".to_string(), 8),
            ("Dockerfile".to_string(), 2),
        ]
    );
    let warning = finding(&report, "admin-key-in-automation");
    assert_eq!(warning["severity"], "warning");
    assert!(warning["message"].as_str().unwrap().contains("scoped"));
    // The literal is one finding, masked, under the automation rule.
    assert_eq!(
        of_rule(&report, "admin-key-literal-in-automation"),
        vec![("Dockerfile".to_string(), 2)]
    );
    assert!(of_rule(&report, "openai-api-key").is_empty());
    assert!(!report.to_string().contains(&admin), "the key leaked");
}
