//! The vendor's practices, one by one, and what checks each. SC1–SC10 are
//! skyscan's grouping of findings; the vendor's documents ask for more than
//! ten things, some of which no file shows (IP allowlisting is account
//! configuration). `rules/checklist.toml` lists every practice, with the
//! document it comes from and, for those a static scan cannot see, why.
//! Which rules check a practice is read from the rules themselves: a rule
//! belongs to the practice it names in `practice = "..."`, or else to the
//! practice that is the default of its checklist item. The README's
//! checklist table and `skyscan rules --checklist` are generated here, so
//! the table cannot drift from the rules.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ChecklistItem, Rule, RuleSet};
use crate::error::Error;

/// The practice list, embedded at compile time.
pub const CHECKLIST_FILE: (&str, &str) = (
    "rules/checklist.toml",
    include_str!("../../rules/checklist.toml"),
);

/// One practice of the vendor's documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// Kebab-case id that rules name in `practice = "..."`.
    pub id: String,
    /// The practice, in skyscan's words.
    pub practice: String,
    /// Which of the vendor's documents asks for it.
    pub source: String,
    /// Rules of this checklist item belong here unless they name another
    /// practice; at most one practice is the default of an item.
    pub checklist: Option<ChecklistItem>,
    /// Why a static scan cannot check it (then no rule may belong to it).
    pub not_checkable: Option<String>,
    /// What the rules look at, or what they cannot see.
    pub note: Option<String>,
    /// The weaknesses (MITRE CWE ids) its rules' findings are instances of.
    #[serde(default)]
    pub cwe: Vec<String>,
}

/// The MITRE page of a CWE id (`CWE-798`), or `None` for another shape.
pub fn cwe_url(id: &str) -> Option<String> {
    let n = id.strip_prefix("CWE-")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("https://cwe.mitre.org/data/definitions/{n}.html"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecklistFile {
    practices: Vec<Practice>,
}

/// Every practice, in the order of the file.
#[derive(Debug, Clone)]
pub struct Checklist {
    practices: Vec<Practice>,
}

impl Checklist {
    /// The embedded practice list.
    pub fn builtin() -> Result<Checklist, Error> {
        Checklist::parse(CHECKLIST_FILE.0, CHECKLIST_FILE.1)
    }

    pub fn parse(name: &str, text: &str) -> Result<Checklist, Error> {
        let file: ChecklistFile = toml::from_str(text).map_err(|e| Error::Pack {
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Checklist {
            practices: file.practices,
        })
    }

    pub fn practices(&self) -> &[Practice] {
        &self.practices
    }

    /// The practice a rule checks: the one it names, or the default of its
    /// checklist item.
    pub fn practice_of(&self, rule: &Rule) -> Option<&Practice> {
        match &rule.spec.practice {
            Some(id) => self.practices.iter().find(|p| &p.id == id),
            None => self
                .practices
                .iter()
                .find(|p| p.checklist == Some(rule.spec.checklist)),
        }
    }

    /// The weaknesses a rule's findings are instances of: its own `cwe`, or
    /// its practice's.
    pub fn weaknesses_of<'a>(&'a self, rule: &'a Rule) -> &'a [String] {
        if !rule.spec.cwe.is_empty() {
            return &rule.spec.cwe;
        }
        self.practice_of(rule).map_or(&[], |p| p.cwe.as_slice())
    }

    /// The rules of `rules` that check each practice, by practice id.
    pub fn rules_by_practice<'a>(&self, rules: &'a RuleSet) -> BTreeMap<&str, Vec<&'a Rule>> {
        let mut map: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
        for rule in rules.rules() {
            if let Some(p) = self.practice_of(rule) {
                map.entry(p.id.as_str()).or_default().push(rule);
            }
        }
        map
    }

    /// What is wrong between the practice list and the rules: unknown or
    /// duplicate ids, two defaults for one item, a rule that belongs to no
    /// practice, a practice with neither rules nor a reason, or with both.
    pub fn problems(&self, rules: &RuleSet) -> Vec<String> {
        let mut problems = Vec::new();
        let mut defaults: BTreeMap<ChecklistItem, &str> = BTreeMap::new();
        for (i, p) in self.practices.iter().enumerate() {
            if self.practices[..i].iter().any(|q| q.id == p.id) {
                problems.push(format!("practice `{}` is listed twice", p.id));
            }
            if let Some(item) = p.checklist {
                if let Some(other) = defaults.insert(item, &p.id) {
                    problems.push(format!(
                        "{item} is the default of both `{other}` and `{}`",
                        p.id
                    ));
                }
            }
        }
        for rule in rules.rules() {
            if self.practice_of(rule).is_none() {
                problems.push(match &rule.spec.practice {
                    Some(id) => format!("rule `{}` names unknown practice `{id}`", rule.id()),
                    None => format!(
                        "rule `{}` names no practice and no practice is the default of {}",
                        rule.id(),
                        rule.spec.checklist
                    ),
                });
            }
        }
        for rule in rules.rules() {
            for id in &rule.spec.cwe {
                if cwe_url(id).is_none() {
                    problems.push(format!("rule `{}`: `{id}` is not a CWE id", rule.id()));
                }
            }
            if self.practice_of(rule).is_some() && self.weaknesses_of(rule).is_empty() {
                problems.push(format!(
                    "rule `{}` has no CWE, and neither has its practice",
                    rule.id()
                ));
            }
        }
        for p in &self.practices {
            for id in &p.cwe {
                if cwe_url(id).is_none() {
                    problems.push(format!("practice `{}`: `{id}` is not a CWE id", p.id));
                }
            }
        }
        let by_practice = self.rules_by_practice(rules);
        for p in &self.practices {
            let checked = by_practice.contains_key(p.id.as_str());
            match (checked, &p.not_checkable) {
                (false, None) => problems.push(format!(
                    "practice `{}` has no rule and no `not_checkable` reason",
                    p.id
                )),
                (true, Some(_)) => problems.push(format!(
                    "practice `{}` has rules but says it is not checkable",
                    p.id
                )),
                _ => {}
            }
        }
        problems
    }

    /// The README's checklist table: every practice, the rules that check
    /// it (from the rules' own `checklist` and `practice` fields), or why
    /// a static scan cannot.
    pub fn markdown_table(&self, rules: &RuleSet) -> String {
        let by_practice = self.rules_by_practice(rules);
        let mut md =
            String::from("| Practice | Vendor document | Item | Checked by |\n|---|---|---|---|\n");
        let cell = |s: &str| s.trim().replace('|', "\\|").replace('\n', " ");
        for p in &self.practices {
            let found = by_practice.get(p.id.as_str());
            let items: Vec<String> = match found {
                Some(list) => {
                    let mut items: Vec<String> =
                        list.iter().map(|r| r.spec.checklist.to_string()).collect();
                    items.sort_by_key(|s| s[2..].parse::<u8>().unwrap_or(0));
                    items.dedup();
                    items
                }
                None => Vec::new(),
            };
            let item = if items.is_empty() {
                "—".to_string()
            } else {
                items.join(", ")
            };
            let mut checked = match (found, &p.not_checkable) {
                (Some(list), _) => rule_list(list),
                (None, Some(why)) => format!("not checkable: {}", cell(why)),
                (None, None) => "nothing yet".to_string(),
            };
            if let Some(note) = &p.note {
                checked.push_str(&format!(" ({})", cell(note)));
            }
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&p.practice),
                cell(&p.source),
                item,
                checked
            ));
        }
        md
    }
}

/// Rules shown by name in a cell of the table; the rest are counted (the
/// rule table lists every rule with its checklist item).
const NAMED_RULES: usize = 8;

fn rule_list(list: &[&Rule]) -> String {
    let names: Vec<String> = list
        .iter()
        .take(NAMED_RULES)
        .map(|r| format!("`{}`", r.id()))
        .collect();
    match list.len().saturating_sub(NAMED_RULES) {
        0 => names.join(", "),
        more => format!("{} and {more} more rules", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_checklist_matches_the_rules() {
        let rules = RuleSet::builtin().unwrap();
        let list = Checklist::builtin().unwrap();
        assert_eq!(list.problems(&rules), Vec::<String>::new());
        assert!(list.practices().len() >= 12);
    }

    #[test]
    fn a_practice_without_rule_or_reason_is_a_problem() {
        let rules = RuleSet::builtin().unwrap();
        let text = r#"
[[practices]]
id = "orphan"
practice = "Something nobody checks"
source = "nowhere"
"#;
        let list = Checklist::parse("t.toml", text).unwrap();
        let problems = list.problems(&rules);
        assert!(
            problems.iter().any(|p| p.contains("`orphan` has no rule")),
            "{problems:?}"
        );
        // and every rule now belongs to no practice
        assert!(problems.iter().any(|p| p.contains("names no practice")));
    }

    #[test]
    fn two_defaults_for_one_item_are_a_problem() {
        let rules = RuleSet::builtin().unwrap();
        let text = r#"
[[practices]]
id = "a"
practice = "A"
source = "s"
checklist = "SC1"

[[practices]]
id = "b"
practice = "B"
source = "s"
checklist = "SC1"
"#;
        let problems = Checklist::parse("t.toml", text).unwrap().problems(&rules);
        assert!(problems.iter().any(|p| p.contains("default of both")));
    }

    #[test]
    fn cwe_ids_have_their_mitre_page() {
        assert_eq!(
            cwe_url("CWE-798").as_deref(),
            Some("https://cwe.mitre.org/data/definitions/798.html")
        );
        for bad in ["CWE-", "cwe-798", "CWE-79a", "798"] {
            assert!(cwe_url(bad).is_none(), "{bad}");
        }
    }
}
