//! Syscall tables for every [`Arch`].
//!
//! Most ABIs take their table from the `syscalls` crate (0.8.1, generated
//! from Linux 6.18) with the corrections in [`CrateFixes`]. x32, MIPS n32 and
//! s390 (31-bit) have tables of our own, because the crate has none for them.
//! Little- and big-endian variants of one ABI use the same numbers and share
//! a table.

use super::{mips_n32, s390, x32, Arch, X32_SYSCALL_BIT};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One ABI's syscall table, indexed both ways.
pub(crate) struct Table {
    by_name: HashMap<&'static str, u32>,
    by_number: Vec<(&'static str, u32)>,
}

impl Table {
    /// Builds a table. An entry listed twice with the same number is kept
    /// once, so a `CrateFixes` addition that a newer crate release also lists
    /// does no harm.
    fn new(entries: impl IntoIterator<Item = (&'static str, u32)>) -> Table {
        let mut by_number: Vec<_> = entries.into_iter().collect();
        by_number.sort_by_key(|&(name, nr)| (nr, name));
        by_number.dedup();
        let by_name = by_number.iter().copied().collect();
        Table { by_name, by_number }
    }

    pub(crate) fn number(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn name(&self, nr: u32) -> Option<&'static str> {
        let index = self.by_number.binary_search_by_key(&nr, |&(_, n)| n).ok()?;
        Some(self.by_number[index].0)
    }

    pub(crate) fn entries(&self) -> Vec<(&'static str, u32)> {
        self.by_number.clone()
    }
}

/// Corrections that turn one `syscalls` crate table into the kernel's table
/// for that ABI as of Linux 7.1.
struct CrateFixes {
    /// Groups of crate entries that the kernel does not give this ABI.
    remove: &'static [&'static [&'static str]],
    /// `(crate name, kernel name)` for entries the crate names differently.
    rename: &'static [(&'static str, &'static str)],
    /// Kernel entries that the crate lacks.
    add: &'static [(&'static str, u32)],
}

impl CrateFixes {
    fn apply(&self, entries: impl Iterator<Item = (&'static str, u32)>) -> Table {
        let kept = entries
            .filter(|(name, _)| !self.remove.iter().any(|group| group.contains(name)))
            .map(|(name, nr)| {
                let renamed = self.rename.iter().find(|&&(old, _)| old == name);
                (renamed.map_or(name, |&(_, new)| new), nr)
            });
        Table::new(kept.chain(self.add.iter().copied()))
    }
}

/// Syscalls newer than the crate's Linux 6.18 tables: `listns` (Linux 6.19)
/// and `rseq_slice_yield` (Linux 7.0). They are 470 and 471 on every ABI
/// that takes its table from the crate, plus the ABI base on MIPS.
const NEWER_THAN_CRATE: &[(&str, u32)] = &[("listns", 470), ("rseq_slice_yield", 471)];

/// Syscalls 403–423 (415 is unassigned), which `scripts/syscall.tbl` tags
/// `32`, so only 32-bit ABIs have them. The crate also lists them for aarch64
/// and loongarch64, whose kernels leave those numbers unassigned.
const TIME64_VARIANTS: &[&str] = &[
    "clock_gettime64",
    "clock_settime64",
    "clock_adjtime64",
    "clock_getres_time64",
    "clock_nanosleep_time64",
    "timer_gettime64",
    "timer_settime64",
    "timerfd_gettime64",
    "timerfd_settime64",
    "utimensat_time64",
    "pselect6_time64",
    "ppoll_time64",
    "io_pgetevents_time64",
    "recvmmsg_time64",
    "mq_timedsend_time64",
    "mq_timedreceive_time64",
    "semtimedop_time64",
    "rt_sigtimedwait_time64",
    "futex_time64",
    "sched_rr_get_interval_time64",
];

/// The uapi headers of 64-bit ABIs that use `scripts/syscall.tbl` name 79
/// `__NR_newfstatat`, but the crate calls it `fstatat`.
const NEWFSTATAT: &[(&str, &str)] = &[("fstatat", "newfstatat")];

const UNCHANGED: CrateFixes = CrateFixes {
    remove: &[],
    rename: &[],
    add: NEWER_THAN_CRATE,
};

const AARCH64_FIXES: CrateFixes = CrateFixes {
    remove: &[TIME64_VARIANTS],
    rename: NEWFSTATAT,
    add: NEWER_THAN_CRATE,
};

/// LoongArch selects none of the optional ABIs of `scripts/syscall.tbl`
/// (`arch/loongarch/kernel/Makefile.syscalls`), so it has no `renameat`
/// (38), `getrlimit`/`setrlimit` (163/164) or `memfd_secret` (447).
const LOONGARCH64_FIXES: CrateFixes = CrateFixes {
    remove: &[
        TIME64_VARIANTS,
        &["renameat", "getrlimit", "setrlimit", "memfd_secret"],
    ],
    rename: NEWFSTATAT,
    add: NEWER_THAN_CRATE,
};

/// The ARM private syscalls at `__ARM_NR_BASE` (0x0f0000) from
/// `arch/arm/include/uapi/asm/unistd.h`, which the crate lacks.
const ARM_FIXES: CrateFixes = CrateFixes {
    remove: &[],
    rename: &[],
    add: &[
        ("breakpoint", 0x0f_0001),
        ("cacheflush", 0x0f_0002),
        ("usr26", 0x0f_0003),
        ("usr32", 0x0f_0004),
        ("set_tls", 0x0f_0005),
        ("get_tls", 0x0f_0006),
        ("listns", 470),
        ("rseq_slice_yield", 471),
    ],
};

/// The o32 table's `unusedNN` and `reservedNN` entries are placeholders for
/// numbers that name no syscall, so they are dropped.
const MIPS_O32_FIXES: CrateFixes = CrateFixes {
    remove: &[&[
        "unused18",
        "unused28",
        "unused59",
        "reserved82",
        "unused84",
        "unused109",
        "unused150",
        "reserved221",
    ]],
    rename: &[],
    add: &[("listns", 4470), ("rseq_slice_yield", 4471)],
};

/// The n64 table's `reserved177` and `reserved193` are placeholders. The
/// crate also lacks `set_mempolicy_home_node`, which `syscall_n64.tbl` has
/// at 450.
const MIPS_N64_FIXES: CrateFixes = CrateFixes {
    remove: &[&["reserved177", "reserved193"]],
    rename: &[],
    add: &[
        ("set_mempolicy_home_node", 5450),
        ("listns", 5470),
        ("rseq_slice_yield", 5471),
    ],
};

/// Lists a `syscalls` crate table and applies `fixes`. `Sysno::iter()`
/// (0.8.1) stops before the last syscall, so this walks the numbers instead.
/// Raw identifiers such as x86's `r#break` lose their prefix.
macro_rules! crate_table {
    ($sysno:ty, $fixes:expr) => {{
        let last = <$sysno>::last().id() as usize;
        let entries = (0..=last)
            .filter_map(<$sysno>::new)
            .map(|s| (s.name().trim_start_matches("r#"), s.id() as u32));
        $fixes.apply(entries)
    }};
}

pub(crate) fn table(arch: Arch) -> Option<&'static Table> {
    static X86_64: OnceLock<Table> = OnceLock::new();
    static X86: OnceLock<Table> = OnceLock::new();
    static X32: OnceLock<Table> = OnceLock::new();
    static AARCH64: OnceLock<Table> = OnceLock::new();
    static ARM: OnceLock<Table> = OnceLock::new();
    static MIPS_O32: OnceLock<Table> = OnceLock::new();
    static MIPS_N64: OnceLock<Table> = OnceLock::new();
    static MIPS_N32: OnceLock<Table> = OnceLock::new();
    static PPC: OnceLock<Table> = OnceLock::new();
    static PPC64: OnceLock<Table> = OnceLock::new();
    static S390: OnceLock<Table> = OnceLock::new();
    static S390X: OnceLock<Table> = OnceLock::new();
    static RISCV64: OnceLock<Table> = OnceLock::new();
    static LOONGARCH64: OnceLock<Table> = OnceLock::new();

    let table = match arch {
        Arch::X86_64 => X86_64.get_or_init(|| crate_table!(syscalls::x86_64::Sysno, UNCHANGED)),
        Arch::X86 => X86.get_or_init(|| crate_table!(syscalls::x86::Sysno, UNCHANGED)),
        Arch::X32 => X32.get_or_init(|| {
            Table::new(
                x32::SYSCALLS
                    .iter()
                    .map(|&(name, nr)| (name, nr | X32_SYSCALL_BIT)),
            )
        }),
        Arch::Aarch64 => {
            AARCH64.get_or_init(|| crate_table!(syscalls::aarch64::Sysno, AARCH64_FIXES))
        }
        Arch::Arm => ARM.get_or_init(|| crate_table!(syscalls::arm::Sysno, ARM_FIXES)),
        Arch::Mips | Arch::Mipsel => {
            MIPS_O32.get_or_init(|| crate_table!(syscalls::mips::Sysno, MIPS_O32_FIXES))
        }
        Arch::Mips64 | Arch::Mipsel64 => {
            MIPS_N64.get_or_init(|| crate_table!(syscalls::mips64::Sysno, MIPS_N64_FIXES))
        }
        Arch::Mips64n32 | Arch::Mipsel64n32 => MIPS_N32.get_or_init(|| {
            Table::new(
                mips_n32::SYSCALLS
                    .iter()
                    .map(|&(name, nr)| (name, nr + mips_n32::BASE)),
            )
        }),
        Arch::Ppc => PPC.get_or_init(|| crate_table!(syscalls::powerpc::Sysno, UNCHANGED)),
        Arch::Ppc64 | Arch::Ppc64le => {
            PPC64.get_or_init(|| crate_table!(syscalls::powerpc64::Sysno, UNCHANGED))
        }
        Arch::S390 => S390.get_or_init(|| Table::new(s390::SYSCALLS.iter().copied())),
        Arch::S390x => S390X.get_or_init(|| crate_table!(syscalls::s390x::Sysno, UNCHANGED)),
        Arch::Riscv64 => RISCV64.get_or_init(|| crate_table!(syscalls::riscv64::Sysno, UNCHANGED)),
        Arch::Loongarch64 => LOONGARCH64
            .get_or_init(|| crate_table!(syscalls::loongarch64::Sysno, LOONGARCH64_FIXES)),
    };
    Some(table)
}
