//! Compiles a [`Policy`] to one classic BPF program.
//!
//! Layout: `ld arch`, then one section per `AUDIT_ARCH` token in the policy's
//! ABI order (x86_64 and x32 share one section and are told apart by bit 30 of
//! `nr`), then the bad-architecture return. Each section loads `nr` and runs a
//! binary search over ranges of syscall numbers with equal outcome; a range
//! that needs arguments ends in that syscall's argument code.
//!
//! The program is emitted backwards, from the last instruction to the first,
//! so every jump target is known when the jump is written. A conditional jump
//! farther than 255 instructions goes through a `ja` (or a copy of the `ret`
//! it targets) placed right after it.
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

use super::emulator::{verify, VerifyError};
use super::insn::*;
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::policy::{AbiPolicy, ConditionalRule, Decision, Policy, SyscallPolicy, ENOSYS};
use crate::profile::{ArgCondition, Operator};
use std::collections::HashMap;

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
    for group in sections(policy).into_iter().rev() {
        let body = emit_section(&mut emitter, policy, &group, bad_arch);
        let audit_arch = group[0].arch.audit_arch();
        next_section = emitter.jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, body, next_section);
    }
    emitter.stmt(BPF_LD | BPF_W | BPF_ABS, 4, next_section);
    let program = emitter.finish();
    if program.len() > BPF_MAXINSNS {
        return Err(CompileError::TooLong { len: program.len() });
    }
    verify(&program).map_err(CompileError::Invalid)?;
    Ok(program)
}

/// Groups the policy's ABIs by `AUDIT_ARCH` token, keeping their order.
fn sections(policy: &Policy) -> Vec<Vec<&AbiPolicy>> {
    let mut groups: Vec<Vec<&AbiPolicy>> = Vec::new();
    for abi in &policy.abis {
        match groups
            .iter_mut()
            .find(|g| g[0].arch.audit_arch() == abi.arch.audit_arch())
        {
            Some(group) => group.push(abi),
            None => groups.push(vec![abi]),
        }
    }
    groups
}

/// A position in the program under construction: the number of instructions
/// emitted before it, counted from the end of the program.
type Label = usize;

#[derive(Default)]
struct Emitter {
    /// Instructions in reverse order.
    reversed: Vec<SockFilter>,
    /// Labels of `ret` instructions by return value.
    rets: HashMap<u32, Label>,
    /// Return values by label, to copy a `ret` instead of jumping to it.
    ret_at: HashMap<Label, u32>,
}

impl Emitter {
    /// The jump offset from the next emitted instruction to `target`.
    fn offset_to(&self, target: Label) -> usize {
        self.reversed.len() - target - 1
    }

    fn push(&mut self, insn: SockFilter) -> Label {
        self.reversed.push(insn);
        self.reversed.len() - 1
    }

    fn ret(&mut self, decision: Decision) -> Label {
        let value = decision.ret_value();
        if let Some(&label) = self.rets.get(&value) {
            return label;
        }
        self.fresh_ret(value)
    }

    fn fresh_ret(&mut self, value: u32) -> Label {
        let label = self.push(stmt(BPF_RET | BPF_K, value));
        self.rets.insert(value, label);
        self.ret_at.insert(label, value);
        label
    }

    /// Makes `target` reachable with an 8-bit offset from the next
    /// instruction: a copy of its `ret`, or a `ja` to it.
    fn near(&mut self, target: Label) -> Label {
        if self.offset_to(target) <= 255 {
            return target;
        }
        if let Some(&value) = self.ret_at.get(&target) {
            return self.fresh_ret(value);
        }
        let offset = self.offset_to(target) as u32;
        self.push(stmt(BPF_JMP | BPF_JA, offset))
    }

    /// Emits a non-jump instruction that continues at `next`.
    fn stmt(&mut self, code: u16, k: u32, next: Label) -> Label {
        if self.offset_to(next) != 0 {
            let offset = self.offset_to(next) as u32;
            self.push(stmt(BPF_JMP | BPF_JA, offset));
        }
        self.push(stmt(code, k))
    }

    /// Emits a conditional jump to `on_true` or `on_false`.
    fn jump(&mut self, code: u16, k: u32, on_true: Label, on_false: Label) -> Label {
        if on_true == on_false {
            return on_true;
        }
        let mut on_true = self.near(on_true);
        let mut on_false = self.near(on_false);
        // A second trampoline moves the first one's target by one.
        while self.offset_to(on_true) > 255 || self.offset_to(on_false) > 255 {
            on_true = self.near(on_true);
            on_false = self.near(on_false);
        }
        let jt = self.offset_to(on_true) as u8;
        let jf = self.offset_to(on_false) as u8;
        self.push(jump(code, k, jt, jf))
    }

    fn finish(self) -> Vec<SockFilter> {
        self.reversed.into_iter().rev().collect()
    }
}

/// Emits one `AUDIT_ARCH` section, starting with `ld nr`.
fn emit_section(
    emitter: &mut Emitter,
    policy: &Policy,
    group: &[&AbiPolicy],
    bad_arch: Label,
) -> Label {
    let find = |arch: Arch| group.iter().copied().find(|a| a.arch == arch);
    let dispatch = match (find(Arch::X86_64), find(Arch::X32)) {
        (Some(x86_64), Some(x32)) => {
            let x86_64_code = emit_dispatch(emitter, policy, x86_64);
            let x32_code = emit_dispatch(emitter, policy, x32);
            emitter.jump(
                BPF_JMP | BPF_JSET | BPF_K,
                X32_SYSCALL_BIT,
                x32_code,
                x86_64_code,
            )
        }
        (Some(x86_64), None) => {
            // Numbers with the x32 bit are another ABI, except −1, which a
            // tracer sets to skip a syscall; it gets the rules (none match).
            let minus_one = emitter.ret(policy.default);
            let x32_numbers =
                emitter.jump(BPF_JMP | BPF_JEQ | BPF_K, u32::MAX, minus_one, bad_arch);
            let x86_64_code = emit_dispatch(emitter, policy, x86_64);
            emitter.jump(
                BPF_JMP | BPF_JSET | BPF_K,
                X32_SYSCALL_BIT,
                x32_numbers,
                x86_64_code,
            )
        }
        (None, Some(x32)) => {
            let x32_code = emit_dispatch(emitter, policy, x32);
            emitter.jump(
                BPF_JMP | BPF_JSET | BPF_K,
                X32_SYSCALL_BIT,
                x32_code,
                bad_arch,
            )
        }
        (None, None) => emit_dispatch(emitter, policy, group[0]),
    };
    emitter.stmt(BPF_LD | BPF_W | BPF_ABS, 0, dispatch)
}

/// What a range of syscall numbers leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome<'p> {
    Return(Decision),
    Arguments(&'p [ConditionalRule]),
}

fn outcome<'p>(policy: &Policy, abi: &'p AbiPolicy, nr: u32) -> Outcome<'p> {
    let enosys = Decision::errno(ENOSYS as u16);
    if abi.enosys_above.is_some_and(|max| nr > max) || (abi.enosys_zero && nr == 0) {
        return Outcome::Return(enosys);
    }
    match abi.syscalls.get(&nr) {
        None => Outcome::Return(policy.default),
        Some(SyscallPolicy::Always(decision, _)) => Outcome::Return(*decision),
        Some(SyscallPolicy::Conditional(rules)) => Outcome::Arguments(rules),
    }
}

/// Splits the 32-bit `nr` space into maximal ranges of equal outcome.
fn ranges<'p>(policy: &Policy, abi: &'p AbiPolicy) -> Vec<(u32, Outcome<'p>)> {
    let mut starts: Vec<u32> = vec![0];
    for &nr in abi.syscalls.keys() {
        starts.push(nr);
        if let Some(next) = nr.checked_add(1) {
            starts.push(next);
        }
    }
    if let Some(next) = abi.enosys_above.and_then(|max| max.checked_add(1)) {
        starts.push(next);
    }
    if abi.enosys_zero {
        starts.push(1);
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out: Vec<(u32, Outcome<'p>)> = Vec::new();
    for start in starts {
        let here = outcome(policy, abi, start);
        let merges = matches!((out.last(), &here), (Some((_, Outcome::Return(a))), Outcome::Return(b)) if a == b);
        if !merges {
            out.push((start, here));
        }
    }
    out
}

/// Emits the search over `nr` (already in A) for one ABI.
fn emit_dispatch(emitter: &mut Emitter, policy: &Policy, abi: &AbiPolicy) -> Label {
    let ranges = ranges(policy, abi);
    emit_search(emitter, policy, abi, &ranges)
}

fn emit_search(
    emitter: &mut Emitter,
    policy: &Policy,
    abi: &AbiPolicy,
    ranges: &[(u32, Outcome)],
) -> Label {
    if let [(_, only)] = ranges {
        return match only {
            Outcome::Return(decision) => emitter.ret(*decision),
            Outcome::Arguments(rules) => emit_rules(emitter, policy, abi, rules),
        };
    }
    let mid = ranges.len() / 2;
    let upper = emit_search(emitter, policy, abi, &ranges[mid..]);
    let lower = emit_search(emitter, policy, abi, &ranges[..mid]);
    emitter.jump(BPF_JMP | BPF_JGE | BPF_K, ranges[mid].0, upper, lower)
}

/// Emits a syscall's conditional rules: the first that matches decides,
/// otherwise the default action.
fn emit_rules(
    emitter: &mut Emitter,
    policy: &Policy,
    abi: &AbiPolicy,
    rules: &[ConditionalRule],
) -> Label {
    let mut next = emitter.ret(policy.default);
    for rule in rules.iter().rev() {
        let on_match = emitter.ret(rule.decision);
        let mut label = on_match;
        for condition in rule.conditions.iter().rev() {
            label = emit_condition(emitter, abi, condition, label, next);
        }
        next = label;
    }
    next
}

/// Offsets of an argument's low and high words in `seccomp_data`.
fn word_offsets(arch: Arch, index: u8) -> (u32, u32) {
    let base = 16 + 8 * u32::from(index);
    if arch.is_big_endian() {
        (base + 4, base)
    } else {
        (base, base + 4)
    }
}

/// Emits code that goes to `on_true` when `condition` holds, else `on_false`.
/// Unsigned comparisons follow libseccomp's 64-bit decompositions.
fn emit_condition(
    emitter: &mut Emitter,
    abi: &AbiPolicy,
    condition: &ArgCondition,
    on_true: Label,
    on_false: Label,
) -> Label {
    let (low_offset, high_offset) = word_offsets(abi.arch, condition.index);
    let value_high = (condition.value >> 32) as u32;
    let value_low = condition.value as u32;
    let load = |emitter: &mut Emitter, offset: u32, next: Label| {
        emitter.stmt(BPF_LD | BPF_W | BPF_ABS, offset, next)
    };
    let jeq = BPF_JMP | BPF_JEQ | BPF_K;
    let jgt = BPF_JMP | BPF_JGT | BPF_K;
    let jge = BPF_JMP | BPF_JGE | BPF_K;

    if condition.op == Operator::MaskedEqual {
        let expected = condition.value_two & condition.value;
        let mut label = on_true;
        let mut halves = vec![(low_offset, value_low, expected as u32)];
        if !abi.low_word_only {
            halves.push((high_offset, value_high, (expected >> 32) as u32));
        }
        // Emitted backwards: the low word is tested last.
        for (offset, mask, want) in halves {
            if mask == 0 {
                continue;
            }
            let test = emitter.jump(jeq, want, label, on_false);
            let and = emitter.stmt(BPF_ALU | BPF_AND | BPF_K, mask, test);
            label = load(emitter, offset, and);
        }
        return label;
    }

    // The low-word test, with its true and false targets.
    let (low_code, low_true, low_false) = match condition.op {
        Operator::Equal => (jeq, on_true, on_false),
        Operator::NotEqual => (jeq, on_false, on_true),
        Operator::GreaterThan => (jgt, on_true, on_false),
        Operator::GreaterOrEqual => (jge, on_true, on_false),
        Operator::LessThan => (jge, on_false, on_true),
        Operator::LessOrEqual => (jgt, on_false, on_true),
        Operator::MaskedEqual => unreachable!("handled above"),
    };
    let low_test = emitter.jump(low_code, value_low, low_true, low_false);
    let low = load(emitter, low_offset, low_test);
    if abi.low_word_only {
        return low;
    }
    let high = match condition.op {
        Operator::Equal => emitter.jump(jeq, value_high, low, on_false),
        Operator::NotEqual => emitter.jump(jeq, value_high, low, on_true),
        Operator::GreaterThan | Operator::GreaterOrEqual => {
            let equal = emitter.jump(jeq, value_high, low, on_false);
            emitter.jump(jgt, value_high, on_true, equal)
        }
        _ => {
            let equal = emitter.jump(jeq, value_high, low, on_true);
            emitter.jump(jgt, value_high, on_false, equal)
        }
    };
    load(emitter, high_offset, high)
}
