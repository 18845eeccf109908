//! Checks that model the filter as runc and libseccomp install it: dropped,
//! shadowed and conflicting rules, lost argument conditions, truncated
//! values, dangerous syscalls and clone3.

use super::{name_path, rule_decision, rule_path, Linter};
use crate::analysis::diff::{
    capability_sets, describe_cap_sets, host_arches, kernel_ranges, mentioned_capabilities,
    CapabilitySet, MODERN_KERNEL,
};
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::policy::{
    Decision, EnosysMode, Note, Policy, PolicyError, PolicyOptions, SyscallPolicy, ENOSYS,
};
use crate::profile::{Action, KernelVersion, Profile, Rule};
use crate::resolve::{resolve, Target};
use std::collections::{BTreeMap, BTreeSet};

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

impl Linter<'_> {
    /// Runs the checks that need the runc + libseccomp model.
    pub(super) fn modelled(&mut self) {
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
            for (kernel, range) in kernels.iter().enumerate() {
                for (caps, set) in sets.iter().enumerate() {
                    let target = Target::new(host, set.caps.clone(), range.representative);
                    let Ok(Some(resolved)) = resolve(&profile, &target) else {
                        continue;
                    };
                    for rule in &resolved.rules {
                        seen.kept
                            .entry(rule.source_index)
                            .or_default()
                            .insert((host, kernel, caps));
                    }
                    match Policy::build(&resolved, &PolicyOptions::new(host)) {
                        Ok(policy) => seen.notes(&policy, host, kernel, caps),
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

    fn report_model(&mut self, seen: &ModelFindings, sets: &[CapabilitySet]) {
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
            // A rule shadowed with the same decision in some contexts only
            // (another capability set or kernel) still matters elsewhere,
            // like CAP_SYSLOG's syslog rule next to CAP_SYS_ADMIN's.
            if same && !seen.shadowed_wherever_kept(*index, name, *by) {
                continue;
            }
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
            .map_or(MODERN_KERNEL, |r| r.representative);
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
    /// Rule → the (host, kernel range, capability set) contexts that keep it.
    kept: BTreeMap<usize, BTreeSet<Context3>>,
    /// (rule, name, shadowing rule) → the contexts where it is shadowed.
    shadowed_in: BTreeMap<(usize, String, usize), BTreeSet<Context3>>,
}

/// A (host, kernel range index, capability set index) context.
type Context3 = (Arch, usize, usize);

impl ModelFindings {
    /// Whether the rule is shadowed in every context that keeps it, on the
    /// hosts where it is shadowed at all (its name may be missing elsewhere).
    fn shadowed_wherever_kept(&self, index: usize, name: &str, by: usize) -> bool {
        let Some(shadowed) = self.shadowed_in.get(&(index, name.to_string(), by)) else {
            return false;
        };
        let hosts: BTreeSet<Arch> = shadowed.iter().map(|&(host, _, _)| host).collect();
        self.kept
            .get(&index)
            .into_iter()
            .flatten()
            .filter(|(host, _, _)| hosts.contains(host))
            .all(|context| shadowed.contains(context))
    }

    fn notes(&mut self, policy: &Policy, host: Arch, kernel: usize, caps: usize) {
        for note in &policy.notes {
            match note {
                Note::SameAsDefault { origin, .. } => {
                    self.same_as_default.insert(origin.source_index);
                }
                Note::Shadowed {
                    name, origin, by, ..
                } if origin.source_index != by.source_index => {
                    let key = (origin.source_index, name.clone(), by.source_index);
                    self.shadowed_in
                        .entry(key.clone())
                        .or_default()
                        .insert((host, kernel, caps));
                    let entry = self.shadowed.entry(key).or_default();
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
