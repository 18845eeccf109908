//! Helpers shared by the integration tests that read the shared profile test
//! data or emulate compiled filters.
//!
//! Cargo compiles this module once per test file that declares it, and no
//! test file uses every item, hence the `dead_code` allowance.
#![allow(dead_code)]

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::caps::{self, CapSet};
use seccomp_kit::profile::{ArgCondition, Operator, Profile};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The shared profile test data, read at test time and never copied.
pub const PROFILES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles"
);

/// moby/profiles' current default profile, in the shared profile test data.
pub const MOBY_DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles/moby-profiles-default.json"
);

/// Argument values tried for every conditional syscall besides the
/// neighbours of the rules' constants.
pub const FIXED_ARGUMENTS: [u64; 4] = [0, u64::MAX, 0xffff_ffff, 0x1_0000_0000];

/// Syscall numbers at the edges of the sign bit and the x32 bit, and −1.
pub const SPECIAL_NUMBERS: [u32; 6] = [
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0x4000_0000,
    0xc000_0000,
    0xbfff_ffff,
];

/// An `AUDIT_ARCH` value that no ABI uses.
pub const UNKNOWN_AUDIT_ARCH: u32 = 0x1234_5678;

/// The widest gap in a syscall table that the tests still walk number by
/// number. ARM's private syscalls start at `__ARM_NR_BASE` (0x0f0000), far
/// above the others, so beyond such a gap only the numbers within 64 of a
/// table entry are tried.
pub const MAX_WALKED_GAP: u32 = 0x1_0000;

/// Returns every JSON profile path of the shared test data and its
/// `moby-versions` folder, sorted. The YAML files are Kubernetes objects,
/// not profiles.
pub fn profile_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for dir in [
        PathBuf::from(PROFILES),
        Path::new(PROFILES).join("moby-versions"),
    ] {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry is readable").path();
            if path.extension().is_some_and(|ext| ext == "json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

/// Reads and parses [`MOBY_DEFAULT`], panicking if either step fails.
pub fn moby_default_profile() -> Profile {
    let text = fs::read_to_string(MOBY_DEFAULT)
        .unwrap_or_else(|e| panic!("cannot read moby's default profile at {MOBY_DEFAULT}: {e}"));
    Profile::from_json(&text)
        .unwrap_or_else(|e| panic!("moby's default profile at {MOBY_DEFAULT} does not parse: {e}"))
        .profile
}

/// Returns Docker's default set, the default set plus each capability in
/// turn, and every capability, each with a label for messages.
pub fn cap_sets() -> Vec<(String, CapSet)> {
    let mut sets = vec![("docker default".to_string(), CapSet::docker_default())];
    for cap in caps::all_names() {
        let set = CapSet::docker_default()
            .with_changes(std::slice::from_ref(&cap), &[])
            .expect("all_names returns valid capability names");
        sets.push((format!("docker default + {cap}"), set));
    }
    sets.push(("all".to_string(), CapSet::all()));
    sets
}

/// Returns the numbers of `arch` tried on its audit arch: from 0 to the
/// largest plus 64, and beyond a gap wider than [`MAX_WALKED_GAP`] the
/// numbers within 64 of each table entry. x32 numbers carry the x32 bit.
pub fn numbers_of(arch: Arch) -> BTreeSet<u32> {
    let bit = if arch == Arch::X32 {
        X32_SYSCALL_BIT
    } else {
        0
    };
    let table: BTreeSet<u32> = arch
        .syscalls()
        .into_iter()
        .map(|(_, nr)| nr & !X32_SYSCALL_BIT)
        .collect();
    assert!(!table.is_empty(), "{arch} has a syscall table");
    let mut numbers = BTreeSet::new();
    let mut walked_to = 0u32;
    for nr in table {
        if nr.saturating_sub(walked_to) <= MAX_WALKED_GAP {
            numbers.extend((walked_to..=nr + 64).map(|n| n | bit));
        } else {
            numbers.extend((nr - 64..=nr + 64).map(|n| n | bit));
        }
        walked_to = nr + 64;
    }
    numbers
}

/// Returns the neighbours of `c` on either side of a comparison with it, in
/// both 32-bit words, and its sign-extended low word.
pub fn boundary_values(c: u64) -> [u64; 6] {
    [
        c.wrapping_sub(1),
        c,
        c.wrapping_add(1),
        c | 1 << 32,
        c | 0xffff_ffff_0000_0000,
        c as u32 as i32 as i64 as u64,
    ]
}

/// Returns an argument vector that satisfies every condition of a
/// conjunction where that is possible (LT 0 and GT u64::MAX never hold).
pub fn satisfying_arguments(conjunction: &[ArgCondition]) -> [u64; 6] {
    let mut args = [0u64; 6];
    for condition in conjunction {
        args[usize::from(condition.index)] = match condition.op {
            Operator::Equal | Operator::LessOrEqual | Operator::GreaterOrEqual => condition.value,
            Operator::NotEqual | Operator::GreaterThan => condition.value.wrapping_add(1),
            Operator::LessThan => condition.value.wrapping_sub(1),
            Operator::MaskedEqual => condition.value_two & condition.value,
        };
    }
    args
}
