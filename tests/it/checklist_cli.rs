//! End-to-end tests for the checklist items beyond single-key literals:
//! one key per environment (SC4), raw prompts in logs (SC9) and webhook
//! signatures compared in constant time (SC10).

use crate::common::{fake_key, findings_of, json_of, scan_json_output};

fn scan_json(dir: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    let out = scan_json_output(dir, &[]);
    (out.status.code(), json_of(&out))
}

#[test]
fn same_key_in_two_environments_is_reported_on_both() {
    let dir = tempfile::tempdir().unwrap();
    let shared = fake_key("sk-");
    std::fs::write(
        dir.path().join(".env.staging"),
        format!("SKYTELLS_API_KEY={shared}\n"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(
        dir.path().join("deploy/.env.production"),
        format!("# prod\nSKYTELLS_API_KEY={shared}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env.development"),
        format!("SKYTELLS_API_KEY={}\n", fake_key("sk-")),
    )
    .unwrap();
    let (code, report) = scan_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        findings_of(&report, "key-reused-across-environments"),
        vec![
            (".env.staging".to_string(), 1),
            ("deploy/.env.production".to_string(), 2)
        ]
    );
    let sc4 = report["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SC4")
        .unwrap()
        .clone();
    assert_eq!(sc4["status"], "fail");
    assert!(!report.to_string().contains(&shared));
}

#[test]
fn distinct_keys_per_environment_pass_sc4() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env.staging"),
        format!("SKYTELLS_API_KEY={}\n", fake_key("sk-")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env.production"),
        format!("SKYTELLS_API_KEY={}\n", fake_key("sk-")),
    )
    .unwrap();
    let (_, report) = scan_json(dir.path());
    assert!(findings_of(&report, "key-reused-across-environments").is_empty());
    let sc4 = report["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "SC4")
        .unwrap()
        .clone();
    assert_eq!(sc4["status"], "pass");
}

#[test]
fn raw_prompts_in_logs_are_reported_hashes_are_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("predict.py"),
        "import logging\nimport skytells\n\nlogger = logging.getLogger(__name__)\n\n\ndef run(prompt):\n    logger.info(\"predicting %s\", prompt)\n    logger.info(\"prompt_hash=%s\", sha256(prompt))\n    return client.predictions.create(input={\"prompt\": prompt})\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("predict.ts"),
        "const p = await client.predictions.create({ input: { prompt } });\nconsole.log('prompt', prompt);\nlogger.info({ promptHash });\n",
    )
    .unwrap();
    let (code, report) = scan_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        findings_of(&report, "python-logs-raw-prompt"),
        vec![("predict.py".to_string(), 8)]
    );
    assert_eq!(
        findings_of(&report, "js-logs-raw-prompt"),
        vec![("predict.ts".to_string(), 2)]
    );
}

#[test]
fn webhook_signatures_must_be_compared_in_constant_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("webhooks.py"),
        "import hmac, hashlib\n\ndef verify(body, header, secret):\n    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()\n    if expected == header:\n        return True\n    return hmac.compare_digest(expected, header)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("webhook.js"),
        "const crypto = require('crypto');\nfunction ok(body, signature, secret) {\n  const digest = crypto.createHmac('sha256', secret).update(body).digest('hex');\n  if (signature === undefined) return false;\n  return digest === signature;\n}\n",
    )
    .unwrap();
    let (code, report) = scan_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        findings_of(&report, "python-signature-equality"),
        vec![("webhooks.py".to_string(), 5)]
    );
    assert_eq!(
        findings_of(&report, "js-signature-equality"),
        vec![("webhook.js".to_string(), 5)]
    );
}
