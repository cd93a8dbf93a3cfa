//! Rules are data. Each pack in `rules/*.toml` is embedded in the binary and
//! parsed into [`Rule`]s here; the same text feeds `skyscan rules ID`, the
//! SARIF `help` of every result and the README's rule table, so a rule is
//! documented in exactly one place.

mod checklist;
mod lazy;

pub use checklist::{cwe_url, Checklist, Practice, CHECKLIST_FILE};
pub use lazy::LazyRegex;

use serde::Deserialize;
use std::fmt;

use crate::error::Error;

/// Embed rule packs by path, relative to the crate root.
macro_rules! packs {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../", $name)))),*]
    };
}

/// The rule packs shipped with skyscan, embedded at compile time. A test
/// checks that every `rules/*.toml` file is listed.
pub const BUILTIN_PACKS: &[(&str, &str)] = packs![
    "rules/keys.toml",
    "rules/keys-stack.toml",
    "rules/keys-backend.toml",
    "rules/decoders.toml",
    "rules/client-exposure.toml",
    "rules/client-bundle.toml",
    "rules/env-files.toml",
    "rules/environments.toml",
    "rules/tls.toml",
    "rules/tls-python.toml",
    "rules/tls-node.toml",
    "rules/tls-go.toml",
    "rules/tls-jvm.toml",
    "rules/tls-dotnet.toml",
    "rules/tls-ruby.toml",
    "rules/tls-php.toml",
    "rules/tls-rust.toml",
    "rules/tls-shell.toml",
    "rules/tls-config.toml",
    "rules/tls-mobile.toml",
    "rules/tls-elixir.toml",
    "rules/tls-c.toml",
    "rules/tls-versions.toml",
    "rules/runtime.toml",
    "rules/prompts.toml",
    "rules/webhooks.toml",
    "rules/automation.toml",
    "rules/history.toml",
];

/// An item of the vendor's security checklist (SC1–SC10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChecklistItem(pub u8);

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 10] = [
        ChecklistItem(1),
        ChecklistItem(2),
        ChecklistItem(3),
        ChecklistItem(4),
        ChecklistItem(5),
        ChecklistItem(6),
        ChecklistItem(7),
        ChecklistItem(8),
        ChecklistItem(9),
        ChecklistItem(10),
    ];

    /// The checklist sentence, in skyscan's words.
    pub fn title(self) -> &'static str {
        match self.0 {
            1 => "Keys never in source code",
            2 => "Keys server-side only",
            3 => ".env files never committed",
            4 => "One key per environment",
            5 => "TLS always verified, HTTPS only",
            6 => "Keys rotated within 90 days",
            7 => "Leaked keys revoked and scrubbed from history",
            8 => "Fail fast when the key is missing",
            9 => "Prompts hashed in logs, never raw",
            10 => "Webhook signatures verified in constant time",
            _ => "unknown checklist item",
        }
    }
}

impl fmt::Display for ChecklistItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SC{}", self.0)
    }
}

impl<'de> Deserialize<'de> for ChecklistItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.strip_prefix("SC")
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=10).contains(n))
            .map(ChecklistItem)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not SC1..SC10")))
    }
}

/// How bad a finding is. Ordered: `Note < Warning < Error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How often a rule's findings are real, in SARIF's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// One example or negative example: text scanned as if it were a file at `path`
/// (the rule's `example_path` when the example is a bare string), or for
/// history checks, a sequence of commits built into a scratch repository.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    File {
        path: String,
        text: String,
    },
    History {
        commits: Vec<ExampleCommit>,
    },
    /// Several files scanned together, for checks across files.
    Files {
        files: std::collections::BTreeMap<String, String>,
    },
}

/// One commit of a history example.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleCommit {
    /// Files written by the commit: path → content.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
    /// Files removed by the commit.
    #[serde(default)]
    pub delete: Vec<String>,
    /// Commit date, in days before now.
    #[serde(default)]
    pub days_ago: u32,
}

/// What a scan looks at; rules apply to some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Worktree,
    History,
    Staged,
}

impl Mode {
    /// The command that runs in this mode.
    pub fn command(self) -> &'static str {
        match self {
            Mode::Worktree => "scan",
            Mode::History => "history",
            Mode::Staged => "staged",
        }
    }
}

/// A rule as written in a pack, before its patterns are compiled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub checklist: ChecklistItem,
    pub severity: Severity,
    pub precision: Precision,
    /// SARIF `security-severity` (0.0–10.0); derived from `severity` when absent.
    pub security_severity: Option<f32>,
    /// Literal strings; a file is only searched with this rule's regex
    /// around a hit of one of them. For a path rule, one of them must occur
    /// in the file name.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether the keywords are matched without regard to ASCII case.
    /// Defaults to true when the regex starts with a flag group that sets
    /// `i` (`(?i)`, `(?im)`); set it for a regex that matches a keyword
    /// inside a `(?i:...)` group.
    pub keywords_ignore_case: Option<bool>,
    /// The content pattern. A named group `secret` marks a credential; a
    /// group `span`, when it matches, is the part reported.
    pub regex: Option<String>,
    /// A path pattern, for rules about the file itself (matched against the
    /// repository-relative path with `/` separators).
    pub path_regex: Option<String>,
    /// Drop a match whose matched text also matches this pattern.
    pub exclude_regex: Option<String>,
    /// The rule only applies to paths matching one of these globs.
    #[serde(default)]
    pub paths: Vec<String>,
    /// The rule never applies to paths matching one of these globs.
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    /// Somewhere in the file, this pattern must match too.
    pub file_requires: Option<String>,
    /// The rule does not apply to files where this pattern matches.
    pub file_excludes: Option<String>,
    /// Drop matches on lines that start with a comment marker
    /// (`#`, `//`, `/*`, `*`, `--`, `<!--`).
    #[serde(default)]
    pub skip_comments: bool,
    /// One of these words (case-insensitive) must appear within
    /// `context_lines` lines of the match.
    #[serde(default)]
    pub context: Vec<String>,
    #[serde(default = "default_context_lines")]
    pub context_lines: usize,
    /// Minimum Shannon entropy, in bits per character, of the secret.
    pub min_entropy: Option<f64>,
    /// When rules report the same secret, the highest precedence wins.
    #[serde(default)]
    pub precedence: i32,
    /// Bytes searched on each side of a keyword hit.
    #[serde(default = "default_window")]
    pub window: usize,
    /// The finding's message; `{match}` is replaced by the (masked) match.
    pub message: String,
    /// What it finds, why it matters and how to fix it.
    pub what: String,
    pub why: String,
    pub fix: String,
    /// For rules implemented in code: which check (`removed-from-head`,
    /// `rotation-overdue`).
    pub check: Option<String>,
    /// For content rules: the judgement in code (`src/judge/`) that reads
    /// the code around each match and keeps, drops or re-grades it.
    pub judge: Option<String>,
    /// Report a match once per file: the first place each distinct matched
    /// text appears.
    #[serde(default)]
    pub once_per_file: bool,
    /// Path used for examples given as bare strings.
    pub example_path: Option<String>,
    /// The version of what the rule matches. From 2 on it is part of the
    /// rule's fingerprints, so findings of a rule whose meaning changed do
    /// not inherit the baselines of the old one; `rules/versions.lock`
    /// records the structure each version had (see the README).
    #[serde(default = "first_version")]
    pub version: u32,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<Example>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Makes the rule a decoder: what it matches (its `span` group) is
    /// text in this encoding, which is decoded and scanned again with every
    /// rule (see `scan::decode`). A decoder reports nothing itself.
    pub decode: Option<Encoding>,
    /// The practice of `rules/checklist.toml` the rule checks, when it is
    /// not the default practice of its checklist item.
    pub practice: Option<String>,
    /// The weaknesses (MITRE CWE ids, `CWE-319`) the rule's findings are
    /// instances of, when not those of its practice.
    #[serde(default)]
    pub cwe: Vec<String>,
}

/// An encoding a decoder rule undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// Standard or URL-safe base64, padded or not.
    Base64,
    /// URL percent-encoding (`%2D`).
    Percent,
    /// JSON and JavaScript string escapes (`\u002d`, `\x2d`, `\"`).
    Escapes,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent",
            Encoding::Escapes => "escapes",
        }
    }
}

fn first_version() -> u32 {
    1
}

fn default_context_lines() -> usize {
    3
}

fn default_window() -> usize {
    256
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pack {
    rules: Vec<RuleSpec>,
}

/// What a compiled rule looks at.
// One value per rule, a few dozen in all: the size of the largest variant
// does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// A pattern searched in file content around keyword hits.
    Content {
        regex: LazyRegex,
        exclude: Option<LazyRegex>,
        file_requires: Option<LazyRegex>,
        file_excludes: Option<LazyRegex>,
        context: Option<LazyRegex>,
    },
    /// A check implemented in code over other findings (`checks::history`,
    /// `checks::key_reuse`), named by the rule's `check` field.
    Check(Check),
    /// A pattern over the file's path (see `checks::env_files`); paths that
    /// also match `safe` are only reported when they hold a credential.
    Path {
        regex: regex::Regex,
        safe: Option<regex::Regex>,
    },
}

/// The checks implemented in code that rules can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A key in history that is gone from HEAD (SC7).
    RemovedFromHead,
    /// A key at HEAD first committed too long ago (SC6).
    RotationOverdue,
    /// The same key in files of two environments (SC4).
    KeyReuse,
    /// A key in a web framework's client bundle (SC2); the rule's `paths`
    /// name the build directories.
    ClientBundle,
    /// A project that uses `.env` files whose `.gitignore` files leave
    /// `.env`, `.env.local` or `.env.*.local` out (SC3).
    EnvIgnore,
}

/// The judgements in code (`src/judge/`) a content rule can name with
/// `judge = "..."`: each reads the code around a match and keeps, drops or
/// re-grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    /// SC8: a Python `os.getenv` read of a key that nothing checks.
    PythonGetenv,
    /// SC1: a hard-coded fallback for a secret the application signs with.
    PythonDefaultSecret,
    /// SC2: a real read or definition of a secret behind a public prefix.
    PublicEnv,
    /// SC2: an `x-api-key` header in a client component whose value comes
    /// from the bundle.
    ClientKey,
    /// SC10: an `==` whose operands are really a signature or MAC.
    SignatureCompare,
    /// SC5: Python TLS settings that the same code makes up for, or that
    /// only follow the caller's own `verify=False`.
    PythonTls,
    /// SC5, any language: a TLS switch in a test of the setting, or that
    /// follows a caller's option instead of being turned off outright.
    TlsOption,
    /// SC5: as `TlsOption`, and an option whose value is a name is
    /// reported only when the same file gives that name the disabling
    /// value (`insecure := true` ... `InsecureSkipVerify: insecure`).
    TlsVariable,
    /// SC5: `PythonTls` with the name resolution of `TlsVariable`.
    PythonTlsVariable,
    /// SC1: a credential in test code: dropped when the test says it is
    /// made up, a warning otherwise.
    FixtureSecret,
    /// SC1: a JWT whose payload makes it a Supabase `service_role` key.
    SupabaseJwt,
    /// SC9: a logged prompt that is user data, not a constant.
    RawPrompt,
    /// SC1: a database URL whose password is real and whose host is not
    /// local, internal or a documentation domain.
    DatabaseUrl,
    /// SC10: a webhook handler for the vendor's events that never reads
    /// the signature header, or reads it and never compares it.
    UnverifiedWebhook,
}

impl Judge {
    pub fn from_name(name: &str) -> Option<Judge> {
        Some(match name {
            "python-getenv" => Judge::PythonGetenv,
            "python-default-secret" => Judge::PythonDefaultSecret,
            "public-env" => Judge::PublicEnv,
            "client-key" => Judge::ClientKey,
            "signature-compare" => Judge::SignatureCompare,
            "python-tls" => Judge::PythonTls,
            "tls-option" => Judge::TlsOption,
            "tls-variable" => Judge::TlsVariable,
            "fixture-secret" => Judge::FixtureSecret,
            "supabase-jwt" => Judge::SupabaseJwt,
            "python-tls-variable" => Judge::PythonTlsVariable,
            "raw-prompt" => Judge::RawPrompt,
            "database-url" => Judge::DatabaseUrl,
            "unverified-webhook" => Judge::UnverifiedWebhook,
            _ => return None,
        })
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    pub kind: RuleKind,
    pub judge: Option<Judge>,
    pub paths: Option<globset::GlobSet>,
    pub exclude_paths: Option<globset::GlobSet>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// What the rule's fingerprints are made from: its id, and from version
    /// 2 on its version (`id@2`), so that version 1 keeps the fingerprints
    /// baselines already hold.
    pub fn fingerprint_id(&self) -> std::borrow::Cow<'_, str> {
        match self.spec.version {
            0 | 1 => self.spec.id.as_str().into(),
            v => format!("{}@{v}", self.spec.id).into(),
        }
    }

    /// Whether the content prefilter matches this rule's keywords without
    /// regard to ASCII case.
    pub fn keywords_ignore_case(&self) -> bool {
        self.spec.keywords_ignore_case.unwrap_or_else(|| {
            let leading_flags = self
                .spec
                .regex
                .as_deref()
                .and_then(|r| r.trim_start().strip_prefix("(?"))
                .and_then(|r| r.split_once(')'))
                .map(|(flags, _)| flags)
                .filter(|f| f.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'));
            leading_flags.is_some_and(|f| f.split('-').next().is_some_and(|on| on.contains('i')))
        })
    }

    /// True when the rule's regex has a `secret` group: its matches are
    /// credentials, masked in output and filtered for placeholders.
    pub fn is_secret(&self) -> bool {
        match &self.kind {
            RuleKind::Content { regex, .. } => {
                regex.as_str().contains("(?P<secret>") || regex.as_str().contains("(?<secret>")
            }
            RuleKind::Path { .. } | RuleKind::Check(_) => false,
        }
    }

    /// Whether the rule runs in a mode. History scans report credentials,
    /// committed files and the history checks; a misconfiguration that was
    /// fixed long ago is not worth a finding, so other content rules only
    /// look at the working tree and the index.
    pub fn runs_in(&self, mode: Mode) -> bool {
        match self.kind {
            RuleKind::Check(Check::KeyReuse | Check::EnvIgnore) => mode == Mode::Worktree,
            RuleKind::Check(Check::ClientBundle) => true,
            RuleKind::Check(_) => mode == Mode::History,
            RuleKind::Path { .. } => true,
            RuleKind::Content { .. } => {
                self.is_secret() || self.spec.decode.is_some() || mode != Mode::History
            }
        }
    }

    pub fn security_severity(&self) -> f32 {
        self.spec
            .security_severity
            .unwrap_or(match self.spec.severity {
                Severity::Error => 8.0,
                Severity::Warning => 5.5,
                Severity::Note => 2.0,
            })
    }

    /// For a path rule: whether it reports a file at this path (its keywords
    /// in the file name, its `path_regex` over the path, its globs).
    pub fn matches_path(&self, path: &str) -> bool {
        let RuleKind::Path { regex, .. } = &self.kind else {
            return false;
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        (self.spec.keywords.is_empty()
            || self.spec.keywords.iter().any(|k| name.contains(k.as_str())))
            && regex.is_match(path)
            && self.applies_to(path)
    }

    /// Whether the rule applies to a file at this repository-relative path.
    pub fn applies_to(&self, path: &str) -> bool {
        if let Some(ex) = &self.exclude_paths {
            if ex.is_match(path) {
                return false;
            }
        }
        match &self.paths {
            Some(inc) => inc.is_match(path),
            None => true,
        }
    }

    /// The help text as plain text (for `skyscan rules ID` and SARIF).
    pub fn help_text(&self) -> String {
        format!(
            "{}\n\nWhy: {}\n\nFix: {}",
            self.spec.what.trim(),
            self.spec.why.trim(),
            self.spec.fix.trim()
        )
    }

    /// The help text as Markdown (for SARIF `help.markdown`).
    pub fn help_markdown(&self) -> String {
        let mut md = format!(
            "**{}** ({}: {})\n\n{}\n\n**Why is this bad?** {}\n\n**How to fix:** {}\n",
            self.spec.name,
            self.spec.checklist,
            self.spec.checklist.title(),
            self.spec.what.trim(),
            self.spec.why.trim(),
            self.spec.fix.trim()
        );
        // A bare negative example is code at the rule's own example path:
        // what to write instead. One in a file of its own is more often an
        // exception (a fake key in a test), which is no model to follow and
        // would print that key in every report's help.
        let negatives = &self.spec.negative_examples;
        let fine = negatives
            .iter()
            .find(|e| matches!(e, Example::Text(_)))
            .or_else(|| negatives.first());
        if let Some(Example::Text(t) | Example::File { text: t, .. }) = fine {
            md.push_str("\n**Fine:**\n\n```\n");
            md.push_str(t.trim_end());
            md.push_str("\n```\n");
        }
        md
    }
}

/// All rules skyscan knows, in pack order.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// The path rules among them (every file is checked against them).
    path_rules: Vec<usize>,
}

impl RuleSet {
    /// The embedded rule packs.
    pub fn builtin() -> Result<RuleSet, Error> {
        let mut specs = Vec::new();
        for (name, text) in BUILTIN_PACKS {
            specs.extend(parse_pack(name, text)?);
        }
        RuleSet::from_specs(specs)
    }

    pub fn from_specs(specs: Vec<RuleSpec>) -> Result<RuleSet, Error> {
        let mut rules: Vec<Rule> = Vec::with_capacity(specs.len());
        for spec in specs {
            if rules.iter().any(|r| r.spec.id == spec.id) {
                return Err(Error::Rule {
                    id: spec.id,
                    reason: "duplicate rule id".into(),
                });
            }
            rules.push(compile(spec)?);
        }
        Ok(RuleSet::of(rules))
    }

    fn of(rules: Vec<Rule>) -> RuleSet {
        let path_rules = (0..rules.len())
            .filter(|&i| matches!(rules[i].kind, RuleKind::Path { .. }))
            .collect();
        RuleSet { rules, path_rules }
    }

    /// The rules about a file's path (`kind = path`), without going
    /// through the others.
    pub fn path_rules(&self) -> impl Iterator<Item = &Rule> + '_ {
        self.path_rules.iter().map(|&i| &self.rules[i])
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }

    /// The rules that run in `mode`.
    pub fn for_mode(&self, mode: Mode) -> RuleSet {
        RuleSet::of(
            self.rules
                .iter()
                .filter(|r| r.runs_in(mode))
                .cloned()
                .collect(),
        )
    }

    /// Compile every pattern now, reporting the first that fails (patterns
    /// are otherwise compiled on first use).
    pub fn compile_all(&self) -> Result<(), Error> {
        self.compile_where(|_| true)
    }

    /// Compile the patterns of the rules `which` selects now.
    pub fn compile_where(&self, which: impl Fn(&Rule) -> bool) -> Result<(), Error> {
        for rule in self.rules.iter().filter(|r| which(r)) {
            if let RuleKind::Content {
                regex,
                exclude,
                file_requires,
                file_excludes,
                context,
            } = &rule.kind
            {
                let all = [
                    Some(regex),
                    exclude.as_ref(),
                    file_requires.as_ref(),
                    file_excludes.as_ref(),
                    context.as_ref(),
                ];
                for re in all.into_iter().flatten() {
                    re.compile().map_err(|reason| Error::Rule {
                        id: rule.spec.id.clone(),
                        reason,
                    })?;
                }
            }
        }
        Ok(())
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.spec.id == id)
    }

    /// The README's rule table, generated from the rules themselves.
    pub fn markdown_table(&self) -> String {
        let mut md = String::from(
            "| Rule | Checklist | Severity | Precision | What it finds |\n|---|---|---|---|---|\n",
        );
        for r in &self.rules {
            let s = &r.spec;
            md.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                s.id,
                s.checklist,
                s.severity.as_str(),
                s.precision.as_str(),
                s.name.replace('|', "\\|")
            ));
        }
        md
    }
}

/// Parse one TOML pack; errors name the pack and say what is wrong.
pub fn parse_pack(name: &str, text: &str) -> Result<Vec<RuleSpec>, Error> {
    let pack: Pack = toml::from_str(text).map_err(|e| Error::Pack {
        name: name.to_string(),
        reason: e.to_string(),
    })?;
    Ok(pack.rules)
}

/// A rule from its specification: the shape checked (id, examples,
/// version), the kind decided by which of `check`, `regex` or `path_regex`
/// it has, its patterns and globs compiled and its judge looked up. Errors
/// name the rule.
fn compile(spec: RuleSpec) -> Result<Rule, Error> {
    check_shape(&spec)?;
    let kind = rule_kind(&spec)?;
    if spec.decode.is_some() && !matches!(kind, RuleKind::Content { .. }) {
        return Err(rule_error(&spec)(
            "a decoder (`decode`) is a content rule".into(),
        ));
    }
    let paths = glob_set(&spec, &spec.paths)?;
    let exclude_paths = glob_set(&spec, &spec.exclude_paths)?;
    let judge = judge_of(&spec, &kind)?;
    Ok(Rule {
        spec,
        kind,
        judge,
        paths,
        exclude_paths,
    })
}

/// The judge a content rule names, if any.
fn judge_of(spec: &RuleSpec, kind: &RuleKind) -> Result<Option<Judge>, Error> {
    let bad = rule_error(spec);
    match spec.judge.as_deref() {
        None => Ok(None),
        Some(_) if !matches!(kind, RuleKind::Content { .. }) => {
            Err(bad("only a content rule has a `judge`".into()))
        }
        Some(name) => Judge::from_name(name)
            .map(Some)
            .ok_or_else(|| bad(format!("unknown judge `{name}`"))),
    }
}

/// The error for what is wrong with the rule `spec`.
fn rule_error(spec: &RuleSpec) -> impl Fn(String) -> Error + '_ {
    |reason| Error::Rule {
        id: spec.id.clone(),
        reason,
    }
}

/// What every rule has: a kebab-case id, examples of both kinds, a
/// version from 1.
fn check_shape(spec: &RuleSpec) -> Result<(), Error> {
    let bad = rule_error(spec);
    if !is_kebab_case(&spec.id) {
        return Err(bad("id must be kebab-case".into()));
    }
    if spec.examples.is_empty() || spec.negative_examples.is_empty() {
        return Err(bad(
            "every rule needs at least one example and one negative example".into(),
        ));
    }
    if spec.version == 0 {
        return Err(bad("version starts at 1".into()));
    }
    Ok(())
}

/// The kind of rule `spec` describes: a `check` (no pattern, no keyword),
/// a content rule (`regex` and keywords) or a path rule (`path_regex`).
fn rule_kind(spec: &RuleSpec) -> Result<RuleKind, Error> {
    let bad = rule_error(spec);
    match (&spec.regex, &spec.path_regex) {
        _ if spec.check.is_some() => check_kind(spec),
        (Some(re), None) => content_kind(spec, re),
        (None, Some(re)) => path_kind(spec, re),
        _ => Err(bad(
            "a rule has exactly one of `regex` or `path_regex`".into()
        )),
    }
}

/// A `check` rule: the check it names, implemented in code.
fn check_kind(spec: &RuleSpec) -> Result<RuleKind, Error> {
    let bad = rule_error(spec);
    if spec.regex.is_some() || spec.path_regex.is_some() || !spec.keywords.is_empty() {
        return Err(bad(
            "a `check` rule has no regex, path_regex or keywords".into()
        ));
    }
    Ok(RuleKind::Check(match spec.check.as_deref() {
        Some("removed-from-head") => Check::RemovedFromHead,
        Some("rotation-overdue") => Check::RotationOverdue,
        Some("key-reuse") => Check::KeyReuse,
        Some("client-bundle") => Check::ClientBundle,
        Some("env-ignore") => Check::EnvIgnore,
        Some(other) => return Err(bad(format!("unknown check `{other}`"))),
        None => unreachable!("only called for a rule with a check"),
    }))
}

/// A content rule: its `regex` (`re`), the optional patterns around it,
/// and its context words as one case-insensitive pattern. The patterns are
/// checked now and compiled on first use.
fn content_kind(spec: &RuleSpec, re: &str) -> Result<RuleKind, Error> {
    let bad = rule_error(spec);
    if spec.keywords.is_empty() {
        return Err(bad("a content rule needs at least one keyword".into()));
    }
    if spec.keywords.iter().any(|k| k.is_empty()) {
        return Err(bad("empty keyword".into()));
    }
    let bytes_re = |what: &str, p: &str| LazyRegex::new(p).map_err(|e| bad(format!("{what}: {e}")));
    let optional =
        |what: &str, p: &Option<String>| p.as_deref().map(|p| bytes_re(what, p)).transpose();
    let context = if spec.context.is_empty() {
        None
    } else {
        let alts: Vec<String> = spec.context.iter().map(|c| regex::escape(c)).collect();
        Some(bytes_re("context", &format!("(?i){}", alts.join("|")))?)
    };
    Ok(RuleKind::Content {
        regex: bytes_re("regex", re)?,
        exclude: optional("exclude_regex", &spec.exclude_regex)?,
        file_requires: optional("file_requires", &spec.file_requires)?,
        file_excludes: optional("file_excludes", &spec.file_excludes)?,
        context,
    })
}

/// A path rule: `path_regex` (`re`) over the file's path, `exclude_regex`
/// for the safe names; its keywords are file-name fragments.
fn path_kind(spec: &RuleSpec, re: &str) -> Result<RuleKind, Error> {
    let bad = rule_error(spec);
    if spec
        .keywords
        .iter()
        .any(|k| k.is_empty() || k.contains('/'))
    {
        return Err(bad(
            "a path rule's keywords are non-empty file-name fragments".into(),
        ));
    }
    Ok(RuleKind::Path {
        regex: regex::Regex::new(re).map_err(|e| bad(format!("path_regex: {e}")))?,
        safe: spec
            .exclude_regex
            .as_deref()
            .map(|p| regex::Regex::new(p).map_err(|e| bad(format!("exclude_regex: {e}"))))
            .transpose()?,
    })
}

/// The globs `list` of rule `spec` as one set (`*` crosses `/`); `None`
/// for no glob.
fn glob_set(spec: &RuleSpec, list: &[String]) -> Result<Option<globset::GlobSet>, Error> {
    let bad = rule_error(spec);
    if list.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for g in list {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| bad(format!("glob `{g}`: {e}")))?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| bad(e.to_string()))
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_compile() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules().len() >= 20);
        set.compile_all().unwrap();
    }

    #[test]
    fn every_pack_on_disk_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml") && n != CHECKLIST_FILE.0)
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN_PACKS.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = r#"
[[rules]]
id = "x"
nmae = "typo"
"#;
        let err = parse_pack("t.toml", text).unwrap_err().to_string();
        assert!(err.contains("nmae"), "{err}");
    }

    #[test]
    fn judges_by_name() {
        for name in [
            "python-getenv",
            "python-default-secret",
            "public-env",
            "client-key",
            "signature-compare",
            "python-tls",
            "tls-option",
            "raw-prompt",
            "unverified-webhook",
        ] {
            assert!(Judge::from_name(name).is_some(), "{name}");
        }
        assert!(Judge::from_name("nope").is_none());
        let text = r#"
[[rules]]
id = "x"
name = "x"
checklist = "SC1"
severity = "note"
precision = "low"
keywords = ["k"]
regex = "k"
judge = "no-such-judge"
message = "m"
what = "w"
why = "y"
fix = "f"
examples = ["k"]
negative_examples = ["j"]
"#;
        let err = RuleSet::from_specs(parse_pack("t.toml", text).unwrap()).unwrap_err();
        assert!(err.to_string().contains("unknown judge"), "{err}");
    }

    #[test]
    fn kebab_case_ids() {
        assert!(is_kebab_case("skytells-api-key"));
        assert!(!is_kebab_case("Skytells_key"));
        assert!(!is_kebab_case("-a"));
        assert!(!is_kebab_case("a--b"));
    }

    #[test]
    fn checklist_item_parses_only_sc1_to_sc10() {
        #[derive(Deserialize)]
        struct T {
            c: ChecklistItem,
        }
        assert_eq!(
            toml::from_str::<T>("c = 'SC10'").unwrap().c,
            ChecklistItem(10)
        );
        assert!(toml::from_str::<T>("c = 'SC11'").is_err());
        assert!(toml::from_str::<T>("c = 'X1'").is_err());
    }
}
