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

use super::diff::{
    capability_sets, describe_cap_sets, host_arches, kernel_ranges, mentioned_capabilities,
};
use crate::arch::Arch;
use crate::caps::{self, CapSet};
use crate::policy::build::multiplexer;
use crate::policy::{
    Decision, EnosysMode, Note, Policy, PolicyError, PolicyOptions, SyscallPolicy, ENOSYS, EPERM,
};
use crate::profile::{
    Action, KernelVersion, LoadedProfile, Location, Operator, Profile, ProfileError, Rule,
};
use crate::resolve::{resolve, Target};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

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

/// The syscalls moby keeps from containers unless they have a capability,
/// because they break isolation or are common kernel-exploit tools: the name,
/// what unlocks it in moby's default profile, and why it matters.
const DANGEROUS: [(&str, &str, &str); 15] = [
    (
        "open_by_handle_at",
        "CAP_DAC_READ_SEARCH",
        "opens any file of a mounted file system by handle, the 'shocker' breakout",
    ),
    ("kexec_load", "no capability", "loads a new kernel"),
    ("kexec_file_load", "no capability", "loads a new kernel"),
    (
        "bpf",
        "CAP_SYS_ADMIN or CAP_BPF",
        "loads programs into the kernel",
    ),
    (
        "perf_event_open",
        "CAP_SYS_ADMIN or CAP_PERFMON",
        "observes the kernel and other processes",
    ),
    ("init_module", "CAP_SYS_MODULE", "loads kernel modules"),
    ("finit_module", "CAP_SYS_MODULE", "loads kernel modules"),
    ("delete_module", "CAP_SYS_MODULE", "unloads kernel modules"),
    ("iopl", "CAP_SYS_RAWIO", "gives direct access to I/O ports"),
    (
        "ioperm",
        "CAP_SYS_RAWIO",
        "gives direct access to I/O ports",
    ),
    (
        "userfaultfd",
        "no capability",
        "is a common tool for exploiting kernel races",
    ),
    (
        "keyctl",
        "no capability",
        "reaches the kernel keyring, which is not namespaced",
    ),
    (
        "add_key",
        "no capability",
        "reaches the kernel keyring, which is not namespaced",
    ),
    (
        "request_key",
        "no capability",
        "reaches the kernel keyring, which is not namespaced",
    ),
    (
        "io_uring_setup",
        "no capability",
        "opens io_uring, a frequent source of kernel exploits",
    ),
];

/// Before Linux 4.8 a tracer could change a syscall after the seccomp check
/// had passed it, so moby allows ptrace only from 4.8 on unless the
/// container has CAP_SYS_PTRACE.
const PTRACE_SAFE_KERNEL: KernelVersion = KernelVersion::new(4, 8);

/// The hosts checked for a missing archMap entry: those Docker publishes
/// engine binaries for, and riscv64, which moby's own archMap lists.
const DOCKER_HOSTS: [Arch; 6] = [
    Arch::X86_64,
    Arch::Aarch64,
    Arch::Arm,
    Arch::Ppc64le,
    Arch::S390x,
    Arch::Riscv64,
];

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

    fn unknown_keys(&mut self, warnings: &[crate::profile::Warning]) {
        for warning in warnings {
            let location = Some(warning.location);
            self.push(
                "SK020",
                warning.path.clone(),
                location,
                warning.message.clone(),
            );
        }
    }

    fn top_level(&mut self) {
        let profile = self.profile;
        if profile.default_action.is_none() && !profile.syscalls.is_empty() {
            self.push_top("SK029", "defaultAction", "defaultAction is missing or empty, but the profile has rules; moby rejects it. Set defaultAction, for example to SCMP_ACT_ERRNO".to_string());
        }
        if profile.default_action == Some(Action::Notify) {
            self.push_top("SK019", "defaultAction", "SCMP_ACT_NOTIFY as the default action is rejected by runc; use SCMP_ACT_ERRNO and notify on specific syscalls".to_string());
        }
        if let Some(errno) = profile.default_errno_ret.filter(|&e| e > 4095) {
            self.push_top("SK017", "defaultErrnoRet", format!("defaultErrnoRet {errno} is above 4095; use an errno such as 1 (EPERM) or 38 (ENOSYS)"));
        }
        let default_errno = profile.default_errno_ret.unwrap_or(EPERM);
        if profile.default_action == Some(Action::Errno) && default_errno != ENOSYS {
            self.push_top("SK022", "defaultAction", format!("syscalls the profile does not list get errno {default_errno}, not ENOSYS (38): libc falls back from a syscall newer than the profile only on ENOSYS; runc's ENOSYS rule covers numbers above the largest syscall the profile names, crun and youki have none"));
        }
        if profile.listener_metadata.is_some()
            && profile.listener_path.as_deref().unwrap_or("").is_empty()
        {
            self.push_top("SK015", "listenerMetadata", "listenerMetadata is set but listenerPath is not; the OCI runtime spec forbids this. Set listenerPath to the notify agent's socket, or remove listenerMetadata".to_string());
        }
        self.arch_map();
    }

    fn arch_map(&mut self) {
        let profile = self.profile;
        if profile.arch_map.is_empty() {
            return;
        }
        let missing: Vec<Arch> = DOCKER_HOSTS
            .into_iter()
            .filter(|host| !profile.arch_map.iter().any(|e| e.architecture == *host))
            .collect();
        if let Some(first) = missing.first() {
            let names: Vec<&str> = missing
                .iter()
                .map(|h| h.moby_native().unwrap_or(h.name()))
                .collect();
            self.push_top("SK011", "archMap", format!("archMap has no entry for {}: on those hosts moby sets no architectures, so the filter covers only the native ABI, and runc releases that build their ENOSYS rule only from the listed architectures leave it out there. Add an entry such as {{\"architecture\": \"{}\", \"subArchitectures\": null}} if the profile is meant for those hosts", names.join(", "), first.scmp_name()));
        }
        for (i, entry) in profile.arch_map.iter().enumerate() {
            let arch = entry.architecture;
            if arch.moby_native().is_some() && !arch.moby_maps_native() {
                let location = self.keys.get("archmap").copied();
                self.push("SK012", format!("$.archMap[{i}]"), location, format!("moby never reads the archMap entry for {}: its daemon names that host {:?} but looks archMap up under another spelling, so no sub-architectures are added there", arch.scmp_name(), arch.moby_native().unwrap_or("")));
            }
        }
    }

    fn rule(&mut self, index: usize, rule: &Rule) {
        let names = rule.effective_names();
        if names.is_empty() {
            self.push_rule("SK025", index, rule_path(index), format!("syscalls[{index}] names no syscall, so it does nothing; add \"names\" or remove the rule"));
        }
        let mut seen = BTreeSet::new();
        for (i, name) in names.iter().enumerate() {
            if !seen.insert(name) {
                let path = format!("{}.names[{i}]", rule_path(index));
                self.push_rule(
                    "SK024",
                    index,
                    path,
                    format!("{name} appears twice in syscalls[{index}]; remove one"),
                );
            }
        }
        self.syscall_names(index, rule, &names);
        self.capabilities(index, rule);
        self.arches(index, rule);
        self.never_applies(index, rule);
        self.min_kernel(index, rule);
        self.arguments(index, rule);
        self.errno(index, rule);
        if rule.action == Action::Notify && names.iter().any(|n| n == "write") {
            self.push_rule("SK019", index, name_path(index, rule, "write"), "SCMP_ACT_NOTIFY on write is rejected by runc, because the runtime itself needs write; use another action for write".to_string());
        }
    }

    /// Returns the hosts on which `rule` survives its arch filters.
    fn hosts_for(rule: &Rule) -> Vec<Arch> {
        host_arches()
            .into_iter()
            .filter(|host| {
                let native = host.moby_native().unwrap_or_default();
                !rule.excludes.arches.iter().any(|a| a == native)
                    && (rule.includes.arches.is_empty()
                        || rule.includes.arches.iter().any(|a| a == native))
            })
            .collect()
    }

    /// Returns the ABIs the filter covers on `host`: the host itself, the
    /// profile's `architectures` and, where moby reads it, the host's archMap
    /// entry.
    fn abis_for(&self, host: Arch) -> Vec<Arch> {
        let mut abis = vec![host];
        abis.extend(&self.profile.architectures);
        if host.moby_maps_native() {
            if let Some(entry) = self
                .profile
                .arch_map
                .iter()
                .find(|e| e.architecture == host)
            {
                abis.extend(&entry.sub_architectures);
            }
        }
        abis.retain(|a| a.has_syscall_table());
        abis
    }

    fn syscall_names(&mut self, index: usize, rule: &Rule, names: &[String]) {
        let hosts = Self::hosts_for(rule);
        if hosts.is_empty() {
            return;
        }
        let known = |abi: Arch, name: &str| {
            abi.syscall_number(name).is_some() || multiplexer(abi, name).is_some()
        };
        for name in names {
            let missing_hosts: Vec<Arch> = hosts
                .iter()
                .copied()
                .filter(|&h| !self.abis_for(h).into_iter().any(|abi| known(abi, name)))
                .collect();
            let path = name_path(index, rule, name);
            if missing_hosts.len() == hosts.len() {
                let elsewhere: Vec<&str> = Arch::ALL
                    .iter()
                    .filter(|a| known(**a, name))
                    .map(|a| a.name())
                    .collect();
                let message = if !elsewhere.is_empty() {
                    format!("{name} is not a syscall on any ABI of the hosts where syscalls[{index}] applies (it exists on {}); runc skips it there", elsewhere.join(", "))
                } else {
                    let hint = match suggest(name, &all_syscall_names()) {
                        Some(s) => format!("; did you mean {s}?"),
                        None => {
                            "; check the spelling against the kernel's syscall tables".to_string()
                        }
                    };
                    format!("{name} is not a syscall on any architecture, so runc skips it silently{hint}")
                };
                self.push_rule("SK001", index, path, message);
            } else if !rule.includes.arches.is_empty() && !missing_hosts.is_empty() {
                let listed: Vec<&str> = missing_hosts
                    .iter()
                    .map(|h| h.moby_native().unwrap_or(h.name()))
                    .collect();
                self.push_rule("SK002", index, path, format!("{name} is not a syscall on the ABIs of {} although syscalls[{index}] lists that architecture, so the rule does nothing there", listed.join(", ")));
            }
        }
    }

    fn capabilities(&mut self, index: usize, rule: &Rule) {
        for (filter_name, filter) in [("includes", &rule.includes), ("excludes", &rule.excludes)] {
            for (i, cap) in filter.caps.iter().enumerate() {
                let path = format!("{}.{filter_name}.caps[{i}]", rule_path(index));
                match caps::normalize(cap) {
                    Ok(normal) if normal == *cap => {}
                    Ok(normal) => self.push_rule("SK003", index, path, format!("capability {cap:?} never matches, because moby compares the container's capabilities (always CAP_-prefixed upper case) verbatim; write {normal:?}")),
                    Err(_) => {
                        let hint = suggest(&cap.to_ascii_uppercase(), &caps::all_names())
                            .map_or_else(String::new, |s| format!("; did you mean {s}?"));
                        self.push_rule("SK004", index, path, format!("{cap:?} is not a Linux capability, so it never matches{hint}"));
                    }
                }
            }
        }
    }

    fn arches(&mut self, index: usize, rule: &Rule) {
        let natives: BTreeSet<&str> = Arch::ALL.iter().filter_map(|a| a.moby_native()).collect();
        for (filter_name, filter) in [("includes", &rule.includes), ("excludes", &rule.excludes)] {
            for (i, arch) in filter.arches.iter().enumerate() {
                if natives.contains(arch.as_str()) {
                    continue;
                }
                let path = format!("{}.{filter_name}.arches[{i}]", rule_path(index));
                let message = match arch.parse::<Arch>() {
                    Ok(Arch::X32) => format!("{arch:?} never matches: no moby daemon runs as x32, and x32 processes run on amd64 hosts, so list \"amd64\" to reach them"),
                    Ok(parsed) => format!("{arch:?} never matches, because includes/excludes arches take moby's native name; write {:?}", parsed.moby_native().unwrap_or(parsed.name())),
                    Err(_) => format!("{arch:?} is not an architecture, so it never matches; use a moby native name such as \"amd64\" or \"arm64\""),
                };
                self.push_rule("SK023", index, path, message);
            }
        }
    }

    fn never_applies(&mut self, index: usize, rule: &Rule) {
        let mut reasons = Vec::new();
        for cap in &rule.includes.caps {
            if caps::normalize(cap).ok().as_deref() != Some(cap.as_str()) {
                reasons.push(format!(
                    "includes.caps needs {cap:?}, which no container's capabilities contain"
                ));
            } else if rule.excludes.caps.contains(cap) {
                reasons.push(format!("{cap} is in both includes.caps and excludes.caps"));
            }
        }
        let natives: BTreeSet<&str> = host_arches()
            .iter()
            .filter_map(|a| a.moby_native())
            .collect();
        let includes = &rule.includes.arches;
        if !includes.is_empty()
            && includes
                .iter()
                .all(|a| !natives.contains(a.as_str()) || rule.excludes.arches.contains(a))
        {
            reasons.push(
                "every architecture in includes.arches is excluded or never matches".to_string(),
            );
        }
        if let (Some(low), Some(high)) = (rule.includes.min_kernel, rule.excludes.min_kernel) {
            if high <= low && high != KernelVersion::new(0, 0) {
                reasons.push(format!("includes.minKernel {low} needs a kernel that excludes.minKernel {high} already excludes"));
            }
        }
        if !reasons.is_empty() {
            self.push_rule(
                "SK010",
                index,
                rule_path(index),
                format!(
                    "syscalls[{index}] never applies: {}; fix the filter or remove the rule",
                    reasons.join("; ")
                ),
            );
        }
    }

    fn min_kernel(&mut self, index: usize, rule: &Rule) {
        let zero = Some(KernelVersion::new(0, 0));
        if rule.excludes.min_kernel == zero {
            self.push_rule("SK013", index, format!("{}.excludes.minKernel", rule_path(index)), "excludes.minKernel \"\" is version 0.0, which every kernel reaches, so moby removes this rule on every host; write a version such as \"4.8\" or remove the key".to_string());
        }
        if rule.includes.min_kernel == zero {
            self.push_rule("SK013", index, format!("{}.includes.minKernel", rule_path(index)), "includes.minKernel \"\" is version 0.0, which every kernel reaches, so it does nothing; write a version such as \"4.8\" or remove the key".to_string());
        }
    }

    fn arguments(&mut self, index: usize, rule: &Rule) {
        let mut by_index: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
        for (i, arg) in rule.args.iter().enumerate() {
            by_index.entry(arg.index).or_default().push(i);
            if arg.op == Operator::MaskedEqual && arg.value_two & !arg.value != 0 {
                let path = format!("{}.args[{i}]", rule_path(index));
                self.push_rule("SK026", index, path, format!("valueTwo {:#x} has bits outside the mask {:#x}; libseccomp compares (arg{} & {:#x}) == {:#x}, so write valueTwo {:#x} or widen the mask", arg.value_two, arg.value, arg.index, arg.value, arg.value_two & arg.value, arg.value_two & arg.value));
            }
        }
        let conditions: Vec<String> = rule.args.iter().map(|a| a.to_string()).collect();
        for (arg, positions) in by_index.iter().filter(|(_, p)| p.len() > 1) {
            let path = format!("{}.args[{}]", rule_path(index), positions[1]);
            let not_equal: BTreeSet<u64> = positions
                .iter()
                .map(|&p| rule.args[p])
                .filter(|c| c.op == Operator::NotEqual)
                .map(|c| c.value)
                .collect();
            if not_equal.len() > 1 {
                let values: Vec<String> = not_equal.iter().map(|v| format!("{v:#x}")).collect();
                self.push_rule("SK009", index, path, format!("arg{arg} is compared with SCMP_CMP_NE against {}: runc makes each condition a rule of its own, and every value differs from at least one of them, so {} applies to every call. Write one rule per allowed range instead (for example LT, EQ and GT rules around the values)", values.join(" and "), rule.action));
            } else {
                self.push_rule("SK008", index, path, format!("arg{arg} is tested {} times; runc, crun and youki then split syscalls[{index}] into one rule per condition, so {} applies when any of [{}] holds, not all of them. Use one condition per argument, or separate rules", positions.len(), rule.action, conditions.join(", ")));
            }
        }
    }

    fn errno(&mut self, index: usize, rule: &Rule) {
        let Some(errno) = rule.errno_ret else { return };
        let path = format!("{}.errnoRet", rule_path(index));
        if !rule.action.takes_errno() {
            self.push_rule("SK016", index, path.clone(), format!("errnoRet {errno} has no effect on {}: runc ignores it (the OCI runtime spec says the runtime should reject it); remove errnoRet or use SCMP_ACT_ERRNO", rule.action));
        }
        if errno > 4095 {
            self.push_rule("SK017", index, path, format!("errnoRet {errno} is above 4095: the kernel returns at most errno 4095, and libseccomp keeps only the low 16 bits ({}); use a real errno such as 1 (EPERM) or 38 (ENOSYS)", errno & 0xffff));
        }
    }

    /// Runs the checks that need the runc + libseccomp model.
    fn modelled(&mut self) {
        if self.profile.default_action.is_none() {
            return;
        }
        let profile = sanitized(self.profile);
        let sets = capability_sets(
            &CapSet::docker_default(),
            "default",
            &mentioned_capabilities(&profile),
        );
        let kernels = kernel_ranges(&[&profile]);
        let mut seen = ModelFindings::default();
        for host in host_arches() {
            for range in &kernels {
                for (caps, set) in sets.iter().enumerate() {
                    let target = Target::new(host, set.caps.clone(), range.representative);
                    let Ok(Some(resolved)) = resolve(&profile, &target) else {
                        continue;
                    };
                    match Policy::build(&resolved, &PolicyOptions::new(host)) {
                        Ok(policy) => seen.notes(&policy, host, caps),
                        Err(PolicyError::Conflict {
                            arch,
                            name,
                            first,
                            second,
                            first_decision,
                            second_decision,
                        }) => {
                            seen.conflicts.insert(
                                (first, second, name),
                                (arch, first_decision, second_decision),
                            );
                        }
                        Err(_) => {}
                    }
                }
            }
        }
        self.report_model(&seen, &sets);
        self.dangerous(&profile);
        self.clone3(&profile);
    }

    fn report_model(&mut self, seen: &ModelFindings, sets: &[super::diff::CapabilitySet]) {
        let all_sets = sets.len();
        // Where a model finding was seen: the hosts unless every host, the
        // capability sets unless every set.
        let where_text = |hosts: Option<&BTreeSet<Arch>>, caps: &BTreeSet<usize>| {
            let mut parts = Vec::new();
            if let Some(hosts) = hosts.filter(|h| h.len() < host_arches().len()) {
                let names: Vec<&str> = hosts
                    .iter()
                    .map(|a| a.moby_native().unwrap_or(a.name()))
                    .collect();
                parts.push(format!("on {} hosts", names.join(", ")));
            }
            if caps.len() < all_sets {
                let chosen: Vec<usize> = caps.iter().copied().collect();
                let text = describe_cap_sets(sets, &chosen);
                if text.starts_with("with") {
                    parts.push(text);
                } else {
                    parts.push(format!("with {text}"));
                }
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        };
        for &index in &seen.same_as_default {
            let rule = &self.profile.syscalls[index];
            let message = format!("syscalls[{index}] gives {} ({}), which is the default action, so runc drops the rule: it neither denies anything nor shadows later rules. Remove it, or give it another errno (moby's socketcall deny used ENOSYS for this reason)", rule.effective_names().join(", "), rule_decision(rule));
            self.push_rule("SK005", index, rule_path(index), message);
        }
        for ((index, name, by), (hosts, caps)) in &seen.shadowed {
            let rule = &self.profile.syscalls[*index];
            let shadow = &self.profile.syscalls[*by];
            let same = rule_decision(rule) == rule_decision(shadow);
            let names_it = |r: &Rule| r.effective_names().iter().any(|n| n == name);
            // A rule on a socket or IPC call also adds entries to socketcall
            // or ipc on 32-bit ABIs. Those entries carry the multiplexer's
            // name or the call's name, although the rule names only one.
            let relation = if by > index {
                if !names_it(rule) {
                    // What a rule adds to socketcall for its socket calls is
                    // replaced by a rule on socketcall itself: the intent of
                    // denying or allowing socketcall, not a mistake.
                    continue;
                }
                format!("the later unconditional rule syscalls[{by}] ({}) replaces this conditional rule for {name} (libseccomp keeps unconditional rules over conditional ones)", rule_decision(shadow))
            } else if !names_it(shadow) {
                let multiplexer = if crate::policy::build::is_ipc_call(name) {
                    "ipc"
                } else {
                    "socketcall"
                };
                format!("the earlier unconditional rule syscalls[{by}] ({}) for {multiplexer} also decides every {name} call made through {multiplexer} on 32-bit ABIs", rule_decision(shadow))
            } else {
                format!(
                    "the earlier unconditional rule syscalls[{by}] ({}) already decides {name}",
                    rule_decision(shadow)
                )
            };
            let (id, consequence) = if same {
                ("SK007", "this entry has no effect".to_string())
            } else if !names_it(shadow) && by < index {
                (
                    "SK006",
                    format!(
                        "so this rule's {} applies only to the direct {name} syscall",
                        rule_decision(rule)
                    ),
                )
            } else {
                (
                    "SK006",
                    format!("so this rule's {} never applies", rule_decision(rule)),
                )
            };
            let message = format!("{relation}{}, {consequence}", where_text(Some(hosts), caps));
            self.push_rule(id, *index, name_path(*index, rule, name), message);
        }
        for ((index, name), (arches, caps)) in &seen.multiplexed {
            let rule = &self.profile.syscalls[*index];
            let abis: Vec<&str> = arches.iter().map(|a| a.name()).collect();
            let multiplexer = if crate::policy::build::is_ipc_call(name) {
                "ipc"
            } else {
                "socketcall"
            };
            let message = format!("on the {} ABIs {name} is also reachable through {multiplexer}, whose arguments the filter cannot read: runc + libseccomp keep the rule there without its argument conditions and allow every {name} call that way{}. Deny {multiplexer} or accept the gap", abis.join(", "), where_text(None, caps));
            self.push_rule("SK014", *index, name_path(*index, rule, name), message);
        }
        for ((index, name, value), arches) in &seen.truncated {
            let rule = &self.profile.syscalls[*index];
            let abis: Vec<&str> = arches.iter().map(|a| a.name()).collect();
            let message = format!("{value:#x} does not fit 32 bits; on the {} ABIs libseccomp compares {name}'s arguments as 32-bit values and truncates it to {:#x}", abis.join(", "), value & 0xffff_ffff);
            self.push_rule("SK027", *index, name_path(*index, rule, name), message);
        }
        for ((first, second, name), (arch, a, b)) in &seen.conflicts {
            let message = format!("syscalls[{first}] and syscalls[{second}] give {name} on {arch} identical argument conditions but different actions ({a} and {b}); libseccomp rejects this and runc fails to start the container. Make the conditions differ or the actions equal");
            self.push_rule("SK028", *second, rule_path(*second), message);
        }
    }

    /// Reports dangerous syscalls allowed with Docker's default capabilities.
    fn dangerous(&mut self, profile: &Profile) {
        let kernels: Vec<KernelVersion> = kernel_ranges(&[profile])
            .iter()
            .map(|r| r.representative)
            .collect();
        let mut by_rule: BTreeMap<(usize, &str), BTreeSet<Arch>> = BTreeMap::new();
        let mut by_default: BTreeSet<&str> = BTreeSet::new();
        let names: Vec<&str> = DANGEROUS.iter().map(|(name, _, _)| *name).collect();
        for host in host_arches() {
            for &kernel in &kernels {
                allowed_by(profile, host, kernel, &names, &mut by_rule, &mut by_default);
            }
            let old_kernel = KernelVersion::new(4, 7);
            allowed_by(
                profile,
                host,
                old_kernel,
                &["ptrace"],
                &mut by_rule,
                &mut by_default,
            );
        }
        for ((index, name), hosts) in by_rule {
            let rule = &self.profile.syscalls[index];
            let hosts_text = if hosts.len() == host_arches().len() {
                String::new()
            } else {
                let names: Vec<&str> = hosts
                    .iter()
                    .map(|h| h.moby_native().unwrap_or(h.name()))
                    .collect();
                format!(" on {}", names.join(", "))
            };
            self.push_rule(
                "SK018",
                index,
                name_path(index, rule, name),
                format!("{}{hosts_text}", dangerous_text(name)),
            );
        }
        if !by_default.is_empty() {
            let names: Vec<&str> = by_default.into_iter().collect();
            let message = format!("the default action allows {} with Docker's default capabilities; deny them explicitly", names.join(", "));
            self.push_top("SK018", "defaultAction", message);
        }
    }

    /// Reports clone3 denied with an errno other than ENOSYS.
    fn clone3(&mut self, profile: &Profile) {
        let modern = kernel_ranges(&[profile])
            .last()
            .map_or(super::diff::MODERN_KERNEL, |r| r.representative);
        let mut hosts_by_origin: BTreeMap<(Option<usize>, bool), (BTreeSet<Arch>, Decision)> =
            BTreeMap::new();
        'hosts: for host in host_arches() {
            let Some(nr) = host.syscall_number("clone3") else {
                continue;
            };
            // A profile that does not resolve or build here is reported by
            // other checks (SK028, SK029).
            let target = Target::new(host, CapSet::docker_default(), modern);
            let Ok(Some(resolved)) = resolve(profile, &target) else {
                continue;
            };
            let mut verdicts = Vec::new();
            for enosys in [EnosysMode::Runc, EnosysMode::Off] {
                let mut options = PolicyOptions::new(host);
                options.enosys = enosys;
                let Ok(policy) = Policy::build(&resolved, &options) else {
                    continue 'hosts;
                };
                verdicts.push(policy.decide(host.audit_arch(), nr, [0; 6]));
            }
            let breaks = |d: Decision| match d.action {
                Action::Errno => u32::from(d.data) != ENOSYS,
                Action::Kill | Action::KillThread | Action::KillProcess | Action::Trap => true,
                _ => false,
            };
            let (runc, crun) = (verdicts[0], verdicts[1]);
            if !breaks(crun.decision) {
                continue;
            }
            let origin = match crun.by {
                crate::policy::DecidedBy::Rule(origin) => Some(origin.source_index),
                _ => None,
            };
            let entry = hosts_by_origin
                .entry((origin, breaks(runc.decision)))
                .or_insert((BTreeSet::new(), crun.decision));
            entry.0.insert(host);
        }
        for ((origin, runc_breaks), (hosts, decision)) in hosts_by_origin {
            let names: Vec<&str> = hosts
                .iter()
                .map(|h| h.moby_native().unwrap_or(h.name()))
                .collect();
            let runtimes = if runc_breaks {
                "under every runtime"
            } else {
                "under crun and youki, which have no ENOSYS rule (runc answers ENOSYS because clone3 is above every syscall the profile names)"
            };
            let message = format!("clone3 gets {decision} with Docker's default capabilities on {} {runtimes}; glibc 2.34 and later fall back to clone only on ENOSYS, so thread creation fails. Add {{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}}", names.join(", "));
            match origin {
                Some(index) => {
                    let rule = &self.profile.syscalls[index];
                    self.push_rule("SK021", index, name_path(index, rule, "clone3"), message);
                }
                None => self.push_top("SK021", "defaultAction", message),
            }
        }
    }
}

fn dangerous_text(name: &str) -> String {
    if name == "ptrace" {
        return format!("ptrace is allowed with Docker's default capabilities on kernels before {PTRACE_SAFE_KERNEL}, where a tracer can change a syscall after the seccomp check; add \"includes\": {{\"minKernel\": \"4.8\"}} or gate it on CAP_SYS_PTRACE");
    }
    let (_, gate, why) = DANGEROUS
        .iter()
        .find(|(n, _, _)| *n == name)
        .copied()
        .unwrap_or((name, "no capability", "is dangerous"));
    let gate_text = if gate == "no capability" {
        "moby's profile allows it under no capability".to_string()
    } else {
        format!("moby's profile allows it only with {gate}")
    };
    format!("{name} is allowed with Docker's default capabilities, although it {why}; {gate_text}. Move it to a rule with \"includes\": {{\"caps\": [...]}} or remove it")
}

/// Records which rule (or the default action) allows each of `names` on
/// `host` with Docker's default capabilities and `kernel`.
fn allowed_by<'n>(
    profile: &Profile,
    host: Arch,
    kernel: KernelVersion,
    names: &[&'n str],
    by_rule: &mut BTreeMap<(usize, &'n str), BTreeSet<Arch>>,
    by_default: &mut BTreeSet<&'n str>,
) {
    let target = Target::new(host, CapSet::docker_default(), kernel);
    let Ok(Some(resolved)) = resolve(profile, &target) else {
        return;
    };
    let Ok(policy) = Policy::build(&resolved, &PolicyOptions::new(host)) else {
        return;
    };
    let allows = |d: Decision| matches!(d.action, Action::Allow | Action::Log);
    for (abi, &name) in policy
        .abis
        .iter()
        .flat_map(|abi| names.iter().map(move |n| (abi, n)))
    {
        let Some(nr) = abi.arch.syscall_number(name) else {
            continue;
        };
        if abi.enosys_above.is_some_and(|max| nr > max) {
            continue;
        }
        match abi.syscalls.get(&nr) {
            Some(SyscallPolicy::Always(decision, origin)) if allows(*decision) => {
                by_rule
                    .entry((origin.source_index, name))
                    .or_default()
                    .insert(host);
            }
            Some(SyscallPolicy::Conditional(rules)) => {
                for rule in rules.iter().filter(|r| allows(r.decision)) {
                    by_rule
                        .entry((rule.origin.source_index, name))
                        .or_default()
                        .insert(host);
                }
                if allows(policy.default) {
                    by_default.insert(name);
                }
            }
            None if allows(policy.default) => {
                by_default.insert(name);
            }
            _ => {}
        }
    }
}

/// Architectures and capability-set indices a model finding was seen with.
type Seen = (BTreeSet<Arch>, BTreeSet<usize>);

/// The model's findings over all contexts, deduplicated.
#[derive(Default)]
struct ModelFindings {
    same_as_default: BTreeSet<usize>,
    /// (rule, name, shadowing rule) → (hosts, capability sets).
    shadowed: BTreeMap<(usize, String, usize), Seen>,
    /// (rule, name) → (ABIs, capability sets).
    multiplexed: BTreeMap<(usize, String), Seen>,
    truncated: BTreeMap<(usize, String, u64), BTreeSet<Arch>>,
    conflicts: BTreeMap<(usize, usize, String), (Arch, Decision, Decision)>,
}

impl ModelFindings {
    fn notes(&mut self, policy: &Policy, host: Arch, caps: usize) {
        for note in &policy.notes {
            match note {
                Note::SameAsDefault { origin, .. } => {
                    self.same_as_default.insert(origin.source_index);
                }
                Note::Shadowed {
                    name, origin, by, ..
                } if origin.source_index != by.source_index => {
                    let entry = self
                        .shadowed
                        .entry((origin.source_index, name.clone(), by.source_index))
                        .or_default();
                    entry.0.insert(host);
                    entry.1.insert(caps);
                }
                Note::MultiplexedConditions { arch, name, origin } => {
                    let entry = self
                        .multiplexed
                        .entry((origin.source_index, name.clone()))
                        .or_default();
                    entry.0.insert(*arch);
                    entry.1.insert(caps);
                }
                Note::TruncatedValue {
                    arch,
                    name,
                    value,
                    origin,
                } => {
                    self.truncated
                        .entry((origin.source_index, name.clone(), *value))
                        .or_default()
                        .insert(*arch);
                }
                _ => {}
            }
        }
    }
}

/// Returns a copy of the profile that the model can build in every context.
/// The values runc rejects outright, which their own checks report, are
/// replaced, so the other checks still run.
fn sanitized(profile: &Profile) -> Profile {
    let mut copy = profile.clone();
    if copy.default_action == Some(Action::Notify) {
        copy.default_action = Some(Action::Errno);
    }
    if copy.default_errno_ret.is_some_and(|e| e > 4095) {
        copy.default_errno_ret = Some(4095);
    }
    for rule in &mut copy.syscalls {
        if rule.errno_ret.is_some_and(|e| e > 4095) {
            rule.errno_ret = Some(4095);
        }
        if rule.action == Action::Notify {
            rule.names.retain(|n| n != "write");
        }
    }
    copy
}

/// Returns every syscall name of every table, for suggestions.
fn all_syscall_names() -> Vec<String> {
    let names: BTreeSet<&str> = Arch::ALL
        .iter()
        .flat_map(|a| a.syscalls())
        .map(|(n, _)| n)
        .collect();
    names.into_iter().map(str::to_string).collect()
}

/// Returns the closest of `candidates` to `word` by edit distance
/// (insertions, deletions, substitutions and swaps of neighbours), if it is
/// close enough to be a likely typo: one edit for short words, two from five
/// letters, three from twelve.
fn suggest(word: &str, candidates: &[String]) -> Option<String> {
    let limit = match word.len() {
        0..=4 => 1,
        5..=11 => 2,
        _ => 3,
    };
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.clone())
}

/// Returns the optimal string alignment distance between `a` and `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

impl Report {
    /// Returns whether any finding is a warning or an error.
    pub fn has_problems(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity >= Severity::Warning)
    }

    /// Returns the number of findings of each severity.
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.severity).or_insert(0) += 1;
        }
        counts
    }

    /// Returns one line per finding, `FILE:LINE: severity[ID] message (at
    /// PATH)`, then a count line.
    pub fn to_text(&self, file: &str) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let line = f
                .location
                .map_or_else(String::new, |l| format!(":{}", l.line));
            let name = check(f.id).name;
            let _ = writeln!(
                out,
                "{file}{line}: {}[{} {name}] {} (at {})",
                f.severity, f.id, f.message, f.path
            );
        }
        let counts = self.counts();
        let count = |s: Severity| counts.get(&s).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "{file}: {} errors, {} warnings, {} infos",
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        );
        out
    }

    /// Returns the findings as JSON: `file`, `findings` (each with `id`,
    /// `name`, `severity`, `message`, `path`, `line`, `column`) and `counts`.
    pub fn to_json(&self, file: &str) -> Value {
        let counts = self.counts();
        json!({
            "file": file,
            "findings": self.findings.iter().map(|f| json!({
                "id": f.id,
                "name": check(f.id).name,
                "severity": f.severity.name(),
                "message": f.message,
                "path": f.path,
                "line": f.location.map(|l| l.line),
                "column": f.location.map(|l| l.column),
            })).collect::<Vec<_>>(),
            "counts": {
                "error": counts.get(&Severity::Error).copied().unwrap_or(0),
                "warning": counts.get(&Severity::Warning).copied().unwrap_or(0),
                "info": counts.get(&Severity::Info).copied().unwrap_or(0),
            },
        })
    }

    /// Returns a SARIF 2.1.0 log with the whole catalogue as
    /// `runs[0].tool.driver.rules` and one result per finding, located in
    /// `artifact_uri` at the finding's line.
    pub fn to_sarif(&self, artifact_uri: &str) -> Value {
        let rules: Vec<Value> = CHECKS
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "shortDescription": {"text": c.summary},
                    "defaultConfiguration": {"level": c.severity.sarif_level()},
                })
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let mut physical = json!({"artifactLocation": {"uri": artifact_uri}});
                if let Some(location) = f.location {
                    physical["region"] =
                        json!({"startLine": location.line, "startColumn": location.column});
                }
                json!({
                    "ruleId": f.id,
                    "ruleIndex": CHECKS.iter().position(|c| c.id == f.id),
                    "level": f.severity.sarif_level(),
                    "message": {"text": f.message},
                    "locations": [{
                        "physicalLocation": physical,
                        "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "member"}],
                    }],
                })
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "seccomp-kit",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        })
    }
}
