//! Live verification (`--verify`): is a key skyscan found still live, or
//! already revoked? Each distinct key whose rule has an endpoint in the
//! provider table ([`providers`]) is checked once per run, on at most
//! [`CONCURRENCY`] threads, with the lightest read-only request its
//! provider documents. Every finding that carries that key (the content
//! finding and the history checks derived from it) then says `live`,
//! `revoked` or `unknown`; a live key raises its findings to error.
//!
//! Only an answer the provider documents as "this key is not accepted"
//! means revoked; a network error, a timeout, a 429 or a 5xx is unknown,
//! never revoked. Nothing here runs unless verification was asked for, so
//! a scan without `--verify` opens no connection.

mod client;
mod providers;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::finding::{mask, Finding};
pub use crate::finding::{KeyStatus, Verification};
use crate::rules::{Check, RuleKind, RuleSet, Severity};

pub use client::{TEST_BASE_VAR, TIMEOUT};
pub use providers::{Endpoint, ENDPOINTS};

/// Requests in flight at once, at most.
pub const CONCURRENCY: usize = 8;

/// What verification did, for the run's messages.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub keys_checked: usize,
    pub live: usize,
    pub revoked: usize,
    pub unknown: usize,
}

/// Check the keys in `findings` and record the result on each finding that
/// carries one. `rules` are the rules of the run: a key is only sent when
/// its rule is the built-in rule of that id (a configuration cannot make
/// another pattern's matches go to a provider). Returns warnings to show.
pub fn verify_findings(
    findings: &mut [Finding],
    rules: &RuleSet,
    log: Option<fn(&str)>,
) -> Result<Vec<String>, crate::Error> {
    let client = client::Client::new().map_err(crate::Error::Usage)?;
    let mut warnings = Vec::new();
    if let Some(base) = client.test_base() {
        warnings.push(format!(
            "{TEST_BASE_VAR} is set: every key is sent to {base} instead of its provider (for tests only)"
        ));
    }
    let jobs = distinct_keys(findings, rules);
    let results = run_checks(&client, &jobs, log);
    let by_secret: HashMap<&str, &Verification> = jobs
        .iter()
        .zip(&results)
        .map(|((_, secret), v)| (secret.as_str(), v))
        .collect();
    for finding in findings.iter_mut() {
        let Some(secret) = finding.secret.as_deref() else {
            continue;
        };
        let verification = match by_secret.get(secret) {
            Some(v) => (*v).clone(),
            None => Verification {
                status: KeyStatus::Unknown,
                http_status: None,
                checked_at: None,
                provider: None,
                detail: Some("skyscan has no read-only check for this kind of credential".into()),
            },
        };
        let removed_from_head = rules
            .get(&finding.rule_id)
            .is_some_and(|r| matches!(r.kind, RuleKind::Check(Check::RemovedFromHead)));
        apply(finding, verification, removed_from_head);
    }
    Ok(warnings)
}

/// How many of the run's keys came out live, revoked and unknown.
pub fn tally(findings: &[Finding]) -> Tally {
    let mut seen = std::collections::HashSet::new();
    let mut tally = Tally::default();
    for f in findings {
        let (Some(secret), Some(v)) = (&f.secret, &f.verification) else {
            continue;
        };
        if !seen.insert(secret.as_str()) {
            continue;
        }
        if v.checked_at.is_some() {
            tally.keys_checked += 1;
        }
        match v.status {
            KeyStatus::Live => tally.live += 1,
            KeyStatus::Revoked => tally.revoked += 1,
            KeyStatus::Unknown => tally.unknown += 1,
        }
    }
    tally
}

/// The keys to check: each distinct secret once, with the endpoint its
/// (built-in, unmodified) rule maps it to.
fn distinct_keys(findings: &[Finding], rules: &RuleSet) -> Vec<(&'static Endpoint, String)> {
    let builtin = RuleSet::builtin().ok();
    let unmodified = |id: &str| {
        let ours = rules.get(id).map(|r| &r.spec.regex);
        let shipped = builtin
            .as_ref()
            .and_then(|b| b.get(id))
            .map(|r| &r.spec.regex);
        ours.is_some() && ours == shipped
    };
    let mut jobs: Vec<(&'static Endpoint, String)> = Vec::new();
    let mut queued = std::collections::HashSet::new();
    for f in findings {
        let Some(secret) = f.secret.as_deref() else {
            continue;
        };
        if queued.contains(secret) {
            continue;
        }
        if let Some(endpoint) = providers::endpoint_for(&f.rule_id, secret) {
            if unmodified(&f.rule_id) {
                queued.insert(secret);
                jobs.push((endpoint, secret.to_string()));
            }
        }
    }
    jobs
}

/// Run the checks on up to [`CONCURRENCY`] threads; one result per job, in
/// order.
fn run_checks(
    client: &client::Client,
    jobs: &[(&'static Endpoint, String)],
    log: Option<fn(&str)>,
) -> Vec<Verification> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verification>>> = Mutex::new(vec![None; jobs.len()]);
    let workers = jobs.len().min(CONCURRENCY);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((endpoint, secret)) = jobs.get(i) else {
                    break;
                };
                let checked = client.check(endpoint, secret);
                let status = match checked.meaning {
                    Some(providers::Meaning::Live) => KeyStatus::Live,
                    Some(providers::Meaning::Revoked) => KeyStatus::Revoked,
                    None => KeyStatus::Unknown,
                };
                if let Some(log) = log {
                    log(&format!(
                        "verify: {} key {}: {}{}",
                        endpoint.provider,
                        mask(secret),
                        status.as_str(),
                        checked
                            .http_status
                            .map(|s| format!(" (HTTP {s})"))
                            .or_else(|| checked.detail.as_ref().map(|d| format!(" ({d})")))
                            .unwrap_or_default()
                    ));
                }
                let verification = Verification {
                    status,
                    http_status: checked.http_status,
                    checked_at: Some(crate::time::rfc3339(crate::time::now())),
                    provider: Some(endpoint.provider),
                    detail: checked.detail,
                };
                if let Ok(mut slots) = results.lock() {
                    slots[i] = Some(verification);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            v.unwrap_or(Verification {
                status: KeyStatus::Unknown,
                http_status: None,
                checked_at: None,
                provider: None,
                detail: Some("not checked".into()),
            })
        })
        .collect()
}

/// Record `verification` on `finding`: a live key is an error whatever
/// the rule's severity; the message says what was found.
fn apply(finding: &mut Finding, verification: Verification, removed_from_head: bool) {
    let provider = verification.provider.unwrap_or("its provider");
    let http = verification
        .http_status
        .map(|s| format!("HTTP {s}"))
        .unwrap_or_default();
    let note = match verification.status {
        KeyStatus::Live => {
            finding.severity = Severity::Error;
            format!("; LIVE: {provider} accepts this key ({http}), revoke it now")
        }
        KeyStatus::Revoked if removed_from_head => {
            format!("; revoked, still to scrub ({provider} rejects it: {http})")
        }
        KeyStatus::Revoked => format!("; revoked ({provider} rejects it: {http}), remove it"),
        KeyStatus::Unknown if verification.checked_at.is_some() => format!(
            "; verification with {provider} inconclusive: {}",
            verification.detail.as_deref().unwrap_or("no answer")
        ),
        KeyStatus::Unknown => String::new(),
    };
    finding.message.push_str(&note);
    finding.verification = Some(verification);
}
