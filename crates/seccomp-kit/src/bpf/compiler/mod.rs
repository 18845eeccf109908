//! Compiles a [`Policy`] to one classic BPF program.
//!
//! Stages, each in its own module:
//! 1. **ranges** (here): per `AUDIT_ARCH` token, the 32-bit `nr` space is cut
//!    into maximal ranges with one outcome (a return value, or a syscall's
//!    argument rules). The x32 bit and runc's ENOSYS rule are part of the
//!    outcome, so x86_64 and x32 share one search and no `jset` is needed.
//! 2. **search** ([`search`]): a search tree over those ranges, no deeper than
//!    a balanced one (on x86_64: a balanced one over the x86_64 ranges, with
//!    x32 deeper), with syscalls that always run the filter (argument checks,
//!    errors) placed nearer the root.
//! 3. **arguments** ([`args`]): code for each syscall's conditional rules.
//! 4. **emission** ([`emit`]): instructions written backwards with shared
//!    identical code, skipped reloads and long-jump trampolines.
//!
//! Paths to a constant ALLOW load only `arch` and `nr` and use only `jeq`,
//! `jge`, `jgt`, `jset` with constants, `ja` and `ret`, so Linux ≥ 5.11 can
//! cache them (`seccomp_is_const_allow`).
//!
//! ```
//! use seccomp_kit::{arch::Arch, caps::CapSet, profile::{default_profile, KernelVersion}};
//! use seccomp_kit::{bpf, policy::{Policy, PolicyOptions}, resolve::{resolve, Target}};
//!
//! let target = Target::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8));
//! let resolved = resolve(&default_profile(), &target).unwrap().unwrap();
//! let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).unwrap();
//! let program = bpf::compile(&policy).unwrap();
//! assert!(program.len() < 4096);
//! ```

mod args;
mod emit;
mod search;

use super::emulator::{verify, VerifyError};
use super::insn::*;
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::policy::{AbiPolicy, ConditionalRule, Decision, Outcome, Policy};
use emit::{Accumulator, Emitter, Label};

/// A policy that cannot become a loadable filter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("the filter needs {len} instructions, but the kernel loads at most 4096; reduce the number of argument conditions or split the profile")]
    TooLong { len: usize },
    #[error("no syscall table for {0}, so seccomp-kit cannot compile a filter for it")]
    NoSyscallTable(Arch),
    #[error("internal error: the compiled program fails the kernel's checks: {0}")]
    Invalid(VerifyError),
}

/// Compiles `policy` to a program the kernel accepts.
pub fn compile(policy: &Policy) -> Result<Vec<SockFilter>, CompileError> {
    for abi in &policy.abis {
        if !abi.arch.has_syscall_table() {
            return Err(CompileError::NoSyscallTable(abi.arch));
        }
    }
    let mut emitter = Emitter::default();
    let bad_arch = emitter.ret(policy.bad_arch);
    let mut next_section = bad_arch;
    for audit_arch in sections(policy).into_iter().rev() {
        let body = emit_section(&mut emitter, policy, audit_arch);
        next_section = emitter.jump(
            BPF_JMP | BPF_JEQ | BPF_K,
            audit_arch,
            body,
            next_section,
            Accumulator::Word(4),
        );
    }
    emitter.load(4, next_section);
    let program = emitter.finish();
    if program.len() > BPF_MAXINSNS {
        return Err(CompileError::TooLong { len: program.len() });
    }
    verify(&program).map_err(CompileError::Invalid)?;
    Ok(program)
}

/// The policy's `AUDIT_ARCH` tokens, in ABI order.
fn sections(policy: &Policy) -> Vec<u32> {
    let mut tokens: Vec<u32> = Vec::new();
    for abi in &policy.abis {
        let token = abi.arch.audit_arch();
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// The outcome of a range of syscall numbers.
#[derive(Clone, Copy, Debug)]
enum Leaf<'p> {
    Return(Decision),
    Arguments(&'p AbiPolicy, &'p [ConditionalRule]),
}

impl Leaf<'_> {
    fn same_as(&self, other: &Leaf) -> bool {
        matches!((self, other), (Leaf::Return(a), Leaf::Return(b)) if a == b)
    }

    /// The search weight: how much a short path to this range is worth.
    /// Argument checks and non-ALLOW results run the filter on every call
    /// (the kernel caches only constant ALLOW), so they weigh more; argument
    /// checks most, since their own code adds 4–7 instructions. The values
    /// were picked by measuring paths on Docker's default profile.
    fn weight(&self) -> u64 {
        match self {
            Leaf::Arguments(..) => 32,
            Leaf::Return(d) if d.action == crate::profile::Action::Allow => 1,
            Leaf::Return(_) => 2,
        }
    }
}

fn leaf(policy: &Policy, audit_arch: u32, nr: u32) -> Leaf<'_> {
    match policy.outcome(audit_arch, nr) {
        Outcome::Fixed(verdict) => Leaf::Return(verdict.decision),
        Outcome::Rules { abi, rules } => Leaf::Arguments(abi, rules),
    }
}

/// Splits one section's 32-bit `nr` space into maximal ranges of equal
/// outcome.
fn ranges(policy: &Policy, audit_arch: u32) -> Vec<(u32, Leaf<'_>)> {
    let mut starts: Vec<u32> = vec![0];
    for abi in policy
        .abis
        .iter()
        .filter(|a| a.arch.audit_arch() == audit_arch)
    {
        for &nr in abi.syscalls.keys() {
            starts.push(nr);
            starts.extend(nr.checked_add(1));
        }
        starts.extend(abi.enosys_above.and_then(|max| max.checked_add(1)));
        if abi.enosys_zero {
            starts.push(1);
        }
        if matches!(abi.arch, Arch::X86_64 | Arch::X32) {
            // Where the x32 bit turns on and off, and −1.
            starts.extend([X32_SYSCALL_BIT, 0x8000_0000, 0xc000_0000, u32::MAX]);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out: Vec<(u32, Leaf<'_>)> = Vec::new();
    for start in starts {
        let here = leaf(policy, audit_arch, start);
        if !out.last().is_some_and(|(_, last)| last.same_as(&here)) {
            out.push((start, here));
        }
    }
    out
}

/// Emits one section: `ld nr`, then the search over its ranges.
fn emit_section(emitter: &mut Emitter, policy: &Policy, audit_arch: u32) -> Label {
    let ranges = ranges(policy, audit_arch);
    let x86_64 = audit_arch == Arch::X86_64.audit_arch();
    let weights: Vec<u64> = ranges
        .iter()
        .map(|&(start, leaf)| {
            // On x86_64, numbers from the x32 bit up are x32 syscalls or
            // invalid; x32 is rare in practice, so those ranges weigh a
            // quarter of the lightest x86_64 range.
            if x86_64 && start >= X32_SYSCALL_BIT {
                1
            } else {
                4 * leaf.weight()
            }
        })
        .collect();
    // x86_64 numbers keep a balanced tree's depth over their own ranges;
    // x32 and invalid numbers may sit deeper.
    let limited_end = if x86_64 {
        ranges
            .iter()
            .position(|&(start, _)| start >= X32_SYSCALL_BIT)
            .unwrap_or(ranges.len())
    } else {
        ranges.len()
    };
    let tree = search::build_with_limit(&weights, limited_end);
    let dispatch = emit_tree(emitter, policy, &tree, &ranges);
    emitter.load(0, dispatch)
}

fn emit_tree(
    emitter: &mut Emitter,
    policy: &Policy,
    node: &search::Node,
    ranges: &[(u32, Leaf)],
) -> Label {
    match node {
        search::Node::Leaf(i) => match ranges[*i].1 {
            Leaf::Return(decision) => emitter.ret(decision),
            Leaf::Arguments(abi, rules) => args::emit_rules(emitter, abi, rules, policy.default),
        },
        search::Node::Split { at, lower, upper } => {
            let upper = emit_tree(emitter, policy, upper, ranges);
            let lower = emit_tree(emitter, policy, lower, ranges);
            emitter.jump(
                BPF_JMP | BPF_JGE | BPF_K,
                ranges[*at].0,
                upper,
                lower,
                Accumulator::Word(0),
            )
        }
    }
}
