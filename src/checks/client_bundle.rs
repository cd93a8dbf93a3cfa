//! SC2: keys stay server-side. A credential found in the build output of a
//! web framework (`.next/static/`, `dist/assets/`, `build/static/`,
//! `.svelte-kit/output/client/`, `.output/public/`…) ships to every visitor
//! of the site, whatever the source it came from says. The rule
//! (`check = "client-bundle"`) names those directories with `paths` globs;
//! this check adds its finding next to each credential finding in a file
//! they match.

use crate::finding::Finding;
use crate::rules::{Check, RuleKind, RuleSet};

/// One SC2 finding for each credential among `content`, the findings of
/// the file at `path`, when that file is part of a client bundle.
pub fn bundle_findings(rules: &RuleSet, path: &str, content: &[Finding]) -> Vec<Finding> {
    // Most files hold no credential: the path globs are not even looked at.
    if content.iter().all(|f| f.secret.is_none()) {
        return Vec::new();
    }
    let Some(rule) = rules
        .rules()
        .iter()
        .find(|r| matches!(r.kind, RuleKind::Check(Check::ClientBundle)))
    else {
        return Vec::new();
    };
    if !rule.applies_to(path) {
        return Vec::new();
    }
    content
        .iter()
        .filter(|f| f.secret.is_some())
        .map(|f| {
            let message = rule.spec.message.replace("{match}", &f.matched);
            let mut shipped = f.derived(rule, message);
            // The credential finding it stands next to is the one the other
            // checks (key reuse, history) count.
            shipped.secret = None;
            if let Some(at) = f.notebook {
                shipped.message = format!("{} ({at})", shipped.message);
            }
            shipped
        })
        .collect()
}
