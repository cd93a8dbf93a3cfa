//! SC4: one key per environment. A key found in files of two environments
//! (`.env.staging` and `.env.production`, `config/dev.yml` and
//! `config/prod.yml`…) means a leak of the weaker environment exposes the
//! stronger one; each place is reported.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::Finding;
use crate::rules::{Check, RuleKind, RuleSet};

/// The environment a path belongs to, from its directory and file-name
/// parts, or `None` when it names none or more than one.
pub fn environment_of(path: &str) -> Option<&'static str> {
    let mut found = BTreeSet::new();
    for token in path.split(['/', '.', '-', '_']) {
        let env = match token.to_ascii_lowercase().as_str() {
            "dev" | "development" | "local" => "development",
            "stage" | "staging" | "stg" => "staging",
            "prod" | "production" | "live" => "production",
            "test" | "testing" | "qa" | "uat" => "test",
            "preview" => "preview",
            _ => continue,
        };
        found.insert(env);
    }
    match found.len() {
        1 => found.pop_first(),
        _ => None,
    }
}

/// Findings for every place a secret is shared between environments.
pub fn key_reuse_findings(rules: &RuleSet, findings: &[Finding]) -> Vec<Finding> {
    let Some(rule) = rules
        .rules()
        .iter()
        .find(|r| matches!(r.kind, RuleKind::Check(Check::KeyReuse)))
    else {
        return Vec::new();
    };
    // secret → (environment → places), first place per file.
    let mut by_secret: BTreeMap<&str, BTreeMap<&'static str, Vec<&Finding>>> = BTreeMap::new();
    for f in findings {
        let (Some(secret), Some(env)) = (f.secret.as_deref(), environment_of(&f.path)) else {
            continue;
        };
        let places = by_secret.entry(secret).or_default().entry(env).or_default();
        if !places.iter().any(|p| p.path == f.path) {
            places.push(f);
        }
    }
    let mut out = Vec::new();
    for envs in by_secret.values().filter(|envs| envs.len() >= 2) {
        for (env, places) in envs {
            let others: Vec<String> = envs
                .iter()
                .filter(|(other, _)| *other != env)
                .flat_map(|(other, ps)| ps.iter().map(move |p| format!("{other} ({})", p.path)))
                .collect();
            for place in places {
                let message = format!(
                    "{} for {env}, and also for {}",
                    rule.spec.message.replace("{match}", &place.matched),
                    others.join(", ")
                );
                out.push(place.derived(rule, message));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_from_paths() {
        assert_eq!(environment_of(".env.staging"), Some("staging"));
        assert_eq!(environment_of(".env.production"), Some("production"));
        assert_eq!(environment_of("config/prod.yml"), Some("production"));
        assert_eq!(
            environment_of("deploy/dev/values.yaml"),
            Some("development")
        );
        assert_eq!(
            environment_of("k8s/overlays/stg/secret.yaml"),
            Some("staging")
        );
        assert_eq!(environment_of("src/client.py"), None);
        assert_eq!(environment_of(".env"), None);
        // Two environments named: ambiguous.
        assert_eq!(environment_of("staging/.env.production"), None);
        // Whole tokens only.
        assert_eq!(environment_of("src/productivity/devices.py"), None);
    }
}
