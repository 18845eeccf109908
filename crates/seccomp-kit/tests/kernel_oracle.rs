//! The running kernel as the oracle for the compiler and the emulator.
//!
//! Every decision of a policy is rewritten to a distinct errno, and the
//! rewritten policy is compiled. A child process installs the program and
//! issues every syscall number of its ABI, plus 64 newer numbers, with
//! boundary arguments for the syscalls that have argument rules. Every return
//! instruction of such a program is an ERRNO (checked before any child
//! starts), so the kernel executes none of the calls and returns the filter's
//! errno for each. The exceptions are uretprobe and uprobe on x86_64, which
//! the kernel runs without consulting the filter: the sweep leaves them out,
//! and `unfiltered_syscalls_match_model` issues each in a child of its own.
//! The test compares that errno with the emulator's result on
//! the same `seccomp_data`, checks the emulator against `Policy::decide` on the
//! rewritten policy, and maps the errno back to the original decision to check
//! it against `Policy::decide` on the original policy.
//!
//! Two processes issue the calls:
//! - a forked child of the test, for the native ABI; on x86_64 it also issues
//!   x32 numbers (`nr | 0x40000000`), which reach the filter with
//!   `AUDIT_ARCH_X86_64` whether or not the kernel has CONFIG_X86_X32_ABI,
//!   because seccomp runs before the kernel dispatches the number;
//! - on x86_64, a static 32-bit helper built from `oracle_i386.c` with
//!   `gcc -m32`, whose `int $0x80` calls reach the filter with
//!   `AUDIT_ARCH_I386` and zero-extended 32-bit arguments.
//!
//! Number −1 (`0xffffffff`) is issued too: the kernel hands it to the filter
//! like any other number, so the result is the filter's errno.
//!
//! Installing a filter under no_new_privs needs no privilege, but like the
//! other kernel tests these tests expect root: without root or without
//! seccomp filter support they fail when `CI=true` and otherwise print a
//! "skipped" line and return. A kernel that cannot run 32-bit binaries is
//! reported and is not a failure; a missing `gcc -m32` is one under `CI=true`.

mod common;

use common::{boundary_values, moby_default_profile, FIXED_ARGUMENTS, SPECIAL_NUMBERS};
use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::insn::{BPF_K, BPF_RET};
use seccomp_kit::bpf::{compile, disasm, emulator, SeccompData, SockFilter};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{
    ConditionalRule, Decision, EnosysMode, Policy, PolicyOptions, SyscallPolicy, Verdict, ENOSYS,
};
use seccomp_kit::profile::{default_profile, Action, KernelVersion, Operator};
use seccomp_kit::resolve::{resolve, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The helper's C source, next to this file.
const I386_HELPER_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle_i386.c");

/// Lists the filter actions of a kernel with seccomp filter support.
const ACTIONS_AVAIL: &str = "/proc/sys/kernel/seccomp/actions_avail";

/// The errno of the k-th distinct decision is `ERRNO_BASE + k`. The base is
/// above every errno the kernel defines (133 on Linux 6.x) and far below
/// MAX_ERRNO (4095), where the kernel caps a filter's errno.
const ERRNO_BASE: u16 = 1000;

/// The kernel's cap on a filter's errno (`MAX_ERRNO`).
const MAX_ERRNO: u16 = 4095;

/// Numbers beyond each ABI's table that are issued too.
const NEWER_NUMBERS: u32 = 64;

/// Values of the 64-bit syscall-number register with the upper half set.
/// x86_64 passes `regs->orig_ax` through `int syscall_get_nr()`, so the filter
/// gets the low 32 bits.
const WIDE_X86_64_NUMBERS: [u64; 3] = [0x1_0000_0000, 0xffff_ffff_0000_0027, 0x8000_0000_4000_0000];

/// Arguments issued with every syscall number besides all zeros, with the
/// high words of the 64-bit values set.
const SWEEP_ARGUMENTS: [u64; 6] = [
    u64::MAX,
    0x1_0000_0000,
    0xffff_ffff,
    0x8000_0000_0000_0000,
    0xdead_beef_0000_0001,
    0x7fff_ffff,
];

/// The largest number of argument combinations issued for one syscall; with
/// more, one argument varies at a time.
const MAX_COMBINATIONS: usize = 4096;

/// Mismatches printed in full before a test fails.
const MAX_REPORTED: usize = 30;

/// How long a child may take to issue its calls. A few thousand calls that
/// all return an errno take milliseconds.
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Prints a line that a plain `cargo test` run shows: the test harness
/// captures `print!` and `eprint!`, but not writes to the stderr handle.
fn show(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Reports that `test` cannot run: fails under `CI=true`, otherwise prints a
/// "skipped" line.
fn skip(test: &str, reason: &str) {
    if ci() {
        panic!("{test}: {reason}; CI=true requires this test to run");
    }
    show(&format!("skipped: {test}: {reason}"));
}

/// Returns whether the process is root on a kernel with seccomp filters;
/// otherwise reports the skip.
fn kernel_ready(test: &str) -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let seccomp = Path::new(ACTIONS_AVAIL).exists();
    if root && seccomp {
        return true;
    }
    let mut missing = Vec::new();
    if !root {
        missing.push("the effective user is not root");
    }
    if !seccomp {
        missing.push(
            "the kernel has no seccomp filter support (no /proc/sys/kernel/seccomp/actions_avail)",
        );
    }
    skip(
        test,
        &format!("needs root and seccomp, but {}", missing.join(" and ")),
    );
    false
}

// ---------------------------------------------------------------------------
// Policies and the errno rewrite

/// One policy under test, with a label for messages.
struct Config {
    label: String,
    policy: Policy,
}

/// Returns the policies under test. The built-in default profile and moby's
/// are resolved for this machine's ABI and the running kernel, with Docker's
/// default capabilities and with all of them. Each is built with the
/// profile's ABIs and with the host ABI alone, which sends every other ABI to
/// the bad-architecture action, under runc's ENOSYS rule and the table-based one.
fn configs(host: Arch) -> Vec<Config> {
    let kernel = KernelVersion::running().expect("uname(2) returns a parseable kernel release");
    let moby = moby_default_profile();
    let profiles = [
        ("built-in default", default_profile()),
        ("moby default", moby),
    ];
    let cap_sets = [
        ("docker default caps", CapSet::docker_default()),
        ("all caps", CapSet::all()),
    ];

    let mut configs = Vec::new();
    for (profile_name, profile) in &profiles {
        for (caps_name, caps) in &cap_sets {
            let target = Target::new(host, caps.clone(), kernel);
            let resolved = resolve(profile, &target)
                .unwrap_or_else(|e| panic!("{profile_name} does not resolve for {host}: {e}"))
                .unwrap_or_else(|| panic!("{profile_name} disables seccomp"));
            let mut host_only = resolved.clone();
            host_only.architectures.clear();
            for (abis_name, resolved) in
                [("profile ABIs", &resolved), ("host ABI only", &host_only)]
            {
                for mode in [EnosysMode::Runc, EnosysMode::Tables] {
                    let mut options = PolicyOptions::new(host);
                    options.enosys = mode;
                    let policy = Policy::build(resolved, &options).unwrap_or_else(|e| {
                        panic!("{profile_name} with {caps_name} does not build: {e}")
                    });
                    let abis: Vec<&str> = policy.abis.iter().map(|a| a.arch.name()).collect();
                    configs.push(Config {
                        label: format!(
                            "{profile_name}, {caps_name}, kernel {kernel}, {abis_name} ({}), ENOSYS {mode:?}",
                            abis.join(", ")
                        ),
                        policy,
                    });
                }
            }
        }
    }
    configs
}

/// A one-to-one map from the decisions of a policy to errno values.
struct ErrnoMapping {
    errno_of: Vec<(Decision, u16)>,
    /// Whether the policy has runc's ENOSYS rule on some ABI. That rule's
    /// ERRNO(38) is built into the model and the compiler, so the rewrite
    /// keeps it, and 38 maps back to ERRNO(38).
    enosys_rule: bool,
}

impl ErrnoMapping {
    /// Numbers every distinct decision of `policy` in a fixed order: the
    /// default action, the bad-architecture action, then each ABI's rules.
    fn new(policy: &Policy) -> ErrnoMapping {
        let mut mapping = ErrnoMapping {
            errno_of: Vec::new(),
            enosys_rule: policy
                .abis
                .iter()
                .any(|abi| abi.enosys_above.is_some() || abi.enosys_zero),
        };
        mapping.add(policy.default);
        mapping.add(policy.bad_arch);
        for abi in &policy.abis {
            for rule in abi.syscalls.values() {
                match rule {
                    SyscallPolicy::Always(decision, _) => mapping.add(*decision),
                    SyscallPolicy::Conditional(rules) => {
                        for rule in rules {
                            mapping.add(rule.decision);
                        }
                    }
                }
            }
        }
        mapping
    }

    fn add(&mut self, decision: Decision) {
        if self.errno_of.iter().any(|&(known, _)| known == decision) {
            return;
        }
        let errno = ERRNO_BASE + self.errno_of.len() as u16;
        assert!(
            errno <= MAX_ERRNO,
            "too many distinct decisions to give each an errno"
        );
        self.errno_of.push((decision, errno));
    }

    /// Returns the ERRNO decision that replaces `decision`.
    fn rewrite(&self, decision: Decision) -> Decision {
        let (_, errno) = self
            .errno_of
            .iter()
            .find(|&&(known, _)| known == decision)
            .unwrap_or_else(|| panic!("{decision} is not a decision of the policy"));
        Decision::errno(*errno)
    }

    /// Returns the original decision behind an errno of the rewritten program.
    fn original(&self, errno: u16) -> Option<Decision> {
        if self.enosys_rule && u32::from(errno) == ENOSYS {
            return Some(Decision::errno(ENOSYS as u16));
        }
        self.errno_of
            .iter()
            .find(|&&(_, known)| known == errno)
            .map(|&(decision, _)| decision)
    }

    /// Returns "ERRNO(1003) = SCMP_ACT_ALLOW" for messages.
    fn describe(&self, errno: u16) -> String {
        match self.original(errno) {
            Some(decision) if u32::from(errno) == ENOSYS => {
                format!("ERRNO({errno}) = {decision} by the ENOSYS rule")
            }
            Some(decision) => format!("ERRNO({errno}) = {decision}"),
            None => format!("ERRNO({errno}), not an errno of the rewrite"),
        }
    }
}

/// Returns a copy of `policy` with every decision replaced by its errno.
fn errno_policy(policy: &Policy, mapping: &ErrnoMapping) -> Policy {
    let mut rewritten = policy.clone();
    rewritten.default = mapping.rewrite(policy.default);
    rewritten.bad_arch = mapping.rewrite(policy.bad_arch);
    for abi in &mut rewritten.abis {
        for rule in abi.syscalls.values_mut() {
            match rule {
                SyscallPolicy::Always(decision, _) => *decision = mapping.rewrite(*decision),
                SyscallPolicy::Conditional(rules) => {
                    for rule in rules {
                        rule.decision = mapping.rewrite(rule.decision);
                    }
                }
            }
        }
    }
    rewritten
}

/// Panics unless every return of `program` is a constant ERRNO with a
/// nonzero errno below the kernel's cap, which guarantees that the kernel
/// executes no syscall under it, whatever path the program takes.
fn assert_only_errno_returns(program: &[SockFilter]) {
    for (index, insn) in program.iter().enumerate() {
        if insn.code & 0x07 != BPF_RET {
            continue;
        }
        assert_eq!(
            insn.code,
            BPF_RET | BPF_K,
            "instruction {index} returns the accumulator, so the test cannot rule out that a syscall executes: {}",
            disasm::describe(insn, index, None)
        );
        let decision = Decision::from_ret_value(insn.k);
        assert!(
            decision.action == Action::Errno && (1..=MAX_ERRNO).contains(&decision.data),
            "instruction {index} returns {decision}, which could let a syscall execute: {}",
            disasm::describe(insn, index, None)
        );
    }
}

/// Returns the errno of every return instruction of a program that
/// [`assert_only_errno_returns`] accepted.
fn program_errnos(program: &[SockFilter]) -> BTreeSet<i32> {
    program
        .iter()
        .filter(|insn| insn.code == BPF_RET | BPF_K)
        .map(|insn| i32::from(Decision::from_ret_value(insn.k).data))
        .collect()
}

// ---------------------------------------------------------------------------
// Calls

/// One syscall as a process issues it.
#[derive(Clone, Copy, Debug)]
struct Call {
    /// The value of the syscall-number register. The filter gets its low 32
    /// bits.
    register_nr: u64,
    /// On i386 only the low 32 bits of each argument exist.
    args: [u64; 6],
}

impl Call {
    fn new(register_nr: u64, args: [u64; 6]) -> Call {
        Call { register_nr, args }
    }

    /// Returns `seccomp_data.nr` for this call.
    fn seccomp_nr(&self) -> u32 {
        self.register_nr as u32
    }
}

/// Returns the values tried for one argument condition: the neighbours of
/// its constant and, for a masked comparison, of the expected value, every
/// single bit of the mask, and every bit outside it.
fn condition_values(condition: &seccomp_kit::profile::ArgCondition) -> BTreeSet<u64> {
    let mut values: BTreeSet<u64> = boundary_values(condition.value).into_iter().collect();
    if condition.op == Operator::MaskedEqual {
        let mask = condition.value;
        values.extend(boundary_values(condition.value_two));
        values.extend(boundary_values(condition.value_two & mask));
        values.extend((0..64).map(|bit| 1u64 << bit).filter(|bit| mask & bit != 0));
        values.insert(!mask);
        values.insert(!mask | (condition.value_two & mask));
    }
    values
}

/// Returns the argument vectors issued for one conditional syscall: every
/// combination of the values tried on each argument its rules compare, with
/// the other arguments 0. `word_mask` truncates values to the ABI's register
/// width.
fn argument_vectors(rules: &[ConditionalRule], word_mask: u64) -> Vec<[u64; 6]> {
    let mut per_index: BTreeMap<u8, BTreeSet<u64>> = BTreeMap::new();
    for rule in rules {
        for condition in &rule.conditions {
            let values = per_index.entry(condition.index).or_default();
            values.extend(FIXED_ARGUMENTS);
            values.extend(condition_values(condition));
        }
    }
    let per_index: Vec<(usize, Vec<u64>)> = per_index
        .into_iter()
        .map(|(index, values)| {
            let truncated: BTreeSet<u64> = values.into_iter().map(|v| v & word_mask).collect();
            (usize::from(index), truncated.into_iter().collect())
        })
        .collect();

    let combinations: usize = per_index.iter().map(|(_, values)| values.len()).product();
    let mut vectors = vec![[0u64; 6]];
    if combinations <= MAX_COMBINATIONS {
        for (index, values) in &per_index {
            vectors = vectors
                .iter()
                .flat_map(|base| {
                    values.iter().map(move |&value| {
                        let mut args = *base;
                        args[*index] = value;
                        args
                    })
                })
                .collect();
        }
    } else {
        for (index, values) in &per_index {
            for &value in values {
                let mut args = [0u64; 6];
                args[*index] = value;
                vectors.push(args);
            }
        }
    }
    vectors
}

/// Returns the largest number of `arch`'s table without the x32 bit.
fn max_plain_number(arch: Arch) -> u32 {
    let max = arch
        .max_syscall()
        .unwrap_or_else(|| panic!("{arch} has a syscall table"));
    max & !X32_SYSCALL_BIT
}

/// Returns the calls issued in `numbering`'s ABI. Every number of its table
/// and 64 newer ones (with the x32 bit for x32) is issued with zero arguments
/// and with [`SWEEP_ARGUMENTS`]. Then come the argument vectors of every
/// conditional syscall the policy has for that ABI. `word_mask` truncates
/// arguments to the register width.
fn sweep_calls(numbering: Arch, policy: &Policy, word_mask: u64) -> Vec<Call> {
    let bit = if numbering == Arch::X32 {
        X32_SYSCALL_BIT
    } else {
        0
    };
    let sweep_args = SWEEP_ARGUMENTS.map(|a| a & word_mask);
    let mut calls = Vec::new();
    for nr in 0..=max_plain_number(numbering) + NEWER_NUMBERS {
        calls.push(Call::new(u64::from(nr | bit), [0; 6]));
        calls.push(Call::new(u64::from(nr | bit), sweep_args));
    }
    if let Some(abi) = policy.abi(numbering) {
        for (&nr, rule) in &abi.syscalls {
            if let SyscallPolicy::Conditional(rules) = rule {
                for args in argument_vectors(rules, word_mask) {
                    calls.push(Call::new(u64::from(nr), args));
                }
            }
        }
    }
    calls
}

/// Syscalls that x86_64 kernels run without consulting any filter when a
/// 64-bit process makes them: `seccomp_uprobe_exception()` in
/// kernel/seccomp.c exempts these two, which the kernel itself places in
/// uprobe trampolines. Called from anywhere else, uretprobe raises SIGILL
/// and uprobe fails or raises SIGILL, depending on the kernel version.
/// Kernels older than the exception, or without the syscalls, run the filter.
const UNFILTERED_X86_64: [&str; 2] = ["uretprobe", "uprobe"];

/// Returns the numbers of [`UNFILTERED_X86_64`] on `host`; none elsewhere.
fn unfiltered_numbers(host: Arch) -> Vec<u32> {
    if host != Arch::X86_64 {
        return Vec::new();
    }
    UNFILTERED_X86_64
        .iter()
        .map(|name| {
            host.syscall_number(name)
                .unwrap_or_else(|| panic!("the x86_64 table has {name}"))
        })
        .collect()
}

/// Returns every call the native child issues. The unfiltered syscalls are
/// left out because the kernel would run them and the child would die of
/// SIGILL; `unfiltered_syscalls_match_model` checks them one per child.
fn native_calls(host: Arch, policy: &Policy) -> Vec<Call> {
    let unfiltered = unfiltered_numbers(host);
    let mut calls = sweep_calls(host, policy, u64::MAX);
    calls.retain(|call| !unfiltered.contains(&call.seccomp_nr()));
    if host == Arch::X86_64 {
        calls.extend(sweep_calls(Arch::X32, policy, u64::MAX));
        calls.extend(WIDE_X86_64_NUMBERS.map(|nr| Call::new(nr, [0; 6])));
    }
    calls.extend(SPECIAL_NUMBERS.map(|nr| Call::new(u64::from(nr), [0; 6])));
    calls
}

/// Returns every call the i386 helper issues.
fn i386_calls(policy: &Policy) -> Vec<Call> {
    let mut calls = sweep_calls(Arch::X86, policy, 0xffff_ffff);
    calls.extend(SPECIAL_NUMBERS.map(|nr| Call::new(u64::from(nr), [0; 6])));
    calls
}

// ---------------------------------------------------------------------------
// Comparison

/// What the kernel returned for one call, in the C library's convention:
/// `ret == -1` and `errno` set on failure, `errno == 0` otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KernelResult {
    ret: i64,
    errno: i32,
}

impl KernelResult {
    /// Decodes a raw return register: −4095…−1 is an error.
    fn from_raw(raw: i64) -> KernelResult {
        if (-i64::from(MAX_ERRNO)..0).contains(&raw) {
            KernelResult {
                ret: -1,
                errno: -raw as i32,
            }
        } else {
            KernelResult { ret: raw, errno: 0 }
        }
    }
}

impl fmt::Display for KernelResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ret == -1 {
            write!(f, "-1, errno {}", self.errno)
        } else {
            write!(
                f,
                "{} with no errno, so the call may have executed",
                self.ret
            )
        }
    }
}

/// The program, policies and mapping of one config, for one process's ABI.
struct Oracle<'a> {
    label: &'a str,
    /// The ABI of the process that issues the calls.
    process_abi: &'static str,
    audit_arch: u32,
    /// The argument bits the kernel passes to the filter.
    word_mask: u64,
    program: &'a [SockFilter],
    original: &'a Policy,
    rewritten: &'a Policy,
    mapping: &'a ErrnoMapping,
}

/// Calls checked and mismatches found, over every config of one test.
#[derive(Default)]
struct Report {
    /// Calls checked per ABI the number belongs to.
    checked: BTreeMap<&'static str, u64>,
    mismatches: u64,
    lines: Vec<String>,
}

impl Report {
    fn add_mismatch(&mut self, line: String) {
        self.mismatches += 1;
        if self.lines.len() < MAX_REPORTED {
            self.lines.push(line);
        }
    }

    /// Panics with the collected mismatches, if any.
    fn finish(&self, test: &str, elapsed: Duration) {
        let totals: Vec<String> = self
            .checked
            .iter()
            .map(|(abi, count)| format!("{count} {abi} calls"))
            .collect();
        show(&format!(
            "{test}: checked {} in {:.2} s, {} mismatches",
            totals.join(", "),
            elapsed.as_secs_f64(),
            self.mismatches
        ));
        if self.mismatches > 0 {
            panic!(
                "{test}: {} mismatches between the kernel, the emulator and the policy model (first {}):\n{}",
                self.mismatches,
                self.lines.len(),
                self.lines.join("\n")
            );
        }
    }
}

/// Returns "SCMP_ACT_ALLOW (by Default)" for messages.
fn describe_verdict(verdict: &Verdict) -> String {
    format!("{} (by {:?})", verdict.decision, verdict.by)
}

impl Oracle<'_> {
    /// Returns the ABI whose numbering `nr` belongs to, for names and totals.
    fn numbering(&self, nr: u32) -> Arch {
        if self.audit_arch == Arch::X86.audit_arch() {
            Arch::X86
        } else if self.audit_arch == Arch::X86_64.audit_arch() && nr & X32_SYSCALL_BIT != 0 {
            Arch::X32
        } else {
            Arch::native()
        }
    }

    /// Compares the kernel's result for `call` with the emulator and both
    /// policy models, and records every disagreement.
    fn check(&self, call: &Call, kernel: KernelResult, report: &mut Report) {
        let nr = call.seccomp_nr();
        let args = call.args.map(|a| a & self.word_mask);
        let numbering = self.numbering(nr);
        *report.checked.entry(numbering.name()).or_default() += 1;

        let data = SeccompData::new(self.audit_arch, nr, args);
        let mut path = Vec::new();
        let ret = emulator::run_verified(self.program, &data, false, &mut |pc| path.push(pc));
        let emulated = Decision::from_ret_value(ret);
        let expected = KernelResult {
            ret: -1,
            errno: i32::from(emulated.data),
        };
        let rewritten = self.rewritten.decide(self.audit_arch, nr, args);
        let original = self.original.decide(self.audit_arch, nr, args);
        let mapped_back = self.mapping.original(emulated.data);

        let context = || {
            let name = numbering.syscall_name(nr).unwrap_or("no name");
            let args: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
            format!(
                "{} ({} process): nr {:#x} ({name}), args [{}]",
                self.label,
                self.process_abi,
                call.register_nr,
                args.join(", ")
            )
        };
        if kernel != expected {
            report.add_mismatch(format!(
                "{}: kernel returned {kernel}, emulator predicted {} ({}); Policy::decide returns {}\n{}",
                context(),
                expected,
                self.mapping.describe(emulated.data),
                describe_verdict(&original),
                self.path_listing(&path)
            ));
        }
        if rewritten.decision != emulated {
            report.add_mismatch(format!(
                "{}: the rewritten program returns {emulated}, but Policy::decide on the rewritten policy returns {}\n{}",
                context(),
                describe_verdict(&rewritten),
                self.path_listing(&path)
            ));
        }
        if mapped_back != Some(original.decision) {
            report.add_mismatch(format!(
                "{}: the program's {} maps back to {}, but Policy::decide on the original policy returns {}",
                context(),
                emulated,
                mapped_back.map_or_else(|| "no decision".to_string(), |d| d.to_string()),
                describe_verdict(&original)
            ));
        }
    }

    /// Disassembles the last instructions the emulator ran for a call.
    fn path_listing(&self, path: &[usize]) -> String {
        let start = path.len().saturating_sub(6);
        path[start..]
            .iter()
            .map(|&pc| {
                format!(
                    "    {pc:04}: {}",
                    disasm::describe(&self.program[pc], pc, None)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

// ---------------------------------------------------------------------------
// The native child

const SECCOMP_SET_MODE_FILTER: libc::c_long = 1;

/// Steps of the child's setup, stored in the shared header when one fails.
const STEP_PDEATHSIG: u32 = 1;
const STEP_PARENT: u32 = 2;
const STEP_NO_NEW_PRIVS: u32 = 3;
const STEP_SECCOMP: u32 = 4;

/// The start of the memory the child shares with the test.
#[repr(C)]
struct ChildHeader {
    /// Set to 1 after the last call.
    done: AtomicU32,
    /// Index of the call in progress.
    progress: AtomicU32,
    /// The setup step that failed, if any (`STEP_*`).
    failed_step: AtomicU32,
    failed_errno: AtomicU32,
}

/// One call's result in shared memory.
#[repr(C)]
#[derive(Clone, Copy)]
struct ChildResult {
    ret: i64,
    errno: i32,
    reserved: i32,
}

/// A `MAP_SHARED | MAP_ANONYMOUS` mapping: the header, then one result per call.
struct SharedMemory {
    ptr: *mut libc::c_void,
    len: usize,
}

impl SharedMemory {
    fn new(calls: usize) -> SharedMemory {
        let len = size_of::<ChildHeader>() + calls * size_of::<ChildResult>();
        // SAFETY: an anonymous mapping with no address hint; the result is
        // checked before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(
            ptr,
            libc::MAP_FAILED,
            "mmap of {len} bytes failed: {}",
            std::io::Error::last_os_error()
        );
        SharedMemory { ptr, len }
    }

    fn header(&self) -> &ChildHeader {
        // SAFETY: the mapping starts with a zeroed, suitably aligned
        // ChildHeader, whose fields are atomics.
        unsafe { &*(self.ptr as *const ChildHeader) }
    }

    fn results(&self) -> *mut ChildResult {
        // SAFETY: the results follow the header inside the mapping.
        unsafe { (self.ptr as *mut u8).add(size_of::<ChildHeader>()) as *mut ChildResult }
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: ptr and len come from the successful mmap in new().
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}

/// Kills and reaps a forked child when dropped, so that a panic in the test
/// leaves no filtered process spinning.
struct ForkedChild {
    pid: libc::pid_t,
    reaped: bool,
}

impl ForkedChild {
    /// Returns the child's exit status if it has exited, without blocking.
    fn try_wait(&mut self) -> Option<libc::c_int> {
        let mut status = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        let rc = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        if rc == self.pid {
            self.reaped = true;
            return Some(status);
        }
        None
    }

    /// Sends SIGKILL and reaps the child; returns its wait status.
    fn kill(&mut self) -> libc::c_int {
        let mut status = 0;
        if !self.reaped {
            // SAFETY: the pid is our unreaped child, so it cannot have been
            // reused.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, &mut status, 0);
            }
            self.reaped = true;
        }
        status
    }
}

impl Drop for ForkedChild {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs in the forked child: installs the filter, issues every call and
/// stores each result in shared memory. The child of a multi-threaded
/// process may not allocate or take locks, and after the filter every
/// syscall fails, so this uses only `libc::syscall` and memory writes.
/// Spins at the end because exit_group(2) would fail too.
///
/// # Safety
/// Must run only in a freshly forked child, with `shared` sized for `calls`.
unsafe fn child_main(
    shared: &SharedMemory,
    parent: libc::pid_t,
    prog: &libc::sock_fprog,
    calls: &[Call],
) -> ! {
    let header = shared.header();
    let fail = |step: u32| -> ! {
        header
            .failed_errno
            .store(*libc::__errno_location() as u32, Ordering::Relaxed);
        header.failed_step.store(step, Ordering::Release);
        libc::_exit(1)
    };
    // Resolves __errno_location before the filter, in case the dynamic
    // linker binds it lazily; the loop below calls it under the filter.
    *libc::__errno_location() = 0;
    if libc::syscall(
        libc::SYS_prctl,
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL,
        0,
        0,
        0,
    ) != 0
    {
        fail(STEP_PDEATHSIG);
    }
    if libc::syscall(libc::SYS_getppid) != libc::c_long::from(parent) {
        fail(STEP_PARENT);
    }
    if libc::syscall(libc::SYS_prctl, libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
        fail(STEP_NO_NEW_PRIVS);
    }
    if libc::syscall(
        libc::SYS_seccomp,
        SECCOMP_SET_MODE_FILTER,
        0,
        prog as *const libc::sock_fprog,
    ) != 0
    {
        fail(STEP_SECCOMP);
    }

    let results = shared.results();
    for (index, call) in calls.iter().enumerate() {
        header.progress.store(index as u32, Ordering::Relaxed);
        *libc::__errno_location() = 0;
        let [a0, a1, a2, a3, a4, a5] = call.args.map(|a| a as libc::c_long);
        let ret = libc::syscall(call.register_nr as libc::c_long, a0, a1, a2, a3, a4, a5);
        let errno = *libc::__errno_location();
        results.add(index).write_volatile(ChildResult {
            ret: ret as i64,
            errno,
            reserved: 0,
        });
    }
    header.done.store(1, Ordering::Release);
    loop {
        std::hint::spin_loop();
    }
}

/// Returns the seccomp lines of `/proc/PID/status`, to show that the child
/// ran under a filter.
fn seccomp_status(pid: u32) -> Result<String, String> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    let lines: Vec<&str> = status
        .lines()
        .filter(|line| line.starts_with("Seccomp") || line.starts_with("NoNewPrivs"))
        .collect();
    let has = |field: &str, value: &str| {
        lines.iter().any(|line| {
            line.strip_prefix(field)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| rest.trim() == value)
        })
    };
    if has("Seccomp", "2") && has("NoNewPrivs", "1") && has("Seccomp_filters", "1") {
        Ok(lines.join(", "))
    } else {
        Err(format!(
            "the child is not under exactly one filter with no_new_privs: {}",
            lines.join(", ")
        ))
    }
}

/// How a child that issued calls under the filter ended.
enum ChildEnd {
    /// The child issued every call; one result per call.
    Finished(Vec<KernelResult>),
    /// The child died during call `call`, with wait status `wait_status`.
    Died {
        call: usize,
        wait_status: libc::c_int,
    },
}

impl ChildEnd {
    /// Returns the results, or an error message if the child died.
    fn results(self, calls: &[Call]) -> Result<Vec<KernelResult>, String> {
        match self {
            ChildEnd::Finished(results) => Ok(results),
            ChildEnd::Died { call, wait_status } => Err(format!(
                "the child ended with wait status {wait_status:#x} during call {call} ({:?}) before it finished",
                calls.get(call)
            )),
        }
    }
}

/// Forks a child that installs `program` and issues `calls`; returns how it
/// ended. Errors are failures of the setup or of the test's bookkeeping.
fn run_native_child(program: &[SockFilter], calls: &[Call]) -> Result<ChildEnd, String> {
    let shared = SharedMemory::new(calls.len());
    let prog = libc::sock_fprog {
        len: u16::try_from(program.len()).expect("compile returns at most 4096 instructions"),
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the child runs only child_main, which never returns and uses
    // no allocation or locks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork failed: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: this is the freshly forked child, and shared has room for
        // every call.
        unsafe { child_main(&shared, parent, &prog, calls) };
    }
    let mut child = ForkedChild { pid, reaped: false };

    let header = shared.header();
    let started = Instant::now();
    while header.done.load(Ordering::Acquire) == 0 {
        if let Some(status) = child.try_wait() {
            let step = match header.failed_step.load(Ordering::Acquire) {
                STEP_PDEATHSIG => "prctl(PR_SET_PDEATHSIG)",
                STEP_PARENT => "the parent check",
                STEP_NO_NEW_PRIVS => "prctl(PR_SET_NO_NEW_PRIVS)",
                STEP_SECCOMP => "seccomp(SECCOMP_SET_MODE_FILTER)",
                _ => {
                    return Ok(ChildEnd::Died {
                        call: header.progress.load(Ordering::Relaxed) as usize,
                        wait_status: status,
                    });
                }
            };
            let errno = header.failed_errno.load(Ordering::Relaxed) as i32;
            return Err(format!(
                "{step} failed in the child: {}",
                std::io::Error::from_raw_os_error(errno)
            ));
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let progress = header.progress.load(Ordering::Relaxed) as usize;
            return Err(format!(
                "the child timed out after {CHILD_TIMEOUT:?} in call {progress} ({:?})",
                calls.get(progress)
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = seccomp_status(pid as u32);
    let wait_status = child.kill();
    status?;
    if !(libc::WIFSIGNALED(wait_status) && libc::WTERMSIG(wait_status) == libc::SIGKILL) {
        return Err(format!(
            "the child ended with wait status {wait_status:#x} instead of being killed by SIGKILL"
        ));
    }

    let results = shared.results();
    Ok(ChildEnd::Finished(
        (0..calls.len())
            .map(|index| {
                // SAFETY: the child wrote every result before setting done.
                let result = unsafe { results.add(index).read_volatile() };
                if result.ret == -1 {
                    KernelResult {
                        ret: -1,
                        errno: result.errno,
                    }
                } else {
                    KernelResult {
                        ret: result.ret,
                        errno: 0,
                    }
                }
            })
            .collect(),
    ))
}

/// Returns whether this kernel executes x32 syscalls (CONFIG_X86_X32_ABI
/// and not disabled at boot), by issuing x32 getpid(2) unfiltered.
fn kernel_runs_x32() -> bool {
    const X32_GETPID: libc::c_long = 39 | X32_SYSCALL_BIT as libc::c_long;
    // SAFETY: getpid has no arguments and no side effects.
    let ret = unsafe { libc::syscall(X32_GETPID) };
    // SAFETY: getpid cannot fail.
    ret == libc::c_long::from(unsafe { libc::getpid() })
}

#[test]
fn native_abi_matches_emulator() {
    const TEST: &str = "native_abi_matches_emulator";
    if !kernel_ready(TEST) {
        return;
    }
    let host = Arch::native();
    if host.moby_native().is_none() {
        skip(
            TEST,
            &format!("{host} cannot be a Docker host architecture"),
        );
        return;
    }
    let started = Instant::now();
    if host == Arch::X86_64 {
        show(&format!(
            "{TEST}: x32 syscalls on this kernel: {}; the filter decides x32 numbers before the kernel dispatches them either way",
            if kernel_runs_x32() { "enabled" } else { "disabled (no CONFIG_X86_X32_ABI, or x32 disabled at boot)" }
        ));
    }

    let mut report = Report::default();
    for config in configs(host) {
        let mapping = ErrnoMapping::new(&config.policy);
        let rewritten = errno_policy(&config.policy, &mapping);
        let program = compile(&rewritten).unwrap_or_else(|e| {
            panic!(
                "{}: the rewritten policy does not compile: {e}",
                config.label
            )
        });
        assert_only_errno_returns(&program);

        let calls = native_calls(host, &config.policy);
        let results = run_native_child(&program, &calls)
            .and_then(|end| end.results(&calls))
            .unwrap_or_else(|e| panic!("{}: {e}", config.label));
        let oracle = Oracle {
            label: &config.label,
            process_abi: host.name(),
            audit_arch: host.audit_arch(),
            word_mask: u64::MAX,
            program: &program,
            original: &config.policy,
            rewritten: &rewritten,
            mapping: &mapping,
        };
        let before = report.mismatches;
        for (call, kernel) in calls.iter().zip(results) {
            oracle.check(call, kernel, &mut report);
        }
        show(&format!(
            "{TEST}: {}: {} calls, {} instructions, {} distinct errnos, {} mismatches",
            config.label,
            calls.len(),
            program.len(),
            mapping.errno_of.len(),
            report.mismatches - before
        ));
    }
    report.finish(TEST, started.elapsed());
}

// ---------------------------------------------------------------------------
// The i386 helper

/// "SKO1", the helper's file magic.
const HELPER_MAGIC: u32 = 0x314f_4b53;
/// Words before the program in the helper's file.
const HELPER_HEADER_WORDS: usize = 6;
/// Words per call in the helper's file: nr and six arguments.
const HELPER_CALL_WORDS: usize = 7;

/// Why the i386 part cannot run.
enum I386Unavailable {
    /// gcc cannot build 32-bit static binaries.
    NoCompiler(String),
    /// The kernel cannot execute 32-bit binaries.
    NoKernelSupport(String),
}

/// Builds the helper into the test's temporary directory.
fn build_i386_helper() -> Result<PathBuf, I386Unavailable> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle_i386");
    let output = Command::new("gcc")
        .args(["-m32", "-static", "-O1", "-Wall", "-Wextra", "-o"])
        .arg(&out)
        .arg(I386_HELPER_SOURCE)
        .output()
        .map_err(|e| {
            I386Unavailable::NoCompiler(format!(
                "cannot run gcc to build the i386 helper: {e}; install gcc and gcc-multilib"
            ))
        })?;
    if !output.status.success() {
        return Err(I386Unavailable::NoCompiler(format!(
            "gcc -m32 -static failed ({}); install gcc-multilib: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(out)
}

/// Returns the helper's input file: header, program, calls and room for
/// the results.
fn helper_file(program: &[SockFilter], calls: &[Call]) -> Vec<u8> {
    let mut words: Vec<u32> = vec![
        HELPER_MAGIC,
        0,
        0,
        program.len() as u32,
        calls.len() as u32,
        0,
    ];
    assert_eq!(words.len(), HELPER_HEADER_WORDS);
    for insn in program {
        words.push(u32::from(insn.code) | u32::from(insn.jt) << 16 | u32::from(insn.jf) << 24);
        words.push(insn.k);
    }
    for call in calls {
        let nr = u32::try_from(call.register_nr).expect("i386 syscall numbers are 32-bit");
        words.push(nr);
        for arg in call.args {
            words.push(u32::try_from(arg).expect("i386 arguments are 32-bit"));
        }
    }
    words.extend(std::iter::repeat_n(0, calls.len()));
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Kills and reaps a spawned helper when dropped.
struct HelperProcess(Child);

impl Drop for HelperProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the helper on `program` and `calls`; returns each call's result.
fn run_i386_helper(
    helper: &Path,
    file: &Path,
    program: &[SockFilter],
    calls: &[Call],
) -> Result<Result<Vec<KernelResult>, String>, I386Unavailable> {
    fs::write(file, helper_file(program, calls))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    let spawned = Command::new(helper)
        .arg(file)
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let child = match spawned {
        Ok(child) => child,
        Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) => {
            return Err(I386Unavailable::NoKernelSupport(format!(
                "executing {} failed with ENOEXEC (no CONFIG_IA32_EMULATION, or ia32_emulation=0 at boot)",
                helper.display()
            )));
        }
        Err(e) => return Ok(Err(format!("cannot start {}: {e}", helper.display()))),
    };
    let mut child = HelperProcess(child);
    let handle = fs::File::open(file).expect("the helper file was just written");
    let read_word = |word: usize| {
        let mut bytes = [0u8; 4];
        handle
            .read_exact_at(&mut bytes, (word * 4) as u64)
            .expect("the helper file has a header");
        u32::from_le_bytes(bytes)
    };

    let started = Instant::now();
    while read_word(1) == 0 {
        if let Some(status) = child.0.try_wait().expect("waitpid on the helper") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.0.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            return Ok(Err(format!(
                "the helper exited with {status} during call {}: {}",
                read_word(2),
                stderr.trim()
            )));
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let progress = read_word(2) as usize;
            return Ok(Err(format!(
                "the helper timed out after {CHILD_TIMEOUT:?} in call {progress} ({:?})",
                calls.get(progress)
            )));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if let Err(e) = seccomp_status(child.0.id()) {
        return Ok(Err(e));
    }
    drop(child);

    let bytes = fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let results_at =
        4 * (HELPER_HEADER_WORDS + 2 * program.len() + HELPER_CALL_WORDS * calls.len());
    Ok(Ok(bytes[results_at..]
        .chunks_exact(4)
        .map(|raw| {
            let raw = i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
            KernelResult::from_raw(i64::from(raw))
        })
        .collect()))
}

/// Reports that the i386 part cannot run. A missing compiler fails the test
/// under `CI=true`, because `scripts/test` installs gcc-multilib there. A
/// kernel without 32-bit support never fails the test.
fn report_i386_unavailable(test: &str, reason: I386Unavailable) {
    match reason {
        I386Unavailable::NoCompiler(message) => skip(test, &message),
        I386Unavailable::NoKernelSupport(message) => show(&format!(
            "{test}: the kernel cannot run 32-bit binaries, so i386 syscalls were not checked: {message}"
        )),
    }
}

#[test]
fn i386_abi_matches_emulator() {
    const TEST: &str = "i386_abi_matches_emulator";
    if !kernel_ready(TEST) {
        return;
    }
    if Arch::native() != Arch::X86_64 {
        show(&format!(
            "skipped: {TEST}: the i386 helper runs only on x86_64 hosts, and this one is {}",
            Arch::native()
        ));
        return;
    }
    let helper = match build_i386_helper() {
        Ok(helper) => helper,
        Err(reason) => return report_i386_unavailable(TEST, reason),
    };
    let started = Instant::now();

    let mut report = Report::default();
    for (index, config) in configs(Arch::X86_64).into_iter().enumerate() {
        let mapping = ErrnoMapping::new(&config.policy);
        let rewritten = errno_policy(&config.policy, &mapping);
        let program = compile(&rewritten).unwrap_or_else(|e| {
            panic!(
                "{}: the rewritten policy does not compile: {e}",
                config.label
            )
        });
        assert_only_errno_returns(&program);

        let calls = i386_calls(&config.policy);
        let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle_i386_{index}.bin"));
        let results = match run_i386_helper(&helper, &file, &program, &calls) {
            Ok(results) => results.unwrap_or_else(|e| panic!("{}: {e}", config.label)),
            Err(reason) => return report_i386_unavailable(TEST, reason),
        };
        let oracle = Oracle {
            label: &config.label,
            process_abi: "i386",
            audit_arch: Arch::X86.audit_arch(),
            word_mask: 0xffff_ffff,
            program: &program,
            original: &config.policy,
            rewritten: &rewritten,
            mapping: &mapping,
        };
        let before = report.mismatches;
        for (call, kernel) in calls.iter().zip(results) {
            oracle.check(call, kernel, &mut report);
        }
        show(&format!(
            "{TEST}: {}: {} calls, {} instructions, {} distinct errnos, {} mismatches",
            config.label,
            calls.len(),
            program.len(),
            mapping.errno_of.len(),
            report.mismatches - before
        ));
    }
    report.finish(TEST, started.elapsed());
}

// ---------------------------------------------------------------------------
// The rewrite itself, without a kernel

#[test]
fn errno_rewrite_is_one_to_one() {
    for config in configs(Arch::X86_64) {
        let mapping = ErrnoMapping::new(&config.policy);
        let errnos: BTreeSet<u16> = mapping.errno_of.iter().map(|&(_, e)| e).collect();
        assert_eq!(
            errnos.len(),
            mapping.errno_of.len(),
            "{}: two decisions share an errno",
            config.label
        );
        assert!(
            !errnos.contains(&(ENOSYS as u16)),
            "{}: a rewritten decision uses ENOSYS, the ENOSYS rule's errno",
            config.label
        );
        for &(decision, errno) in &mapping.errno_of {
            assert_eq!(
                mapping.original(errno),
                Some(decision),
                "{}: errno {errno} does not map back",
                config.label
            );
        }
        let rewritten = errno_policy(&config.policy, &mapping);
        assert_eq!(rewritten.abis.len(), config.policy.abis.len());
        assert_only_errno_returns(&compile(&rewritten).expect("the rewritten policy compiles"));
    }
}

#[test]
fn unfiltered_syscalls_match_model() {
    const TEST: &str = "unfiltered_syscalls_match_model";
    if !kernel_ready(TEST) {
        return;
    }
    let host = Arch::native();
    if host != Arch::X86_64 {
        show(&format!(
            "skipped: {TEST}: only x86_64 kernels exempt syscalls from filtering, and this host is {host}"
        ));
        return;
    }
    let started = Instant::now();

    let mut report = Report::default();
    let mut outcomes: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for config in configs(host) {
        let mapping = ErrnoMapping::new(&config.policy);
        let rewritten = errno_policy(&config.policy, &mapping);
        let program = compile(&rewritten).unwrap_or_else(|e| {
            panic!(
                "{}: the rewritten policy does not compile: {e}",
                config.label
            )
        });
        assert_only_errno_returns(&program);
        let oracle = Oracle {
            label: &config.label,
            process_abi: host.name(),
            audit_arch: host.audit_arch(),
            word_mask: u64::MAX,
            program: &program,
            original: &config.policy,
            rewritten: &rewritten,
            mapping: &mapping,
        };

        let filter_errnos = program_errnos(&program);
        for nr in unfiltered_numbers(host) {
            let call = Call::new(u64::from(nr), [0; 6]);
            let end = run_native_child(&program, &[call])
                .unwrap_or_else(|e| panic!("{}: {e}", config.label));
            // A result that no return of the program produces, or SIGILL,
            // means that the kernel ran the syscall without the filter.
            let bypass = match end {
                ChildEnd::Finished(results) if filter_errnos.contains(&results[0].errno) => {
                    outcomes
                        .entry(nr)
                        .or_default()
                        .insert("filtered".to_string());
                    oracle.check(&call, results[0], &mut report);
                    continue;
                }
                ChildEnd::Finished(results) => format!("returned {}", results[0]),
                ChildEnd::Died { wait_status, .. }
                    if libc::WIFSIGNALED(wait_status)
                        && libc::WTERMSIG(wait_status) == libc::SIGILL =>
                {
                    "SIGILL".to_string()
                }
                ChildEnd::Died { wait_status, .. } => panic!(
                    "{}: the child issuing nr {nr} ended with wait status {wait_status:#x}, \
                     neither a result nor SIGILL",
                    config.label
                ),
            };
            outcomes
                .entry(nr)
                .or_default()
                .insert(format!("run without the filter ({bypass})"));
            *report.checked.entry(host.name()).or_default() += 1;
            let original = config.policy.decide(host.audit_arch(), nr, [0; 6]);
            // The model lists the syscalls the kernel exempts; for any other
            // number a bypass must agree with an ALLOW decision.
            let exempt = seccomp_kit::policy::kernel_exemption(host, nr).is_some();
            if original.decision != Decision::ALLOW && !exempt {
                report.add_mismatch(format!(
                    "{}: nr {nr} ({}): the kernel ran this syscall without consulting the filter \
                     ({bypass}), so any profile allows it, but Policy::decide returns {}; \
                     the model does not know this kernel exemption",
                    config.label,
                    host.syscall_name(nr).unwrap_or("no name"),
                    describe_verdict(&original)
                ));
            }
        }
    }
    for (nr, outcome) in &outcomes {
        let outcome: Vec<&str> = outcome.iter().map(String::as_str).collect();
        show(&format!(
            "{TEST}: nr {nr} ({}) on this kernel: {}",
            host.syscall_name(*nr).unwrap_or("no name"),
            outcome.join(", ")
        ));
    }
    report.finish(TEST, started.elapsed());
}
