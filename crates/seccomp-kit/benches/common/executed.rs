//! Instructions a filter executes per syscall, counted by emulation, and the
//! policy model's classification of each syscall number.

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::{emulator, SeccompData, SockFilter};
use seccomp_kit::policy::{DecidedBy, Decision, Policy, SyscallPolicy, ENOSYS};
use seccomp_kit::profile::Action;

/// How the policy model decides a syscall number, for grouping the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// ALLOW whatever the arguments.
    Allowed,
    /// ERRNO with any errno but ENOSYS.
    Errno,
    /// ERRNO(ENOSYS), from a rule or from runc's rule for unknown numbers.
    Enosys,
    /// KILL_THREAD or KILL_PROCESS.
    Kill,
    /// TRAP, TRACE, LOG or NOTIFY.
    OtherAction,
    /// The decision depends on the arguments.
    ArgumentChecked,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Allowed,
        Group::Errno,
        Group::Enosys,
        Group::Kill,
        Group::OtherAction,
        Group::ArgumentChecked,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Allowed => "allowed",
            Group::Errno => "denied: ERRNO",
            Group::Enosys => "denied: ENOSYS",
            Group::Kill => "denied: KILL",
            Group::OtherAction => "other action",
            Group::ArgumentChecked => "argument-checked",
        }
    }

    pub fn is_denied(self) -> bool {
        matches!(self, Group::Errno | Group::Enosys | Group::Kill)
    }
}

/// Classifies syscall `nr` of `arch` by the policy model.
pub fn classify(policy: &Policy, arch: Arch, nr: u32) -> Group {
    let verdict = policy.decide(arch.audit_arch(), nr, [0; 6]);
    let conditional = match verdict.by {
        DecidedBy::Rule(_) | DecidedBy::Default => verdict
            .arch
            .and_then(|abi| policy.abi(abi))
            .and_then(|abi| abi.syscalls.get(&nr))
            .is_some_and(|rules| matches!(rules, SyscallPolicy::Conditional(_))),
        DecidedBy::BadArch | DecidedBy::Enosys { .. } | DecidedBy::EnosysZero => false,
    };
    if conditional {
        return Group::ArgumentChecked;
    }
    group_of(verdict.decision)
}

fn group_of(decision: Decision) -> Group {
    match decision.action {
        Action::Allow => Group::Allowed,
        Action::Errno if u32::from(decision.data) == ENOSYS => Group::Enosys,
        Action::Errno => Group::Errno,
        Action::Kill | Action::KillThread | Action::KillProcess => Group::Kill,
        Action::Trap | Action::Trace | Action::Log | Action::Notify => Group::OtherAction,
    }
}

/// Returns every number the benchmark emulates for `arch`: 0 up to the
/// table's largest, and for x32 the same range with the x32 bit set.
pub fn numbers(arch: Arch) -> std::ops::RangeInclusive<u32> {
    let max = arch.max_syscall().unwrap_or(0);
    let first = if arch == Arch::X32 {
        X32_SYSCALL_BIT
    } else {
        0
    };
    first..=max
}

/// Runs `program` on one syscall and returns its result and the number of
/// instructions executed. The program must have passed
/// [`emulator::verify`].
pub fn execute(program: &[SockFilter], arch: Arch, nr: u32, args: [u64; 6]) -> (u32, usize) {
    let data = SeccompData::new(arch.audit_arch(), nr, args);
    let mut executed = 0usize;
    let result = emulator::run_verified(program, &data, arch.is_big_endian(), &mut |_| {
        executed += 1;
    });
    (result, executed)
}

/// Count, mean and maximum of instruction counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub count: usize,
    pub total: usize,
    pub max: usize,
}

impl Stats {
    pub fn add(&mut self, executed: usize) {
        self.count += 1;
        self.total += executed;
        self.max = self.max.max(executed);
    }

    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total as f64 / self.count as f64
        }
    }
}
