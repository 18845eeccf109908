//! Cross-checks the x86_64, x86 and x32 syscall tables against libseccomp's
//! syscall table (its `src/syscalls.csv`), and checks `Arch` name parsing and
//! a few known syscall numbers.

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;

/// libseccomp's `src/syscalls.csv`, read at test time and never copied.
const LIBSECCOMP_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/syscalls/libseccomp-syscalls.csv"
);

/// The ABIs that have a table in seccomp-kit.
const CHECKED_ARCHES: [Arch; 3] = [Arch::X86_64, Arch::X86, Arch::X32];

/// One syscall whose number differs between our table and libseccomp's.
/// `None` means the table has no such syscall. x32 numbers are given without
/// the x32 bit, as libseccomp stores them.
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

/// Parses libseccomp's table into `name -> number` for each checked ABI,
/// leaving out `PNR` (no such syscall on that ABI).
fn parse_libseccomp_csv(text: &str) -> BTreeMap<Arch, BTreeMap<String, u32>> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("libseccomp syscall table is empty");
    let columns: Vec<&str> = header.split(',').collect();
    assert!(
        columns[0].starts_with("#syscall"),
        "libseccomp syscall table header does not start with `#syscall`: {header:?}"
    );

    let mut tables = BTreeMap::new();
    for arch in CHECKED_ARCHES {
        let column = columns
            .iter()
            .position(|&column| column == arch.name())
            .unwrap_or_else(|| {
                panic!(
                    "libseccomp syscall table header has no column {:?}: {header:?}",
                    arch.name()
                )
            });
        tables.insert(arch, (column, BTreeMap::new()));
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
        for (arch, (column, numbers)) in tables.iter_mut() {
            let field = fields[*column];
            if field == "PNR" {
                continue;
            }
            let number: u32 = field.parse().unwrap_or_else(|error| {
                panic!("line {line_number}: invalid {arch} number {field:?} for {name}: {error}")
            });
            let previous = numbers.insert(name.to_string(), number);
            assert!(
                previous.is_none(),
                "line {line_number}: {name} appears twice in the libseccomp syscall table"
            );
        }
    }

    tables
        .into_iter()
        .map(|(arch, (_, numbers))| (arch, numbers))
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
    for arch in CHECKED_ARCHES {
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
    for arch in CHECKED_ARCHES {
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
