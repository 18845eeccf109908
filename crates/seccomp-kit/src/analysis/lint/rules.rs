//! Checks that read the profile alone: the top-level keys, archMap, and
//! each rule's names, capabilities, architectures, kernels, arguments and
//! errno.

use super::{name_path, rule_path, Linter};
use crate::analysis::diff::host_arches;
use crate::arch::Arch;
use crate::caps;
use crate::policy::build::multiplexer;
use crate::policy::{ENOSYS, EPERM};
use crate::profile::{Action, KernelVersion, Operator, Rule};
use std::collections::{BTreeMap, BTreeSet};

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

impl Linter<'_> {
    pub(super) fn unknown_keys(&mut self, warnings: &[crate::profile::Warning]) {
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

    pub(super) fn top_level(&mut self) {
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

    pub(super) fn rule(&mut self, index: usize, rule: &Rule) {
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
