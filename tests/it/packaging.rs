//! What the release routes ship: the crate package holds every file the
//! sources embed, the Python packages and the pre-commit hooks agree with
//! Cargo.toml. (The wheel and the hooks themselves are exercised by
//! scripts/wheel-smoke.sh and scripts/pre-commit-smoke.sh in .ci/run.)

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

fn toml_of(path: &str) -> toml::Table {
    read(path).parse().unwrap()
}

/// Every file `include_str!`/`include_bytes!` reads, relative to the crate
/// root: the literal paths, and the rule packs the `packs!` macro names.
fn embedded_files() -> BTreeSet<String> {
    let literal = regex::Regex::new(r#"include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)"#).unwrap();
    let pack = regex::Regex::new(r#""(rules/[^"]+\.toml)""#).unwrap();
    let mut files = BTreeSet::new();
    let mut stack = vec![Path::new(ROOT).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // Embedded data files (src/engine/ngrams.bin) are not sources.
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for cap in literal.captures_iter(&text) {
                let file = path.parent().unwrap().join(&cap[1]);
                let file = file.canonicalize().unwrap_or(file);
                files.insert(
                    file.strip_prefix(ROOT)
                        .unwrap_or(&file)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
            if text.contains("include_str!(concat!(\"../../\", $name))") {
                files.extend(pack.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
    }
    files
}

#[test]
fn the_crate_package_holds_every_embedded_file() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let embedded = embedded_files();
    assert!(embedded.len() >= 20, "{embedded:?}");
    for file in embedded.iter().chain(
        ["README.md", "LICENSE", "Cargo.lock"]
            .map(String::from)
            .iter(),
    ) {
        assert!(listed.contains(file), "`cargo package` leaves out {file}");
    }
    // Every rule pack on disk is embedded (and so packaged); the versions
    // lock is for the tests.
    for entry in std::fs::read_dir(Path::new(ROOT).join("rules")).unwrap() {
        let name = format!("rules/{}", entry.unwrap().file_name().to_string_lossy());
        if name.ends_with(".toml") {
            assert!(embedded.contains(&name), "{name} is not embedded");
        }
    }
    // Tests, fixtures and benchmarks stay out of the crate.
    assert!(!listed
        .iter()
        .any(|f| f.starts_with("bench/") || f.starts_with("fixtures/")));
}

#[test]
fn packages_and_hooks_agree_with_cargo_toml() {
    let cargo = toml_of("Cargo.toml");
    let package = cargo["package"].as_table().unwrap();
    let version = package["version"].as_str().unwrap();
    let msrv = package["rust-version"].as_str().unwrap();
    assert!(msrv.split('.').count() >= 2, "{msrv}");

    // python/pyproject.toml: the skyscan wheel, its version from Cargo.toml.
    let wheel = toml_of("python/pyproject.toml");
    assert_eq!(wheel["project"]["name"].as_str(), Some("skyscan"));
    assert!(wheel["project"]["dynamic"]
        .as_array()
        .unwrap()
        .contains(&"version".into()));
    assert_eq!(wheel["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(
        wheel["tool"]["maturin"]["manifest-path"].as_str(),
        Some("../Cargo.toml")
    );
    assert_eq!(
        wheel["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );

    // pyproject.toml: the hook package pins the wheel of this very version.
    let hook = toml_of("pyproject.toml");
    assert_eq!(hook["project"]["version"].as_str(), Some(version));
    assert_eq!(
        hook["project"]["dependencies"].as_array().unwrap(),
        &vec![toml::Value::from(format!("skyscan=={version}"))]
    );

    // The hooks: the default installs the wheel, the others stay.
    let hooks = read(".pre-commit-hooks.yaml");
    let hook_block = |id: &str| {
        let start = hooks
            .find(&format!("- id: {id}\n"))
            .unwrap_or_else(|| panic!("no hook {id}"));
        let rest = &hooks[start + 2..];
        rest[..rest.find("\n- id:").unwrap_or(rest.len())].to_string()
    };
    for (id, language, entry) in [
        ("skyscan", "python", "skyscan staged"),
        ("skyscan-tree", "python", "skyscan scan"),
        ("skyscan-rust", "rust", "skyscan staged"),
        ("skyscan-system", "system", "skyscan staged"),
    ] {
        let block = hook_block(id);
        assert!(
            block.contains(&format!("\n  language: {language}\n")),
            "{block}"
        );
        assert!(block.contains(&format!("\n  entry: {entry}\n")), "{block}");
        assert!(block.contains("\n  pass_filenames: false\n"), "{block}");
    }
}
