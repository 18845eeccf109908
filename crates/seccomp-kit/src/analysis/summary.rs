//! Per-syscall summaries of a policy: what each syscall name gets on one
//! ABI, as a fixed decision or as conditional rules with a fallback. The
//! matrix, diff and docs analyses compare these.
//!
//! ```
//! use seccomp_kit::analysis::summary::{summarize, Summary};
//! use seccomp_kit::{arch::Arch, caps::CapSet, profile::{default_profile, KernelVersion}};
//! use seccomp_kit::{policy::{Policy, PolicyOptions}, resolve::{resolve, Target}};
//!
//! let target = Target::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8));
//! let resolved = resolve(&default_profile(), &target).unwrap().unwrap();
//! let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).unwrap();
//! let summary = summarize(&policy, Arch::X86_64);
//! assert!(matches!(summary["clone"], Summary::Conditional { .. }));
//! ```

use crate::arch::Arch;
use crate::policy::{Decision, Policy, SyscallPolicy, ENOSYS};
use crate::profile::ArgCondition;
use std::collections::BTreeMap;

/// The decision one syscall gets on one ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Summary {
    /// The same decision whatever the arguments: an unconditional rule, the
    /// default action, runc's ENOSYS rule or the bad-architecture action.
    Fixed(Decision),
    /// Argument-dependent: the first matching rule decides, else `otherwise`.
    Conditional {
        rules: Vec<(Vec<ArgCondition>, Decision)>,
        otherwise: Decision,
    },
}

impl Summary {
    /// The decision when no argument condition is true (for `Fixed`, the decision).
    pub fn fallback(&self) -> Decision {
        match self {
            Summary::Fixed(decision) => *decision,
            Summary::Conditional { otherwise, .. } => *otherwise,
        }
    }
}

/// Summarises every syscall of `arch`'s table under `policy`, by name. An
/// ABI the filter does not cover gets the bad-architecture action.
pub fn summarize(policy: &Policy, arch: Arch) -> BTreeMap<&'static str, Summary> {
    let Some(abi) = policy.abi(arch) else {
        return arch
            .syscalls()
            .into_iter()
            .map(|(name, _)| (name, Summary::Fixed(policy.bad_arch)))
            .collect();
    };
    let enosys = Decision::errno(ENOSYS as u16);
    arch.syscalls()
        .into_iter()
        .map(|(name, nr)| {
            let summary =
                if abi.enosys_above.is_some_and(|max| nr > max) || (abi.enosys_zero && nr == 0) {
                    Summary::Fixed(enosys)
                } else {
                    match abi.syscalls.get(&nr) {
                        None => Summary::Fixed(policy.default),
                        Some(SyscallPolicy::Always(decision, _)) => Summary::Fixed(*decision),
                        Some(SyscallPolicy::Conditional(rules)) => Summary::Conditional {
                            rules: rules
                                .iter()
                                .map(|r| (r.conditions.clone(), r.decision))
                                .collect(),
                            otherwise: policy.default,
                        },
                    }
                };
            (name, summary)
        })
        .collect()
}
