//! `.skyscan.toml` (or `--config FILE`): turn rules off, change their
//! severity, allowlist paths, patterns and stopwords, and add custom rules
//! in the same schema as `rules/*.toml`. A malformed file is an error that
//! points at the offending line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
use crate::finding::Finding;
use crate::rules::{RuleSet, RuleSpec, Severity};

/// The file looked for, from the scan root up to the repository's top
/// level, when `--config` is not given.
pub const DEFAULT_FILE: &str = ".skyscan.toml";

/// The configuration as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule id → severity.
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, Severity>,
    #[serde(default)]
    pub allowlist: AllowlistSpec,
    /// Custom rules, same schema as the built-in packs.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// `verify = true` (or `[verify] enabled = true`): check keys with
    /// their providers. Read by [`verify_setting`], which also decides
    /// whose configuration may turn it on.
    #[serde(default)]
    pub verify: Option<toml::Value>,
}

/// What a configuration says about live verification.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VerifySetting {
    /// `Some(true)` when the file turns verification on.
    pub enabled: Option<bool>,
    /// Keys of a `[verify]` table that try to say more (an endpoint, a
    /// proxy): never honoured, each one warned about.
    pub ignored: Vec<String>,
}

/// Read the `verify` setting of the configuration at `path` (already
/// loaded once, so it parses). Where keys are sent is fixed in skyscan:
/// any other key under `[verify]` is listed in `ignored`, not obeyed.
pub fn verify_setting(path: &Path) -> Result<VerifySetting, crate::Error> {
    #[derive(Deserialize)]
    struct OnlyVerify {
        verify: Option<toml::Value>,
    }
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parsed: OnlyVerify = toml::from_str(&text)
        .map_err(|e| crate::Error::Usage(format!("{}: {}", path.display(), e.message())))?;
    let not_a_switch = || {
        crate::Error::Usage(format!(
            "{}: `verify` is `true` or `false` (or a `[verify]` table with `enabled`)",
            path.display()
        ))
    };
    let mut setting = VerifySetting::default();
    match parsed.verify {
        None => {}
        Some(toml::Value::Boolean(on)) => setting.enabled = Some(on),
        Some(toml::Value::Table(table)) => {
            for (key, value) in table {
                match (key.as_str(), value) {
                    ("enabled", toml::Value::Boolean(on)) => setting.enabled = Some(on),
                    ("enabled", _) => return Err(not_a_switch()),
                    (other, _) => setting.ignored.push(format!("verify.{other}")),
                }
            }
        }
        Some(_) => return Err(not_a_switch()),
    }
    Ok(setting)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    /// Globs over repository-relative paths: findings there are dropped.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Findings whose secret (or matched text) matches one of these are dropped.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Secrets containing one of these words (any case) are dropped.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// The compiled allowlist.
#[derive(Debug, Default)]
pub struct Allowlist {
    paths: Option<globset::GlobSet>,
    regexes: Vec<regex::Regex>,
    stopwords: Vec<String>,
}

impl Allowlist {
    /// Drop allowlisted findings; returns how many were dropped.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> usize {
        let before = findings.len();
        findings.retain(|f| !self.allows(f));
        before - findings.len()
    }

    fn allows(&self, f: &Finding) -> bool {
        if self.paths.as_ref().is_some_and(|g| g.is_match(&f.path)) {
            return true;
        }
        let text = f.secret.as_deref().unwrap_or(&f.matched);
        if self.regexes.iter().any(|re| re.is_match(text)) {
            return true;
        }
        f.secret.as_deref().is_some_and(|s| {
            let lower = s.to_ascii_lowercase();
            self.stopwords.iter().any(|w| lower.contains(w.as_str()))
        })
    }
}

/// Find the configuration: `explicit` when given (it must exist), else the
/// nearest `.skyscan.toml` from the scan root up to the top of the git
/// repository around it (ruff's rule: the nearest file wins). Outside a
/// repository only the scan root itself is looked at. A root that is a file
/// starts at its directory.
pub fn locate(explicit: Option<&Path>, root: &Path) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    search_dirs(root)
        .into_iter()
        .map(|dir| dir.join(DEFAULT_FILE))
        .find(|candidate| candidate.is_file())
}

/// The directories [`locate`] looks in, nearest first.
pub fn search_dirs(root: &Path) -> Vec<PathBuf> {
    let start = if root.is_dir() {
        root
    } else {
        root.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let Ok(start) = start.canonicalize() else {
        return vec![start.to_path_buf()];
    };
    let top = gix::discover(&start)
        .ok()
        .and_then(|repo| repo.workdir().map(Path::to_path_buf))
        .and_then(|w| w.canonicalize().ok())
        .filter(|top| start.starts_with(top));
    match top {
        None => vec![start],
        Some(top) => start
            .ancestors()
            .take_while(|dir| dir.starts_with(&top))
            .map(Path::to_path_buf)
            .collect(),
    }
}

/// Load the configuration at `path` and apply it to `rules`.
pub fn load(path: &Path, rules: RuleSet) -> Result<(RuleSet, Allowlist), crate::Error> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path, rules)
}

/// Apply the configuration `text` (read from `path`, used in messages and
/// to keep the file itself out of reports) to `rules`.
pub fn parse(
    text: &str,
    path: &Path,
    rules: RuleSet,
) -> Result<(RuleSet, Allowlist), crate::Error> {
    let config_text = ConfigText {
        name: path.display().to_string(),
        text,
    };
    let config: Config =
        toml::from_str(text).map_err(|e| config_text.error(e.message().to_string(), e.span()))?;
    let rules = apply_to_rules(
        &config_text,
        rules,
        &config.disable,
        &config.severity,
        config.rules,
    )?;
    let allow = compile_allowlist(&config_text, &config.allowlist, path)?;
    Ok((rules, allow))
}

/// The configuration's text, for errors that point into it.
struct ConfigText<'t> {
    name: String,
    text: &'t str,
}

impl ConfigText<'_> {
    fn error(&self, message: String, span: Option<std::ops::Range<usize>>) -> crate::Error {
        crate::Error::Config(Box::new(ConfigError::new(
            &self.name, self.text, message, span,
        )))
    }

    /// The first mention of `needle`, where an error about it points.
    fn span_of(&self, needle: &str) -> Option<std::ops::Range<usize>> {
        self.text
            .find(needle)
            .map(|start| start..start + needle.len())
    }
}

/// `rules` with the rules of `disable` removed, the severities of
/// `severity` set and the `custom` rules added (their patterns compiled
/// now, so that one over the size limits is reported here rather than
/// silently matching nothing later).
fn apply_to_rules(
    text: &ConfigText,
    rules: RuleSet,
    disable: &[String],
    severity: &std::collections::BTreeMap<String, Severity>,
    custom: Vec<RuleSpec>,
) -> Result<RuleSet, crate::Error> {
    let mut specs: Vec<RuleSpec> = rules.rules().iter().map(|r| r.spec.clone()).collect();
    for id in disable {
        let before = specs.len();
        specs.retain(|s| &s.id != id);
        if specs.len() == before {
            return Err(text.error(
                format!("`disable` names unknown rule `{id}`"),
                text.span_of(id),
            ));
        }
    }
    for (id, severity) in severity {
        match specs.iter_mut().find(|s| &s.id == id) {
            Some(spec) => spec.severity = *severity,
            None => {
                return Err(text.error(
                    format!("`severity` names unknown rule `{id}`"),
                    text.span_of(id),
                ))
            }
        }
    }
    let custom_ids: Vec<String> = custom.iter().map(|r| r.id.clone()).collect();
    specs.extend(custom);
    let rules = RuleSet::from_specs(specs).map_err(|e| {
        let culprit = custom_ids
            .iter()
            .find(|id| e.to_string().contains(id.as_str()));
        text.error(e.to_string(), culprit.and_then(|id| text.span_of(id)))
    })?;
    rules
        .compile_where(|r| custom_ids.contains(&r.spec.id))
        .map_err(|e| text.error(e.to_string(), None))?;
    Ok(rules)
}

/// The allowlist `allow`, with the configuration file at `path` itself
/// allowlisted.
fn compile_allowlist(
    text: &ConfigText,
    allow: &AllowlistSpec,
    path: &Path,
) -> Result<Allowlist, crate::Error> {
    let mut globs = globset::GlobSetBuilder::new();
    for g in &allow.paths {
        globs.add(
            globset::Glob::new(g)
                .map_err(|e| text.error(format!("allowlist path `{g}`: {e}"), text.span_of(g)))?,
        );
    }
    // The configuration itself holds rule examples: never report it.
    if let Some(file) = path.file_name().and_then(|n| n.to_str()) {
        let own = globset::Glob::new(&format!("**/{}", globset::escape(file)))
            .map_err(|e| text.error(e.to_string(), None))?;
        globs.add(own);
    }
    let paths = Some(globs.build().map_err(|e| text.error(e.to_string(), None))?);
    let regexes = allow
        .regexes
        .iter()
        .map(|r| {
            regex::RegexBuilder::new(r)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| text.error(format!("allowlist regex: {e}"), text.span_of(r)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stopwords = allow
        .stopwords
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    Ok(Allowlist {
        paths,
        regexes,
        stopwords,
    })
}
