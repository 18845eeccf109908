//! Conversion of a resolved section to the `oci-spec` types, the format
//! runtimes read in `config.json`.

use super::Resolved;
use crate::arch::Arch;
use crate::profile::{Action, FilterFlag, Operator};
use oci_spec::runtime::{
    Arch as OciArch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArgBuilder,
    LinuxSeccompFilterFlag, LinuxSeccompOperator, LinuxSyscall,
};

fn oci_action(action: Action) -> LinuxSeccompAction {
    match action {
        Action::Kill => LinuxSeccompAction::ScmpActKill,
        Action::KillThread => LinuxSeccompAction::ScmpActKillThread,
        Action::KillProcess => LinuxSeccompAction::ScmpActKillProcess,
        Action::Trap => LinuxSeccompAction::ScmpActTrap,
        Action::Errno => LinuxSeccompAction::ScmpActErrno,
        Action::Trace => LinuxSeccompAction::ScmpActTrace,
        Action::Allow => LinuxSeccompAction::ScmpActAllow,
        Action::Log => LinuxSeccompAction::ScmpActLog,
        Action::Notify => LinuxSeccompAction::ScmpActNotify,
    }
}

fn oci_operator(op: Operator) -> LinuxSeccompOperator {
    match op {
        Operator::NotEqual => LinuxSeccompOperator::ScmpCmpNe,
        Operator::LessThan => LinuxSeccompOperator::ScmpCmpLt,
        Operator::LessOrEqual => LinuxSeccompOperator::ScmpCmpLe,
        Operator::Equal => LinuxSeccompOperator::ScmpCmpEq,
        Operator::GreaterOrEqual => LinuxSeccompOperator::ScmpCmpGe,
        Operator::GreaterThan => LinuxSeccompOperator::ScmpCmpGt,
        Operator::MaskedEqual => LinuxSeccompOperator::ScmpCmpMaskedEq,
    }
}

fn oci_arch(arch: Arch) -> OciArch {
    match arch {
        Arch::X86_64 => OciArch::ScmpArchX86_64,
        Arch::X86 => OciArch::ScmpArchX86,
        Arch::X32 => OciArch::ScmpArchX32,
        Arch::Aarch64 => OciArch::ScmpArchAarch64,
        Arch::Arm => OciArch::ScmpArchArm,
        Arch::Mips => OciArch::ScmpArchMips,
        Arch::Mipsel => OciArch::ScmpArchMipsel,
        Arch::Mips64 => OciArch::ScmpArchMips64,
        Arch::Mips64n32 => OciArch::ScmpArchMips64n32,
        Arch::Mipsel64 => OciArch::ScmpArchMipsel64,
        Arch::Mipsel64n32 => OciArch::ScmpArchMipsel64n32,
        Arch::Ppc => OciArch::ScmpArchPpc,
        Arch::Ppc64 => OciArch::ScmpArchPpc64,
        Arch::Ppc64le => OciArch::ScmpArchPpc64le,
        Arch::S390 => OciArch::ScmpArchS390,
        Arch::S390x => OciArch::ScmpArchS390x,
        Arch::Riscv64 => OciArch::ScmpArchRiscv64,
        Arch::Loongarch64 => OciArch::ScmpArchLoongarch64,
    }
}

fn oci_flag(flag: FilterFlag) -> LinuxSeccompFilterFlag {
    match flag {
        FilterFlag::Tsync => LinuxSeccompFilterFlag::SeccompFilterFlagTsync,
        FilterFlag::Log => LinuxSeccompFilterFlag::SeccompFilterFlagLog,
        FilterFlag::SpecAllow => LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow,
        FilterFlag::WaitKillableRecv => LinuxSeccompFilterFlag::SeccompFilterFlagWaitKillableRecv,
    }
}

impl Resolved {
    /// Returns the section as the runtime-spec type. Fields moby leaves empty
    /// are omitted, as moby's JSON does.
    pub fn to_oci(&self) -> LinuxSeccomp {
        let mut seccomp = LinuxSeccomp::default();
        seccomp.set_default_action(oci_action(self.default_action));
        seccomp.set_default_errno_ret(self.default_errno_ret);
        if !self.architectures.is_empty() {
            seccomp.set_architectures(Some(
                self.architectures.iter().map(|&a| oci_arch(a)).collect(),
            ));
        }
        seccomp.set_flags(
            self.flags
                .as_ref()
                .map(|f| f.iter().map(|&f| oci_flag(f)).collect()),
        );
        seccomp.set_listener_path(self.listener_path.clone().map(Into::into));
        seccomp.set_listener_metadata(self.listener_metadata.clone());
        let syscalls = self
            .rules
            .iter()
            .map(|rule| {
                let mut syscall = LinuxSyscall::default();
                syscall.set_names(rule.names.clone());
                syscall.set_action(oci_action(rule.action));
                syscall.set_errno_ret(rule.errno_ret);
                if !rule.args.is_empty() {
                    let args = rule
                        .args
                        .iter()
                        .map(|a| {
                            let builder = LinuxSeccompArgBuilder::default()
                                .index(usize::from(a.index))
                                .value(a.value)
                                .op(oci_operator(a.op));
                            let builder = if a.value_two != 0 {
                                builder.value_two(a.value_two)
                            } else {
                                builder
                            };
                            builder.build().expect("every field of the argument is set")
                        })
                        .collect();
                    syscall.set_args(Some(args));
                }
                syscall
            })
            .collect();
        seccomp.set_syscalls(Some(syscalls));
        seccomp
    }
}
