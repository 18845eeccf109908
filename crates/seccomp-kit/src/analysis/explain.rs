//! Explains one decision: the action a syscall gets under a profile, the
//! rule that made it with its provenance, the rules that were left out and
//! why, and the result of emulating the compiled filter, which must agree.
//!
//! ```
//! use seccomp_kit::analysis::explain::{explain, Query, SyscallRef};
//! use seccomp_kit::{arch::Arch, caps::CapSet, profile::{default_profile, KernelVersion}};
//!
//! let query = Query::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8), SyscallRef::Name("open_by_handle_at".into()));
//! let explanation = explain(&default_profile(), &query).unwrap();
//! assert_eq!(explanation.decision.to_string(), "SCMP_ACT_ERRNO(1)");
//! assert!(explanation.left_out.iter().any(|l| l.reason.contains("CAP_DAC_READ_SEARCH")));
//! ```

use super::diff::{capability_sets, describe_cap_sets, mentioned_capabilities, CapabilitySet};
use crate::arch::Arch;
use crate::bpf::{self, SeccompData};
use crate::caps::CapSet;
use crate::policy::{
    condition_holds, DecidedBy, Decision, Note, Policy, PolicyError, PolicyOptions, SyscallPolicy,
};
use crate::profile::{Filter, KernelVersion, Profile, Rule};
use crate::resolve::{resolve, ResolveError, Target};
use serde_json::{json, Value};
use std::fmt::{self, Write};

/// A syscall by name or by number on the calling ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyscallRef {
    Name(String),
    Number(u32),
}

/// A question for [`explain`]: the syscall, its arguments and the target.
#[derive(Clone, Debug)]
pub struct Query {
    pub target: Target,
    /// The ABI of the calling process.
    pub arch: Arch,
    pub options: PolicyOptions,
    pub syscall: SyscallRef,
    pub args: [u64; 6],
}

impl Query {
    /// A query for a process of ABI `arch` on a host of the same
    /// architecture, with runc's defaults and zero arguments.
    pub fn new(arch: Arch, caps: CapSet, kernel: KernelVersion, syscall: SyscallRef) -> Query {
        let host = host_for(arch);
        Query {
            target: Target::new(host, caps, kernel),
            arch,
            options: PolicyOptions::new(host),
            syscall,
            args: [0; 6],
        }
    }
}

/// Returns the host a process of ABI `arch` usually runs on: x32 programs run on
/// x86_64 hosts.
pub fn host_for(arch: Arch) -> Arch {
    match arch {
        Arch::X32 => Arch::X86_64,
        other => other,
    }
}

/// An error that keeps [`explain`] from deciding a query.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{name:?} is not a syscall on {arch}{}; check the spelling or pass the number", suggestion.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default())]
    UnknownSyscall {
        name: String,
        arch: Arch,
        suggestion: Option<&'static str>,
    },
    #[error("no syscall table for {0}")]
    NoSyscallTable(Arch),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// A rule of the profile, as shown in an explanation.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub index: usize,
    pub rule: Rule,
}

/// A rule naming the syscall that did not decide it, and why.
#[derive(Clone, Debug)]
pub struct LeftOut {
    pub index: usize,
    pub rule: Rule,
    pub reason: String,
}

/// The result of [`explain`] for one [`Query`].
#[derive(Clone, Debug)]
pub struct Explanation {
    pub syscall: String,
    pub arch: Arch,
    pub nr: u32,
    pub args: [u64; 6],
    pub decision: Decision,
    pub decided_by: DecidedBy,
    /// The deciding rule, when a rule decided.
    pub rule: Option<RuleInfo>,
    pub left_out: Vec<LeftOut>,
    /// The decision of the compiled filter, or why there is none.
    pub bpf: Result<Decision, String>,
    /// The default action, for "no rule matched".
    pub default: Decision,
    /// Whether the profile disables seccomp altogether.
    pub unconfined: bool,
    /// The model's notes about this syscall on this ABI, such as
    /// conditions runc + libseccomp would drop on `socketcall`.
    pub notes: Vec<String>,
}

/// Explains `query` under `profile`.
pub fn explain(profile: &Profile, query: &Query) -> Result<Explanation, ExplainError> {
    if !query.arch.has_syscall_table() {
        return Err(ExplainError::NoSyscallTable(query.arch));
    }
    let (nr, name) =
        match &query.syscall {
            SyscallRef::Name(name) => {
                let nr = query.arch.syscall_number(name).ok_or_else(|| {
                    ExplainError::UnknownSyscall {
                        name: name.clone(),
                        arch: query.arch,
                        suggestion: query.arch.closest_syscall(name),
                    }
                })?;
                (nr, name.clone())
            }
            SyscallRef::Number(nr) => {
                let name = query
                    .arch
                    .syscall_name(*nr)
                    .map_or_else(|| format!("syscall_{nr}"), str::to_string);
                (*nr, name)
            }
        };

    let Some(resolved) = resolve(profile, &query.target)? else {
        return Ok(Explanation {
            syscall: name,
            arch: query.arch,
            nr,
            args: query.args,
            decision: Decision::ALLOW,
            decided_by: DecidedBy::Default,
            rule: None,
            left_out: Vec::new(),
            bpf: Err("the profile disables seccomp (empty defaultAction and no rules), so no filter is installed".to_string()),
            default: Decision::ALLOW,
            unconfined: true,
            notes: Vec::new(),
        });
    };
    let policy = Policy::build(&resolved, &query.options)?;
    let verdict = policy.decide(query.arch.audit_arch(), nr, query.args);

    let bpf = match bpf::compile(&policy) {
        Ok(program) => {
            let data = SeccompData::new(query.arch.audit_arch(), nr, query.args);
            bpf::emulator::run(&program, &data, query.arch.is_big_endian())
                .map(Decision::from_ret_value)
                .map_err(|e| e.to_string())
        }
        Err(err) => Err(err.to_string()),
    };

    let rule = match verdict.by {
        DecidedBy::Rule(origin) => Some(RuleInfo {
            index: origin.source_index,
            rule: profile.syscalls[origin.source_index].clone(),
        }),
        _ => None,
    };
    let mut notes = relevant_notes(&policy, query.arch, &name, query.args[0]);
    notes.extend(crate::policy::kernel_exemption(query.arch, nr).map(str::to_string));
    let left_out = left_out(profile, &resolved, &policy, query, &name, nr, verdict.by);

    Ok(Explanation {
        syscall: name,
        arch: query.arch,
        nr,
        args: query.args,
        decision: verdict.decision,
        decided_by: verdict.by,
        rule,
        left_out,
        bpf,
        default: policy.default,
        unconfined: false,
        notes,
    })
}

/// Notes about `name` on `arch`; for `socketcall` and `ipc` also the calls
/// they multiplex.
fn relevant_notes(policy: &Policy, arch: crate::arch::Arch, name: &str, call: u64) -> Vec<String> {
    let multiplexer = matches!(name, "socketcall" | "ipc");
    let multiplexes = |n: &str| {
        crate::policy::build::multiplexer(arch, n).is_some_and(|(nr, number)| {
            Some(nr) == arch.syscall_number(name) && u64::from(number) == call
        })
    };
    policy
        .notes
        .iter()
        .filter(|note| match note {
            Note::Shadowed {
                arch: a, name: n, ..
            }
            | Note::TruncatedValue {
                arch: a, name: n, ..
            } => *a == arch && n == name,
            Note::MultiplexedConditions {
                arch: a, name: n, ..
            } => *a == arch && (n == name || (multiplexer && multiplexes(n))),
            Note::UnknownName { .. } | Note::SameAsDefault { .. } => false,
        })
        .map(|note| note.to_string())
        .collect()
}

/// Lists every rule naming `name` that did not decide, with the reason.
fn left_out(
    profile: &Profile,
    resolved: &crate::resolve::Resolved,
    policy: &Policy,
    query: &Query,
    name: &str,
    nr: u32,
    by: DecidedBy,
) -> Vec<LeftOut> {
    let deciding = match by {
        DecidedBy::Rule(origin) => Some(origin.source_index),
        _ => None,
    };
    let mut out = Vec::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        if Some(index) == deciding || !rule.effective_names().iter().any(|n| n == name) {
            continue;
        }
        let reason =
            if let Some(dropped) = resolved.dropped.iter().find(|d| d.source_index == index) {
                dropped.reason.to_string()
            } else {
                policy_reason(policy, query, name, nr, index, by)
            };
        out.push(LeftOut {
            index,
            rule: rule.clone(),
            reason,
        });
    }
    out
}

fn policy_reason(
    policy: &Policy,
    query: &Query,
    name: &str,
    nr: u32,
    index: usize,
    by: DecidedBy,
) -> String {
    match by {
        DecidedBy::BadArch => return format!("{} is not an architecture of this filter", query.arch),
        DecidedBy::Enosys { max } => {
            return format!("runc's ENOSYS rule answers first: {nr} is above {max}, the largest syscall the profile names on {}", query.arch)
        }
        DecidedBy::EnosysZero => return "runc's ENOSYS rule answers nr 0 on s390 first".to_string(),
        _ => {}
    }
    for note in &policy.notes {
        match note {
            Note::SameAsDefault { origin, .. } if origin.source_index == index => {
                return "its action equals the default action, so runc drops it".to_string()
            }
            Note::Shadowed {
                arch,
                name: n,
                origin,
                by,
            } if origin.source_index == index && *arch == query.arch && n == name => {
                return format!(
                    "the unconditional rule syscalls[{}] already decides {name}",
                    by.source_index
                )
            }
            _ => {}
        }
    }
    let Some(abi) = policy.abi(query.arch) else {
        return format!("{} is not an architecture of this filter", query.arch);
    };
    if let Some(SyscallPolicy::Conditional(rules)) = abi.syscalls.get(&nr) {
        let mine: Vec<_> = rules
            .iter()
            .filter(|r| r.origin.source_index == index)
            .collect();
        if !mine.is_empty() {
            let failed: Vec<String> = mine
                .iter()
                .flat_map(|r| r.conditions.iter())
                .filter(|c| !condition_holds(c, query.args, abi.low_word_only))
                .map(|c| c.to_string())
                .collect();
            if failed.is_empty() {
                return "an earlier rule in libseccomp's order matched first".to_string();
            }
            return format!("its conditions do not hold: {}", failed.join(", "));
        }
    }
    "it does not apply to these arguments".to_string()
}

fn filter_json(filter: &Filter) -> Value {
    let mut object = serde_json::Map::new();
    if !filter.caps.is_empty() {
        object.insert("caps".into(), json!(filter.caps));
    }
    if !filter.arches.is_empty() {
        object.insert("arches".into(), json!(filter.arches));
    }
    if let Some(k) = filter.min_kernel {
        object.insert("minKernel".into(), json!(k.to_string()));
    }
    Value::Object(object)
}

fn rule_json(index: usize, rule: &Rule) -> Value {
    json!({
        "index": index,
        "names": rule.effective_names(),
        "action": rule.action.name(),
        "errnoRet": rule.errno_ret,
        "args": rule.args.iter().map(|a| json!({
            "index": a.index, "value": a.value, "valueTwo": a.value_two, "op": a.op.name(),
        })).collect::<Vec<_>>(),
        "comment": rule.comment,
        "includes": filter_json(&rule.includes),
        "excludes": filter_json(&rule.excludes),
        "line": rule.location.line,
        "column": rule.location.column,
    })
}

fn decided_by_text(by: DecidedBy) -> &'static str {
    match by {
        DecidedBy::BadArch => "bad_arch",
        DecidedBy::Enosys { .. } | DecidedBy::EnosysZero => "enosys",
        DecidedBy::Rule(_) => "rule",
        DecidedBy::Default => "default",
    }
}

fn errno_of(decision: Decision) -> Option<u16> {
    (decision.action == crate::profile::Action::Errno).then_some(decision.data)
}

impl Explanation {
    /// Returns the explanation as JSON: `syscall`, `arch`, `nr`, `action`
    /// (`SCMP_ACT_*`), `errno` (for ERRNO), `rule`, `bpf_action`, and more.
    pub fn to_json(&self) -> Value {
        let bpf_action = self.bpf.as_ref().ok().map(|d| d.action.name());
        json!({
            "syscall": self.syscall,
            "arch": self.arch.name(),
            "nr": self.nr,
            "args": self.args,
            "action": self.decision.action.name(),
            "errno": errno_of(self.decision),
            "data": self.decision.data,
            "decided_by": decided_by_text(self.decided_by),
            "enosys_max": match self.decided_by { DecidedBy::Enosys { max } => Some(max), _ => None },
            "rule": self.rule.as_ref().map(|r| rule_json(r.index, &r.rule)),
            "left_out": self.left_out.iter().map(|l| {
                let mut value = rule_json(l.index, &l.rule);
                value["reason"] = json!(l.reason);
                value
            }).collect::<Vec<_>>(),
            "bpf_action": bpf_action,
            "bpf_errno": self.bpf.as_ref().ok().and_then(|d| errno_of(*d)),
            "bpf_error": self.bpf.as_ref().err(),
            "agrees": self.agrees(),
            "unconfined": self.unconfined,
            "notes": self.notes,
        })
    }

    /// Returns whether the emulated filter gives the model's decision.
    pub fn agrees(&self) -> bool {
        match &self.bpf {
            Ok(decision) => *decision == self.decision,
            Err(_) => self.unconfined,
        }
    }
}

fn describe_rule(out: &mut String, index: usize, rule: &Rule) {
    let _ = write!(
        out,
        "syscalls[{index}] at line {}: {} for {}",
        rule.location.line,
        rule.action,
        rule.effective_names().join(", ")
    );
    if let Some(errno) = rule.errno_ret {
        let _ = write!(out, " (errnoRet {errno})");
    }
    if !rule.args.is_empty() {
        let conditions: Vec<String> = rule.args.iter().map(|a| a.to_string()).collect();
        let _ = write!(out, " when {}", conditions.join(" and "));
    }
    let mut filters = Vec::new();
    if !rule.includes.is_empty() {
        filters.push(format!("includes {}", filter_json(&rule.includes)));
    }
    if !rule.excludes.is_empty() {
        filters.push(format!("excludes {}", filter_json(&rule.excludes)));
    }
    if !filters.is_empty() {
        let _ = write!(out, "; {}", filters.join("; "));
    }
    if let Some(comment) = rule.comment.as_deref().filter(|c| !c.is_empty()) {
        let _ = write!(out, "\n      {comment}");
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} (nr {}, {}) -> {}",
            self.syscall, self.nr, self.arch, self.decision
        );
        let _ = write!(out, "  decided by: ");
        match (self.decided_by, &self.rule) {
            (DecidedBy::Rule(_), Some(info)) => describe_rule(&mut out, info.index, &info.rule),
            (DecidedBy::Default, _) if self.unconfined => {
                out.push_str("nothing: the profile disables seccomp")
            }
            (DecidedBy::Default, _) => {
                let _ = write!(out, "the default action {} (no rule matched)", self.default);
            }
            (DecidedBy::Enosys { max }, _) => {
                let _ = write!(out, "runc's ENOSYS rule: {} is above {max}, the largest syscall the profile names on {}", self.nr, self.arch);
            }
            (DecidedBy::EnosysZero, _) => out.push_str("runc's ENOSYS rule for nr 0 on s390"),
            (DecidedBy::BadArch, _) => {
                let _ = write!(
                    out,
                    "the bad-architecture action: {} is not an architecture of this filter",
                    self.arch
                );
            }
            (DecidedBy::Rule(_), None) => out.push_str("a rule"),
        }
        out.push('\n');
        if !self.left_out.is_empty() {
            out.push_str("  left out:\n");
            for left in &self.left_out {
                out.push_str("    ");
                describe_rule(&mut out, left.index, &left.rule);
                let _ = writeln!(out, "\n      -> {}", left.reason);
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        match &self.bpf {
            Ok(decision) => {
                let verdict = if self.agrees() {
                    "agrees"
                } else {
                    "DISAGREES with the model"
                };
                let _ = writeln!(out, "  compiled filter (emulated): {decision} ({verdict})");
            }
            Err(err) => {
                let _ = writeln!(out, "  compiled filter: {err}");
            }
        }
        f.write_str(&out)
    }
}

/// The decision for one syscall under every capability set that can change
/// it, from [`explain_all_caps`].
#[derive(Clone, Debug)]
pub struct CapsExplanation {
    /// The capability sets, in the order of [`capability_sets`]: the query's
    /// set, that set plus or minus each capability the profile names, all.
    pub sets: Vec<CapabilitySet>,
    /// One explanation per entry of `sets`.
    pub explanations: Vec<Explanation>,
}

/// A decision and the capability sets that give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionGroup {
    pub decision: Decision,
    /// Indices into [`CapsExplanation::sets`].
    pub sets: Vec<usize>,
    /// The profile rules that decide, by index in `syscalls`. The list is
    /// empty when the default action (or runc's ENOSYS rule) decides.
    pub rules: Vec<usize>,
}

/// Explains `query` under its own capability set, that set plus each
/// capability the profile's `includes.caps`/`excludes.caps` name (minus
/// those it already has), and all capabilities.
///
/// ```
/// use seccomp_kit::analysis::explain::{explain_all_caps, Query, SyscallRef};
/// use seccomp_kit::{arch::Arch, caps::CapSet, profile::{default_profile, KernelVersion}};
///
/// let query = Query::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8), SyscallRef::Name("reboot".into()));
/// let all = explain_all_caps(&default_profile(), &query).unwrap();
/// let groups = all.groups();
/// assert_eq!(groups.len(), 2);
/// assert_eq!(all.describe_sets(&groups[1].sets), "with CAP_SYS_BOOT");
/// ```
///
/// # Errors
///
/// Those of [`explain`], for the first capability set that fails.
pub fn explain_all_caps(profile: &Profile, query: &Query) -> Result<CapsExplanation, ExplainError> {
    let base_label = if query.target.caps == CapSet::docker_default() {
        "default"
    } else {
        "given"
    };
    let sets = capability_sets(
        &query.target.caps,
        base_label,
        &mentioned_capabilities(profile),
    );
    let mut explanations = Vec::with_capacity(sets.len());
    for set in &sets {
        let mut one = query.clone();
        one.target.caps = set.caps.clone();
        explanations.push(explain(profile, &one)?);
    }
    Ok(CapsExplanation { sets, explanations })
}

impl CapsExplanation {
    /// Returns the distinct decisions, in order of first appearance, each
    /// with the capability sets that give it.
    pub fn groups(&self) -> Vec<DecisionGroup> {
        let mut groups: Vec<DecisionGroup> = Vec::new();
        for (i, explanation) in self.explanations.iter().enumerate() {
            let rule = explanation.rule.as_ref().map(|r| r.index);
            let group = match groups
                .iter_mut()
                .position(|g| g.decision == explanation.decision)
            {
                Some(position) => &mut groups[position],
                None => {
                    groups.push(DecisionGroup {
                        decision: explanation.decision,
                        sets: Vec::new(),
                        rules: Vec::new(),
                    });
                    groups.last_mut().expect("a group was just pushed")
                }
            };
            group.sets.push(i);
            if let Some(rule) = rule.filter(|r| !group.rules.contains(r)) {
                group.rules.push(rule);
            }
        }
        groups
    }

    /// Describes some of the sets: "with CAP_SYS_BOOT", "without
    /// CAP_SYS_ADMIN", "any capabilities", one label or a list.
    pub fn describe_sets(&self, sets: &[usize]) -> String {
        describe_cap_sets(&self.sets, sets)
    }

    /// Returns JSON: `syscall`, `arch`, `nr`, `args`, `decisions` (each with
    /// `action`, `errno`, `capability_sets`, `where` and `rules`) and
    /// `capability_sets` (each set with its own `explanation`).
    pub fn to_json(&self) -> Value {
        let first = self.explanations.first();
        let decisions: Vec<Value> = self
            .groups()
            .iter()
            .map(|g| {
                json!({
                    "action": g.decision.action.name(),
                    "errno": errno_of(g.decision),
                    "data": g.decision.data,
                    "capability_sets": g.sets.iter().map(|&i| &self.sets[i].label).collect::<Vec<_>>(),
                    "where": self.describe_sets(&g.sets),
                    "rules": g.rules,
                })
            })
            .collect();
        json!({
            "syscall": first.map(|e| e.syscall.clone()),
            "arch": first.map(|e| e.arch.name()),
            "nr": first.map(|e| e.nr),
            "args": first.map(|e| e.args),
            "decisions": decisions,
            "capability_sets": self.sets.iter().zip(&self.explanations).map(|(set, explanation)| json!({
                "label": set.label,
                "caps": set.caps.iter().collect::<Vec<_>>(),
                "explanation": explanation.to_json(),
            })).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for CapsExplanation {
    /// Writes one line per distinct decision with the capability sets that
    /// give it and the rules that decide.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.explanations.first() else {
            return Ok(());
        };
        writeln!(f, "{} (nr {}, {}):", first.syscall, first.nr, first.arch)?;
        for group in self.groups() {
            let by = if group.rules.is_empty() {
                let first = &self.explanations[group.sets[0]];
                match first.decided_by {
                    DecidedBy::Enosys { .. } | DecidedBy::EnosysZero => "runc's ENOSYS rule",
                    DecidedBy::BadArch => "the bad-architecture action",
                    DecidedBy::Default if first.unconfined => {
                        "nothing: the profile disables seccomp"
                    }
                    DecidedBy::Default | DecidedBy::Rule(_) => "the default action",
                }
                .to_string()
            } else {
                let rules: Vec<String> = group
                    .rules
                    .iter()
                    .map(|&i| {
                        let line = self.explanations.iter().find_map(|e| {
                            e.rule
                                .as_ref()
                                .filter(|r| r.index == i)
                                .map(|r| r.rule.location.line)
                        });
                        match line {
                            Some(line) => format!("syscalls[{i}] at line {line}"),
                            None => format!("syscalls[{i}]"),
                        }
                    })
                    .collect();
                rules.join(", ")
            };
            writeln!(
                f,
                "  {}: {} (decided by {by})",
                group.decision,
                self.describe_sets(&group.sets)
            )?;
        }
        Ok(())
    }
}
