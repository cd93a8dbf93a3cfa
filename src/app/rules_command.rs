//! `skyscan rules`: the rule list, one rule explained (checklist item,
//! practice, references, examples), the keyword list, the README's rule
//! and checklist tables, and `--check`, which runs every rule's examples
//! through the scanner.

use std::io::{self, Write};

use super::{print_bytes, Outcome};
use crate::cli::RulesArgs;
use crate::error::Error;
use crate::rules::{Checklist, Example, Rule, RuleSet, CHECKLIST_FILE};
use crate::selfcheck::{check_rules, RuleCheckFailure};

/// Run `skyscan rules` with `args`.
pub(super) fn run(args: RulesArgs) -> Result<Outcome, Error> {
    let set = RuleSet::builtin()?;
    if args.check {
        return check(&set);
    }
    let text = if args.keywords {
        keyword_list(&set)
    } else if args.markdown {
        set.markdown_table()
    } else if args.checklist {
        Checklist::builtin()?.markdown_table(&set)
    } else {
        match args.id {
            None => rule_list(&set),
            Some(id) => {
                let rule = set.get(&id).ok_or_else(|| {
                    Error::Usage(format!("unknown rule `{id}` (see `skyscan rules`)"))
                })?;
                explanation(rule, &Checklist::builtin()?)
            }
        }
    };
    write!(io::stdout().lock(), "{text}").map_err(Error::Write)?;
    Ok(Outcome::Clean)
}

/// `--check`: every pattern compiles within the limits, every rule's
/// examples are found and its negative examples are not, and the checklist
/// covers the rules. Prints each failure and a count.
fn check(set: &RuleSet) -> Result<Outcome, Error> {
    // A pattern over the compile limits would otherwise match nothing,
    // silently.
    set.compile_all()?;
    let mut failures = check_rules(set);
    let checklist = Checklist::builtin()?;
    failures.extend(
        checklist
            .problems(set)
            .into_iter()
            .map(|problem| RuleCheckFailure {
                rule: CHECKLIST_FILE.0.to_string(),
                problem,
            }),
    );
    let examples: usize = set
        .rules()
        .iter()
        .map(|r| r.spec.examples.len() + r.spec.negative_examples.len())
        .sum();
    let outcome = if failures.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    let mut text = String::new();
    for f in &failures {
        text.push_str(&format!("FAIL {}: {}\n", f.rule, f.problem));
    }
    text.push_str(&format!(
        "{} rules, {} examples checked, {} failure{}\n",
        set.rules().len(),
        examples,
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    ));
    // A closed pipe ends the output, not the verdict.
    print_bytes(text.as_bytes()).map(|_| outcome)
}

/// `--keywords`: every rule's keywords, sorted, once each.
fn keyword_list(set: &RuleSet) -> String {
    let mut keywords: Vec<&str> = set
        .rules()
        .iter()
        .flat_map(|r| r.spec.keywords.iter().map(String::as_str))
        .collect();
    keywords.sort_unstable();
    keywords.dedup();
    keywords.iter().map(|k| format!("{k}\n")).collect()
}

/// One line per rule: id, checklist item, severity, precision, name.
fn rule_list(set: &RuleSet) -> String {
    set.rules()
        .iter()
        .map(|r| {
            format!(
                "{:<40} {:<5} {:<8} {:<10} {}\n",
                r.spec.id,
                r.spec.checklist.to_string(),
                r.spec.severity.as_str(),
                r.spec.precision.as_str(),
                r.spec.name
            )
        })
        .collect()
}

/// `skyscan rules ID`: what the rule finds and why, its references, and
/// its examples.
fn explanation(rule: &Rule, checklist: &Checklist) -> String {
    let s = &rule.spec;
    let practice = checklist
        .practice_of(rule)
        .map_or("(none)", |p| p.practice.as_str());
    let mut text = format!(
        "{} ({})\n\nchecklist: {} — {}\npractice:  {}\nseverity:  {}\nprecision: {}\n\n{}\n",
        s.name,
        s.id,
        s.checklist,
        s.checklist.title(),
        practice,
        s.severity.as_str(),
        s.precision.as_str(),
        rule.help_text()
    );
    text.push_str("\nReferences:\n");
    for id in checklist.weaknesses_of(rule) {
        let url = crate::rules::cwe_url(id).unwrap_or_default();
        text.push_str(&format!("  {id}: {url}\n"));
    }
    if let Some(p) = checklist.practice_of(rule) {
        text.push_str(&format!("  vendor documents: {}\n", p.source));
    }
    for (title, list) in [
        ("Examples", &s.examples),
        ("Negative examples", &s.negative_examples),
    ] {
        text.push_str(&format!("\n{title}:\n"));
        for e in list {
            push_example(&mut text, e);
        }
    }
    text
}

/// One example, indented under its heading: a text, a file, several
/// files, or a history of commits.
fn push_example(text: &mut String, example: &Example) {
    match example {
        Example::Text(t) => text.push_str(&format!("  {}\n", t.trim())),
        Example::File { path, text: t } => text.push_str(&format!("  [{path}] {}\n", t.trim())),
        Example::Files { files } => {
            text.push_str("  files:\n");
            for (path, body) in files {
                text.push_str(&format!("    [{path}] {}\n", body.trim()));
            }
        }
        Example::History { commits } => {
            text.push_str("  history:\n");
            for (n, c) in commits.iter().enumerate() {
                let files: Vec<&str> = c.files.keys().map(String::as_str).collect();
                text.push_str(&format!(
                    "    commit {} ({} days ago): writes {:?}, deletes {:?}\n",
                    n + 1,
                    c.days_ago,
                    files,
                    c.delete
                ));
            }
        }
    }
}
