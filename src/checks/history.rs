//! SC6 and SC7: judgements over a credential's life in git history. A key
//! that is gone from HEAD but still in history must be revoked and
//! scrubbed; a key still at HEAD that was first committed longer ago than
//! the rotation period is overdue for rotation.

use crate::finding::Finding;
use crate::rules::{Check, RuleKind, RuleSet};

const DAY: i64 = 86_400;

/// The history-check findings for one credential found in history.
/// `finding` carries the first occurrence (with provenance); `at_head` says
/// whether HEAD still holds it.
pub fn derived_findings(
    rules: &RuleSet,
    finding: &Finding,
    at_head: bool,
    now: i64,
    max_age_days: u64,
) -> Vec<Finding> {
    let (Some(_), Some(provenance)) = (&finding.secret, &finding.provenance) else {
        return Vec::new();
    };
    let age_days = (now - provenance.time).max(0) / DAY;
    let suffix = format!(" ({})", provenance.describe("first committed"));
    rules
        .rules()
        .iter()
        .filter_map(|rule| {
            let RuleKind::Check(check) = rule.kind else {
                return None;
            };
            let applies = match check {
                Check::RemovedFromHead => !at_head,
                // An object no commit holds has no date to age from.
                Check::RotationOverdue => {
                    at_head
                        && !provenance.commit.is_empty()
                        && age_days > i64::try_from(max_age_days).unwrap_or(i64::MAX)
                }
                Check::KeyReuse | Check::ClientBundle | Check::EnvIgnore => false,
            };
            if !applies {
                return None;
            }
            let mut message = rule.spec.message.replace("{match}", &finding.matched);
            if check == Check::RotationOverdue {
                message.push_str(&format!(
                    "; it is {age_days} days old, the limit is {max_age_days}"
                ));
            }
            message.push_str(&suffix);
            Some(finding.derived(rule, message))
        })
        .collect()
}
