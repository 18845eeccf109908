//! Differential test of the compiled filters against libseccomp 2.5.4.
//!
//! libseccomp is only an oracle here. The test builds each resolved profile
//! a second time the way runc 1.1.5 does (`libcontainer/seccomp/
//! seccomp_linux.go`: `InitSeccomp`, `matchCall`), exports libseccomp's BPF,
//! prepends a port of runc's ENOSYS stub (`libcontainer/seccomp/patchbpf/
//! enosys_linux.go`) and runs both programs in seccomp-kit's emulator.
//!
//! Every profile is resolved for every host ABI except x32, with Docker's
//! default capabilities, the default plus each capability, and all of them.
//! Identical sections are compared once. Each ABI of a filter gets every
//! syscall number up to its largest plus 64 (x32 numbers with the x32 bit),
//! −1, and argument values around every constant of the rules that name the
//! number. Both programs must return the same 32-bit value. A mismatch passes
//! only when [`classify`] places it in [`INTENDED_DIFFERENCES`]; one that it
//! places in [`SUSPECTED_MODEL_BUGS`] fails with that entry's analysis.
//!
//! Debian 12's `libseccomp-dev` provides libseccomp 2.5.4; `scripts/test`
//! installs it.

mod common;

use common::{
    boundary_values, cap_sets, numbers_of, profile_paths, satisfying_arguments, FIXED_ARGUMENTS,
    PROFILES, UNKNOWN_AUDIT_ARCH,
};
use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
    ScmpVersion,
};
use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::insn::*;
use seccomp_kit::bpf::{self, compile, emulator, SeccompData, SockFilter};
use seccomp_kit::policy::{DecidedBy, Decision, Policy, PolicyError, PolicyOptions, ENOSYS, EPERM};
use seccomp_kit::profile::{Action, ArgCondition, KernelVersion, Operator, Profile};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Seek};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// A current kernel: every `minKernel` in the test data is older.
const KERNEL: KernelVersion = KernelVersion::new(6, 18);

/// The libseccomp release the lists below were written for.
const LIBSECCOMP_VERSION: (u32, u32, u32) = (2, 5, 4);

/// Mismatches printed in full before a test fails.
const MAX_REPORTED: usize = 30;

/// ABIs that libseccomp 2.5.4 does not know (`seccomp_arch_add` returns
/// EINVAL): loongarch64 arrived in libseccomp 2.6.0. runc linked against
/// 2.5.4 cannot run on such a host, so these sections are not compared.
const ABIS_UNKNOWN_TO_LIBSECCOMP: [Arch; 1] = [Arch::Loongarch64];

/// Every way seccomp-kit's filter may intentionally return something other
/// than runc + libseccomp 2.5.4, as (id, reason). A mismatch that
/// [`classify`] cannot place here fails the test, and so does an entry that
/// no mismatch needs.
const INTENDED_DIFFERENCES: [(&str, &str); 3] = [
    (
        "name-unknown-to-libseccomp",
        "the profile names a syscall that seccomp-kit's table has on this ABI but \
         libseccomp 2.5.4 does not resolve there, because its table is older, so \
         runc skips the rule and the default action or runc's ENOSYS stub decides",
    ),
    (
        "enosys-threshold",
        "runc's ENOSYS stub takes the largest number that libseccomp resolves for a \
         name of the profile. libseccomp 2.5.4 does not know the newest names, and \
         on socketcall/ipc ABIs it resolves the socket and SysV IPC names to \
         pseudo-numbers, which the stub ignores. seccomp-kit's model takes the \
         largest number from its own tables, so its threshold is higher",
    ),
    (
        "multiplexed-conditional-allow",
        "a conditional ALLOW or LOG rule on a socket or SysV IPC call: libseccomp \
         also adds a rule on `socketcall` or `ipc` that checks only argument 0 (the \
         call number), which allows the call whatever its own arguments are. \
         seccomp-kit adds no rule on the multiplexer, so the multiplexed call gets \
         the default action",
    ),
];

/// Differences that look like bugs in seccomp-kit's model, as (id,
/// analysis). [`classify`] and [`classify_rejection`] place mismatches here
/// so that the failure explains itself. Every entry fails the tests while
/// it occurs. Remove an entry once the model is fixed.
const SUSPECTED_MODEL_BUGS: [(&str, &str); 0] = [];

/// Profiles written for this test, as (name, JSON), for cases the shared
/// profiles do not reach. They have conditional rules on socket and SysV
/// IPC calls without an unconditional `socketcall` or `ipc` rule, and
/// overlapping conditions whose order libseccomp decides. They also repeat
/// argument indices, give MASKED_EQ values bits outside the mask, and
/// compare 64-bit constants on 32-bit ABIs.
const SYNTHETIC_PROFILES: [(&str, &str); 2] = [
    (
        "synthetic: multiplexed conditions",
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "archMap": [
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
                {"architecture": "SCMP_ARCH_PPC64", "subArchitectures": ["SCMP_ARCH_PPC"]},
                {"architecture": "SCMP_ARCH_MIPS64", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]}
            ],
            "syscalls": [
                {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
                {"names": ["shmget"], "action": "SCMP_ACT_LOG",
                 "args": [{"index": 2, "value": 512, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["connect"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                 "args": [{"index": 2, "value": 16, "op": "SCMP_CMP_GT"}]},
                {"names": ["msgsnd"], "action": "SCMP_ACT_TRAP",
                 "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_EQ"},
                          {"index": 3, "value": 2048, "op": "SCMP_CMP_LE"}]}
            ]
        }"#,
    ),
    (
        "synthetic: argument edge cases",
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": 1,
            "archMap": [
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
                {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
                {"architecture": "SCMP_ARCH_MIPSEL64", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]}
            ],
            "syscalls": [
                {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
                 "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_GE"}]},
                {"names": ["personality"], "action": "SCMP_ACT_KILL_PROCESS",
                 "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_GE"}]},
                {"names": ["prctl"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 4, "op": "SCMP_CMP_LT"}]},
                {"names": ["prctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                 "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_LE"}]},
                {"names": ["fcntl"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]},
                {"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
                 "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]},
                {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"},
                          {"index": 1, "value": 21523, "op": "SCMP_CMP_EQ"},
                          {"index": 0, "value": 2, "op": "SCMP_CMP_LE"}]},
                {"names": ["mmap", "mmap2"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 2, "value": 4, "valueTwo": 6, "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["lseek"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 1, "value": 4294967301, "op": "SCMP_CMP_LT"}]},
                {"names": ["kill"], "action": "SCMP_ACT_TRAP",
                 "args": [{"index": 1, "value": 18446744073709551600, "op": "SCMP_CMP_GT"}]},
                {"names": ["madvise"], "action": "SCMP_ACT_TRACE", "errnoRet": 7,
                 "args": [{"index": 2, "value": 4, "op": "SCMP_CMP_NE"},
                          {"index": 0, "value": 4096, "op": "SCMP_CMP_GE"},
                          {"index": 1, "value": 1048576, "op": "SCMP_CMP_LE"}]},
                {"names": ["futex"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                          {"index": 1, "value": 10, "op": "SCMP_CMP_GE"}]},
                {"names": ["futex"], "action": "SCMP_ACT_ERRNO", "errnoRet": 3,
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                          {"index": 1, "value": 5, "op": "SCMP_CMP_GE"}]},
                {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
            ]
        }"#,
    ),
];

/// The socket calls of `socketcall(2)` with their call numbers (`SYS_SOCKET`
/// … in `linux/net.h`).
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

/// The SysV IPC calls of `ipc(2)` with their call numbers (`SEMOP` … in
/// `linux/ipc.h`).
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

/// The ABIs on which libseccomp also filters socket and SysV IPC calls
/// through `socketcall` and `ipc` (the `src/arch-*.c` files that use
/// `abi_rule_add` or their own multiplexing rule_add).
const MULTIPLEXING_ABIS: [Arch; 8] = [
    Arch::X86,
    Arch::S390,
    Arch::S390x,
    Arch::Ppc,
    Arch::Ppc64,
    Arch::Ppc64le,
    Arch::Mips,
    Arch::Mipsel,
];

/// Syscall numbers at the edges of the sign bit and the x32 bit, tried on
/// every audit arch.
const SPECIAL_NUMBERS: [u32; 5] = [
    0x7fff_ffff,
    0x8000_0000,
    0x4000_0000,
    0xc000_0000,
    0xbfff_ffff,
];

/// Returns libseccomp's token for an ABI.
fn scmp_arch(arch: Arch) -> ScmpArch {
    match arch {
        Arch::X86_64 => ScmpArch::X8664,
        Arch::X86 => ScmpArch::X86,
        Arch::X32 => ScmpArch::X32,
        Arch::Aarch64 => ScmpArch::Aarch64,
        Arch::Arm => ScmpArch::Arm,
        Arch::Mips => ScmpArch::Mips,
        Arch::Mipsel => ScmpArch::Mipsel,
        Arch::Mips64 => ScmpArch::Mips64,
        Arch::Mips64n32 => ScmpArch::Mips64N32,
        Arch::Mipsel64 => ScmpArch::Mipsel64,
        Arch::Mipsel64n32 => ScmpArch::Mipsel64N32,
        Arch::Ppc => ScmpArch::Ppc,
        Arch::Ppc64 => ScmpArch::Ppc64,
        Arch::Ppc64le => ScmpArch::Ppc64Le,
        Arch::S390 => ScmpArch::S390,
        Arch::S390x => ScmpArch::S390X,
        Arch::Riscv64 => ScmpArch::Riscv64,
        Arch::Loongarch64 => ScmpArch::Loongarch64,
    }
}

/// libseccomp's syscall numbers by ABI and name, cached because the test
/// resolves the same names many times.
#[derive(Default)]
struct LibseccompNames {
    cache: HashMap<(Arch, String), Option<i32>>,
}

impl LibseccompNames {
    /// Returns what `seccomp_syscall_resolve_name_arch` returns for `name`
    /// on `arch`: a real number, a negative pseudo-number for a name the
    /// ABI lacks (or reaches only through `socketcall`/`ipc`), or `None`
    /// for a name libseccomp does not know at all.
    fn resolve(&mut self, arch: Arch, name: &str) -> Option<i32> {
        if let Some(&known) = self.cache.get(&(arch, name.to_string())) {
            return known;
        }
        let number = ScmpSyscall::from_name_by_arch(name, scmp_arch(arch))
            .ok()
            .map(|s| s.as_raw_syscall());
        self.cache.insert((arch, name.to_string()), number);
        number
    }

    /// Returns the real syscall number of `name` on `arch`, if libseccomp
    /// has one.
    fn number(&mut self, arch: Arch, name: &str) -> Option<u32> {
        self.resolve(arch, name)
            .and_then(|nr| u32::try_from(nr).ok())
    }
}

/// Returns the decision runc's `getAction` gives an action and errno: a
/// missing errno is EPERM, and KILL is KILL_THREAD.
fn runc_decision(action: Action, errno: Option<u32>) -> Decision {
    let errno = errno.unwrap_or(EPERM);
    Decision::new(action, errno as u16)
}

/// Returns libseccomp's action for a decision.
fn scmp_action(decision: Decision) -> ScmpAction {
    match decision.action {
        Action::Kill | Action::KillThread => ScmpAction::KillThread,
        Action::KillProcess => ScmpAction::KillProcess,
        Action::Trap => ScmpAction::Trap,
        Action::Errno => ScmpAction::Errno(i32::from(decision.data)),
        Action::Trace => ScmpAction::Trace(decision.data),
        Action::Allow => ScmpAction::Allow,
        Action::Log => ScmpAction::Log,
        Action::Notify => ScmpAction::Notify,
    }
}

/// Returns libseccomp's comparison for a condition. runc passes `value` as
/// `datum_a` and `valueTwo` as `datum_b`, so for MASKED_EQ `value` is the mask.
fn scmp_condition(condition: &ArgCondition) -> ScmpArgCompare {
    let op = match condition.op {
        Operator::NotEqual => ScmpCompareOp::NotEqual,
        Operator::LessThan => ScmpCompareOp::Less,
        Operator::LessOrEqual => ScmpCompareOp::LessOrEqual,
        Operator::Equal => ScmpCompareOp::Equal,
        Operator::GreaterOrEqual => ScmpCompareOp::GreaterEqual,
        Operator::GreaterThan => ScmpCompareOp::Greater,
        Operator::MaskedEqual => ScmpCompareOp::MaskedEqual(condition.value),
    };
    let datum = match condition.op {
        Operator::MaskedEqual => condition.value_two,
        _ => condition.value,
    };
    ScmpArgCompare::new(u32::from(condition.index), op, datum)
}

/// Returns runc's flattening of one rule's conditions. Distinct argument
/// indices stay one ANDed rule, but if any index repeats, every condition
/// becomes a rule of its own.
fn runc_conjunctions(args: &[ArgCondition]) -> Vec<Vec<ArgCondition>> {
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

/// The filter runc + libseccomp would install, and what the test needs to
/// explain differences from it.
struct Oracle {
    program: Vec<SockFilter>,
    /// The ENOSYS stub's threshold per ABI: numbers above it get ENOSYS.
    /// Empty when the stub does not apply.
    enosys_above: BTreeMap<Arch, u32>,
}

/// Returns the ABIs runc's filter has on `host`: the host first, then the
/// resolved architectures, without repeats.
fn filter_abis(resolved: &Resolved, host: Arch) -> Vec<Arch> {
    let mut arches = vec![host];
    for &arch in &resolved.architectures {
        if !arches.contains(&arch) {
            arches.push(arch);
        }
    }
    arches
}

/// Builds the oracle filter for `resolved` on a runc host `host`, with the
/// ABIs `arches`.
///
/// runc on `host` starts from a filter whose only ABI is `host`, and
/// libseccomp fixes a filter's byte order with its first ABI. libseccomp's
/// native ABI here is this machine's, so unless that is `host` the oracle
/// removes it first, then adds `arches` with `host` first. libseccomp
/// translates a rule's native syscall number to each ABI through the
/// syscall's name, so this machine's numbers give the same rules as runc's
/// host numbers would.
fn build_oracle(
    resolved: &Resolved,
    host: Arch,
    arches: &[Arch],
    names: &mut LibseccompNames,
) -> Result<Oracle, String> {
    let default = runc_decision(resolved.default_action, resolved.default_errno_ret);
    // runc rejects these before it calls libseccomp (`InitSeccomp`).
    if default.action == Action::Notify {
        return Err("runc rejects SCMP_ACT_NOTIFY as the default action".to_string());
    }
    let notify_on_write = resolved
        .rules
        .iter()
        .any(|rule| rule.action == Action::Notify && rule.names.iter().any(|n| n == "write"));
    if notify_on_write {
        return Err("runc rejects SCMP_ACT_NOTIFY on write".to_string());
    }

    let mut filter = ScmpFilterContext::new(scmp_action(default))
        .map_err(|e| format!("seccomp_init failed: {e}"))?;
    let native = Arch::native();
    if native != host {
        filter
            .remove_arch(scmp_arch(native))
            .map_err(|e| format!("seccomp_arch_remove({native}) failed: {e}"))?;
    }
    for &arch in arches {
        filter
            .add_arch(scmp_arch(arch))
            .map_err(|e| format!("seccomp_arch_add({arch}) failed: {e}"))?;
    }

    // runc counts the flattened rules (one per name) before it drops any.
    let flattened: usize = resolved.rules.iter().map(|r| r.names.len()).sum();
    if flattened > 32 {
        filter
            .set_ctl_optimize(2)
            .map_err(|e| format!("SCMP_FLTATR_CTL_OPTIMIZE failed: {e}"))?;
    }
    filter
        .set_ctl_nnp(false)
        .map_err(|e| format!("SCMP_FLTATR_CTL_NNP failed: {e}"))?;

    for rule in &resolved.rules {
        let decision = runc_decision(rule.action, rule.errno_ret);
        if decision == default {
            continue;
        }
        let action = scmp_action(decision);
        for name in &rule.names {
            // runc resolves the name on its native ABI and skips unknown names.
            if names.resolve(host, name).is_none() {
                continue;
            }
            let syscall = ScmpSyscall::from_name(name)
                .map_err(|e| format!("{name} resolves on {host} but not on {native}: {e}"))?;
            if rule.args.is_empty() {
                filter
                    .add_rule(action, syscall)
                    .map_err(|e| format!("seccomp_rule_add({name}) failed: {e}"))?;
                continue;
            }
            for conjunction in runc_conjunctions(&rule.args) {
                let comparisons: Vec<ScmpArgCompare> =
                    conjunction.iter().map(scmp_condition).collect();
                filter
                    .add_rule_conditional(action, syscall, &comparisons)
                    .map_err(|e| {
                        format!("seccomp_rule_add({name}, {conjunction:?}) failed: {e}")
                    })?;
            }
        }
    }

    let mut program = export_bpf(&filter, host.is_big_endian())?;
    if host.is_big_endian() != cfg!(target_endian = "big") {
        let mut returns: HashSet<u32> = resolved
            .rules
            .iter()
            .map(|rule| runc_decision(rule.action, rule.errno_ret).ret_value())
            .collect();
        returns.insert(default.ret_value());
        returns.insert(Decision::KILL_THREAD.ret_value());
        repair_duplicated_returns(&mut program, &returns);
    }
    let enosys_above = enosys_thresholds(resolved, default, arches, names);
    let mut stub = enosys_stub(&enosys_above);
    stub.append(&mut program);
    Ok(Oracle {
        program: stub,
        enosys_above,
    })
}

/// Exports a filter's BPF through an unlinked temporary file, which has no
/// size limit, unlike a pipe without a reader thread. `big_endian` is the
/// byte order of the filter's ABIs.
fn export_bpf(filter: &ScmpFilterContext, big_endian: bool) -> Result<Vec<SockFilter>, String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "seccomp-kit-oracle-{}-{}.bpf",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    // The open descriptor keeps the unlinked file until it is dropped.
    fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    filter
        .export_bpf(&file)
        .map_err(|e| format!("seccomp_export_bpf failed: {e}"))?;

    let mut bytes = Vec::new();
    file.rewind()
        .and_then(|()| file.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the exported BPF: {e}"))?;

    let mut program = bpf::from_bytes(&bytes).ok_or_else(|| {
        format!(
            "the exported BPF has {} bytes, not whole instructions",
            bytes.len()
        )
    })?;

    // libseccomp writes the program in the filter's byte order, and
    // `from_bytes` reads this machine's.
    if big_endian != cfg!(target_endian = "big") {
        for insn in &mut program {
            insn.code = insn.code.swap_bytes();
            insn.k = insn.k.swap_bytes();
        }
    }
    Ok(program)
}

/// Undoes a byte-order slip of libseccomp 2.5.4 that only shows when a
/// machine exports a filter of the other byte order. When a jump to a
/// return is too long, `_gen_bpf_build_jmp_ret` (`src/gen_bpf.c`) copies the
/// return with its value already in target byte order and converts it once
/// more. So the copy contains the value in this machine's byte order. On a
/// host of the filter's byte order both conversions do nothing, so runc
/// there gets the right value. A return whose value is not one the filter
/// can return, but whose byte-swapped value is, is such a copy.
fn repair_duplicated_returns(program: &mut [SockFilter], returns: &HashSet<u32>) {
    for insn in program {
        if insn.code == BPF_RET | BPF_K
            && !returns.contains(&insn.k)
            && returns.contains(&insn.k.swap_bytes())
        {
            insn.k = insn.k.swap_bytes();
        }
    }
}

/// Returns runc's ENOSYS thresholds (`findLastSyscalls`): for each ABI of
/// the filter, the largest real number libseccomp resolves for a name of the
/// profile, counting every rule, also those dropped as equal to the default.
/// ABIs whose largest is 0 get no threshold.
///
/// runc skips the stub when the default action is ALLOW, LOG or TRACE.
/// runc 1.1.5 also means to skip it when `defaultErrnoRet` is ENOSYS, but
/// compares that errno with the whole return value `SCMP_ACT_ERRNO(ENOSYS)`,
/// so the stub stays. The oracle skips it only for an ERRNO(ENOSYS) default,
/// where the stub changes no decision. The native ABI is included, as runc
/// 1.2 and later do.
fn enosys_thresholds(
    resolved: &Resolved,
    default: Decision,
    arches: &[Arch],
    names: &mut LibseccompNames,
) -> BTreeMap<Arch, u32> {
    let mut thresholds = BTreeMap::new();
    let allowish = matches!(
        resolved.default_action,
        Action::Allow | Action::Log | Action::Trace
    );
    if allowish || default == Decision::errno(ENOSYS as u16) {
        return thresholds;
    }
    for &arch in arches {
        let largest = resolved
            .rules
            .iter()
            .flat_map(|rule| rule.names.iter())
            .filter_map(|name| names.number(arch, name))
            .max()
            .unwrap_or(0);
        if largest != 0 {
            thresholds.insert(arch, largest);
        }
    }
    thresholds
}

/// `SECCOMP_RET_ERRNO | ENOSYS`.
const RET_ENOSYS: u32 = 0x0005_0000 | ENOSYS;

fn load(offset: u32) -> SockFilter {
    stmt(BPF_LD | BPF_W | BPF_ABS, offset)
}

fn ret(value: u32) -> SockFilter {
    stmt(BPF_RET | BPF_K, value)
}

fn ja(skip: u32) -> SockFilter {
    stmt(BPF_JMP | BPF_JA, skip)
}

fn jeq(value: u32, jt: u8, jf: u8) -> SockFilter {
    jump(BPF_JMP | BPF_JEQ | BPF_K, value, jt, jf)
}

fn jgt(value: u32, jt: u8, jf: u8) -> SockFilter {
    jump(BPF_JMP | BPF_JGT | BPF_K, value, jt, jf)
}

fn jset(value: u32, jt: u8, jf: u8) -> SockFilter {
    jump(BPF_JMP | BPF_JSET | BPF_K, value, jt, jf)
}

/// Ports runc's `generateEnosysStub`: instructions prepended to
/// libseccomp's program that return ENOSYS for numbers above each ABI's
/// threshold (and for `nr` 0 on s390 and s390x), and otherwise jump to the
/// program's first instruction. The oracle emulates stub and program as one,
/// as the kernel runs them, rather than checking the thresholds in Rust, so
/// the emulator also follows the stub's jumps into libseccomp's code.
///
/// Like runc, the port builds the stub from its end and measures each jump
/// from there. runc's forms for jumps longer than 255 are ported too,
/// although a stub for the at most three audit arches of one filter never
/// needs them. runc walks Go maps in random order; this port uses
/// ascending order, which changes the layout but no decision.
fn enosys_stub(thresholds: &BTreeMap<Arch, u32>) -> Vec<SockFilter> {
    if thresholds.is_empty() {
        return Vec::new();
    }
    let mut by_audit_arch: BTreeMap<u32, BTreeMap<Arch, u32>> = BTreeMap::new();
    for (&arch, &max) in thresholds {
        by_audit_arch
            .entry(arch.audit_arch())
            .or_default()
            .insert(arch, max);
    }

    // The last two instructions: fall through into the filter, or ENOSYS.
    let mut tail: Vec<SockFilter> = vec![ja(1), ret(RET_ENOSYS)];
    let mut section_ends: BTreeMap<u32, usize> = BTreeMap::new();
    for (&audit_arch, maxima) in &by_audit_arch {
        let to_enosys = tail.len() as u32 - 1;
        let to_filter = to_enosys + 1;
        let mut section = vec![load(0)];
        if maxima.len() == 1 {
            let (&arch, &max) = maxima.iter().next().expect("one entry");
            if matches!(arch, Arch::S390 | Arch::S390x) {
                // jne 0, 1; ret ENOSYS
                section.push(jeq(0, 0, 1));
                section.push(ret(RET_ENOSYS));
            }
            let mut section_tail = if to_enosys < 255 {
                vec![jgt(max, (to_enosys + 1) as u8, 0), ja(to_filter)]
            } else {
                // jle max, 1; ret ENOSYS; ja filter
                vec![jgt(max, 0, 1), ret(RET_ENOSYS), ja(to_filter)]
            };
            if audit_arch == Arch::X86_64.audit_arch() {
                let skip = (section_tail.len() - 1) as u8;
                let mode_check = if arch == Arch::X32 {
                    jset(X32_SYSCALL_BIT, 0, skip)
                } else {
                    jset(X32_SYSCALL_BIT, skip, 0)
                };
                section_tail.insert(0, mode_check);
            }
            section.extend(section_tail);
        } else {
            assert_eq!(
                audit_arch,
                Arch::X86_64.audit_arch(),
                "only x86_64 and x32 share an audit arch"
            );
            let x86_64 = maxima[&Arch::X86_64];
            let x32 = maxima[&Arch::X32];
            if to_enosys + 2 <= 255 {
                section.extend([
                    jset(X32_SYSCALL_BIT, 1, 0),
                    jgt(x86_64, (to_enosys + 2) as u8, 1),
                    jgt(x32, (to_enosys + 1) as u8, 0),
                    ja(to_filter),
                ]);
            } else {
                section.extend([
                    jset(X32_SYSCALL_BIT, 1, 0),
                    jgt(x86_64, 1, 2),
                    jgt(x32, 0, 1),
                    ret(RET_ENOSYS),
                    ja(to_filter),
                ]);
            }
        }
        section.append(&mut tail);
        tail = section;
        section_ends.insert(audit_arch, tail.len());
    }

    // ABIs without a section jump straight to the filter.
    tail.insert(0, ja(tail.len() as u32));
    for audit_arch in by_audit_arch.keys() {
        let skip = tail.len() - section_ends[audit_arch];
        if skip <= 255 {
            tail.insert(0, jeq(*audit_arch, skip as u8, 0));
        } else {
            tail.splice(0..0, [jeq(*audit_arch, 0, 1), ja(skip as u32)]);
        }
    }
    tail.insert(0, load(4));
    tail
}

/// Returns the multiplexer (`socketcall` or `ipc`) and call number through
/// which `arch` also reaches `name`, if libseccomp filters it that way.
fn multiplexed(arch: Arch, name: &str) -> Option<(u32, u32)> {
    if !MULTIPLEXING_ABIS.contains(&arch) {
        return None;
    }
    if let Some(&(_, call)) = SOCKET_CALLS.iter().find(|(n, _)| *n == name) {
        return Some((arch.syscall_number("socketcall")?, call));
    }
    let &(_, call) = IPC_CALLS.iter().find(|(n, _)| *n == name)?;
    Some((arch.syscall_number("ipc")?, call))
}

/// The conjunctions of runc's flattening that name each syscall number of
/// one ABI in either filter, found through seccomp-kit's table, libseccomp's
/// table and the multiplexers.
type ArgumentRules = BTreeMap<u32, Vec<Vec<ArgCondition>>>;

/// Collects the [`ArgumentRules`] of `resolved` on `arch`. A rule on a
/// multiplexed call also names the multiplexer, with argument 0 equal to
/// the call number and the rule's other conditions in place, as libseccomp
/// adds it.
fn argument_rules(resolved: &Resolved, arch: Arch, names: &mut LibseccompNames) -> ArgumentRules {
    let mut rules: ArgumentRules = BTreeMap::new();
    for rule in &resolved.rules {
        let conjunctions = if rule.args.is_empty() {
            Vec::new()
        } else {
            runc_conjunctions(&rule.args)
        };
        for name in &rule.names {
            let mut numbers: BTreeSet<u32> = BTreeSet::new();
            numbers.extend(arch.syscall_number(name));
            numbers.extend(names.number(arch, name));
            if !conjunctions.is_empty() {
                for &nr in &numbers {
                    rules.entry(nr).or_default().extend(conjunctions.clone());
                }
            }
            let Some((multiplexer, call)) = multiplexed(arch, name) else {
                continue;
            };
            let call_condition = ArgCondition {
                index: 0,
                value: u64::from(call),
                value_two: 0,
                op: Operator::Equal,
            };
            let entry = rules.entry(multiplexer).or_default();
            if conjunctions.is_empty() {
                entry.push(vec![call_condition]);
            }
            for conjunction in &conjunctions {
                let mut conditions = vec![call_condition];
                conditions.extend(conjunction.iter().filter(|c| c.index != 0));
                entry.push(conditions);
            }
        }
    }
    rules
}

/// Returns the argument vectors tried for one syscall. From all zeros and
/// from a base that satisfies each conjunction, one argument at a time takes
/// the fixed values and the boundary values of every constant compared at
/// its index.
fn argument_vectors(conjunctions: &[Vec<ArgCondition>]) -> Vec<[u64; 6]> {
    let mut values: [BTreeSet<u64>; 6] = Default::default();
    for set in &mut values {
        set.extend(FIXED_ARGUMENTS);
    }
    for conjunction in conjunctions {
        for condition in conjunction {
            let mut constants = vec![condition.value];
            if condition.op == Operator::MaskedEqual {
                constants.push(condition.value_two);
                constants.push(condition.value_two & condition.value);
                constants.push(!condition.value);
            }
            for c in constants {
                values[usize::from(condition.index)].extend(boundary_values(c));
            }
        }
    }
    let mut bases = vec![[0u64; 6]];
    bases.extend(conjunctions.iter().map(|c| satisfying_arguments(c)));
    let mut tried: HashSet<[u64; 6]> = HashSet::new();
    let mut vectors = Vec::new();
    for base in &bases {
        for (index, index_values) in values.iter().enumerate() {
            for &value in index_values {
                let mut args = *base;
                args[index] = value;
                if tried.insert(args) {
                    vectors.push(args);
                }
            }
        }
    }
    vectors
}

/// Returns the syscall numbers tried on one audit arch. Each of its ABIs
/// gets the numbers from 0 to its largest plus 64, and beyond a gap wider
/// than [`common::MAX_WALKED_GAP`] the numbers within 64 of each table
/// entry. x86_64's audit arch also gets the x32 numbers, and every audit
/// arch gets −1 and the special numbers.
fn numbers_for(audit_arch: u32, abis: &[Arch]) -> BTreeSet<u32> {
    let mut numbers: BTreeSet<u32> = SPECIAL_NUMBERS.into_iter().collect();
    numbers.insert(u32::MAX);
    let mut ranges: Vec<Arch> = abis
        .iter()
        .copied()
        .filter(|a| a.audit_arch() == audit_arch)
        .collect();
    if audit_arch == Arch::X86_64.audit_arch() {
        ranges.extend([Arch::X86_64, Arch::X32]);
    }
    for arch in ranges {
        numbers.extend(numbers_of(arch));
    }
    numbers
}

/// Returns the ABI whose section decides `(audit_arch, nr)` in a filter
/// with these ABIs: on x86_64's audit arch, x32 for numbers with the x32
/// bit (except −1) when the filter has x32, else x86_64.
fn abi_for(abis: &[Arch], audit_arch: u32, nr: u32) -> Option<Arch> {
    let x32_number = nr & X32_SYSCALL_BIT != 0 && nr != u32::MAX;
    if audit_arch == Arch::X86_64.audit_arch() && x32_number && abis.contains(&Arch::X32) {
        return Some(Arch::X32);
    }
    abis.iter()
        .copied()
        .find(|a| a.audit_arch() == audit_arch && *a != Arch::X32)
        .or_else(|| abis.iter().copied().find(|a| a.audit_arch() == audit_arch))
}

/// One emulated syscall on which the two programs disagree.
struct Mismatch {
    audit_arch: u32,
    abi: Option<Arch>,
    nr: u32,
    args: [u64; 6],
    ours: u32,
    oracle: u32,
}

/// What [`classify`] reads besides the mismatch itself.
struct Context<'a> {
    resolved: &'a Resolved,
    policy: &'a Policy,
    oracle: &'a Oracle,
}

/// Where [`classify`] places a mismatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Finding {
    /// An id of [`INTENDED_DIFFERENCES`].
    Intended(&'static str),
    /// An id of [`SUSPECTED_MODEL_BUGS`].
    Suspected(&'static str),
}

/// Sorts a mismatch into an entry of [`INTENDED_DIFFERENCES`] or
/// [`SUSPECTED_MODEL_BUGS`], or returns `None` when neither explains it.
fn classify(
    mismatch: &Mismatch,
    context: &Context,
    names: &mut LibseccompNames,
) -> Option<Finding> {
    let abi = mismatch.abi?;
    let ours = context
        .policy
        .decide(mismatch.audit_arch, mismatch.nr, mismatch.args);
    let oracle = Decision::from_ret_value(mismatch.oracle);
    let enosys = Decision::errno(ENOSYS as u16);
    let our_threshold = context.policy.abi(abi).and_then(|a| a.enosys_above);
    let oracle_threshold = context.oracle.enosys_above.get(&abi).copied();

    // The number lies between the two ENOSYS thresholds, exactly one side
    // returns ENOSYS, and seccomp-kit's threshold is the higher one only
    // because of names that libseccomp does not resolve on this ABI.
    let ours_higher = match (our_threshold, oracle_threshold) {
        (Some(our_max), Some(oracle_max)) => our_max > oracle_max,
        (Some(_), None) => true,
        _ => false,
    };
    if ours_higher {
        let low = oracle_threshold.unwrap_or(0);
        let high = our_threshold.unwrap_or(u32::MAX);
        let between = mismatch.nr > low && mismatch.nr <= high;
        let one_side_enosys = (ours.decision == enosys) != (oracle == enosys);
        if between && one_side_enosys && threshold_gap_explained(context, abi, names) {
            return Some(Finding::Intended("enosys-threshold"));
        }
    }

    // A rule of the profile decides the number in seccomp-kit, the rule's
    // names for this number are unknown to libseccomp on this ABI, and the
    // oracle returns the default action or runc's ENOSYS, as for a number
    // that no rule names.
    if let DecidedBy::Rule(origin) = ours.by {
        let rule = &context.resolved.rules[origin.resolved_index];
        let named_here: Vec<&String> = rule
            .names
            .iter()
            .filter(|name| abi.syscall_number(name) == Some(mismatch.nr))
            .collect();
        let unknown = !named_here.is_empty()
            && named_here
                .iter()
                .all(|name| names.number(abi, name) != Some(mismatch.nr));
        let unnamed_answer = oracle == context.policy.default
            || oracle == enosys && oracle_threshold.is_some_and(|max| mismatch.nr > max);
        if unknown && unnamed_answer {
            return Some(Finding::Intended("name-unknown-to-libseccomp"));
        }
    }

    // libseccomp's multiplexer rule for a conditional ALLOW or LOG rule on
    // the call that argument 0 selects.
    if matches!(oracle.action, Action::Allow | Action::Log) && MULTIPLEXING_ABIS.contains(&abi) {
        let call = mismatch.args[0] & 0xffff_ffff;
        let over_allowed = context.resolved.rules.iter().any(|rule| {
            runc_decision(rule.action, rule.errno_ret) == oracle
                && !rule.args.is_empty()
                && rule.names.iter().any(|name| {
                    multiplexed(abi, name)
                        .is_some_and(|(nr, c)| nr == mismatch.nr && u64::from(c) == call)
                })
        });
        if over_allowed {
            return Some(Finding::Intended("multiplexed-conditional-allow"));
        }
    }

    None
}

/// Returns whether seccomp-kit's ENOSYS threshold on `abi` is higher than
/// runc's only because of names that libseccomp does not resolve to a real
/// number there. That is the case when every name of the profile whose
/// number in seccomp-kit's table lies above runc's threshold is such a name.
fn threshold_gap_explained(context: &Context, abi: Arch, names: &mut LibseccompNames) -> bool {
    let oracle_threshold = context.oracle.enosys_above.get(&abi).copied().unwrap_or(0);
    context
        .resolved
        .rules
        .iter()
        .flat_map(|rule| rule.names.iter())
        .all(|name| match abi.syscall_number(name) {
            Some(nr) if nr > oracle_threshold => names.number(abi, name) != Some(nr),
            _ => true,
        })
}

/// Sorts a section that only libseccomp rejects into an entry of
/// [`SUSPECTED_MODEL_BUGS`], from the ABIs it was built with and its error.
fn classify_rejection(_resolved: &Resolved, _abis: &[Arch], _error: &str) -> Option<Finding> {
    // No known cause: seccomp-kit rejects what libseccomp rejects (mixed
    // byte orders, errno values of 4095 and up).
    None
}

/// Examples kept per finding for the test output.
const EXAMPLES_PER_FINDING: usize = 5;

/// Counts from one or many sections.
#[derive(Default)]
struct Tally {
    emulations: u64,
    argument_emulations: u64,
    policies: usize,
    longest_oracle: usize,
    findings: BTreeMap<Finding, u64>,
    /// The first mismatches of each finding, described.
    examples: BTreeMap<Finding, Vec<String>>,
    unexplained: u64,
    /// The first unexplained mismatches, described.
    reports: Vec<String>,
    /// Sections that failed before emulation.
    problems: Vec<String>,
    both_rejected: usize,
    /// Sections that only one of seccomp-kit and libseccomp rejects, with
    /// the finding [`classify_rejection`] gives them.
    rejections: Vec<(Option<Finding>, String)>,
    /// Sections not compared, by reason.
    skipped: BTreeMap<String, usize>,
}

impl Tally {
    fn record(&mut self, finding: Option<Finding>, describe: impl FnOnce() -> String) {
        match finding {
            Some(finding) => {
                *self.findings.entry(finding).or_default() += 1;
                let examples = self.examples.entry(finding).or_default();
                if examples.len() < EXAMPLES_PER_FINDING {
                    examples.push(describe());
                }
            }
            None => {
                self.unexplained += 1;
                if self.reports.len() < MAX_REPORTED {
                    self.reports.push(describe());
                }
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        self.emulations += other.emulations;
        self.argument_emulations += other.argument_emulations;
        self.policies += other.policies;
        self.longest_oracle = self.longest_oracle.max(other.longest_oracle);
        for (finding, count) in other.findings {
            *self.findings.entry(finding).or_default() += count;
        }
        for (finding, examples) in other.examples {
            let kept = self.examples.entry(finding).or_default();
            let room = EXAMPLES_PER_FINDING.saturating_sub(kept.len());
            kept.extend(examples.into_iter().take(room));
        }
        self.unexplained += other.unexplained;
        let room = MAX_REPORTED.saturating_sub(self.reports.len());
        self.reports.extend(other.reports.into_iter().take(room));
        self.problems.extend(other.problems);
        self.both_rejected += other.both_rejected;
        self.rejections.extend(other.rejections);
        for (reason, count) in other.skipped {
            *self.skipped.entry(reason).or_default() += count;
        }
    }
}

/// One distinct resolved section on one host, with the first
/// configuration that produced it, for messages.
struct Work {
    profile: String,
    caps: String,
    host: Arch,
    resolved: Resolved,
}

impl Work {
    fn label(&self) -> String {
        format!(
            "profile {}, host {}, caps {}, kernel {KERNEL}",
            self.profile, self.host, self.caps
        )
    }
}

/// Returns the ABIs of `abis` that an oracle filter can have on `host`, and
/// the reasons for leaving the others out. libseccomp keeps one byte order
/// per filter (`seccomp_arch_add` returns EDOM for the other), so only the
/// ABIs of the host's byte order are compared.
fn comparable_abis(abis: &[Arch], host: Arch) -> (Vec<Arch>, BTreeSet<String>) {
    let mut comparable = Vec::new();
    let mut reasons = BTreeSet::new();
    for &arch in abis {
        if ABIS_UNKNOWN_TO_LIBSECCOMP.contains(&host) {
            reasons.insert(format!(
                "every ABI on a {host} host: libseccomp 2.5.4 has no {host} ABI, so runc cannot run there"
            ));
        } else if ABIS_UNKNOWN_TO_LIBSECCOMP.contains(&arch) {
            reasons.insert(format!("{arch}: libseccomp 2.5.4 has no {arch} ABI"));
        } else if arch.is_big_endian() != host.is_big_endian() {
            reasons.insert(
                "the ABIs whose byte order differs from the host's: libseccomp keeps one byte order per filter"
                    .to_string(),
            );
        } else {
            comparable.push(arch);
        }
    }
    (comparable, reasons)
}

/// Records a section that exactly one of seccomp-kit's model and runc +
/// libseccomp rejects: runc fails to start a container whose section
/// libseccomp rejects, and `Policy::build` promises to reject what runc
/// rejects. `oracle_error` is the result of the oracle built with `abis`.
/// When that left ABIs out, the oracle is built again with every ABI that
/// libseccomp has.
fn check_rejection(
    work: &Work,
    abis: &[Arch],
    policy_error: Option<&PolicyError>,
    oracle_error: Option<&String>,
    names: &mut LibseccompNames,
    tally: &mut Tally,
) {
    let all: Vec<Arch> = filter_abis(&work.resolved, work.host)
        .into_iter()
        .filter(|a| !ABIS_UNKNOWN_TO_LIBSECCOMP.contains(a))
        .collect();
    let oracle_error = if oracle_error.is_none() && all != abis {
        build_oracle(&work.resolved, work.host, &all, names).err()
    } else {
        oracle_error.cloned()
    };
    match (policy_error, oracle_error) {
        (Some(_), Some(_)) => tally.both_rejected += 1,
        (None, None) => {}
        (Some(e), None) => tally.rejections.push((
            None,
            format!(
                "{}: seccomp-kit's Policy::build rejects the section ({e}), \
                 but runc + libseccomp 2.5.4 accept it",
                work.label()
            ),
        )),
        (None, Some(e)) => tally.rejections.push((
            classify_rejection(&work.resolved, &all, &e),
            format!(
                "{}: libseccomp 2.5.4 rejects the section ({e}), so runc fails to start \
                 the container, but seccomp-kit's Policy::build accepts it",
                work.label()
            ),
        )),
    }
}

/// Compares seccomp-kit's program with the oracle for one resolved section.
fn check_work(work: &Work, names: &mut LibseccompNames, tally: &mut Tally) {
    let (abis, reasons) = comparable_abis(&filter_abis(&work.resolved, work.host), work.host);
    for reason in reasons {
        *tally.skipped.entry(reason).or_default() += 1;
    }
    if abis.is_empty() {
        return;
    }

    let policy = Policy::build(&work.resolved, &PolicyOptions::new(work.host));
    let oracle = build_oracle(&work.resolved, work.host, &abis, names);
    check_rejection(
        work,
        &abis,
        policy.as_ref().err(),
        oracle.as_ref().err(),
        names,
        tally,
    );
    let (Ok(policy), Ok(oracle)) = (policy, oracle) else {
        *tally
            .skipped
            .entry("every ABI: seccomp-kit or libseccomp rejects the section".to_string())
            .or_default() += 1;
        return;
    };

    let program = match compile(&policy) {
        Ok(program) => program,
        Err(e) => {
            tally
                .problems
                .push(format!("{}: compile failed: {e}", work.label()));
            return;
        }
    };
    if let Err(e) = emulator::verify(&program) {
        tally.problems.push(format!(
            "{}: seccomp-kit's program fails verification: {e}",
            work.label()
        ));
        return;
    }
    // The kernel rejects programs over 4096 instructions, which would make
    // runc fail. The emulator still runs them, so only other faults count.
    match emulator::verify(&oracle.program) {
        Ok(()) | Err(emulator::VerifyError::TooLong(_)) => {}
        Err(e) => {
            tally.problems.push(format!(
                "{}: the oracle program fails verification: {e}",
                work.label()
            ));
            return;
        }
    }
    tally.policies += 1;
    tally.longest_oracle = tally.longest_oracle.max(oracle.program.len());

    let argument_rules: Vec<(Arch, ArgumentRules)> = abis
        .iter()
        .map(|&abi| (abi, argument_rules(&work.resolved, abi, names)))
        .collect();
    let context = Context {
        resolved: &work.resolved,
        policy: &policy,
        oracle: &oracle,
    };
    let mut run =
        |tally: &mut Tally, audit_arch: u32, big_endian: bool, nr: u32, args: [u64; 6]| {
            let data = SeccompData::new(audit_arch, nr, args);
            let ours = emulator::run_verified(&program, &data, big_endian, &mut |_| {});
            let theirs = emulator::run_verified(&oracle.program, &data, big_endian, &mut |_| {});
            tally.emulations += 1;
            if ours == theirs {
                return;
            }
            let mismatch = Mismatch {
                audit_arch,
                abi: abi_for(&abis, audit_arch, nr),
                nr,
                args,
                ours,
                oracle: theirs,
            };
            let finding = classify(&mismatch, &context, names);
            tally.record(finding, || describe(work, &mismatch, &context));
        };

    let audit_arches: BTreeSet<u32> = abis.iter().map(|a| a.audit_arch()).collect();
    for &audit_arch in &audit_arches {
        let big_endian = abis
            .iter()
            .find(|a| a.audit_arch() == audit_arch)
            .is_some_and(|a| a.is_big_endian());
        for nr in numbers_for(audit_arch, &abis) {
            run(tally, audit_arch, big_endian, nr, [0; 6]);
        }
    }
    run(tally, UNKNOWN_AUDIT_ARCH, false, 0, [0; 6]);

    for (abi, rules) in &argument_rules {
        for (&nr, conjunctions) in rules {
            for args in argument_vectors(conjunctions) {
                if args != [0; 6] {
                    run(tally, abi.audit_arch(), abi.is_big_endian(), nr, args);
                    tally.argument_emulations += 1;
                }
            }
        }
    }
}

/// Describes a mismatch with everything needed to reproduce it.
fn describe(work: &Work, mismatch: &Mismatch, context: &Context) -> String {
    let args: Vec<String> = mismatch.args.iter().map(|a| format!("{a:#x}")).collect();
    let verdict = context
        .policy
        .decide(mismatch.audit_arch, mismatch.nr, mismatch.args);
    let mut text = format!(
        "{}: audit arch {:#010x} ({}), nr {:#x} ({}), args [{}]: \
         seccomp-kit {} ({:#010x}, decided by {:?}), libseccomp {} ({:#010x})",
        work.label(),
        mismatch.audit_arch,
        mismatch.abi.map_or("no ABI".to_string(), |a| a.to_string()),
        mismatch.nr,
        mismatch
            .abi
            .and_then(|a| a.syscall_name(mismatch.nr))
            .unwrap_or("not in seccomp-kit's table"),
        args.join(", "),
        Decision::from_ret_value(mismatch.ours),
        mismatch.ours,
        verdict.by,
        Decision::from_ret_value(mismatch.oracle),
        mismatch.oracle,
    );
    if let Some(abi) = mismatch.abi {
        let _ = write!(
            text,
            "; ENOSYS above: seccomp-kit {:?}, runc {:?}",
            context.policy.abi(abi).and_then(|a| a.enosys_above),
            context.oracle.enosys_above.get(&abi)
        );
    }
    text
}

/// Returns a key that is equal for two resolved sections that give the same
/// filters on one host, whatever profile, capabilities or source positions
/// they came from.
fn section_key(host: Arch, resolved: &Resolved) -> String {
    let mut key = format!(
        "{host}|{:?}|{:?}|{:?}",
        resolved.default_action, resolved.default_errno_ret, resolved.architectures
    );
    for rule in &resolved.rules {
        let _ = write!(
            key,
            "|{:?} {:?} {:?} {:?}",
            rule.names, rule.action, rule.errno_ret, rule.args
        );
    }
    key
}

/// Resolves every shared and synthetic profile for every host except x32
/// and every capability set. Returns the number of shared profiles that
/// parsed, the hosts and the distinct sections.
fn collect_work() -> (usize, Vec<Arch>, Vec<Work>) {
    let mut sources: Vec<(String, String)> = Vec::new();
    for path in profile_paths() {
        let name = path
            .strip_prefix(PROFILES)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        sources.push((name, text));
    }
    let shared = sources.len();
    sources.extend(
        SYNTHETIC_PROFILES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string())),
    );

    let hosts: Vec<Arch> = Arch::ALL.into_iter().filter(|&a| a != Arch::X32).collect();
    let cap_sets = cap_sets();
    let mut work: Vec<Work> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut parsed_shared = 0usize;
    for (index, (name, text)) in sources.iter().enumerate() {
        let profile = match Profile::from_json(text) {
            Ok(loaded) => loaded.profile,
            Err(e) if index < shared => {
                eprintln!("skipped {name}: it does not parse: {e}");
                continue;
            }
            Err(e) => panic!("{name} does not parse: {e}"),
        };
        if index < shared {
            parsed_shared += 1;
        }
        for &host in &hosts {
            for (caps_label, caps) in &cap_sets {
                let target = Target::new(host, caps.clone(), KERNEL);
                let resolved = match resolve(&profile, &target) {
                    Ok(Some(resolved)) => resolved,
                    Ok(None) => continue,
                    Err(e) => {
                        eprintln!("skipped {name} on {host} with caps {caps_label}: {e}");
                        continue;
                    }
                };
                if seen.insert(section_key(host, &resolved)) {
                    work.push(Work {
                        profile: name.clone(),
                        caps: caps_label.clone(),
                        host,
                        resolved,
                    });
                }
            }
        }
    }
    (parsed_shared, hosts, work)
}

/// The outcome of one pass over every section, shared by the tests below.
struct Run {
    profiles: usize,
    hosts: usize,
    sections: usize,
    tally: Tally,
}

/// Checks that the linked libseccomp is the release the lists were written
/// for, then compares every section once, on every core. All tests read
/// this one pass.
fn run_once() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let started = Instant::now();
        let version = ScmpVersion::current().expect("libseccomp reports its version");
        assert_eq!(
            (version.major, version.minor, version.micro),
            LIBSECCOMP_VERSION,
            "the lists of differences were written for libseccomp 2.5.4 (Debian 12's \
             libseccomp-dev), but this test links libseccomp {}.{}.{}",
            version.major,
            version.minor,
            version.micro
        );
        for arch in ABIS_UNKNOWN_TO_LIBSECCOMP {
            let mut filter = ScmpFilterContext::new(ScmpAction::Allow).expect("seccomp_init works");
            assert!(
                filter.add_arch(scmp_arch(arch)).is_err(),
                "libseccomp now knows {arch}; remove it from ABIS_UNKNOWN_TO_LIBSECCOMP"
            );
        }

        let (profiles, hosts, work) = collect_work();
        let next = AtomicUsize::new(0);
        let total = Mutex::new(Tally::default());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    let mut names = LibseccompNames::default();
                    let mut tally = Tally::default();
                    while let Some(item) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                        check_work(item, &mut names, &mut tally);
                    }
                    total.lock().expect("no thread panicked").merge(tally);
                });
            }
        });
        let tally = total.into_inner().expect("no thread panicked");

        eprintln!(
            "{profiles} shared and {} synthetic profiles, {} hosts, {} distinct sections, \
             {} compared, {} rejected by both; {} emulations of each program ({} with \
             arguments); longest oracle program {} instructions; {threads} threads, {:.1?}",
            SYNTHETIC_PROFILES.len(),
            hosts.len(),
            work.len(),
            tally.policies,
            tally.both_rejected,
            tally.emulations,
            tally.argument_emulations,
            tally.longest_oracle,
            started.elapsed()
        );
        for (id, _) in INTENDED_DIFFERENCES {
            let finding = Finding::Intended(id);
            eprintln!(
                "intended difference {id}: {} emulations, for example: {}",
                tally.findings.get(&finding).copied().unwrap_or(0),
                tally
                    .examples
                    .get(&finding)
                    .and_then(|e| e.first())
                    .map_or("none", String::as_str)
            );
        }
        for (id, _) in SUSPECTED_MODEL_BUGS {
            let finding = Finding::Suspected(id);
            let rejected = tally
                .rejections
                .iter()
                .filter(|(f, _)| *f == Some(finding))
                .count();
            eprintln!(
                "suspected model bug {id}: {} emulations, {rejected} sections",
                tally.findings.get(&finding).copied().unwrap_or(0)
            );
        }
        eprintln!("unexplained: {} emulations", tally.unexplained);
        for (reason, count) in &tally.skipped {
            eprintln!("not compared in {count} sections: {reason}");
        }
        Run {
            profiles,
            hosts: hosts.len(),
            sections: work.len(),
            tally,
        }
    })
}

/// Returns the analysis of a suspected model bug and its examples, for a
/// failure message.
fn explain_suspected(id: &str, count: usize, examples: &[String]) -> String {
    let analysis = SUSPECTED_MODEL_BUGS
        .iter()
        .find(|(entry, _)| *entry == id)
        .map_or("", |(_, analysis)| analysis);
    format!(
        "suspected model bug {id} ({count} cases): {analysis}\nfor example:\n{}",
        examples.join("\n")
    )
}

#[test]
fn compiled_programs_match_libseccomp() {
    let run = run_once();
    let tally = &run.tally;
    assert!(
        run.profiles >= 30,
        "only {} profiles parsed; expected the shared test data under {PROFILES}",
        run.profiles
    );
    assert_eq!(
        run.hosts,
        Arch::ALL.len() - 1,
        "every ABI but x32 is a host"
    );
    assert!(
        tally.policies * 10 >= run.sections * 9,
        "only {} of {} sections were compared",
        tally.policies,
        run.sections
    );
    assert!(
        tally.problems.is_empty(),
        "{} sections failed before emulation:\n{}",
        tally.problems.len(),
        tally.problems.join("\n")
    );
    assert!(
        tally.unexplained == 0,
        "{} emulations differ from libseccomp 2.5.4 without an intended difference; the first {}:\n{}",
        tally.unexplained,
        tally.reports.len(),
        tally.reports.join("\n")
    );
    let suspected: Vec<String> = tally
        .findings
        .iter()
        .filter_map(|(finding, &count)| match finding {
            Finding::Suspected(id) => Some(explain_suspected(
                id,
                count as usize,
                &tally.examples[finding],
            )),
            Finding::Intended(_) => None,
        })
        .collect();
    assert!(
        suspected.is_empty(),
        "emulations differ from libseccomp 2.5.4 in ways that look like bugs in \
         seccomp-kit's model:\n{}",
        suspected.join("\n\n")
    );
}

#[test]
fn sections_rejected_like_libseccomp() {
    let rejections = &run_once().tally.rejections;
    let mut by_finding: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut unexplained: Vec<&str> = Vec::new();
    for (finding, text) in rejections {
        match finding {
            Some(Finding::Suspected(id)) | Some(Finding::Intended(id)) => {
                by_finding.entry(id).or_default().push(text.clone())
            }
            None => unexplained.push(text),
        }
    }
    let mut message: Vec<String> = by_finding
        .iter()
        .map(|(id, texts)| {
            let shown = &texts[..texts.len().min(EXAMPLES_PER_FINDING)];
            explain_suspected(id, texts.len(), shown)
        })
        .collect();
    if !unexplained.is_empty() {
        message.push(format!(
            "without a known cause ({}):\n{}",
            unexplained.len(),
            unexplained.join("\n")
        ));
    }
    assert!(
        rejections.is_empty(),
        "{} sections are rejected by only one of seccomp-kit and runc + libseccomp 2.5.4:\n{}",
        rejections.len(),
        message.join("\n\n")
    );
}

#[test]
fn difference_lists_are_all_needed() {
    let tally = &run_once().tally;
    let rejected: BTreeSet<Finding> = tally.rejections.iter().filter_map(|(f, _)| *f).collect();
    let intended = INTENDED_DIFFERENCES
        .iter()
        .map(|(id, _)| Finding::Intended(id));
    let suspected = SUSPECTED_MODEL_BUGS
        .iter()
        .map(|(id, _)| Finding::Suspected(id));
    let unused: Vec<Finding> = intended
        .chain(suspected)
        .filter(|finding| !tally.findings.contains_key(finding) && !rejected.contains(finding))
        .collect();
    assert!(
        unused.is_empty(),
        "no difference needs {unused:?}; remove them from INTENDED_DIFFERENCES or \
         SUSPECTED_MODEL_BUGS"
    );
}
