//! Checks a profile for mistakes: a catalogue of checks ([`CHECKS`]), each
//! with a stable id, a severity and a one-line explanation, and findings that
//! carry the JSON path and line of the offending value.
//!
//! Some checks read the profile alone: spelling of names, capabilities and
//! architectures, contradictory filters, repeated argument indices. Others
//! model the filter as runc and libseccomp would install it, for every host
//! architecture, every relevant capability set and every kernel range. They
//! report shadowed rules, rules runc drops, argument conditions lost on
//! `socketcall` and dangerous syscalls that are allowed.
//!
//! ```
//! use seccomp_kit::analysis::lint::{lint_text, Severity};
//!
//! let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
//!     {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["SYS_BOOT"]}}]}"#;
//! let report = lint_text(text).unwrap();
//! let finding = report.findings.iter().find(|f| f.id == "SK003").unwrap();
//! assert_eq!(finding.severity, Severity::Error);
//! assert_eq!(finding.path, "$.syscalls[0].includes.caps[0]");
//! assert_eq!(finding.location.unwrap().line, 2);
//! ```

mod model;
mod report;
mod rules;

use crate::policy::{Decision, EPERM};
use crate::profile::{LoadedProfile, Location, Profile, ProfileError, Rule};
use std::collections::BTreeMap;
use std::fmt;

/// The seriousness of a finding. Errors and warnings make `seccomp-kit lint`
/// exit with 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// Returns `error`, `warning` or `info`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Returns the SARIF 2.1.0 `level`: `error`, `warning` or `note`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// Stable identifier, `SK001` …
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    /// One-line explanation of what the check finds and why it matters.
    pub summary: &'static str,
}

macro_rules! check {
    ($id:literal, $name:literal, $severity:ident, $summary:literal) => {
        Check {
            id: $id,
            name: $name,
            severity: Severity::$severity,
            summary: $summary,
        }
    };
}

/// Every check, by id.
pub const CHECKS: [Check; 29] = [
    check!("SK001", "unknown-syscall", Warning, "The name is not a syscall on any ABI where the rule applies, so runc skips it silently."),
    check!("SK002", "syscall-not-on-listed-arch", Warning, "The rule is limited to a host architecture whose ABIs lack this syscall, so it never applies there."),
    check!("SK003", "capability-spelling", Error, "The capability is not written as CAP_ in upper case; moby compares names verbatim, so it never matches."),
    check!("SK004", "unknown-capability", Error, "The name is not a Linux capability, so it never matches a container's capabilities."),
    check!("SK005", "same-as-default", Warning, "The rule's action and errno equal the default action; runc drops such a rule silently, so it neither denies nor shadows anything."),
    check!("SK006", "shadowed-rule", Warning, "An unconditional rule with another action decides this syscall first (libseccomp keeps the first unconditional rule), so this rule never applies."),
    check!("SK007", "redundant-rule", Info, "An unconditional rule already gives this syscall the same decision, so this entry has no effect."),
    check!("SK008", "repeated-argument-index", Warning, "Two conditions test one argument; runc, crun and youki then make every condition a rule of its own, so the conditions are ORed, not ANDed."),
    check!("SK009", "not-equal-twice", Error, "Two SCMP_CMP_NE conditions on one argument become 'arg != a OR arg != b', which every value satisfies."),
    check!("SK010", "rule-never-applies", Warning, "The rule's includes and excludes contradict each other or need a capability no container can have, so no container gets the rule."),
    check!("SK011", "archmap-missing-host", Info, "archMap has no entry for a host Docker ships for; on that host the filter covers only the native ABI."),
    check!("SK012", "archmap-entry-unused", Info, "moby never reads this archMap entry, because its native-architecture name tables disagree for this architecture."),
    check!("SK013", "min-kernel-empty", Warning, "minKernel \"\" is version 0.0: in excludes it removes the rule on every host, in includes it does nothing."),
    check!("SK014", "multiplexed-conditions", Warning, "The call is also reachable through socketcall or ipc on 32-bit ABIs, where runc + libseccomp drop the argument conditions and allow every call."),
    check!("SK015", "listener-metadata-without-path", Error, "listenerMetadata is set without listenerPath, which the OCI runtime spec forbids."),
    check!("SK016", "errno-on-other-action", Warning, "errnoRet is set on an action other than SCMP_ACT_ERRNO or SCMP_ACT_TRACE; runc ignores it."),
    check!("SK017", "errno-out-of-range", Error, "The errno is above 4095: the kernel caps it at 4095, and libseccomp keeps only its low 16 bits."),
    check!("SK018", "dangerous-syscall-allowed", Warning, "A syscall that breaks container isolation or is a common kernel-exploit tool is allowed without the capability that gates it in moby's profile."),
    check!("SK019", "notify-rejected", Error, "runc rejects SCMP_ACT_NOTIFY as the default action and on write."),
    check!("SK020", "unknown-key", Warning, "The key is not part of the profile format; moby ignores it silently."),
    check!("SK021", "clone3-not-enosys", Warning, "clone3 is denied with an errno other than ENOSYS, so glibc 2.34 and later do not fall back to clone and cannot create threads."),
    check!("SK022", "default-errno-not-enosys", Info, "Unlisted syscalls get an errno other than ENOSYS, so libc does not fall back for syscalls newer than the profile; only runc's ENOSYS rule covers numbers above the largest named syscall."),
    check!("SK023", "arch-name-never-matches", Info, "includes/excludes arches names something that is not a moby native architecture name (amd64, arm64, …), so it never matches."),
    check!("SK024", "duplicate-name", Info, "The rule lists the same syscall name twice."),
    check!("SK025", "empty-rule", Warning, "The rule names no syscall, so it does nothing."),
    check!("SK026", "masked-bits-outside-mask", Warning, "SCMP_CMP_MASKED_EQ compares (arg & value) with valueTwo, and valueTwo has bits outside value, which libseccomp ignores."),
    check!("SK027", "truncated-value", Warning, "A comparison value does not fit 32 bits, and libseccomp truncates it on 32-bit ABIs."),
    check!("SK028", "conflicting-rules", Error, "Two rules give one syscall identical argument conditions but different actions; libseccomp rejects this and runc fails to start the container."),
    check!("SK029", "missing-default-action", Error, "defaultAction is empty while the profile has rules; moby rejects the profile."),
];

/// Returns the catalogue entry for `id`.
///
/// # Panics
///
/// If `id` is not in [`CHECKS`]; the ids used in this module all are.
pub fn check(id: &str) -> &'static Check {
    CHECKS
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("lint check {id} is not in the catalogue"))
}

/// One finding: which check, what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub message: String,
    /// JSON path of the offending value, for example `$.syscalls[3].names[1]`.
    pub path: String,
    /// The start of the offending rule (or top-level key), when known.
    pub location: Option<Location>,
}

/// The findings for one profile, ordered by line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
}

/// Lints a profile without its source text; top-level findings then have no
/// line. Prefer [`lint_text`] when the text is at hand.
pub fn lint(loaded: &LoadedProfile) -> Report {
    lint_with_keys(loaded, &BTreeMap::new())
}

/// Parses and lints a profile. Top-level findings get the line of their key.
///
/// # Errors
///
/// The [`ProfileError`] of a profile that cannot be read.
pub fn lint_text(text: &str) -> Result<Report, ProfileError> {
    let loaded = Profile::from_json(text)?;
    Ok(lint_with_keys(&loaded, &top_level_keys(text)))
}

fn lint_with_keys(loaded: &LoadedProfile, keys: &BTreeMap<String, Location>) -> Report {
    let mut linter = Linter {
        profile: &loaded.profile,
        keys,
        findings: Vec::new(),
    };
    linter.unknown_keys(&loaded.warnings);
    linter.top_level();
    for (index, rule) in loaded.profile.syscalls.iter().enumerate() {
        linter.rule(index, rule);
    }
    linter.modelled();
    let mut findings = linter.findings;
    findings.sort_by_key(|f| (f.location.map_or(0, |l| l.line), f.id, f.path.clone()));
    findings.dedup();
    Report { findings }
}

/// Finds the position of each top-level key in `text`, lower-cased (moby
/// matches keys case-insensitively).
fn top_level_keys(text: &str) -> BTreeMap<String, Location> {
    let mut keys = BTreeMap::new();
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut pending_key: Option<(String, Location)> = None;
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ':' => {
                if let Some((key, location)) = pending_key.take() {
                    keys.entry(key).or_insert(location);
                }
            }
            '"' => {
                let start = Location { line, column };
                let mut string = String::new();
                while let Some(c) = chars.next() {
                    column += 1;
                    match c {
                        '\\' => {
                            chars.next();
                            column += 1;
                        }
                        '"' => break,
                        '\n' => {
                            line += 1;
                            column = 0;
                        }
                        other => string.push(other),
                    }
                }
                pending_key = (depth == 1).then(|| (string.to_ascii_lowercase(), start));
                continue;
            }
            c if c.is_whitespace() => continue,
            _ => {}
        }
        if c != '"' && !c.is_whitespace() && c != ':' {
            pending_key = None;
        }
    }
    keys
}

struct Linter<'a> {
    profile: &'a Profile,
    keys: &'a BTreeMap<String, Location>,
    findings: Vec<Finding>,
}

fn rule_path(index: usize) -> String {
    format!("$.syscalls[{index}]")
}

/// Returns the decision runc gives a rule's action (a missing errno is EPERM).
fn rule_decision(rule: &Rule) -> Decision {
    let errno = u16::try_from(rule.errno_ret.unwrap_or(EPERM)).unwrap_or(u16::MAX);
    Decision::new(rule.action, errno)
}

/// Returns the path of `name` inside the rule.
fn name_path(index: usize, rule: &Rule, name: &str) -> String {
    match rule.names.iter().position(|n| n == name) {
        Some(i) => format!("{}.names[{i}]", rule_path(index)),
        None if rule.name.is_some() => format!("{}.name", rule_path(index)),
        None => rule_path(index),
    }
}

impl Linter<'_> {
    fn push(
        &mut self,
        id: &'static str,
        path: String,
        location: Option<Location>,
        message: String,
    ) {
        self.findings.push(Finding {
            id,
            severity: check(id).severity,
            message,
            path,
            location,
        });
    }

    fn push_rule(&mut self, id: &'static str, index: usize, path: String, message: String) {
        let location = self.profile.syscalls.get(index).map(|r| r.location);
        self.push(id, path, location, message);
    }

    fn push_top(&mut self, id: &'static str, key: &str, message: String) {
        let location = self.keys.get(&key.to_ascii_lowercase()).copied();
        self.push(id, format!("$.{key}"), location, message);
    }
}
