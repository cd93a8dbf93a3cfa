//! End-to-end tests for judgement on code context (`src/judge/`), through
//! the binary: what is dropped, what is re-graded and what the message says.
//! Each case is one a real project showed (see bench/triage/).

use crate::common;

use crate::common::{fake_key, git, json_of, new_repo, scan_json_output};

fn findings(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = scan_json_output(dir, &["--fail-on", "never"]);
    common::assert_exit(&out, 0);
    json_of(&out)["findings"].as_array().unwrap().clone()
}

fn of_rule<'a>(all: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    all.iter().filter(|f| f["rule_id"] == rule).collect()
}

#[test]
fn getenv_reads_that_nothing_checks_are_the_only_sc8_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        r#"import os
from openai import OpenAI

client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
serper = os.environ.get("SERPER_API_KEY", "")
search = requests.Session(headers={"X-API-KEY": serper})

tavily = os.getenv("TAVILY_API_KEY")
if not tavily:
    raise SystemExit("TAVILY_API_KEY is not set")

token = os.getenv("GH_TOKEN") or os.getenv("GITHUB_TOKEN")
token_url = os.getenv("OAUTH_TOKEN_URL")

# a variable nothing reads
unused = os.getenv("UNUSED_API_KEY")
"#,
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/test_app.py"),
        "import os\nKEY = os.getenv('OPENAI_API_KEY')\n",
    )
    .unwrap();
    let all = findings(dir.path());
    let sc8 = of_rule(&all, "python-getenv-api-key");
    let lines: Vec<u64> = sc8.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 5], "{sc8:#?}");
    assert!(sc8.iter().all(|f| f["path"] == "app.py"));
    // The message says what happens with an empty default.
    let message = sc8[1]["message"].as_str().unwrap();
    assert!(message.contains("empty string"), "{message}");
}

#[test]
fn a_hard_coded_fallback_secret_is_its_own_masked_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.py"),
        "import os\nSECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'django-insecure-4fq9zt0w7y2k')\n",
    )
    .unwrap();
    let all = findings(dir.path());
    let found = of_rule(&all, "insecure-default-secret");
    assert_eq!(found.len(), 1, "{all:#?}");
    assert_eq!(found[0]["checklist"], "SC1");
    let text = serde_json::to_string(&found[0]).unwrap();
    assert!(!text.contains("django-insecure-4fq9zt0w7y2k"), "{text}");
    assert!(of_rule(&all, "python-getenv-api-key").is_empty());
}

#[test]
fn tls_switch_behind_the_callers_opt_out_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("client.py"),
        "import ssl\n\ndef context(verify=True):\n    ctx = ssl.create_default_context()\n    if verify is False:\n        ctx.check_hostname = False\n    return ctx\n\ndef always():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    return ctx\n",
    )
    .unwrap();
    let all = findings(dir.path());
    let tls = of_rule(&all, "python-unverified-ssl-context");
    let graded: Vec<(u64, &str)> = tls
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(graded, [(6, "note"), (11, "error")], "{tls:#?}");
    assert!(tls[0]["message"]
        .as_str()
        .unwrap()
        .contains("verify is False"));
}

#[test]
fn committed_env_file_severity_says_what_it_holds() {
    let dir = new_repo();
    std::fs::write(
        dir.path().join(".env"),
        "PORT=3000\nDEBUG=true\nOPENAI_API_KEY=\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(
        dir.path().join("deploy/.env.production"),
        format!(
            "SKYTELLS_API_KEY={}\nSESSION_SECRET=Zq7Lr2Vb9Xw4Kd8Nt3Hj6Mf\n",
            fake_key("sk-")
        ),
    )
    .unwrap();
    git(dir.path(), &["add", "-f", "."]);
    let all = findings(dir.path());
    let env = of_rule(&all, "committed-env-file");
    let graded: Vec<(&str, &str)> = env
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        graded,
        [(".env", "warning"), ("deploy/.env.production", "error")],
        "{env:#?}"
    );
    let message = env[1]["message"].as_str().unwrap();
    assert!(message.contains("2 secret-looking values"), "{message}");
}

#[test]
fn bare_public_prefix_counts_only_under_sveltekit_or_astro() {
    let dir = tempfile::tempdir().unwrap();
    for (app, manifest) in [
        (
            "svelte",
            r#"{ "devDependencies": { "@sveltejs/kit": "^2.0.0" } }"#,
        ),
        ("express", r#"{ "dependencies": { "express": "^4.0.0" } }"#),
    ] {
        let root = dir.path().join(app);
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("package.json"), manifest).unwrap();
        std::fs::write(
            root.join(".env.example"),
            "PUBLIC_SKYTELLS_API_KEY=sk-from-dashboard\n",
        )
        .unwrap();
    }
    let all = findings(dir.path());
    let paths: Vec<&str> = of_rule(&all, "public-env-secret")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["svelte/.env.example"]);
}

#[test]
fn one_public_env_finding_per_variable_and_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("page.tsx"),
        "const a = process.env.NEXT_PUBLIC_SKYTELLS_API_KEY;\nconst b = process.env.NEXT_PUBLIC_SKYTELLS_API_KEY;\nthrow new Error('NEXT_PUBLIC_OTHER_TOKEN is not allowed');\n",
    )
    .unwrap();
    let all = findings(dir.path());
    let lines: Vec<u64> = of_rule(&all, "public-env-secret")
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1]);
}

#[test]
fn skyscans_own_reports_and_baselines_are_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("client.ts"),
        "const agent = new https.Agent({ rejectUnauthorized: false });\n",
    )
    .unwrap();
    let first = findings(dir.path());
    assert_eq!(first.len(), 1, "{first:#?}");
    for (format, name) in [("json", "report.json"), ("sarif", "skyscan.sarif")] {
        let out = common::skyscan()
            .args(["scan", ".", "--format", format, "--fail-on", "never"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        std::fs::write(dir.path().join(name), &out.stdout).unwrap();
    }
    common::skyscan()
        .args(["scan", ".", "--write-baseline", "baseline.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(dir.path().join("baseline.json").exists());
    let again = findings(dir.path());
    assert_eq!(again, first);
}

/// A JWT is a Supabase service key only when its payload says so; test
/// fixtures are warnings, or nothing when they say they are made up.
#[test]
fn supabase_keys_are_told_apart_by_their_payload_and_fixtures_are_warnings() {
    fn b64url(data: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = data.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
    let jwt = |role: &str, iss: &str| {
        let payload = format!(
            r#"{{"iss":"{iss}","ref":"qwzkdmvbnrtghpcjxfls","role":"{role}","exp":2031776000}}"#
        );
        let signature = fake_key("");
        format!(
            "{}.{}.{}",
            b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64url(&payload),
            signature.replace(['+', '/'], "_")
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let service = jwt("service_role", "supabase");
    std::fs::write(
        dir.path().join(".env.production"),
        format!(
            "SUPABASE_SERVICE_ROLE_KEY={service}\nNEXT_PUBLIC_SUPABASE_ANON_KEY={}\nLOCAL_SERVICE_KEY={}\n",
            jwt("anon", "supabase"),
            jwt("service_role", "supabase-demo")
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/test_admin.py"),
        format!("ADMIN_KEY = '{service}'\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tests/test_other.py"),
        format!("ADMIN_KEY = '{service}'  # fake, made up for these tests\n"),
    )
    .unwrap();
    let all = findings(dir.path());
    let found = of_rule(&all, "supabase-service-role-key");
    let places: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (".env.production", 1, "error"),
            ("tests/test_admin.py", 1, "warning")
        ],
        "{found:?}"
    );
}
