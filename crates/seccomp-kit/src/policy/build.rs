//! Builds a [`Policy`] from a resolved section, following runc's rule
//! translation (`libcontainer/seccomp/seccomp_linux.go`) and libseccomp's rule
//! merging (`src/db.c`).

use super::{
    order, AbiPolicy, ConditionalRule, Decision, EnosysMode, Note, Policy, PolicyOptions,
    RuleOrigin, SyscallPolicy, ENOSYS, EPERM,
};
use crate::arch::Arch;
use crate::profile::{Action, ArgCondition};
use crate::resolve::Resolved;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A resolved section that runc or libseccomp would refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("syscalls[{first}] and syscalls[{second}] give {name} on {arch} identical argument conditions but different actions ({first_decision} and {second_decision}); libseccomp rejects this (EEXIST) and runc fails to start the container; make the conditions differ or the actions equal")]
    Conflict {
        arch: Arch,
        name: String,
        first: usize,
        second: usize,
        first_decision: Decision,
        second_decision: Decision,
    },
    #[error("syscalls[{index}]: errnoRet {errno} is too large: libseccomp accepts errno values up to {max} and runc fails to start the container; use a smaller errno", max = MAX_ERRNO_DATA)]
    ErrnoTooLarge { index: usize, errno: u32 },
    #[error("defaultErrnoRet {0} is too large: libseccomp accepts errno values up to {max} and runc fails to start the container; use a smaller errno", max = MAX_ERRNO_DATA)]
    DefaultErrnoTooLarge(u32),
    #[error("the filter would mix byte orders ({first} is {first_order}, {other} is {other_order}); libseccomp rejects that and runc fails to start the container; remove {other} from the architectures (or archMap entry)")]
    MixedByteOrder {
        first: Arch,
        first_order: &'static str,
        other: Arch,
        other_order: &'static str,
    },
    #[error("syscalls[{index}]: SCMP_ACT_NOTIFY on {name} is rejected by runc (the runtime itself needs write); use another action")]
    NotifyOnWrite { index: usize, name: String },
    #[error(
        "SCMP_ACT_NOTIFY as the default action is rejected by runc; use another default action"
    )]
    NotifyDefault,
}

/// Returns the decision of an action with its errno, as runc's `getAction`
/// computes it: a missing errno is EPERM.
/// The largest errno libseccomp accepts for ERRNO actions (`src/system.c`:
/// the data must be below `MAX_ERRNO`, 4095).
pub const MAX_ERRNO_DATA: u32 = 4094;

fn decision(action: Action, errno: Option<u32>) -> Option<Decision> {
    let errno = errno.unwrap_or(EPERM);
    let data = match action {
        Action::Errno if errno > MAX_ERRNO_DATA => return None,
        _ if action.takes_errno() => u16::try_from(errno).ok()?,
        _ => 0,
    };
    Some(Decision::new(action, data))
}

fn byte_order(arch: Arch) -> &'static str {
    if arch.is_big_endian() {
        "big-endian"
    } else {
        "little-endian"
    }
}

pub(super) fn build(resolved: &Resolved, options: &PolicyOptions) -> Result<Policy, PolicyError> {
    let default = decision(resolved.default_action, resolved.default_errno_ret).ok_or(
        PolicyError::DefaultErrnoTooLarge(resolved.default_errno_ret.unwrap_or(0)),
    )?;
    if default.action == Action::Notify {
        return Err(PolicyError::NotifyDefault);
    }

    // libseccomp's filter starts with the native ABI, and runc adds the
    // profile's architectures to it.
    let mut arches = vec![options.host_arch];
    for &arch in &resolved.architectures {
        if !arches.contains(&arch) {
            arches.push(arch);
        }
    }
    // libseccomp gives a filter the byte order of its first ABI and rejects
    // ABIs of the other order (`db_col_db_add`).
    if let Some(&other) = arches
        .iter()
        .find(|a| a.is_big_endian() != options.host_arch.is_big_endian())
    {
        let first = options.host_arch;
        return Err(PolicyError::MixedByteOrder {
            first,
            first_order: byte_order(first),
            other,
            other_order: byte_order(other),
        });
    }

    let mut notes = Vec::new();
    let mut abis = Vec::new();
    for &arch in &arches {
        abis.push(build_abi(arch, resolved, default, options, &mut notes)?);
    }
    for (resolved_index, rule) in resolved.rules.iter().enumerate() {
        let Some(rule_decision) = decision(rule.action, rule.errno_ret) else {
            continue;
        };
        if rule_decision == default {
            notes.push(Note::SameAsDefault {
                names: rule.names.clone(),
                origin: RuleOrigin {
                    resolved_index,
                    source_index: rule.source_index,
                },
            });
        }
    }

    Ok(Policy {
        default,
        bad_arch: options.bad_arch,
        abis,
        notes,
    })
}

/// Returns whether runc's ENOSYS rule applies to this profile (`patchbpf`).
fn enosys_applies(resolved: &Resolved, default: Decision) -> bool {
    let allowish = matches!(
        resolved.default_action,
        Action::Allow | Action::Log | Action::Trace
    );
    let already_enosys = default.action == Action::Errno && u32::from(default.data) == ENOSYS;
    !allowish && !already_enosys
}

/// The rules of one ABI while they are added in profile order.
struct AbiRules {
    arch: Arch,
    low_word_only: bool,
    unconditional: BTreeMap<u32, (Decision, RuleOrigin)>,
    conditional: BTreeMap<u32, ConditionalRules>,
    /// Rules added on `socketcall` or `ipc` for a multiplexed call, by
    /// (multiplexer number, resolved rule index). They are libseccomp's
    /// doing, not the profile's, so their shadowing is not reported.
    derived: HashSet<(u32, usize)>,
}

impl AbiRules {
    /// Adds a rule for `nr`: unconditional when `conjunctions` is `None`,
    /// else one conditional rule per conjunction. `derived` marks a rule
    /// on a multiplexer made from a rule on one of its calls.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        nr: u32,
        name: &str,
        conjunctions: Option<Vec<Vec<ArgCondition>>>,
        rule_decision: Decision,
        origin: RuleOrigin,
        derived: bool,
        notes: &mut Vec<Note>,
    ) -> Result<(), PolicyError> {
        let arch = self.arch;
        if derived {
            self.derived.insert((nr, origin.resolved_index));
        }
        if let Some(&(_, by)) = self.unconditional.get(&nr) {
            if derived || by == origin {
                return Ok(());
            }
            notes.push(Note::Shadowed {
                arch,
                name: name.to_string(),
                origin,
                by,
            });
            return Ok(());
        }
        let Some(conjunctions) = conjunctions else {
            // An unconditional rule replaces earlier conditional ones.
            if let Some(replaced) = self.conditional.remove(&nr) {
                let mut reported = HashSet::new();
                for shadowed in replaced.rules {
                    let from_multiplexing =
                        self.derived.contains(&(nr, shadowed.origin.resolved_index));
                    if from_multiplexing
                        || shadowed.origin == origin
                        || !reported.insert(shadowed.origin)
                    {
                        continue;
                    }
                    notes.push(Note::Shadowed {
                        arch,
                        name: name.to_string(),
                        origin: shadowed.origin,
                        by: origin,
                    });
                }
            }
            self.unconditional.insert(nr, (rule_decision, origin));
            return Ok(());
        };
        let rules = self.conditional.entry(nr).or_default();
        for conditions in conjunctions {
            let rule = ConditionalRule {
                conditions,
                decision: rule_decision,
                origin,
            };
            add_conditional(rules, rule, arch, name, self.low_word_only)?;
        }
        Ok(())
    }
}

fn build_abi(
    arch: Arch,
    resolved: &Resolved,
    default: Decision,
    options: &PolicyOptions,
    notes: &mut Vec<Note>,
) -> Result<AbiPolicy, PolicyError> {
    let low_word_only = !arch.is_64bit();
    let mut rules = AbiRules {
        arch,
        low_word_only,
        unconditional: BTreeMap::new(),
        conditional: BTreeMap::new(),
        derived: HashSet::new(),
    };
    let mut max_named: Option<u32> = None;

    for (resolved_index, rule) in resolved.rules.iter().enumerate() {
        let origin = RuleOrigin {
            resolved_index,
            source_index: rule.source_index,
        };
        let rule_decision =
            decision(rule.action, rule.errno_ret).ok_or(PolicyError::ErrnoTooLarge {
                index: rule.source_index,
                errno: rule.errno_ret.unwrap_or(0),
            })?;
        for name in &rule.names {
            if rule.action == Action::Notify && name == "write" {
                return Err(PolicyError::NotifyOnWrite {
                    index: rule.source_index,
                    name: name.clone(),
                });
            }
            let direct = arch.syscall_number(name);
            let multiplexed = multiplexer(arch, name);
            if direct.is_none() && multiplexed.is_none() {
                notes.push(Note::UnknownName {
                    arch,
                    name: name.clone(),
                    origin,
                });
                continue;
            }
            // runc takes the maximum over every rule, dropped or not, of the
            // numbers libseccomp resolves. On multiplexing ABIs libseccomp
            // resolves socket and SysV IPC names to negative pseudo-numbers
            // even where a direct syscall exists, so those never count.
            if let (Some(nr), None) = (direct, multiplexed) {
                max_named = Some(max_named.map_or(nr, |m| m.max(nr)));
            }
            if rule_decision == default {
                continue;
            }
            if low_word_only {
                note_truncated_values(arch, name, &rule.args, origin, notes);
            }
            if let Some(nr) = direct {
                let conjunctions = (!rule.args.is_empty()).then(|| split_conditions(&rule.args));
                rules.add(nr, name, conjunctions, rule_decision, origin, false, notes)?;
            }
            if let Some((multiplexer_nr, call)) = multiplexed {
                let Some(conjunctions) = multiplexed_conjunctions(&rule.args, call, rule_decision)
                else {
                    notes.push(Note::MultiplexedConditions {
                        arch,
                        name: name.clone(),
                        origin,
                    });
                    continue;
                };
                rules.add(
                    multiplexer_nr,
                    name,
                    Some(conjunctions),
                    rule_decision,
                    origin,
                    true,
                    notes,
                )?;
            }
        }
    }
    let AbiRules {
        unconditional,
        conditional,
        ..
    } = rules;

    let mut syscalls: BTreeMap<u32, SyscallPolicy> = unconditional
        .into_iter()
        .map(|(nr, (d, origin))| (nr, SyscallPolicy::Always(d, origin)))
        .collect();
    for (nr, ConditionalRules { mut rules, .. }) in conditional {
        order::sort(&mut rules, low_word_only);
        syscalls.insert(nr, SyscallPolicy::Conditional(rules));
    }

    let enosys_above = match options.enosys {
        _ if !enosys_applies(resolved, default) => None,
        // runc skips an ABI on which the profile names no syscall (largest 0).
        EnosysMode::Runc => max_named.filter(|&m| m != 0),
        EnosysMode::Tables => arch.max_syscall(),
        EnosysMode::Off => None,
    };
    Ok(AbiPolicy {
        arch,
        syscalls,
        enosys_above,
        enosys_zero: enosys_above.is_some() && matches!(arch, Arch::S390 | Arch::S390x),
        low_word_only,
    })
}

fn note_truncated_values(
    arch: Arch,
    name: &str,
    args: &[ArgCondition],
    origin: RuleOrigin,
    notes: &mut Vec<Note>,
) {
    for condition in args {
        let value = condition.value.max(condition.value_two);
        if value > u64::from(u32::MAX) {
            notes.push(Note::TruncatedValue {
                arch,
                name: name.to_string(),
                value,
                origin,
            });
        }
    }
}

/// The socket calls of `socketcall(2)` (`SYS_SOCKET` … in `linux/net.h`).
const SOCKET_CALLS: [(&str, u32); 20] = [
    ("socket", 1),
    ("bind", 2),
    ("connect", 3),
    ("listen", 4),
    ("accept", 5),
    ("getsockname", 6),
    ("getpeername", 7),
    ("socketpair", 8),
    ("send", 9),
    ("recv", 10),
    ("sendto", 11),
    ("recvfrom", 12),
    ("shutdown", 13),
    ("setsockopt", 14),
    ("getsockopt", 15),
    ("sendmsg", 16),
    ("recvmsg", 17),
    ("accept4", 18),
    ("recvmmsg", 19),
    ("sendmmsg", 20),
];

/// The SysV IPC calls of `ipc(2)` (`SEMOP` … in `linux/ipc.h`).
const IPC_CALLS: [(&str, u32); 12] = [
    ("semop", 1),
    ("semget", 2),
    ("semctl", 3),
    ("semtimedop", 4),
    ("msgsnd", 11),
    ("msgrcv", 12),
    ("msgget", 13),
    ("msgctl", 14),
    ("shmat", 21),
    ("shmdt", 22),
    ("shmget", 23),
    ("shmctl", 24),
];

/// Returns the multiplexer (`socketcall` or `ipc`) through which libseccomp
/// also filters `name` on `arch`, as the multiplexer's number and the call
/// number it takes in argument 0. Only the ABIs whose kernels multiplex these
/// calls have one: x86, s390, s390x, ppc, ppc64, ppc64le and MIPS o32.
pub(crate) fn multiplexer(arch: Arch, name: &str) -> Option<(u32, u32)> {
    let multiplexes = matches!(
        arch,
        Arch::X86
            | Arch::S390
            | Arch::S390x
            | Arch::Ppc
            | Arch::Ppc64
            | Arch::Ppc64le
            | Arch::Mips
            | Arch::Mipsel
    );
    if !multiplexes {
        return None;
    }
    let (table, multiplexer_name) =
        if let Some(&(_, call)) = SOCKET_CALLS.iter().find(|(n, _)| *n == name) {
            (call, "socketcall")
        } else {
            let &(_, call) = IPC_CALLS.iter().find(|(n, _)| *n == name)?;
            (call, "ipc")
        };
    Some((arch.syscall_number(multiplexer_name)?, table))
}

/// The rules libseccomp adds on the multiplexer for a rule on one of its
/// calls: argument 0 becomes the call number and the other conditions stay
/// in place, although the multiplexer's arguments 1–5 are not the call's
/// (argument 1 points to them in memory). For an unconditional rule this is
/// exactly the profile's intent. For a conditional ALLOW or LOG rule it allows
/// more than the profile says (every `socket` family, say), so the model adds
/// nothing and returns `None`; for stricter actions it follows libseccomp.
fn multiplexed_conjunctions(
    args: &[ArgCondition],
    call: u32,
    rule_decision: Decision,
) -> Option<Vec<Vec<ArgCondition>>> {
    let call_condition = ArgCondition {
        index: 0,
        value: u64::from(call),
        value_two: 0,
        op: crate::profile::Operator::Equal,
    };
    if args.is_empty() {
        return Some(vec![vec![call_condition]]);
    }
    if matches!(rule_decision.action, Action::Allow | Action::Log) {
        return None;
    }
    let conjunctions = split_conditions(args)
        .into_iter()
        .map(|conjunction| {
            let mut conditions = vec![call_condition];
            conditions.extend(conjunction.into_iter().filter(|c| c.index != 0));
            conditions
        })
        .collect();
    Some(conjunctions)
}

/// runc's flattening: conditions on distinct arguments stay one ANDed rule;
/// if any argument index repeats, every condition becomes a rule of its own.
fn split_conditions(args: &[ArgCondition]) -> Vec<Vec<ArgCondition>> {
    let repeated = args
        .iter()
        .enumerate()
        .any(|(i, a)| args[..i].iter().any(|b| b.index == a.index));
    if repeated {
        args.iter().map(|a| vec![*a]).collect()
    } else {
        vec![args.to_vec()]
    }
}

/// Compares conditions the way libseccomp does: on low-word ABIs only the
/// truncated values matter, and a MASKED_EQ value is pre-masked.
type CanonicalCondition = (u8, crate::profile::Operator, u64, u64);

fn canonical(conditions: &[ArgCondition], low_word_only: bool) -> Vec<CanonicalCondition> {
    let width = if low_word_only { 0xffff_ffff } else { u64::MAX };
    let mut out: Vec<_> = conditions
        .iter()
        .map(|c| {
            let value = c.value & width;
            let two = match c.op {
                crate::profile::Operator::MaskedEqual => c.value_two & c.value & width,
                _ => 0,
            };
            (c.index, c.op, value, two)
        })
        .collect();
    out.sort();
    out
}

/// A syscall's conditional rules with an index by canonical conditions.
#[derive(Default)]
struct ConditionalRules {
    rules: Vec<ConditionalRule>,
    by_conditions: HashMap<Vec<CanonicalCondition>, usize>,
}

fn add_conditional(
    set: &mut ConditionalRules,
    new: ConditionalRule,
    arch: Arch,
    name: &str,
    low_word_only: bool,
) -> Result<(), PolicyError> {
    let key = canonical(&new.conditions, low_word_only);
    if let Some(existing) = set.by_conditions.get(&key).map(|&i| &set.rules[i]) {
        if existing.decision != new.decision {
            return Err(PolicyError::Conflict {
                arch,
                name: name.to_string(),
                first: existing.origin.source_index,
                second: new.origin.source_index,
                first_decision: existing.decision,
                second_decision: new.decision,
            });
        }
        return Ok(());
    }
    set.by_conditions.insert(key, set.rules.len());
    set.rules.push(new);
    Ok(())
}

/// Returns whether `name` is one of the SysV IPC calls multiplexed by `ipc(2)`.
pub(crate) fn is_ipc_call(name: &str) -> bool {
    IPC_CALLS.iter().any(|(n, _)| *n == name)
}
