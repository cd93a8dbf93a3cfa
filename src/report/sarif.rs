//! SARIF 2.1.0 for GitHub code scanning: every rule with descriptions, help
//! (text and Markdown), `security` tags, `security-severity` and
//! `precision`; results with repository-relative URIs, 1-based UTF-16
//! columns and content-based `partialFingerprints`. The run's
//! `automationDetails.id` names the mode (`skyscan/scan/`,
//! `skyscan/history/`, `skyscan/staged/`): code scanning keeps one analysis
//! per category, so a history upload does not replace a scan upload.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Tool, ToolComponent, VersionControlDetails,
};

use super::{Report, TOOL_NAME, TOOL_URI, TOOL_VERSION};
use crate::finding::{conceal_in, Finding};
use crate::rules::{cwe_url, Checklist, Mode, Rule, RuleKind, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "skyscan/v1";

/// Write the report as one SARIF run.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<ReportingDescriptor> = report.rules.rules().iter().map(descriptor).collect();
    let results: Vec<SarifResult> = report
        .output
        .findings
        .iter()
        .map(|f| result(report, f))
        .collect();
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run(report, rules, results)])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

/// The run: skyscan and its rules, the results, the mode as the analysis
/// category, and the repository's revision when there is one.
fn run(report: &Report, rules: Vec<ReportingDescriptor>, results: Vec<SarifResult>) -> Run {
    let driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .version(TOOL_VERSION)
        .semantic_version(TOOL_VERSION)
        .information_uri(TOOL_URI)
        .rules(rules)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("utf16CodeUnits"))
        .automation_details(
            RunAutomationDetails::builder()
                .id(automation_id(report.mode))
                .build(),
        )
        .build();
    if let Some(vcs) = &report.vcs {
        let mut details = VersionControlDetails::builder()
            .repository_uri(vcs.repository_uri.clone())
            .build();
        details.revision_id = vcs.revision.clone();
        details.branch = vcs.branch.clone();
        run.version_control_provenance = Some(vec![details]);
    }
    run
}

/// The result of finding `f`.
fn result(report: &Report, f: &Finding) -> SarifResult {
    let location = location(f);
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut props = result_properties(f);
    if location.is_none() {
        props.insert("unlocatablePath".to_string(), json!(f.path));
    }
    let tags: Vec<String> = f
        .verification
        .iter()
        .map(|v| {
            props.insert("verification".to_string(), json!(v));
            format!("key-{}", v.status.as_str())
        })
        .collect();
    let mut result = SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(location.into_iter().collect::<Vec<_>>())
        .partial_fingerprints(fingerprints)
        .properties(property_bag(tags, props))
        .build();
    result.rule_index = report.rules.index_of(&f.rule_id).map(|i| i as i64);
    result
}

/// Where finding `f` is, relative to the source root. A path no relative
/// reference can name (an empty or dot-only name from a crafted
/// repository) gets no location: the path is kept in the properties
/// instead.
fn location(f: &Finding) -> Option<Location> {
    let region = Region::builder()
        .start_line(f.line as i64)
        .start_column(f.column as i64)
        .end_line(f.end_line as i64)
        .end_column(f.end_column.max(f.column) as i64)
        .build();
    relative_uri(&f.path).map(|uri| {
        Location::builder()
            .physical_location(
                PhysicalLocation::builder()
                    .artifact_location(
                        ArtifactLocation::builder()
                            .uri(uri)
                            .uri_base_id("%SRCROOT%")
                            .build(),
                    )
                    .region(region)
                    .build(),
            )
            .build()
    })
}

/// What a result says beyond its rule and place: the checklist item, the
/// commit that brought the finding in, how it was decoded, how often it
/// occurs.
fn result_properties(f: &Finding) -> BTreeMap<String, serde_json::Value> {
    let mut props = BTreeMap::new();
    props.insert("checklist".to_string(), json!(f.checklist));
    if let Some(p) = &f.provenance {
        let fields = [
            ("commit", &p.commit),
            ("author", &p.author),
            ("authorEmail", &p.email),
            ("commitDate", &p.date),
        ];
        for (name, value) in fields.into_iter().filter(|(_, v)| !v.is_empty()) {
            props.insert(name.to_string(), json!(value));
        }
        if let Some(reference) = &p.reference {
            props.insert("ref".to_string(), json!(reference));
        }
    }
    if !f.decoded.is_empty() {
        props.insert("decoded".to_string(), json!(f.decoded));
    }
    if let Some(n) = f.occurrences {
        props.insert("occurrences".to_string(), json!(n));
    }
    props
}

/// A result's properties, with `tags` only when there are some.
fn property_bag(tags: Vec<String>, props: BTreeMap<String, serde_json::Value>) -> PropertyBag {
    let mut bag = PropertyBag::builder().additional_properties(props).build();
    if !tags.is_empty() {
        bag.tags = Some(tags);
    }
    bag
}

/// `help` with what the rule itself takes for a secret masked: the help
/// quotes an example, and a scanned file may hold that same value, which
/// must then not reach the report in full through the rule's help.
fn masked_examples(rule: &Rule, mut help: String) -> String {
    let RuleKind::Content { regex, .. } = &rule.kind else {
        return help;
    };
    if !rule.is_secret() {
        return help;
    }
    let secrets: Vec<String> = regex
        .get()
        .captures_iter(help.as_bytes())
        .filter_map(|c| c.name("secret"))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        .collect();
    conceal_in(&mut help, &secrets);
    help
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let spec = &rule.spec;
    let mut tags = vec![
        "security".to_string(),
        spec.checklist.to_string(),
        if rule.is_secret() {
            "secret"
        } else {
            "misconfiguration"
        }
        .to_string(),
    ];
    for tag in &spec.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    // The weaknesses, as GitHub code scanning tags them
    // (`external/cwe/cwe-798`); the first one's MITRE page is the help URI.
    static CHECKLIST: std::sync::LazyLock<Option<Checklist>> =
        std::sync::LazyLock::new(|| Checklist::builtin().ok());
    let weaknesses = CHECKLIST
        .as_ref()
        .map_or(&[][..], |c| c.weaknesses_of(rule));
    for id in weaknesses {
        tags.push(format!("external/cwe/{}", id.to_ascii_lowercase()));
    }
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(format!("{:.1}", rule.security_severity())),
    );
    props.insert("precision".to_string(), json!(spec.precision.as_str()));
    props.insert("checklist".to_string(), json!(spec.checklist.to_string()));
    let text = |t: String| MultiformatMessageString::builder().text(t).build();
    let mut descriptor = ReportingDescriptor::builder()
        .id(spec.id.clone())
        .name(camel_case(&spec.id))
        .short_description(text(spec.name.clone()))
        .full_description(text(format!(
            "{} ({}: {})",
            spec.what.trim(),
            spec.checklist,
            spec.checklist.title()
        )))
        .help(
            MultiformatMessageString::builder()
                .text(rule.help_text())
                .markdown(masked_examples(rule, rule.help_markdown()))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(spec.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build();
    descriptor.help_uri = weaknesses.first().and_then(|id| cwe_url(id));
    descriptor
}

/// The run's `automationDetails.id`: GitHub takes everything up to the
/// last `/` as the analysis category, so the trailing slash makes the whole
/// id the category (one per mode) with no run-specific part.
pub fn automation_id(mode: Mode) -> String {
    format!("{TOOL_NAME}/{}/", mode.command())
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
    }
}

/// `skytells-api-key` → `SkytellsApiKey`.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The relative reference for a repository path, or `None` when a name in
/// it is empty, `.` or `..`: those would resolve to another place.
pub fn relative_uri(path: &str) -> Option<String> {
    let unsafe_segment = |s: &str| s.is_empty() || s == "." || s == "..";
    if path.split('/').any(unsafe_segment) {
        return None;
    }
    Some(encode_uri_path(path))
}

/// Percent-encode a relative path for a URI, keeping `/` separators.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_quotes_examples_with_their_secrets_masked() {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        for rule in rules.rules() {
            let help = descriptor(rule).help.unwrap().markdown.unwrap();
            if let RuleKind::Content { regex, .. } = &rule.kind {
                let unmasked = regex
                    .get()
                    .captures_iter(help.as_bytes())
                    .filter_map(|c| c.name("secret"))
                    .count();
                assert_eq!(unmasked, 0, "{}: {help}", rule.id());
            }
        }
        // The Firebase web config shown as fine holds a key-shaped value.
        let google = rules.get("google-ai-api-key").unwrap();
        let help = descriptor(google).help.unwrap().markdown.unwrap();
        assert!(!help.contains("AIzaSyC0iQE204ioyY4k-PdCEFSvz7H3gJHphzo"));
        assert!(help.contains("AIzaSyC0"), "{help}");
    }

    #[test]
    fn paths_that_no_relative_reference_can_name() {
        for p in ["", "..", "a/../b", "./x", "a//b", "a/."] {
            assert_eq!(relative_uri(p), None, "{p}");
        }
        assert_eq!(relative_uri("a/..b/.c").as_deref(), Some("a/..b/.c"));
    }

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("src/a b#.py"), "src/a%20b%23.py");
        assert_eq!(encode_uri_path("é"), "%C3%A9");
    }

    #[test]
    fn one_automation_category_per_mode() {
        assert_eq!(automation_id(Mode::Worktree), "skyscan/scan/");
        assert_eq!(automation_id(Mode::History), "skyscan/history/");
        assert_eq!(automation_id(Mode::Staged), "skyscan/staged/");
    }

    #[test]
    fn camel_case_names() {
        assert_eq!(camel_case("skytells-api-key"), "SkytellsApiKey");
    }
}
