//! Cross-checks every ABI's syscall table against libseccomp's syscall table
//! (its `src/syscalls.csv`), and checks `Arch` name parsing and a few known
//! syscall numbers.

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;

/// libseccomp's `src/syscalls.csv`, read at test time and never copied.
const LIBSECCOMP_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/syscalls/libseccomp-syscalls.csv"
);

/// Returns the libseccomp column that contains `arch`'s numbers and the base the
/// kernel adds to them. Little-endian variants share the big-endian column,
/// and libseccomp stores MIPS numbers without their ABI base.
fn libseccomp_column(arch: Arch) -> (&'static str, u32) {
    match arch {
        Arch::X86_64 => ("x86_64", 0),
        Arch::X86 => ("x86", 0),
        Arch::X32 => ("x32", 0),
        Arch::Aarch64 => ("aarch64", 0),
        Arch::Arm => ("arm", 0),
        Arch::Mips | Arch::Mipsel => ("mips", 4000),
        Arch::Mips64 | Arch::Mipsel64 => ("mips64", 5000),
        Arch::Mips64n32 | Arch::Mipsel64n32 => ("mips64n32", 6000),
        Arch::Ppc => ("ppc", 0),
        Arch::Ppc64 | Arch::Ppc64le => ("ppc64", 0),
        Arch::S390 => ("s390", 0),
        Arch::S390x => ("s390x", 0),
        Arch::Riscv64 => ("riscv64", 0),
        Arch::Loongarch64 => ("loongarch64", 0),
    }
}

/// One syscall whose number differs between our table and libseccomp's.
/// `None` means the table has no such syscall. x32 numbers are given without
/// the x32 bit, as libseccomp stores them. MIPS numbers include the ABI base,
/// as in `seccomp_data.nr`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    arch: Arch,
    name: String,
    ours: Option<u32>,
    libseccomp: Option<u32>,
}

/// A difference the cross-check accepts, with the reason it exists.
struct ExpectedDifference {
    arch: Arch,
    name: &'static str,
    ours: Option<u32>,
    libseccomp: Option<u32>,
    reason: &'static str,
}

impl ExpectedDifference {
    fn difference(&self) -> Difference {
        Difference {
            arch: self.arch,
            name: self.name.to_string(),
            ours: self.ours,
            libseccomp: self.libseccomp,
        }
    }
}

/// Every difference the cross-check accepts. The list must stay exact, so an
/// entry that no longer differs also fails the test and must be removed.
const EXPECTED_DIFFERENCES: &[ExpectedDifference] = &[ExpectedDifference {
    arch: Arch::X32,
    name: "map_shadow_stack",
    ours: None,
    libseccomp: Some(453),
    reason: "libseccomp lists it on x32, but syscall_64.tbl tags 453 `64`, so only x86_64 has it",
}];

/// Reads libseccomp's table. A missing file fails the test instead of
/// skipping it, so a checkout without the file cannot pass unnoticed.
fn read_libseccomp_csv() -> String {
    match fs::read_to_string(LIBSECCOMP_CSV) {
        Ok(text) => text,
        Err(error) if env::var("CI").is_ok_and(|value| value == "true") => panic!(
            "CI=true and the libseccomp syscall table {LIBSECCOMP_CSV} cannot be read ({error}); \
             the CI checkout must provide it next to the workspace"
        ),
        Err(error) => panic!(
            "cannot read the libseccomp syscall table {LIBSECCOMP_CSV} ({error}); \
             place libseccomp's src/syscalls.csv there to run this test"
        ),
    }
}

/// Parses libseccomp's table into `name -> number` for each ABI, with the
/// MIPS ABI bases added and `PNR` (no such syscall on that ABI) left out.
fn parse_libseccomp_csv(text: &str) -> BTreeMap<Arch, BTreeMap<String, u32>> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("libseccomp syscall table is empty");
    let columns: Vec<&str> = header.split(',').collect();
    assert!(
        columns[0].starts_with("#syscall"),
        "libseccomp syscall table header does not start with `#syscall`: {header:?}"
    );

    let mut tables = BTreeMap::new();
    for arch in Arch::ALL {
        let (column_name, base) = libseccomp_column(arch);
        let column = columns
            .iter()
            .position(|&column| column == column_name)
            .unwrap_or_else(|| {
                panic!(
                    "libseccomp syscall table header has no column {column_name:?} \
                     for {arch}: {header:?}"
                )
            });
        tables.insert(arch, (column, base, BTreeMap::new()));
    }

    for (index, line) in lines {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(
            fields.len(),
            columns.len(),
            "line {line_number} of the libseccomp syscall table has {} fields, the header has {}: {line:?}",
            fields.len(),
            columns.len()
        );
        let name = fields[0];
        for (arch, (column, base, numbers)) in tables.iter_mut() {
            let field = fields[*column];
            if field == "PNR" {
                continue;
            }
            let number: u32 = field.parse().unwrap_or_else(|error| {
                panic!("line {line_number}: invalid {arch} number {field:?} for {name}: {error}")
            });
            let previous = numbers.insert(name.to_string(), number + *base);
            assert!(
                previous.is_none(),
                "line {line_number}: {name} appears twice in the libseccomp syscall table"
            );
        }
    }

    tables
        .into_iter()
        .map(|(arch, (_, _, numbers))| (arch, numbers))
        .collect()
}

/// Returns our table as `name -> number`, with x32 numbers stripped of the
/// x32 bit so they compare with libseccomp's.
fn our_table(arch: Arch) -> BTreeMap<String, u32> {
    let mut numbers = BTreeMap::new();
    for (name, number) in arch.syscalls() {
        let number = if arch == Arch::X32 {
            assert_ne!(
                number & X32_SYSCALL_BIT,
                0,
                "x32 {name} = {number:#x} lacks the x32 bit"
            );
            number & !X32_SYSCALL_BIT
        } else {
            number
        };
        let previous = numbers.insert(name.to_string(), number);
        assert!(
            previous.is_none(),
            "{arch} {name} appears twice in our table"
        );
    }
    numbers
}

/// Compares two tables by name in both directions and returns every
/// difference.
fn compare(
    arch: Arch,
    ours: &BTreeMap<String, u32>,
    libseccomp: &BTreeMap<String, u32>,
) -> Vec<Difference> {
    let names: BTreeSet<&String> = ours.keys().chain(libseccomp.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let ours = ours.get(name).copied();
            let libseccomp = libseccomp.get(name).copied();
            (ours != libseccomp).then(|| Difference {
                arch,
                name: name.clone(),
                ours,
                libseccomp,
            })
        })
        .collect()
}

fn describe(difference: &Difference) -> String {
    let number = |value: Option<u32>| value.map_or("absent".to_string(), |nr| nr.to_string());
    format!(
        "{} {}: ours {}, libseccomp {}",
        difference.arch,
        difference.name,
        number(difference.ours),
        number(difference.libseccomp)
    )
}

#[test]
fn tables_match_libseccomp() {
    let libseccomp = parse_libseccomp_csv(&read_libseccomp_csv());

    let mut found = BTreeSet::new();
    for arch in Arch::ALL {
        let ours = our_table(arch);
        assert!(!ours.is_empty(), "our {arch} table is empty");
        found.extend(compare(arch, &ours, &libseccomp[&arch]));
    }

    let expected: BTreeSet<Difference> = EXPECTED_DIFFERENCES
        .iter()
        .map(ExpectedDifference::difference)
        .collect();
    assert_eq!(
        expected.len(),
        EXPECTED_DIFFERENCES.len(),
        "EXPECTED_DIFFERENCES contains a duplicate entry"
    );

    let unexpected: Vec<String> = found.difference(&expected).map(describe).collect();
    assert!(
        unexpected.is_empty(),
        "syscall table differences not in EXPECTED_DIFFERENCES (fix the table or add \
         the entry with its reason):\n  {}",
        unexpected.join("\n  ")
    );

    let stale: Vec<String> = EXPECTED_DIFFERENCES
        .iter()
        .filter(|entry| !found.contains(&entry.difference()))
        .map(|entry| format!("{} {} ({})", entry.arch, entry.name, entry.reason))
        .collect();
    assert!(
        stale.is_empty(),
        "EXPECTED_DIFFERENCES entries that no longer differ (remove them):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn lookups_match_syscall_list() {
    for arch in Arch::ALL {
        let entries = arch.syscalls();
        for pair in entries.windows(2) {
            assert!(
                pair[0].1 < pair[1].1,
                "{arch} syscalls() is not strictly ordered by number: {:?} then {:?}",
                pair[0],
                pair[1]
            );
        }
        for (name, number) in entries {
            assert_eq!(arch.syscall_number(name), Some(number), "{arch} {name}");
            assert_eq!(arch.syscall_name(number), Some(name), "{arch} {number:#x}");
        }
    }
}

#[test]
fn x32_read_number() {
    assert_eq!(Arch::X32.syscall_number("read"), Some(0x4000_0000));
}

#[test]
fn x32_rt_sigaction_number() {
    assert_eq!(
        Arch::X32.syscall_number("rt_sigaction"),
        Some(0x4000_0000 + 512)
    );
}

#[test]
fn x32_execve_number() {
    assert_eq!(Arch::X32.syscall_number("execve"), Some(0x4000_0000 + 520));
}

#[test]
fn x32_lacks_64bit_only_number() {
    // syscall_64.tbl tags 59 (execve) `64`, so x32 has nothing there.
    assert_eq!(Arch::X32.syscall_name(0x4000_0000 + 59), None);
}

#[test]
fn x86_64_name_to_handle_at_number() {
    assert_eq!(Arch::X86_64.syscall_number("name_to_handle_at"), Some(303));
}

#[test]
fn x86_socketcall_number() {
    assert_eq!(Arch::X86.syscall_number("socketcall"), Some(102));
}

#[test]
fn every_arch_has_table() {
    for arch in Arch::ALL {
        assert!(arch.has_syscall_table(), "{arch} has no syscall table");
        assert!(!arch.syscalls().is_empty(), "{arch} syscall table is empty");
    }
}

#[test]
fn endian_variants_share_numbers() {
    let pairs = [
        (Arch::Mips, Arch::Mipsel),
        (Arch::Mips64, Arch::Mipsel64),
        (Arch::Mips64n32, Arch::Mipsel64n32),
        (Arch::Ppc64, Arch::Ppc64le),
    ];
    for (big, little) in pairs {
        assert_eq!(big.syscalls(), little.syscalls(), "{big} and {little}");
    }
}

#[test]
fn aarch64_openat_number() {
    assert_eq!(Arch::Aarch64.syscall_number("openat"), Some(56));
}

#[test]
fn aarch64_newfstatat_number() {
    // The `syscalls` crate calls 79 `fstatat`, but the uapi header names it `newfstatat`.
    assert_eq!(Arch::Aarch64.syscall_number("newfstatat"), Some(79));
    assert_eq!(Arch::Aarch64.syscall_number("fstatat"), None);
}

#[test]
fn aarch64_lacks_time64_variants() {
    // scripts/syscall.tbl tags 403-423 `32`, so 64-bit ABIs leave them unassigned.
    assert_eq!(Arch::Aarch64.syscall_number("clock_gettime64"), None);
    assert_eq!(Arch::Aarch64.syscall_name(403), None);
}

#[test]
fn arm_set_tls_number() {
    assert_eq!(Arch::Arm.syscall_number("set_tls"), Some(0x0f_0005));
}

#[test]
fn arm_breakpoint_number() {
    assert_eq!(Arch::Arm.syscall_number("breakpoint"), Some(0x0f_0001));
}

#[test]
fn s390x_clone_number() {
    assert_eq!(Arch::S390x.syscall_number("clone"), Some(120));
}

#[test]
fn s390_socketcall_number() {
    assert_eq!(Arch::S390.syscall_number("socketcall"), Some(102));
}

#[test]
fn s390_lchown32_number() {
    // 198 is `lchown32` for 31-bit programs and `lchown` for 64-bit ones.
    assert_eq!(Arch::S390.syscall_number("lchown32"), Some(198));
    assert_eq!(Arch::S390x.syscall_name(198), Some("lchown"));
}

#[test]
fn s390_lacks_listns() {
    // Linux 6.19 added listns and removed 31-bit s390 support, so s390 has no number for it.
    assert_eq!(Arch::S390.syscall_number("listns"), None);
    assert_eq!(Arch::S390x.syscall_number("listns"), Some(470));
}

#[test]
fn mips_o32_read_number() {
    assert_eq!(Arch::Mips.syscall_number("read"), Some(4003));
}

#[test]
fn mips64_n64_read_number() {
    assert_eq!(Arch::Mips64.syscall_number("read"), Some(5000));
}

#[test]
fn mips_n32_read_number() {
    assert_eq!(Arch::Mips64n32.syscall_number("read"), Some(6000));
}

#[test]
fn mips_n32_fcntl64_number() {
    // n32 inserts fcntl64 at 212, so later numbers differ from n64's.
    assert_eq!(Arch::Mips64n32.syscall_number("fcntl64"), Some(6212));
    assert_eq!(
        Arch::Mips64n32.syscall_number("set_tid_address"),
        Some(6213)
    );
    assert_eq!(Arch::Mips64.syscall_number("set_tid_address"), Some(5212));
}

#[test]
fn mips_o32_listns_number() {
    assert_eq!(Arch::Mipsel.syscall_number("listns"), Some(4470));
}

#[test]
fn ppc64le_fchmodat2_number() {
    assert_eq!(Arch::Ppc64le.syscall_number("fchmodat2"), Some(452));
}

#[test]
fn riscv64_riscv_hwprobe_number() {
    assert_eq!(Arch::Riscv64.syscall_number("riscv_hwprobe"), Some(258));
}

#[test]
fn loongarch64_clone3_number() {
    assert_eq!(Arch::Loongarch64.syscall_number("clone3"), Some(435));
}

#[test]
fn loongarch64_lacks_getrlimit() {
    // LoongArch selects no `rlimit` ABI, so prlimit64 is the only rlimit call.
    assert_eq!(Arch::Loongarch64.syscall_number("getrlimit"), None);
    assert_eq!(Arch::Loongarch64.syscall_number("prlimit64"), Some(261));
}

#[test]
fn parse_go_name_amd64() {
    assert_eq!("amd64".parse::<Arch>(), Ok(Arch::X86_64));
}

#[test]
fn parse_scmp_name_x32() {
    assert_eq!("SCMP_ARCH_X32".parse::<Arch>(), Ok(Arch::X32));
}

#[test]
fn parse_go_name_386() {
    assert_eq!("386".parse::<Arch>(), Ok(Arch::X86));
}

#[test]
fn parse_go_name_arm64() {
    assert_eq!("arm64".parse::<Arch>(), Ok(Arch::Aarch64));
}

#[test]
fn parse_alias_i386() {
    assert_eq!("i386".parse::<Arch>(), Ok(Arch::X86));
}

#[test]
fn parse_unknown_name_error() {
    let error = "vax11".parse::<Arch>().unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("vax11"),
        "error message does not name the input: {message}"
    );
}
