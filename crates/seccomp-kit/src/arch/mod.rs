//! Architectures (ABIs) and their syscall tables.
//!
//! An [`Arch`] is one ABI as libseccomp and the OCI spec name it: x86_64, x32
//! and x86 are three ABIs although x86_64 and x32 share one `AUDIT_ARCH`
//! token. Names are accepted in libseccomp form (`x86_64`), OCI form
//! (`SCMP_ARCH_X86_64`) and Go form (`amd64`).
//!
//! ```
//! use seccomp_kit::arch::Arch;
//!
//! let arch: Arch = "amd64".parse().unwrap();
//! assert_eq!(arch, Arch::X86_64);
//! assert_eq!(arch.syscall_number("read"), Some(0));
//! assert_eq!(Arch::X32.syscall_number("read"), Some(0x4000_0000));
//! ```

mod mips_n32;
mod s390;
mod tables;
mod x32;

use std::fmt;
use std::str::FromStr;

/// The bit the kernel sets in `nr` for x32 syscalls.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// An ABI a seccomp filter can cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
    Mips,
    Mipsel,
    Mips64,
    Mips64n32,
    Mipsel64,
    Mipsel64n32,
    Ppc,
    Ppc64,
    Ppc64le,
    S390,
    S390x,
    Riscv64,
    Loongarch64,
}

/// An architecture name that none of the accepted spellings matches.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture {name:?}; use a libseccomp name (x86_64, x86, x32, aarch64, arm, ppc64le, s390x, riscv64, …), an SCMP_ARCH_* name or a Go name (amd64, 386, arm64, …)")]
pub struct UnknownArch {
    pub name: String,
}

struct ArchInfo {
    arch: Arch,
    /// libseccomp's name (`scmp_arch_resolve_name`).
    libseccomp: &'static str,
    /// The name without the `SCMP_ARCH_` prefix.
    scmp: &'static str,
    /// Go's GOARCH, where one exists.
    goarch: Option<&'static str>,
    /// moby's native name for the daemon's GOARCH (`seccomp_linux.go`).
    moby_native: Option<&'static str>,
    /// Whether moby's `nativeToSeccomp` maps `moby_native` back to this arch.
    /// moby has no key for `loongarch64` and `mipsel` (it spells them `loong64`
    /// and `mipsle`), so archMap is never consulted on those hosts.
    moby_maps_native: bool,
    audit_arch: u32,
}

const EM_386: u32 = 3;
const EM_MIPS: u32 = 8;
const EM_PPC: u32 = 20;
const EM_PPC64: u32 = 21;
const EM_S390: u32 = 22;
const EM_ARM: u32 = 40;
const EM_X86_64: u32 = 62;
const EM_AARCH64: u32 = 183;
const EM_RISCV: u32 = 243;
const EM_LOONGARCH: u32 = 258;
// include/uapi/linux/audit.h
const AUDIT_64BIT: u32 = 0x8000_0000;
const AUDIT_LE: u32 = 0x4000_0000;
const AUDIT_MIPS_N32: u32 = 0x2000_0000;

const INFO: [ArchInfo; 18] = [
    ArchInfo {
        arch: Arch::X86_64,
        libseccomp: "x86_64",
        scmp: "X86_64",
        goarch: Some("amd64"),
        moby_native: Some("amd64"),
        moby_maps_native: true,
        audit_arch: EM_X86_64 | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::X86,
        libseccomp: "x86",
        scmp: "X86",
        goarch: Some("386"),
        moby_native: Some("x86"),
        moby_maps_native: true,
        audit_arch: EM_386 | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::X32,
        libseccomp: "x32",
        scmp: "X32",
        goarch: None,
        moby_native: None,
        moby_maps_native: false,
        audit_arch: EM_X86_64 | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Aarch64,
        libseccomp: "aarch64",
        scmp: "AARCH64",
        goarch: Some("arm64"),
        moby_native: Some("arm64"),
        moby_maps_native: true,
        audit_arch: EM_AARCH64 | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Arm,
        libseccomp: "arm",
        scmp: "ARM",
        goarch: Some("arm"),
        moby_native: Some("arm"),
        moby_maps_native: true,
        audit_arch: EM_ARM | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Mips,
        libseccomp: "mips",
        scmp: "MIPS",
        goarch: Some("mips"),
        moby_native: Some("mips"),
        moby_maps_native: false,
        audit_arch: EM_MIPS,
    },
    ArchInfo {
        arch: Arch::Mipsel,
        libseccomp: "mipsel",
        scmp: "MIPSEL",
        goarch: Some("mipsle"),
        moby_native: Some("mipsel"),
        moby_maps_native: false,
        audit_arch: EM_MIPS | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Mips64,
        libseccomp: "mips64",
        scmp: "MIPS64",
        goarch: Some("mips64"),
        moby_native: Some("mips64"),
        moby_maps_native: true,
        audit_arch: EM_MIPS | AUDIT_64BIT,
    },
    ArchInfo {
        arch: Arch::Mips64n32,
        libseccomp: "mips64n32",
        scmp: "MIPS64N32",
        goarch: Some("mips64p32"),
        moby_native: Some("mips64n32"),
        moby_maps_native: true,
        audit_arch: EM_MIPS | AUDIT_64BIT | AUDIT_MIPS_N32,
    },
    ArchInfo {
        arch: Arch::Mipsel64,
        libseccomp: "mipsel64",
        scmp: "MIPSEL64",
        goarch: Some("mips64le"),
        moby_native: Some("mipsel64"),
        moby_maps_native: true,
        audit_arch: EM_MIPS | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Mipsel64n32,
        libseccomp: "mipsel64n32",
        scmp: "MIPSEL64N32",
        goarch: Some("mips64p32le"),
        // Spelled this way in moby's goToNative and nativeToSeccomp tables.
        moby_native: Some("mips3l64n32"),
        moby_maps_native: true,
        audit_arch: EM_MIPS | AUDIT_64BIT | AUDIT_LE | AUDIT_MIPS_N32,
    },
    ArchInfo {
        arch: Arch::Ppc,
        libseccomp: "ppc",
        scmp: "PPC",
        goarch: Some("ppc"),
        moby_native: Some("ppc"),
        moby_maps_native: true,
        audit_arch: EM_PPC,
    },
    ArchInfo {
        arch: Arch::Ppc64,
        libseccomp: "ppc64",
        scmp: "PPC64",
        goarch: Some("ppc64"),
        moby_native: Some("ppc64"),
        moby_maps_native: true,
        audit_arch: EM_PPC64 | AUDIT_64BIT,
    },
    ArchInfo {
        arch: Arch::Ppc64le,
        libseccomp: "ppc64le",
        scmp: "PPC64LE",
        goarch: Some("ppc64le"),
        moby_native: Some("ppc64le"),
        moby_maps_native: true,
        audit_arch: EM_PPC64 | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::S390,
        libseccomp: "s390",
        scmp: "S390",
        goarch: Some("s390"),
        moby_native: Some("s390"),
        moby_maps_native: true,
        audit_arch: EM_S390,
    },
    ArchInfo {
        arch: Arch::S390x,
        libseccomp: "s390x",
        scmp: "S390X",
        goarch: Some("s390x"),
        moby_native: Some("s390x"),
        moby_maps_native: true,
        audit_arch: EM_S390 | AUDIT_64BIT,
    },
    ArchInfo {
        arch: Arch::Riscv64,
        libseccomp: "riscv64",
        scmp: "RISCV64",
        goarch: Some("riscv64"),
        moby_native: Some("riscv64"),
        moby_maps_native: true,
        audit_arch: EM_RISCV | AUDIT_64BIT | AUDIT_LE,
    },
    ArchInfo {
        arch: Arch::Loongarch64,
        libseccomp: "loongarch64",
        scmp: "LOONGARCH64",
        goarch: Some("loong64"),
        moby_native: Some("loongarch64"),
        moby_maps_native: false,
        audit_arch: EM_LOONGARCH | AUDIT_64BIT | AUDIT_LE,
    },
];

impl Arch {
    /// Every ABI, in declaration order.
    pub const ALL: [Arch; 18] = [
        Arch::X86_64,
        Arch::X86,
        Arch::X32,
        Arch::Aarch64,
        Arch::Arm,
        Arch::Mips,
        Arch::Mipsel,
        Arch::Mips64,
        Arch::Mips64n32,
        Arch::Mipsel64,
        Arch::Mipsel64n32,
        Arch::Ppc,
        Arch::Ppc64,
        Arch::Ppc64le,
        Arch::S390,
        Arch::S390x,
        Arch::Riscv64,
        Arch::Loongarch64,
    ];

    fn info(self) -> &'static ArchInfo {
        &INFO[self as usize]
    }

    /// Returns libseccomp's name, for example `x86_64`.
    pub fn name(self) -> &'static str {
        self.info().libseccomp
    }

    /// Returns the OCI name, for example `SCMP_ARCH_X86_64`.
    pub fn scmp_name(self) -> String {
        format!("SCMP_ARCH_{}", self.info().scmp)
    }

    /// Parses an OCI name (`SCMP_ARCH_X86_64`) exactly, as runc does.
    pub fn from_scmp_name(name: &str) -> Option<Arch> {
        let suffix = name.strip_prefix("SCMP_ARCH_")?;
        INFO.iter().find(|i| i.scmp == suffix).map(|i| i.arch)
    }

    /// Returns moby's native name for a daemon built for this ABI (`amd64`,
    /// `x86`, `arm64`, …); `None` for x32, which no Go port targets.
    pub fn moby_native(self) -> Option<&'static str> {
        self.info().moby_native
    }

    /// Whether moby finds this host's archMap entry. False on loongarch64,
    /// mips and mipsel, where moby's two name tables disagree.
    pub fn moby_maps_native(self) -> bool {
        self.info().moby_maps_native
    }

    /// Returns the kernel's `AUDIT_ARCH_*` token (`seccomp_data.arch`).
    pub fn audit_arch(self) -> u32 {
        self.info().audit_arch
    }

    /// Whether argument words are stored high word first.
    pub fn is_big_endian(self) -> bool {
        self.audit_arch() & AUDIT_LE == 0
    }

    /// Whether libseccomp compares arguments as 64-bit values on this ABI.
    /// x32 and MIPS n32 pass 64-bit registers, but their C types are 32-bit
    /// and libseccomp (2.5, `src/arch-x32.c`, `src/arch-mips64n32.c`) declares
    /// them 32-bit, comparing only the low word, like on 32-bit ABIs.
    pub fn is_64bit(self) -> bool {
        self.audit_arch() & AUDIT_64BIT != 0
            && !matches!(self, Arch::X32 | Arch::Mips64n32 | Arch::Mipsel64n32)
    }

    /// Returns the ABI of this process's build target.
    pub fn native() -> Arch {
        if cfg!(all(target_arch = "x86_64", target_pointer_width = "32")) {
            Arch::X32
        } else if cfg!(target_arch = "x86_64") {
            Arch::X86_64
        } else if cfg!(target_arch = "x86") {
            Arch::X86
        } else if cfg!(target_arch = "aarch64") {
            Arch::Aarch64
        } else if cfg!(target_arch = "arm") {
            Arch::Arm
        } else if cfg!(all(target_arch = "powerpc64", target_endian = "little")) {
            Arch::Ppc64le
        } else if cfg!(target_arch = "powerpc64") {
            Arch::Ppc64
        } else if cfg!(target_arch = "powerpc") {
            Arch::Ppc
        } else if cfg!(target_arch = "s390x") {
            Arch::S390x
        } else if cfg!(target_arch = "riscv64") {
            Arch::Riscv64
        } else if cfg!(target_arch = "loongarch64") {
            Arch::Loongarch64
        } else if cfg!(all(target_arch = "mips64", target_endian = "little")) {
            Arch::Mipsel64
        } else if cfg!(target_arch = "mips64") {
            Arch::Mips64
        } else if cfg!(all(target_arch = "mips", target_endian = "little")) {
            Arch::Mipsel
        } else {
            Arch::Mips
        }
    }

    /// Returns whether seccomp-kit has a syscall table for this ABI, which
    /// every ABI in [`Arch::ALL`] has.
    pub fn has_syscall_table(self) -> bool {
        tables::table(self).is_some()
    }

    /// Returns the number the kernel puts in `seccomp_data.nr` for `name` on
    /// this ABI, or `None` if the ABI has no such syscall. x32 numbers include [`X32_SYSCALL_BIT`],
    /// and MIPS numbers include their ABI base: 4000 for o32, 5000 for n64
    /// and 6000 for n32.
    pub fn syscall_number(self, name: &str) -> Option<u32> {
        tables::table(self)?.number(name)
    }

    /// Returns the name of syscall `nr` on this ABI.
    pub fn syscall_name(self, nr: u32) -> Option<&'static str> {
        tables::table(self)?.name(nr)
    }

    /// Returns every `(name, nr)` of this ABI, ordered by number.
    pub fn syscalls(self) -> Vec<(&'static str, u32)> {
        tables::table(self).map(|t| t.entries()).unwrap_or_default()
    }

    /// Returns the syscall name of this ABI closest to `name` by edit
    /// distance, for "did you mean" hints; `None` when nothing is close.
    pub fn closest_syscall(self, name: &str) -> Option<&'static str> {
        let limit = (name.chars().count() / 3).clamp(1, 3);
        self.syscalls()
            .into_iter()
            .map(|(candidate, _)| (edit_distance(name, candidate), candidate))
            .filter(|&(distance, _)| distance <= limit)
            .min()
            .map(|(_, candidate)| candidate)
    }

    /// Returns the largest syscall number in the table.
    pub fn max_syscall(self) -> Option<u32> {
        self.syscalls().iter().map(|&(_, nr)| nr).max()
    }
}

/// Levenshtein distance between two strings, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = UnknownArch;

    /// Accepts libseccomp, `SCMP_ARCH_*` and Go names, case-insensitively,
    /// plus the common aliases `i386`, `i686`, `x86-64` and `arm64`.
    fn from_str(text: &str) -> Result<Arch, UnknownArch> {
        let lower = text.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("scmp_arch_").unwrap_or(&lower);
        let alias = match bare {
            "i386" | "i686" => Some(Arch::X86),
            "x86-64" => Some(Arch::X86_64),
            "mips3l64n32" => Some(Arch::Mipsel64n32),
            _ => None,
        };
        alias
            .or_else(|| {
                INFO.iter()
                    .find(|i| {
                        i.libseccomp == bare
                            || i.scmp.eq_ignore_ascii_case(bare)
                            || i.goarch == Some(bare)
                    })
                    .map(|i| i.arch)
            })
            .ok_or_else(|| UnknownArch {
                name: text.to_string(),
            })
    }
}
