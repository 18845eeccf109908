//! Builds the libseccomp filter runc would install for a resolved profile
//! (runc `libcontainer/seccomp/seccomp_linux.go`, `InitSeccomp`), using the
//! system libseccomp through the `libseccomp` crate.
//!
//! runc's translation:
//! - the filter covers the native ABI plus the profile's architectures;
//! - a rule whose action and errno equal the default action is skipped;
//! - names the host's libseccomp does not know are skipped;
//! - a missing errno is EPERM;
//! - a rule whose argument indices repeat becomes one rule per condition.
//!
//! runc also puts its own ENOSYS stub in front of libseccomp's program. This
//! module does not build the stub, so the figures are libseccomp's program
//! alone.

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use seccomp_kit::arch::Arch;
use seccomp_kit::bpf::{self, SockFilter};
use seccomp_kit::profile::{Action, ArgCondition, Operator};
use seccomp_kit::resolve::Resolved;
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// libseccomp's code generation: a `jeq` chain in priority order (level 1,
/// the default) or a binary tree over syscall numbers (level 2, which runc
/// uses above 32 rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Linear,
    Tree,
}

impl Layout {
    fn optimize_level(self) -> u32 {
        match self {
            Layout::Linear => 1,
            Layout::Tree => 2,
        }
    }
}

/// A generated program and the time libseccomp took for it.
pub struct Generated {
    pub program: Vec<SockFilter>,
    /// `seccomp_init`, `seccomp_arch_add`, attributes and `seccomp_rule_add`.
    pub rule_building: Duration,
    /// `seccomp_export_bpf` into a memory file.
    pub generation: Duration,
}

/// Builds and exports runc's libseccomp filter for `resolved` on `host`.
///
/// # Panics
/// When libseccomp rejects the profile, as runc would fail to start the
/// container; the profiles benchmarked are expected to load.
pub fn generate(resolved: &Resolved, host: Arch, layout: Layout) -> Generated {
    let start = Instant::now();
    let context = build_context(resolved, host, layout);
    let rule_building = start.elapsed();

    let mut file = memory_file();
    let start = Instant::now();
    context
        .export_bpf(&file)
        .unwrap_or_else(|e| panic!("seccomp_export_bpf failed: {e}"));
    let generation = start.elapsed();

    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut bytes))
        .unwrap_or_else(|e| panic!("reading the exported filter back failed: {e}"));
    let program = bpf::from_bytes(&bytes).unwrap_or_else(|| {
        panic!(
            "exported filter of {} bytes is not whole instructions",
            bytes.len()
        )
    });
    Generated {
        program,
        rule_building,
        generation,
    }
}

fn build_context(resolved: &Resolved, host: Arch, layout: Layout) -> ScmpFilterContext {
    let default = runc_action(resolved.default_action, resolved.default_errno_ret);
    let mut context = ScmpFilterContext::new(default)
        .unwrap_or_else(|e| panic!("seccomp_init({default:?}) failed: {e}"));
    for arch in std::iter::once(host).chain(resolved.architectures.iter().copied()) {
        let token = scmp_arch(arch);
        context
            .add_arch(token)
            .unwrap_or_else(|e| panic!("seccomp_arch_add({arch}) failed: {e}"));
    }
    context
        .set_ctl_nnp(false)
        .and_then(|c| c.set_ctl_optimize(layout.optimize_level()))
        .unwrap_or_else(|e| panic!("seccomp_attr_set failed: {e}"));

    for rule in &resolved.rules {
        let action = runc_action(rule.action, rule.errno_ret);
        if action == default {
            continue;
        }
        for name in &rule.names {
            // runc resolves names for the native ABI and skips unknown ones;
            // libseccomp maps the number to every ABI of the filter.
            let Ok(syscall) = ScmpSyscall::from_name(name) else {
                continue;
            };
            add_rule(&mut context, action, syscall, &rule.args, name);
        }
    }
    context
}

fn add_rule(
    context: &mut ScmpFilterContext,
    action: ScmpAction,
    syscall: ScmpSyscall,
    conditions: &[ArgCondition],
    name: &str,
) {
    let comparisons: Vec<ScmpArgCompare> = conditions.iter().map(comparison).collect();
    let result = if comparisons.is_empty() {
        context.add_rule(action, syscall).map(|_| ())
    } else if has_repeated_index(conditions) {
        // libseccomp allows one comparison per argument, so runc ORs the
        // conditions by adding each as a rule of its own.
        comparisons.iter().try_for_each(|c| {
            context
                .add_rule_conditional(action, syscall, std::slice::from_ref(c))
                .map(|_| ())
        })
    } else {
        context
            .add_rule_conditional(action, syscall, &comparisons)
            .map(|_| ())
    };
    result.unwrap_or_else(|e| panic!("seccomp_rule_add({name}, {action:?}) failed: {e}"));
}

fn has_repeated_index(conditions: &[ArgCondition]) -> bool {
    let mut seen = HashSet::new();
    !conditions.iter().all(|c| seen.insert(c.index))
}

fn comparison(condition: &ArgCondition) -> ScmpArgCompare {
    let (op, datum) = match condition.op {
        Operator::NotEqual => (ScmpCompareOp::NotEqual, condition.value),
        Operator::LessThan => (ScmpCompareOp::Less, condition.value),
        Operator::LessOrEqual => (ScmpCompareOp::LessOrEqual, condition.value),
        Operator::Equal => (ScmpCompareOp::Equal, condition.value),
        Operator::GreaterOrEqual => (ScmpCompareOp::GreaterEqual, condition.value),
        Operator::GreaterThan => (ScmpCompareOp::Greater, condition.value),
        // runc passes `value` as the mask and `valueTwo` as the expected value.
        Operator::MaskedEqual => (
            ScmpCompareOp::MaskedEqual(condition.value),
            condition.value_two,
        ),
    };
    ScmpArgCompare::new(u32::from(condition.index), op, datum)
}

/// Returns runc's `getAction`: KILL is KILL_THREAD, and ERRNO or TRACE
/// without a value get EPERM.
fn runc_action(action: Action, errno: Option<u32>) -> ScmpAction {
    const EPERM: u32 = 1;
    let errno = errno.unwrap_or(EPERM);
    match action {
        Action::Kill | Action::KillThread => ScmpAction::KillThread,
        Action::KillProcess => ScmpAction::KillProcess,
        Action::Trap => ScmpAction::Trap,
        Action::Errno => ScmpAction::Errno(errno as i32),
        Action::Trace => ScmpAction::Trace(errno as u16),
        Action::Notify => ScmpAction::Notify,
        Action::Log => ScmpAction::Log,
        Action::Allow => ScmpAction::Allow,
    }
}

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

/// Returns an anonymous in-memory file for `seccomp_export_bpf`, which
/// writes to a file descriptor. (`seccomp_export_bpf_mem` needs libseccomp
/// 2.6; Debian 12 ships 2.5.4.)
fn memory_file() -> File {
    // SAFETY: memfd_create gets a NUL-terminated name and no flags, and the
    // File below owns the descriptor it returns.
    let fd = unsafe { libc::memfd_create(c"seccomp-kit-bench".as_ptr(), 0) };
    if fd < 0 {
        panic!("memfd_create failed: {}", std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    File::from(unsafe { OwnedFd::from_raw_fd(fd) })
}
