//! The policy model: for each ABI of a filter and each syscall number, the
//! decision as a function of the six arguments, with the semantics runc and
//! libseccomp give a resolved profile. Every compiled filter is checked
//! against this model by emulation.
//!
//! The rules, as runc (1.1–1.3) and libseccomp (2.5) apply them:
//! - the filter covers the host's native ABI plus the resolved architectures;
//!   any other ABI gets the bad-architecture action (KILL_THREAD by default);
//! - a rule's action and errno equal to the default action is dropped;
//! - names an ABI does not know are skipped;
//! - conditions with distinct argument indices are ANDed; when an index
//!   repeats, every condition of the rule becomes a rule of its own (OR);
//! - the first unconditional rule for a syscall decides it; otherwise the
//!   conditional rules are tried in libseccomp's order (see [`order`]), and the
//!   first one that matches decides; two with identical conditions and
//!   different actions are an error;
//! - comparisons are unsigned 64-bit on 64-bit ABIs and compare only the low
//!   32 bits (with the value truncated) on x86 and x32, as libseccomp does;
//! - runc's ENOSYS rule: numbers above the largest syscall the profile names
//!   on an ABI return ENOSYS unless the default action is ALLOW, LOG or TRACE
//!   or the default errno is already ENOSYS.
//!
//! ```
//! use seccomp_kit::{arch::Arch, caps::CapSet, profile::{default_profile, KernelVersion}};
//! use seccomp_kit::{policy::{Policy, PolicyOptions}, resolve::{resolve, Target}};
//!
//! let target = Target::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8));
//! let resolved = resolve(&default_profile(), &target).unwrap().unwrap();
//! let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).unwrap();
//! let mount = Arch::X86_64.syscall_number("mount").unwrap();
//! let verdict = policy.decide(Arch::X86_64.audit_arch(), mount, [0; 6]);
//! assert_eq!(verdict.decision.to_string(), "SCMP_ACT_ERRNO(1)");
//! ```

pub(crate) mod build;
pub mod order;

pub use build::{PolicyError, MAX_ERRNO_DATA};

use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::profile::{Action, ArgCondition, Operator};
use std::collections::BTreeMap;
use std::fmt;

/// errno values used by the model.
pub const EPERM: u32 = 1;
pub const ENOSYS: u32 = 38;

/// The kernel's response to one syscall: an action and, for ERRNO and
/// TRACE, its 16-bit data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    /// Never [`Action::Kill`]: it is stored as [`Action::KillThread`].
    pub action: Action,
    /// The errno (ERRNO) or tracer message (TRACE); 0 for other actions.
    pub data: u16,
}

impl Decision {
    pub const ALLOW: Decision = Decision {
        action: Action::Allow,
        data: 0,
    };
    pub const KILL_THREAD: Decision = Decision {
        action: Action::KillThread,
        data: 0,
    };

    /// Creates a decision, mapping KILL to KILL_THREAD and dropping data for
    /// actions that carry none.
    pub fn new(action: Action, data: u16) -> Decision {
        let action = if action == Action::Kill {
            Action::KillThread
        } else {
            action
        };
        let data = if action.takes_errno() { data } else { 0 };
        Decision { action, data }
    }

    pub fn errno(errno: u16) -> Decision {
        Decision::new(Action::Errno, errno)
    }

    /// Returns the value a filter returns for this decision (`SECCOMP_RET_*`).
    pub fn ret_value(self) -> u32 {
        let base = match self.action {
            Action::KillProcess => 0x8000_0000,
            Action::Kill | Action::KillThread => 0,
            Action::Trap => 0x0003_0000,
            Action::Errno => 0x0005_0000,
            Action::Notify => 0x7fc0_0000,
            Action::Trace => 0x7ff0_0000,
            Action::Log => 0x7ffc_0000,
            Action::Allow => 0x7fff_0000,
        };
        base | u32::from(self.data)
    }

    /// Decodes a filter's return value; unknown actions are KILL_PROCESS, as
    /// in the kernel.
    pub fn from_ret_value(value: u32) -> Decision {
        let data = (value & 0xffff) as u16;
        let action = match value & 0xffff_0000 {
            0x0000_0000 => Action::KillThread,
            0x0003_0000 => Action::Trap,
            0x0005_0000 => Action::Errno,
            0x7fc0_0000 => Action::Notify,
            0x7ff0_0000 => Action::Trace,
            0x7ffc_0000 => Action::Log,
            0x7fff_0000 => Action::Allow,
            _ => Action::KillProcess,
        };
        Decision::new(action, data)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.action.takes_errno() {
            write!(f, "{}({})", self.action.name(), self.data)
        } else {
            f.write_str(self.action.name())
        }
    }
}

/// The origin of a policy rule in the resolved section and the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleOrigin {
    /// Index in the resolved rules.
    pub resolved_index: usize,
    /// Index in the profile's `syscalls`.
    pub source_index: usize,
}

/// A conditional rule after runc's flattening: conditions on distinct
/// arguments, all of which must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionalRule {
    pub conditions: Vec<ArgCondition>,
    pub decision: Decision,
    pub origin: RuleOrigin,
}

/// The rules for one syscall number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyscallPolicy {
    /// Decided by an unconditional rule.
    Always(Decision, RuleOrigin),
    /// Decided by the first matching rule in order, else the default action.
    Conditional(Vec<ConditionalRule>),
}

/// The model of one ABI's part of the filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbiPolicy {
    pub arch: Arch,
    /// Rules by the `nr` in `seccomp_data` (x32 numbers include the x32 bit).
    pub syscalls: BTreeMap<u32, SyscallPolicy>,
    /// runc's ENOSYS rule: numbers above this one return ENOSYS.
    pub enosys_above: Option<u32>,
    /// runc also returns ENOSYS for `nr` 0 (the `setup` multiplexer) on s390
    /// and s390x when its ENOSYS rule is active.
    pub enosys_zero: bool,
    /// Whether arguments are compared as 32-bit values (libseccomp's view of
    /// x86, x32 and other 32-bit ABIs).
    pub low_word_only: bool,
}

/// How to handle syscall numbers newer than the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnosysMode {
    /// runc's rule: numbers above the largest syscall the profile names on
    /// an ABI get ENOSYS.
    Runc,
    /// Every syscall in seccomp-kit's table for the ABI gets the profile's
    /// decision (the default action when unnamed), and only numbers above
    /// the table's largest get ENOSYS. Unlike runc's rule, this does not
    /// depend on which syscalls a profile happens to name.
    Tables,
    /// No ENOSYS handling (crun, youki, or plain libseccomp).
    Off,
}

/// Settings of [`Policy::build`].
#[derive(Clone, Debug)]
pub struct PolicyOptions {
    /// The host (the runtime's native ABI), which libseccomp always filters.
    pub host_arch: Arch,
    pub enosys: EnosysMode,
    /// The decision for a syscall from an ABI outside the filter.
    pub bad_arch: Decision,
}

impl PolicyOptions {
    /// runc's defaults: ENOSYS rule on, KILL_THREAD for other ABIs.
    pub fn new(host_arch: Arch) -> PolicyOptions {
        PolicyOptions {
            host_arch,
            enosys: EnosysMode::Runc,
            bad_arch: Decision::KILL_THREAD,
        }
    }
}

/// Something the model did that a user should know about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// The ABI has no syscall of this name; runc skips it.
    UnknownName {
        arch: Arch,
        name: String,
        origin: RuleOrigin,
    },
    /// The rule's action equals the default action; runc drops it.
    SameAsDefault {
        names: Vec<String>,
        origin: RuleOrigin,
    },
    /// An earlier unconditional rule decides this syscall; this rule never applies.
    Shadowed {
        arch: Arch,
        name: String,
        origin: RuleOrigin,
        by: RuleOrigin,
    },
    /// A conditional ALLOW or LOG rule on a call that this ABI also reaches
    /// through `socketcall` or `ipc`, whose arguments the filter cannot read.
    /// runc + libseccomp allow the multiplexed call without the conditions;
    /// the model does not.
    MultiplexedConditions {
        arch: Arch,
        name: String,
        origin: RuleOrigin,
    },
    /// A value does not fit 32 bits, and libseccomp truncates it on this ABI.
    TruncatedValue {
        arch: Arch,
        name: String,
        value: u64,
        origin: RuleOrigin,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::UnknownName { arch, name, origin } => write!(
                f,
                "syscalls[{}]: {name:?} is not a syscall on {arch}; the name is skipped there",
                origin.source_index
            ),
            Note::SameAsDefault { names, origin } => write!(
                f,
                "syscalls[{}] ({}): the action equals the default action, so runc drops the rule",
                origin.source_index,
                names.join(", ")
            ),
            Note::Shadowed { arch, name, origin, by } => write!(
                f,
                "syscalls[{}]: {name} on {arch} is already decided by the unconditional rule syscalls[{}]; this rule never applies",
                origin.source_index, by.source_index
            ),
            Note::MultiplexedConditions { arch, name, origin } => write!(
                f,
                "syscalls[{}]: {name} on {arch} is also reachable through {}, where the filter cannot read its arguments; runc + libseccomp would allow {name} that way without checking the rule's conditions, seccomp-kit adds no rule there",
                origin.source_index,
                if crate::policy::build::is_ipc_call(name) { "ipc" } else { "socketcall" }
            ),
            Note::TruncatedValue { arch, name, value, origin } => write!(
                f,
                "syscalls[{}]: {name} on {arch} compares 32-bit arguments, so libseccomp truncates {value:#x} to {:#x}",
                origin.source_index,
                value & 0xffff_ffff
            ),
        }
    }
}

/// The decision model for every ABI of one filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub default: Decision,
    pub bad_arch: Decision,
    /// In filter order: the host ABI first, then the resolved architectures.
    pub abis: Vec<AbiPolicy>,
    pub notes: Vec<Note>,
}

/// The source of a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// The ABI is not in the filter (or x32/x86_64 numbering does not match).
    BadArch,
    /// runc's ENOSYS rule; the number is above this largest named syscall.
    Enosys { max: u32 },
    /// runc's ENOSYS rule for `nr` 0 on s390 and s390x.
    EnosysZero,
    /// A rule of the profile.
    Rule(RuleOrigin),
    /// No rule matched.
    Default,
}

/// The outcome of a syscall number before its arguments are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'p> {
    /// Decided whatever the arguments.
    Fixed(Verdict),
    /// The first of these rules that matches decides, else the default action.
    Rules {
        abi: &'p AbiPolicy,
        rules: &'p [ConditionalRule],
    },
}

/// A decision and the reason for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub by: DecidedBy,
    /// The ABI whose rules applied, if any.
    pub arch: Option<Arch>,
}

impl Policy {
    /// Builds the model of `resolved` as runc would install it.
    pub fn build(
        resolved: &crate::resolve::Resolved,
        options: &PolicyOptions,
    ) -> Result<Policy, PolicyError> {
        build::build(resolved, options)
    }

    /// Returns the ABI policy for `arch`, if the filter covers it.
    pub fn abi(&self, arch: Arch) -> Option<&AbiPolicy> {
        self.abis.iter().find(|a| a.arch == arch)
    }

    /// Decides a syscall as the kernel would see it: `audit_arch` and `nr`
    /// from `seccomp_data`, and its six arguments.
    pub fn decide(&self, audit_arch: u32, nr: u32, args: [u64; 6]) -> Verdict {
        match self.outcome(audit_arch, nr) {
            Outcome::Fixed(verdict) => verdict,
            Outcome::Rules { abi, rules } => rules
                .iter()
                .find(|rule| {
                    rule.conditions
                        .iter()
                        .all(|c| condition_holds(c, args, abi.low_word_only))
                })
                .map_or(
                    Verdict {
                        decision: self.default,
                        by: DecidedBy::Default,
                        arch: Some(abi.arch),
                    },
                    |rule| Verdict {
                        decision: rule.decision,
                        by: DecidedBy::Rule(rule.origin),
                        arch: Some(abi.arch),
                    },
                ),
        }
    }

    /// Returns what `(audit_arch, nr)` leads to before any argument is read:
    /// a fixed verdict, or the conditional rules that decide it.
    pub fn outcome(&self, audit_arch: u32, nr: u32) -> Outcome<'_> {
        let bad_arch = Outcome::Fixed(Verdict {
            decision: self.bad_arch,
            by: DecidedBy::BadArch,
            arch: None,
        });
        let Some(abi) = self.route(audit_arch, nr) else {
            return bad_arch;
        };

        let fixed = |decision: Decision, by: DecidedBy| {
            Outcome::Fixed(Verdict {
                decision,
                by,
                arch: Some(abi.arch),
            })
        };
        let enosys = Decision::errno(ENOSYS as u16);

        // x86_64 without x32: libseccomp sends numbers with the x32 bit to
        // the bad-arch action, except −1, which tracers use to skip a call.
        // runc's ENOSYS rule skips those numbers too.
        let skips_enosys = abi.arch == Arch::X86_64 && nr & X32_SYSCALL_BIT != 0;
        if skips_enosys && nr != u32::MAX {
            return bad_arch;
        }
        if let Some(max) = abi.enosys_above.filter(|&max| nr > max && !skips_enosys) {
            return fixed(enosys, DecidedBy::Enosys { max });
        }
        if abi.enosys_zero && nr == 0 {
            return fixed(enosys, DecidedBy::EnosysZero);
        }

        match abi.syscalls.get(&nr) {
            None => fixed(self.default, DecidedBy::Default),
            Some(SyscallPolicy::Always(decision, origin)) => {
                fixed(*decision, DecidedBy::Rule(*origin))
            }
            Some(SyscallPolicy::Conditional(rules)) => Outcome::Rules { abi, rules },
        }
    }

    /// Returns the ABI section a `(audit_arch, nr)` pair runs in.
    fn route(&self, audit_arch: u32, nr: u32) -> Option<&AbiPolicy> {
        if audit_arch == Arch::X86_64.audit_arch() {
            let x32 = self.abi(Arch::X32);
            let x86_64 = self.abi(Arch::X86_64);
            return match (nr & X32_SYSCALL_BIT != 0, x86_64, x32) {
                (true, _, Some(x32)) => Some(x32),
                (true, Some(x86_64), None) => Some(x86_64),
                (false, Some(x86_64), _) => Some(x86_64),
                _ => None,
            };
        }
        self.abis.iter().find(|a| a.arch.audit_arch() == audit_arch)
    }
}

/// Returns why the kernel may run syscall `nr` of `arch` without consulting
/// any seccomp filter, if it does on some kernels.
///
/// x86_64 kernels let `uretprobe` (335) and `uprobe` (336) through before the
/// filters run (`seccomp_uprobe_exception()` in `kernel/seccomp.c`): they are
/// only ever issued by the kernel's own uprobe trampolines. On such kernels
/// the profile's decision for them has no effect.
///
/// ```
/// use seccomp_kit::{arch::Arch, policy::kernel_exemption};
///
/// assert!(kernel_exemption(Arch::X86_64, 336).is_some());
/// assert!(kernel_exemption(Arch::X86_64, 39).is_none());
/// ```
pub fn kernel_exemption(arch: Arch, nr: u32) -> Option<&'static str> {
    if arch != Arch::X86_64 {
        return None;
    }
    match arch.syscall_name(nr)? {
        "uretprobe" | "uprobe" => Some(
            "recent x86_64 kernels run this syscall without consulting seccomp filters \
             (seccomp_uprobe_exception() in kernel/seccomp.c), so on them the decision \
             above has no effect",
        ),
        _ => None,
    }
}

/// Evaluates one condition; on low-word ABIs both the argument and the value
/// are cut to 32 bits, as libseccomp compares them.
pub fn condition_holds(condition: &ArgCondition, args: [u64; 6], low_word_only: bool) -> bool {
    let width_mask = if low_word_only { 0xffff_ffff } else { u64::MAX };
    let arg = args[usize::from(condition.index)] & width_mask;
    let value = condition.value & width_mask;
    match condition.op {
        Operator::NotEqual => arg != value,
        Operator::LessThan => arg < value,
        Operator::LessOrEqual => arg <= value,
        Operator::Equal => arg == value,
        Operator::GreaterOrEqual => arg >= value,
        Operator::GreaterThan => arg > value,
        // libseccomp masks the expected value too (`datum &= mask`).
        Operator::MaskedEqual => arg & value == condition.value_two & value,
    }
}
