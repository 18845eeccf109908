//! seccomp-kit's built-in default profile.
//!
//! The profile is written as a list of [`Group`]s. A group names syscalls
//! that share one outcome ([`Verdict`]), one or more alternative conditions
//! ([`Gate`]s) and a `reason` that explains the outcome.
//! [`default_profile`] turns every gate of every group into one profile rule
//! and copies the reason into the rule's `comment`.
//!
//! Every decision equals the default profile Docker uses (moby/profiles
//! `seccomp/default.json` as of commit `3c28324`, May 2026) for every host
//! architecture, capability set and kernel version. The integration test
//! `tests/default_profile.rs` checks this against moby's JSON file. The
//! grouping, order and wording are our own.
//!
//! Anything no group names falls to the default action, ERRNO(EPERM).
//! Notable syscalls that stay denied whatever the capabilities are:
//! `add_key`, `keyctl` and `request_key`, `kexec_load` and
//! `kexec_file_load`, `pivot_root`, `swapon` and `swapoff`,
//! `io_uring_setup`, `io_uring_enter` and `io_uring_register`,
//! `userfaultfd`, `move_pages` and `migrate_pages`, `vm86` and `vm86old`,
//! `uselib`, `ustat`, `sysfs`, `_sysctl`, `nfsservctl`, `query_module`,
//! `create_module`, `get_kernel_syms`, and `socket` for the AF_ALG and
//! AF_VSOCK families.
//!
//! ```
//! use seccomp_kit::profile::{default_profile, Action};
//!
//! let profile = default_profile();
//! assert_eq!(profile.default_action, Some(Action::Errno));
//! assert_eq!(profile.default_errno_ret, Some(1));
//!
//! let rule = profile
//!     .syscalls
//!     .iter()
//!     .find(|r| r.names.iter().any(|n| n == "open_by_handle_at"))
//!     .unwrap();
//! assert_eq!(rule.includes.caps, ["CAP_DAC_READ_SEARCH"]);
//! assert!(rule.comment.as_deref().unwrap().contains("shocker"));
//! ```

use super::{
    Action, ArchMapEntry, ArgCondition, Filter, KernelVersion, Location, Operator, Profile, Rule,
};
use crate::arch::Arch;
use std::fmt;

/// The outcome a group gives its syscalls when one of its gates holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `SCMP_ACT_ALLOW`.
    Allow,
    /// `SCMP_ACT_ERRNO` with this errno.
    Errno(u32),
}

impl Verdict {
    /// Returns the rule action and `errnoRet` for this verdict.
    pub fn action(self) -> (Action, Option<u32>) {
        match self {
            Verdict::Allow => (Action::Allow, None),
            Verdict::Errno(errno) => (Action::Errno, Some(errno)),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Allow => f.write_str("allow"),
            Verdict::Errno(errno) => write!(f, "fail with errno {errno}"),
        }
    }
}

/// One set of requirements that must all hold, written as one profile rule.
///
/// Architectures are moby's native names of the daemon's architecture
/// (`amd64`, `arm64`, `s390x`, …), as `includes.arches` uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    /// The rule applies only on these hosts; empty means every host.
    pub arches: &'static [&'static str],
    /// The rule never applies on these hosts.
    pub not_arches: &'static [&'static str],
    /// Capabilities the container must all have.
    pub caps: &'static [&'static str],
    /// Capabilities of which any one switches the rule off.
    pub not_caps: &'static [&'static str],
    /// Minimum host kernel.
    pub min_kernel: Option<KernelVersion>,
    /// An argument check. A gate contains at most one, because runc splits a
    /// rule whose conditions share an argument index into separate ORed
    /// rules, so alternatives on one argument are written as separate gates.
    pub arg: Option<ArgCondition>,
}

impl Gate {
    /// No requirement: the rule applies to every container.
    pub const ALWAYS: Gate = Gate {
        arches: &[],
        not_arches: &[],
        caps: &[],
        not_caps: &[],
        min_kernel: None,
        arg: None,
    };

    const fn on(self, arches: &'static [&'static str]) -> Gate {
        Gate { arches, ..self }
    }

    const fn not_on(self, not_arches: &'static [&'static str]) -> Gate {
        Gate { not_arches, ..self }
    }

    const fn with_caps(self, caps: &'static [&'static str]) -> Gate {
        Gate { caps, ..self }
    }

    const fn without_caps(self, not_caps: &'static [&'static str]) -> Gate {
        Gate { not_caps, ..self }
    }

    const fn since_kernel(self, kernel: u64, major: u64) -> Gate {
        Gate {
            min_kernel: Some(KernelVersion::new(kernel, major)),
            ..self
        }
    }

    const fn when_arg(self, index: u8, op: Operator, value: u64) -> Gate {
        let arg = ArgCondition {
            index,
            value,
            value_two: 0,
            op,
        };
        Gate {
            arg: Some(arg),
            ..self
        }
    }

    const fn when_masked_arg(self, index: u8, mask: u64, expected: u64) -> Gate {
        let arg = ArgCondition {
            index,
            value: mask,
            value_two: expected,
            op: Operator::MaskedEqual,
        };
        Gate {
            arg: Some(arg),
            ..self
        }
    }

    /// Returns `true` if the gate has no requirement at all.
    pub fn is_always(&self) -> bool {
        *self == Gate::ALWAYS
    }

    fn includes(&self) -> Filter {
        Filter {
            caps: self.caps.iter().map(|c| c.to_string()).collect(),
            arches: self.arches.iter().map(|a| a.to_string()).collect(),
            min_kernel: self.min_kernel,
        }
    }

    fn excludes(&self) -> Filter {
        Filter {
            caps: self.not_caps.iter().map(|c| c.to_string()).collect(),
            arches: self.not_arches.iter().map(|a| a.to_string()).collect(),
            min_kernel: None,
        }
    }
}

impl fmt::Display for Gate {
    /// Writes the requirements as a short phrase, for example
    /// `without CAP_SYS_ADMIN, on s390 or s390x, if (arg1 & 0x7e020000) == 0x0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_always() {
            return f.write_str("always");
        }
        let mut parts = Vec::new();
        if !self.caps.is_empty() {
            parts.push(format!("with {}", self.caps.join(" and ")));
        }
        if !self.not_caps.is_empty() {
            parts.push(format!("without {}", self.not_caps.join(" or ")));
        }
        if !self.arches.is_empty() {
            parts.push(format!("on {}", self.arches.join(" or ")));
        }
        if !self.not_arches.is_empty() {
            parts.push(format!("except on {}", self.not_arches.join(" or ")));
        }
        if let Some(kernel) = self.min_kernel {
            parts.push(format!("on kernel {kernel} or newer"));
        }
        if let Some(arg) = self.arg {
            parts.push(format!("if {arg}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A documented group of syscalls of the default profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// A short heading, for example `namespaces`.
    pub title: &'static str,
    pub names: &'static [&'static str],
    pub verdict: Verdict,
    /// Alternative conditions: the verdict applies when any gate holds. Each
    /// gate becomes one rule.
    pub gates: &'static [Gate],
    /// The reason the syscalls get this verdict under these conditions.
    pub reason: &'static str,
}

impl Group {
    /// Builds the profile rules of this group, one per gate, with the reason
    /// as their comment.
    pub fn rules(&self) -> Vec<Rule> {
        let (action, errno_ret) = self.verdict.action();
        self.gates
            .iter()
            .map(|gate| Rule {
                names: self.names.iter().map(|n| n.to_string()).collect(),
                name: None,
                action,
                errno_ret,
                args: gate.arg.into_iter().collect(),
                comment: Some(self.reason.to_string()),
                includes: gate.includes(),
                excludes: gate.excludes(),
                location: Location::default(),
            })
            .collect()
    }
}

const ALWAYS: &[Gate] = &[Gate::ALWAYS];

const CAP_BPF: &str = "CAP_BPF";
const CAP_DAC_READ_SEARCH: &str = "CAP_DAC_READ_SEARCH";
const CAP_PERFMON: &str = "CAP_PERFMON";
const CAP_SYS_ADMIN: &str = "CAP_SYS_ADMIN";
const CAP_SYS_BOOT: &str = "CAP_SYS_BOOT";
const CAP_SYS_CHROOT: &str = "CAP_SYS_CHROOT";
const CAP_SYS_MODULE: &str = "CAP_SYS_MODULE";
const CAP_SYS_NICE: &str = "CAP_SYS_NICE";
const CAP_SYS_PACCT: &str = "CAP_SYS_PACCT";
const CAP_SYS_PTRACE: &str = "CAP_SYS_PTRACE";
const CAP_SYS_RAWIO: &str = "CAP_SYS_RAWIO";
const CAP_SYS_TIME: &str = "CAP_SYS_TIME";
const CAP_SYS_TTY_CONFIG: &str = "CAP_SYS_TTY_CONFIG";
const CAP_SYSLOG: &str = "CAP_SYSLOG";

/// moby's native names of the s390 family, where clone takes its flags as
/// the second argument (the kernel's CONFIG_CLONE_BACKWARDS2).
const S390: &[&str] = &["s390", "s390x"];

/// Address families that `socket` is never allowed to create
/// (include/linux/socket.h).
const AF_ALG: u64 = 38;
const AF_VSOCK: u64 = 40;

/// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
/// CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET (include/uapi/linux/sched.h).
const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// The errno moby returns for clone3. It is ENOSYS on most ABIs.
// NOTE: MIPS numbers ENOSYS 89, so on MIPS hosts this value is not ENOSYS;
// it is kept at 38 on every architecture to decide as moby does.
const ENOSYS: u32 = 38;

const GROUPS: &[Group] = &[
    // Unconditional groups. Each name appears in at most one of them, because
    // libseccomp keeps only the first unconditional rule for a syscall.
    Group {
        title: "file data",
        names: &[
            "read",
            "write",
            "readv",
            "writev",
            "pread64",
            "pwrite64",
            "preadv",
            "preadv2",
            "pwritev",
            "pwritev2",
            "lseek",
            "_llseek",
            "sendfile",
            "sendfile64",
            "splice",
            "tee",
            "vmsplice",
            "copy_file_range",
            "readahead",
            "fadvise64",
            "fadvise64_64",
            "fallocate",
            "ftruncate",
            "ftruncate64",
            "truncate",
            "truncate64",
            "fsync",
            "fdatasync",
            "sync",
            "syncfs",
            "sync_file_range",
            "cachestat",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Reading, writing and syncing file data works on descriptors the \
                 container already opened, so file permissions and the mount \
                 namespace already limit it.",
    },
    Group {
        title: "file descriptors",
        names: &[
            "close",
            "close_range",
            "dup",
            "dup2",
            "dup3",
            "fcntl",
            "fcntl64",
            "flock",
            "ioctl",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Descriptor bookkeeping that every program needs. ioctl is not \
                 filtered by request: device access is limited by the devices \
                 the runtime creates and by the device cgroup.",
    },
    Group {
        title: "paths and directories",
        names: &[
            "open",
            "openat",
            "openat2",
            "creat",
            "access",
            "faccessat",
            "faccessat2",
            "chdir",
            "fchdir",
            "getcwd",
            "mkdir",
            "mkdirat",
            "rmdir",
            "link",
            "linkat",
            "symlink",
            "symlinkat",
            "unlink",
            "unlinkat",
            "rename",
            "renameat",
            "renameat2",
            "readlink",
            "readlinkat",
            "mknod",
            "mknodat",
            "umask",
            "getdents",
            "getdents64",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Path lookups stay inside the container's mount namespace and \
                 root. Creating device nodes with mknod still needs CAP_MKNOD \
                 and a device cgroup entry.",
    },
    Group {
        title: "file handles, encoding",
        names: &["name_to_handle_at"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "name_to_handle_at only encodes a path the caller can already \
                 reach into an opaque handle and needs no capability in the \
                 kernel. Decoding a handle is the dangerous half, see \
                 open_by_handle_at.",
    },
    Group {
        title: "file metadata",
        names: &[
            "stat",
            "stat64",
            "lstat",
            "lstat64",
            "fstat",
            "fstat64",
            "fstatat64",
            "newfstatat",
            "statx",
            "statfs",
            "statfs64",
            "fstatfs",
            "fstatfs64",
            "chmod",
            "fchmod",
            "fchmodat",
            "fchmodat2",
            "chown",
            "chown32",
            "fchown",
            "fchown32",
            "fchownat",
            "lchown",
            "lchown32",
            "utime",
            "utimes",
            "utimensat",
            "utimensat_time64",
            "futimesat",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Reading and changing owners, modes and timestamps is checked \
                 by the kernel against file ownership and CAP_CHOWN, CAP_FOWNER \
                 and CAP_FSETID.",
    },
    Group {
        title: "extended attributes",
        names: &[
            "getxattr",
            "lgetxattr",
            "fgetxattr",
            "getxattrat",
            "setxattr",
            "lsetxattr",
            "fsetxattr",
            "setxattrat",
            "listxattr",
            "llistxattr",
            "flistxattr",
            "listxattrat",
            "removexattr",
            "lremovexattr",
            "fremovexattr",
            "removexattrat",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Extended attributes follow file permissions. The kernel \
                 requires CAP_SYS_ADMIN for the trusted namespace, and security \
                 modules check the security namespace.",
    },
    Group {
        title: "memory",
        names: &[
            "brk",
            "mmap",
            "mmap2",
            "munmap",
            "mremap",
            "mprotect",
            "madvise",
            "mincore",
            "mlock",
            "mlock2",
            "mlockall",
            "munlock",
            "munlockall",
            "msync",
            "remap_file_pages",
            "membarrier",
            "memfd_create",
            "memfd_secret",
            "mseal",
            "map_shadow_stack",
            "pkey_alloc",
            "pkey_free",
            "pkey_mprotect",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Managing the process's own address space. Locked memory is \
                 bounded by RLIMIT_MEMLOCK and the memory cgroup, and memory \
                 keys, sealing and shadow stacks only add protection.",
    },
    Group {
        title: "process lifecycle",
        names: &[
            "fork",
            "vfork",
            "execve",
            "execveat",
            "exit",
            "exit_group",
            "wait4",
            "waitid",
            "waitpid",
            "set_tid_address",
            "set_robust_list",
            "get_robust_list",
            "rseq",
            "get_thread_area",
            "set_thread_area",
            "prctl",
            "process_mrelease",
            "getpid",
            "getppid",
            "gettid",
            "getpgid",
            "getpgrp",
            "getsid",
            "setpgid",
            "setsid",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Creating, running and reaping processes and threads inside the \
                 container's PID namespace. prctl is not filtered by option: \
                 its privileged options check capabilities in the kernel. clone \
                 and clone3 have their own groups because they can create \
                 namespaces.",
    },
    Group {
        title: "futexes",
        names: &[
            "futex",
            "futex_time64",
            "futex_waitv",
            "futex_wait",
            "futex_wake",
            "futex_requeue",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Every threading library blocks and wakes threads with futexes, \
                 including the futex2 calls of Linux 5.16 and 6.7.",
    },
    Group {
        title: "kernel-entered returns",
        names: &["rt_sigreturn", "sigreturn", "restart_syscall", "uretprobe"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "The kernel makes these calls on the program's behalf (the \
                 signal return trampoline, restarting an interrupted call, the \
                 uretprobe trampoline), so denying them crashes ordinary \
                 programs.",
    },
    Group {
        title: "credentials",
        names: &[
            "getuid",
            "getuid32",
            "geteuid",
            "geteuid32",
            "getgid",
            "getgid32",
            "getegid",
            "getegid32",
            "getresuid",
            "getresuid32",
            "getresgid",
            "getresgid32",
            "getgroups",
            "getgroups32",
            "setuid",
            "setuid32",
            "setgid",
            "setgid32",
            "setreuid",
            "setreuid32",
            "setregid",
            "setregid32",
            "setresuid",
            "setresuid32",
            "setresgid",
            "setresgid32",
            "setfsuid",
            "setfsuid32",
            "setfsgid",
            "setfsgid32",
            "setgroups",
            "setgroups32",
            "capget",
            "capset",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Changing user, group or capability sets is bounded by \
                 CAP_SETUID, CAP_SETGID and CAP_SETPCAP and by the capability \
                 bounding set the runtime gives the container.",
    },
    Group {
        title: "signals",
        names: &[
            "kill",
            "tkill",
            "tgkill",
            "rt_sigaction",
            "rt_sigpending",
            "rt_sigprocmask",
            "rt_sigqueueinfo",
            "rt_tgsigqueueinfo",
            "rt_sigsuspend",
            "rt_sigtimedwait",
            "rt_sigtimedwait_time64",
            "sigaltstack",
            "sigprocmask",
            "signalfd",
            "signalfd4",
            "pause",
            "alarm",
            "pidfd_open",
            "pidfd_send_signal",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "A container sees and signals only the processes of its PID \
                 namespace (unless it shares the host's), and signalling \
                 another user's processes needs CAP_KILL.",
    },
    Group {
        title: "clocks and timers",
        names: &[
            "time",
            "gettimeofday",
            "clock_gettime",
            "clock_gettime64",
            "clock_getres",
            "clock_getres_time64",
            "clock_nanosleep",
            "clock_nanosleep_time64",
            "nanosleep",
            "times",
            "getitimer",
            "setitimer",
            "timer_create",
            "timer_delete",
            "timer_getoverrun",
            "timer_gettime",
            "timer_gettime64",
            "timer_settime",
            "timer_settime64",
            "timerfd_create",
            "timerfd_gettime",
            "timerfd_gettime64",
            "timerfd_settime",
            "timerfd_settime64",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Reading clocks, sleeping and arming the process's own timers.",
    },
    Group {
        title: "clock adjustment queries",
        names: &["adjtimex", "clock_adjtime", "clock_adjtime64"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Called with no mode bits these only read the kernel's clock \
                 discipline state, which NTP clients poll. Changing the clock \
                 still needs CAP_SYS_TIME in the kernel.",
    },
    Group {
        title: "scheduling and limits",
        names: &[
            "sched_get_priority_max",
            "sched_get_priority_min",
            "sched_getaffinity",
            "sched_getattr",
            "sched_getparam",
            "sched_getscheduler",
            "sched_rr_get_interval",
            "sched_rr_get_interval_time64",
            "sched_setaffinity",
            "sched_setattr",
            "sched_setparam",
            "sched_setscheduler",
            "sched_yield",
            "getpriority",
            "setpriority",
            "ioprio_get",
            "ioprio_set",
            "getrlimit",
            "setrlimit",
            "ugetrlimit",
            "prlimit64",
            "getrusage",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Raising priorities or limits needs CAP_SYS_NICE or \
                 CAP_SYS_RESOURCE in the kernel, and the CPU cgroup and cpuset \
                 still apply.",
    },
    Group {
        title: "waiting for events",
        names: &[
            "select",
            "_newselect",
            "pselect6",
            "pselect6_time64",
            "poll",
            "ppoll",
            "ppoll_time64",
            "epoll_create",
            "epoll_create1",
            "epoll_ctl",
            "epoll_ctl_old",
            "epoll_wait",
            "epoll_wait_old",
            "epoll_pwait",
            "epoll_pwait2",
            "eventfd",
            "eventfd2",
            "inotify_init",
            "inotify_init1",
            "inotify_add_watch",
            "inotify_rm_watch",
            "fanotify_mark",
            "pipe",
            "pipe2",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Event loops and notification on files the container can \
                 reach. fanotify_mark needs a group from fanotify_init, which \
                 this profile allows only with CAP_SYS_ADMIN.",
    },
    Group {
        title: "asynchronous I/O",
        names: &[
            "io_setup",
            "io_destroy",
            "io_submit",
            "io_cancel",
            "io_getevents",
            "io_pgetevents",
            "io_pgetevents_time64",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Linux AIO, used by databases, is bounded by the aio-max-nr \
                 sysctl. The io_uring calls are not listed and stay denied.",
    },
    Group {
        title: "sockets",
        names: &[
            "accept",
            "accept4",
            "bind",
            "connect",
            "listen",
            "getpeername",
            "getsockname",
            "getsockopt",
            "setsockopt",
            "recv",
            "recvfrom",
            "recvmsg",
            "recvmmsg",
            "recvmmsg_time64",
            "send",
            "sendto",
            "sendmsg",
            "sendmmsg",
            "shutdown",
            "socketpair",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Using sockets stays inside the container's network namespace. \
                 Which sockets can be created is decided by the socket group.",
    },
    Group {
        title: "socketcall",
        names: &["socketcall"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "The multiplexed socket entry point of 32-bit x86, s390, \
                 PowerPC and MIPS o32. libseccomp cannot check socket()'s \
                 address family through it, so on those ABIs the AF_ALG and \
                 AF_VSOCK block does not apply. Denying it breaks binaries \
                 whose libc still creates sockets through socketcall.",
    },
    Group {
        title: "System V and POSIX IPC",
        names: &[
            "ipc",
            "msgctl",
            "msgget",
            "msgrcv",
            "msgsnd",
            "semctl",
            "semget",
            "semop",
            "semtimedop",
            "semtimedop_time64",
            "shmat",
            "shmctl",
            "shmdt",
            "shmget",
            "mq_getsetattr",
            "mq_notify",
            "mq_open",
            "mq_timedreceive",
            "mq_timedreceive_time64",
            "mq_timedsend",
            "mq_timedsend_time64",
            "mq_unlink",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Message queues, semaphores and shared memory live in the \
                 container's IPC namespace.",
    },
    Group {
        title: "self-sandboxing",
        names: &[
            "seccomp",
            "landlock_add_rule",
            "landlock_create_ruleset",
            "landlock_restrict_self",
        ],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Programs such as browsers and sandboxing tools restrict \
                 themselves further. A stacked seccomp filter can only add \
                 restrictions to this one.",
    },
    Group {
        title: "system information",
        names: &["uname", "sysinfo", "getcpu", "getrandom", "riscv_hwprobe"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Read-only information that libcs and language runtimes query \
                 at start-up. riscv_hwprobe exists only on RISC-V, and \
                 libseccomp ignores the name on other ABIs.",
    },
    Group {
        title: "mount information",
        names: &["listmount", "statmount"],
        verdict: Verdict::Allow,
        gates: ALWAYS,
        reason: "Reading the mount tree of the caller's mount namespace, the \
                 same information /proc/self/mountinfo shows.",
    },
    // Kernel-gated.
    Group {
        title: "tracing on Linux 4.8 and newer",
        names: &["ptrace", "process_vm_readv", "process_vm_writev"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.since_kernel(4, 8)],
        reason: "Before Linux 4.8 the seccomp check ran before the tracer could \
                 change a syscall, so a tracer could turn an allowed call into \
                 a denied one. Since 4.8 the kernel checks the filter again \
                 after the tracer, so debuggers and strace inside the container \
                 are safe. process_vm_readv and process_vm_writev make the same \
                 access check as ptrace.",
    },
    // Argument-gated.
    Group {
        title: "socket address families",
        names: &["socket"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS.when_arg(0, Operator::LessThan, AF_ALG),
            Gate::ALWAYS.when_arg(0, Operator::Equal, AF_ALG + 1),
            Gate::ALWAYS.when_arg(0, Operator::GreaterThan, AF_VSOCK),
        ],
        reason: "Every address family except AF_ALG (38) and AF_VSOCK (40). \
                 AF_ALG exposes the kernel crypto API, a large attack surface \
                 few containers need. AF_VSOCK talks to the hypervisor or to \
                 the host's virtual machines, past the container's network \
                 setup. The allowed ranges \
                 are three rules because runc turns two conditions on one \
                 argument into an OR, which would allow every family.",
    },
    Group {
        title: "personality",
        names: &["personality"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS.when_arg(0, Operator::Equal, 0x0),
            Gate::ALWAYS.when_arg(0, Operator::Equal, 0x8),
            Gate::ALWAYS.when_arg(0, Operator::Equal, 0x2_0000),
            Gate::ALWAYS.when_arg(0, Operator::Equal, 0x2_0008),
            Gate::ALWAYS.when_arg(0, Operator::Equal, 0xFFFF_FFFF),
        ],
        reason: "Only the personas programs use: PER_LINUX (0), PER_LINUX32 \
                 (0x8, the linux32 tool), UNAME26 (0x20000, for software that \
                 misparses 3.x kernel versions), UNAME26 | PER_LINUX32 \
                 (0x20008), and 0xffffffff, which only queries the current \
                 persona. Other flags such as ADDR_NO_RANDOMIZE or \
                 READ_IMPLIES_EXEC weaken the memory protections of the next \
                 program.",
    },
    // Architecture-gated. moby's rules for arch_prctl and modify_ldt also
    // list `x32`, which is no host's native name, so leaving it out changes
    // no decision.
    Group {
        title: "PowerPC",
        names: &["sync_file_range2", "swapcontext"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(&["ppc64le"])],
        reason: "PowerPC spells sync_file_range with a different argument \
                 order (sync_file_range2), and swapcontext is a PowerPC syscall \
                 that switches user contexts.",
    },
    Group {
        title: "ARM",
        names: &[
            "arm_fadvise64_64",
            "arm_sync_file_range",
            "sync_file_range2",
            "breakpoint",
            "cacheflush",
            "set_tls",
        ],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(&["arm", "arm64"])],
        reason: "ARM versions of fadvise64_64 and sync_file_range with an \
                 argument order that suits its register pairs, and the 32-bit \
                 ARM private calls for TLS setup, instruction cache flushes and \
                 debugger breakpoints. arm64 hosts run 32-bit ARM binaries too.",
    },
    Group {
        title: "x86-64 thread registers",
        names: &["arch_prctl"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(&["amd64"])],
        reason: "x86-64 libcs set the FS base register for thread-local \
                 storage with arch_prctl.",
    },
    Group {
        title: "x86 local descriptor table",
        names: &["modify_ldt"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(&["amd64", "x86"])],
        reason: "16-bit and Wine-style code needs its own LDT segments, and the \
                 call affects only the calling process.",
    },
    Group {
        title: "s390",
        names: &[
            "s390_pci_mmio_read",
            "s390_pci_mmio_write",
            "s390_runtime_instr",
        ],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(S390)],
        reason: "s390 user-space PCI access goes through these calls instead \
                 of mapped memory, and runtime instrumentation is a per-process \
                 CPU feature.",
    },
    Group {
        title: "RISC-V",
        names: &["riscv_flush_icache"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.on(&["riscv64"])],
        reason: "RISC-V's fence.i flushes only the current hart's instruction \
                 cache, so JIT compilers ask the kernel to flush every hart.",
    },
    // Capability-gated.
    Group {
        title: "file handles, decoding",
        names: &["open_by_handle_at"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_DAC_READ_SEARCH])],
        reason: "open_by_handle_at opens any file of a mounted filesystem \
                 from a handle, and a handle can be forged, so it escapes the \
                 container's mount namespace and root (the \"shocker\" escape). \
                 The kernel requires CAP_DAC_READ_SEARCH, and so does this rule.",
    },
    Group {
        title: "namespaces",
        names: &["clone", "clone3", "unshare", "setns"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN])],
        reason: "Creating or joining namespaces, above all user namespaces, \
                 opens kernel code that is otherwise reachable only by root. \
                 With CAP_SYS_ADMIN the container is trusted with it, so clone \
                 and clone3 are allowed with any flags.",
    },
    Group {
        title: "clone without namespaces",
        names: &["clone"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS
                .without_caps(&[CAP_SYS_ADMIN])
                .not_on(S390)
                .when_masked_arg(0, CLONE_NAMESPACE_FLAGS, 0),
            Gate::ALWAYS
                .without_caps(&[CAP_SYS_ADMIN])
                .on(S390)
                .when_masked_arg(1, CLONE_NAMESPACE_FLAGS, 0),
        ],
        reason: "Without CAP_SYS_ADMIN, clone may start processes and threads \
                 but not set a namespace flag (mask 0x7E020000: NEWNS, \
                 NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET). The flags \
                 are argument 0, except on s390 and s390x, where they are \
                 argument 1. CLONE_NEWTIME is not in the mask because clone \
                 cannot take it.",
    },
    Group {
        title: "clone3 fallback",
        names: &["clone3"],
        verdict: Verdict::Errno(ENOSYS),
        gates: &[Gate::ALWAYS.without_caps(&[CAP_SYS_ADMIN])],
        reason: "clone3 passes its flags in a struct in memory, which a seccomp \
                 filter cannot read, so namespace flags cannot be checked. \
                 Failing with ENOSYS (38) instead of EPERM makes glibc 2.34 and \
                 newer fall back to clone, whose flags the filter checks.",
    },
    Group {
        title: "mounts",
        names: &[
            "mount",
            "umount",
            "umount2",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "fsopen",
            "fsconfig",
            "fsmount",
            "fspick",
        ],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN])],
        reason: "Changing the mount tree can uncover or replace what the \
                 runtime mounted over paths such as /proc and /sys. The kernel \
                 also requires CAP_SYS_ADMIN for it.",
    },
    Group {
        title: "filesystem administration",
        names: &["quotactl", "quotactl_fd", "fanotify_init", "lookup_dcookie"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN])],
        reason: "Quotas are set per filesystem, which the host shares. \
                 fanotify can watch whole mounts and filesystems and block \
                 other processes' accesses. lookup_dcookie turns profiling \
                 cookies into paths. The kernel requires CAP_SYS_ADMIN for \
                 setting quotas, for fanotify beyond its limited unprivileged \
                 mode and for lookup_dcookie.",
    },
    Group {
        title: "host and domain names",
        names: &["sethostname", "setdomainname"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN])],
        reason: "The runtime sets the names of the container's UTS namespace, \
                 and the kernel requires CAP_SYS_ADMIN to change them.",
    },
    Group {
        title: "LSM attributes",
        names: &["lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN])],
        reason: "These Linux 6.8 calls read and set the caller's security \
                 module labels (such as its AppArmor or SELinux context), which \
                 the runtime chose, and report which modules the host runs.",
    },
    Group {
        title: "BPF programs",
        names: &["bpf"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN]),
            Gate::ALWAYS.with_caps(&[CAP_BPF]),
        ],
        reason: "Loading BPF programs reaches the verifier and JIT, a large \
                 attack surface, and tracing programs can read kernel memory. \
                 Since Linux 5.8 the kernel accepts CAP_BPF as well as \
                 CAP_SYS_ADMIN.",
    },
    Group {
        title: "performance monitoring",
        names: &["perf_event_open"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN]),
            Gate::ALWAYS.with_caps(&[CAP_PERFMON]),
        ],
        reason: "Performance events observe the whole CPU, including other \
                 containers, and kernel addresses. Since Linux 5.8 CAP_PERFMON \
                 grants them as well as CAP_SYS_ADMIN.",
    },
    Group {
        title: "kernel log",
        names: &["syslog"],
        verdict: Verdict::Allow,
        gates: &[
            Gate::ALWAYS.with_caps(&[CAP_SYS_ADMIN]),
            Gate::ALWAYS.with_caps(&[CAP_SYSLOG]),
        ],
        reason: "The kernel log is shared with the host and shows kernel \
                 addresses and other containers' messages.",
    },
    Group {
        title: "tracing other processes",
        names: &[
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
        ],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_PTRACE])],
        reason: "Inspecting or changing other processes: their memory, their \
                 open files (pidfd_getfd), their kernel objects (kcmp) and \
                 their memory advice (process_madvise). On kernels older than \
                 4.8 this is the only way to get ptrace, because tracing could \
                 bypass the filter there.",
    },
    Group {
        title: "reboot",
        names: &["reboot"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_BOOT])],
        reason: "Inside a PID namespace reboot ends the container's init \
                 instead of the host, and the kernel requires CAP_SYS_BOOT.",
    },
    Group {
        title: "chroot",
        names: &["chroot"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_CHROOT])],
        reason: "CAP_SYS_CHROOT is one of Docker's default capabilities, so \
                 chroot is allowed unless the capability is dropped.",
    },
    Group {
        title: "kernel modules",
        names: &["init_module", "finit_module", "delete_module"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_MODULE])],
        reason: "Loading a module runs code in the host kernel.",
    },
    Group {
        title: "process accounting",
        names: &["acct"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_PACCT])],
        reason: "Process accounting is system-wide: it records every process \
                 of the host into the given file.",
    },
    Group {
        title: "I/O ports",
        names: &["iopl", "ioperm"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_RAWIO])],
        reason: "Direct access to x86 I/O ports reaches host hardware.",
    },
    Group {
        title: "setting the clock",
        names: &["settimeofday", "stime", "clock_settime", "clock_settime64"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_TIME])],
        reason: "The system clock is shared with the host: time namespaces \
                 only offset the monotonic and boot-time clocks.",
    },
    Group {
        title: "terminal hangup",
        names: &["vhangup"],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_TTY_CONFIG])],
        reason: "vhangup hangs up the controlling terminal for every process \
                 that uses it, and the kernel requires CAP_SYS_TTY_CONFIG.",
    },
    Group {
        title: "NUMA memory policy",
        names: &[
            "get_mempolicy",
            "mbind",
            "set_mempolicy",
            "set_mempolicy_home_node",
        ],
        verdict: Verdict::Allow,
        gates: &[Gate::ALWAYS.with_caps(&[CAP_SYS_NICE])],
        reason: "Binding memory to NUMA nodes affects other workloads on the \
                 host's nodes, and moving pages that other processes share \
                 needs CAP_SYS_NICE in the kernel.",
    },
];

/// Returns the documented groups of the default profile, in rule order.
pub fn default_groups() -> &'static [Group] {
    GROUPS
}

/// The archMap: the host architecture selects an entry, and the filter then
/// covers the entry's architecture and its sub-architectures. Hosts without
/// an entry (for example ppc64le, x86 and arm) get a filter for their native
/// ABI only. moby never finds the loongarch64 entry because its two tables
/// of native names spell that architecture differently, so loongarch64 hosts
/// also get only their native ABI.
const ARCH_MAP: &[(Arch, &[Arch])] = &[
    (Arch::X86_64, &[Arch::X86, Arch::X32]),
    (Arch::Aarch64, &[Arch::Arm]),
    (Arch::Mips64, &[Arch::Mips, Arch::Mips64n32]),
    (Arch::Mips64n32, &[Arch::Mips, Arch::Mips64]),
    (Arch::Mipsel64, &[Arch::Mipsel, Arch::Mipsel64n32]),
    (Arch::Mipsel64n32, &[Arch::Mipsel, Arch::Mipsel64]),
    (Arch::S390x, &[Arch::S390]),
    (Arch::Riscv64, &[]),
    (Arch::Loongarch64, &[]),
];

/// Builds seccomp-kit's built-in default profile: ERRNO(EPERM) for
/// everything [`default_groups`] does not allow, one rule per group gate, and
/// moby's archMap.
///
/// ```
/// use seccomp_kit::profile::default_profile;
///
/// let profile = default_profile();
/// let socket_rules = profile
///     .syscalls
///     .iter()
///     .filter(|r| r.names == ["socket"])
///     .count();
/// assert_eq!(socket_rules, 3);
/// assert!(profile.syscalls.iter().all(|r| r.comment.is_some()));
/// ```
pub fn default_profile() -> Profile {
    let arch_map = ARCH_MAP
        .iter()
        .map(|&(architecture, subs)| ArchMapEntry {
            architecture,
            sub_architectures: subs.to_vec(),
        })
        .collect();
    Profile {
        default_action: Some(Action::Errno),
        default_errno_ret: Some(1),
        architectures: Vec::new(),
        arch_map,
        flags: None,
        listener_path: None,
        listener_metadata: None,
        syscalls: default_groups().iter().flat_map(Group::rules).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn groups_have_names_gates_reasons() {
        for group in default_groups() {
            assert!(
                !group.names.is_empty(),
                "group {:?} names no syscall",
                group.title
            );
            assert!(
                !group.gates.is_empty(),
                "group {:?} has no gate",
                group.title
            );
            assert!(
                !group.reason.trim().is_empty(),
                "group {:?} has no reason",
                group.title
            );
        }
    }

    #[test]
    fn groups_unconditional_names_unique() {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for group in default_groups() {
            if !group.gates.iter().any(Gate::is_always) {
                continue;
            }
            for name in group.names {
                let earlier = seen.insert(name, group.title);
                assert_eq!(
                    earlier, None,
                    "{name} is in {:?} and in an earlier unconditional group",
                    group.title
                );
            }
        }
    }

    #[test]
    fn groups_names_unique_within_group() {
        for group in default_groups() {
            let mut names = group.names.to_vec();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                group.names.len(),
                "group {:?} repeats a name",
                group.title
            );
        }
    }

    #[test]
    fn profile_rule_per_gate() {
        let gates: usize = default_groups().iter().map(|g| g.gates.len()).sum();
        assert_eq!(default_profile().syscalls.len(), gates);
    }

    #[test]
    fn gate_display_clone_s390() {
        let clone = default_groups()
            .iter()
            .find(|g| g.title == "clone without namespaces")
            .unwrap();
        assert_eq!(
            clone.gates[1].to_string(),
            "without CAP_SYS_ADMIN, on s390 or s390x, if (arg1 & 0x7e020000) == 0x0"
        );
        assert_eq!(Gate::ALWAYS.to_string(), "always");
    }
}
