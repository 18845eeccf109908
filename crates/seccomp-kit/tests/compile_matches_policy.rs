//! Checks the BPF compiler against the policy model by emulation.
//!
//! Every JSON profile in the test data is resolved for every host ABI except
//! x32, with many capability sets, two kernels and both ENOSYS modes, then
//! built into a policy and compiled. The emulated program must return exactly
//! the model's 32-bit decision for every syscall number of every ABI, in that
//! ABI's byte order, and for numbers that test the bad-architecture and x32
//! routing. For syscalls with argument rules it must also agree on argument
//! values around every constant those rules compare with.

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::insn::BPF_MAXINSNS;
use seccomp_kit::bpf::{compile, emulator, SeccompData, SockFilter};
use seccomp_kit::caps::{self, CapSet};
use seccomp_kit::policy::{
    ConditionalRule, Decision, EnosysMode, Policy, PolicyOptions, SyscallPolicy,
};
use seccomp_kit::profile::{KernelVersion, Operator, Profile};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The shared profile test data, read at test time and never copied.
const PROFILES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles"
);

/// A current kernel, and one older than every `minKernel` in the test data.
const KERNELS: [KernelVersion; 2] = [KernelVersion::new(6, 18), KernelVersion::new(4, 4)];

const MODES: [EnosysMode; 2] = [EnosysMode::Runc, EnosysMode::Off];

/// An `AUDIT_ARCH` value that no ABI uses.
const UNKNOWN_AUDIT_ARCH: u32 = 0x1234_5678;

/// Syscall numbers at the edges of the sign bit and the x32 bit, tried on
/// every audit arch.
const SPECIAL_NUMBERS: [u32; 6] = [
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0x4000_0000,
    0xc000_0000,
    0xbfff_ffff,
];

/// Argument values tried for every conditional syscall besides the
/// neighbours of the rules' constants.
const FIXED_ARGUMENTS: [u64; 4] = [0, u64::MAX, 0xffff_ffff, 0x1_0000_0000];

/// Mismatches printed in full before the test fails.
const MAX_REPORTED: usize = 20;

/// The widest gap in a syscall table that the test still walks number by
/// number. ARM's private syscalls start at `__ARM_NR_BASE` (0x0f0000), far
/// above the others, so beyond such a gap only the numbers within 64 of a
/// table entry are tried.
const MAX_WALKED_GAP: u32 = 0x1_0000;

/// One resolved configuration, for messages.
struct Case<'a> {
    profile: &'a str,
    host: Arch,
    caps: &'a str,
    kernel: KernelVersion,
    mode: EnosysMode,
}

/// Counts emulations and collects mismatches between program and model.
#[derive(Default)]
struct Checker {
    emulations: u64,
    mismatches: u64,
    reports: Vec<String>,
}

impl Checker {
    /// Emulates one syscall in the byte order `big_endian` and compares the
    /// result with the model.
    fn check(
        &mut self,
        case: &Case,
        program: &[SockFilter],
        policy: &Policy,
        data: SeccompData,
        big_endian: bool,
    ) {
        let (audit_arch, nr, args) = (data.arch, data.nr, data.args);
        let got = emulator::run_verified(program, &data, big_endian, &mut |_| {});
        let verdict = policy.decide(audit_arch, nr, args);
        self.emulations += 1;
        if got == verdict.decision.ret_value() {
            return;
        }
        self.mismatches += 1;
        if self.reports.len() < MAX_REPORTED {
            let args: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
            self.reports.push(format!(
                "profile {}, host {}, caps {}, kernel {}, ENOSYS {:?}, audit arch {audit_arch:#010x}, nr {nr:#x}, args [{}]: \
                 policy {verdict:?} ({:#010x}), program {} ({got:#010x})",
                case.profile,
                case.host,
                case.caps,
                case.kernel,
                case.mode,
                args.join(", "),
                verdict.decision.ret_value(),
                Decision::from_ret_value(got),
            ));
        }
    }
}

/// Returns every JSON profile path, sorted. The YAML files are Kubernetes
/// objects, not profiles.
fn profile_paths() -> Vec<PathBuf> {
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

/// Returns Docker's default set, the default set plus each capability in
/// turn, and every capability, each with a label for messages.
fn cap_sets() -> Vec<(String, CapSet)> {
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
fn numbers_of(arch: Arch) -> BTreeSet<u32> {
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

/// Returns the numbers tried on one audit arch: the numbers of each ABI of
/// the policy on it, and the special numbers. x86_64 and x32 share an audit
/// arch, so both ranges run through it whichever of the two the policy has.
fn numbers_for(audit_arch: u32, policy: &Policy) -> BTreeSet<u32> {
    let mut numbers: BTreeSet<u32> = SPECIAL_NUMBERS.into_iter().collect();
    let mut arches: Vec<Arch> = policy
        .abis
        .iter()
        .map(|abi| abi.arch)
        .filter(|arch| arch.audit_arch() == audit_arch)
        .collect();
    if audit_arch == Arch::X86_64.audit_arch() {
        arches.extend([Arch::X86_64, Arch::X32]);
    }
    for arch in arches {
        numbers.extend(numbers_of(arch));
    }
    numbers
}

/// Returns the neighbours of `c` that sit on either side of a comparison
/// with it, in both 32-bit words.
fn boundary_values(c: u64) -> [u64; 6] {
    [
        c.wrapping_sub(1),
        c,
        c.wrapping_add(1),
        c | 1 << 32,
        c | 0xffff_ffff_0000_0000,
        c as u32 as i32 as i64 as u64,
    ]
}

/// Returns the arguments tried for one conditional syscall: the neighbours
/// of every constant its rules compare with, and the fixed values.
fn argument_values(rules: &[ConditionalRule]) -> BTreeSet<u64> {
    let mut values: BTreeSet<u64> = FIXED_ARGUMENTS.into_iter().collect();
    for rule in rules {
        for condition in &rule.conditions {
            let mut constants = vec![condition.value];
            if condition.op == Operator::MaskedEqual {
                constants.push(condition.value_two);
                constants.push(condition.value_two & condition.value);
            }
            for c in constants {
                values.extend(boundary_values(c));
            }
        }
    }
    values
}

/// Returns an argument vector that satisfies every condition of `rule`
/// where that is possible (LT 0 and GT u64::MAX never hold).
fn satisfying_arguments(rule: &ConditionalRule) -> [u64; 6] {
    let mut args = [0u64; 6];
    for condition in &rule.conditions {
        args[usize::from(condition.index)] = match condition.op {
            Operator::Equal | Operator::LessOrEqual | Operator::GreaterOrEqual => condition.value,
            Operator::NotEqual | Operator::GreaterThan => condition.value.wrapping_add(1),
            Operator::LessThan => condition.value.wrapping_sub(1),
            Operator::MaskedEqual => condition.value_two & condition.value,
        };
    }
    args
}

/// Checks one compiled policy on every number and argument set, on each
/// ABI's audit arch in that ABI's byte order, and on an unknown audit arch
/// in both byte orders.
fn check_policy(checker: &mut Checker, case: &Case, program: &[SockFilter], policy: &Policy) {
    let mut audit_arches: BTreeMap<u32, bool> = policy
        .abis
        .iter()
        .map(|abi| (abi.arch.audit_arch(), abi.arch.is_big_endian()))
        .collect();
    // x86 gets the bad-architecture action when the filter lacks it.
    audit_arches.entry(Arch::X86.audit_arch()).or_insert(false);
    for (audit_arch, big_endian) in audit_arches {
        for nr in numbers_for(audit_arch, policy) {
            let data = SeccompData::new(audit_arch, nr, [0; 6]);
            checker.check(case, program, policy, data, big_endian);
        }
    }
    for big_endian in [false, true] {
        for nr in SPECIAL_NUMBERS.into_iter().chain(0..=64) {
            let data = SeccompData::new(UNKNOWN_AUDIT_ARCH, nr, [0; 6]);
            checker.check(case, program, policy, data, big_endian);
        }
    }

    for abi in &policy.abis {
        let audit_arch = abi.arch.audit_arch();
        for (&nr, syscall) in &abi.syscalls {
            let SyscallPolicy::Conditional(rules) = syscall else {
                continue;
            };
            let values = argument_values(rules);
            let mut bases = vec![[0u64; 6]];
            bases.extend(rules.iter().map(satisfying_arguments));
            // Bases often repeat an earlier vector, so each is checked once.
            let mut tried: HashSet<[u64; 6]> = HashSet::new();
            for base in &bases {
                for index in 0..6 {
                    for &value in &values {
                        let mut args = *base;
                        args[index] = value;
                        if tried.insert(args) {
                            let data = SeccompData::new(audit_arch, nr, args);
                            checker.check(case, program, policy, data, abi.arch.is_big_endian());
                        }
                    }
                }
            }
        }
    }
}

/// Returns a key that is equal for two resolutions that build the same
/// policy. Many capability sets and kernels resolve a profile identically.
fn resolution_key(profile: &str, host: Arch, resolved: &Resolved, mode: EnosysMode) -> String {
    format!(
        "{profile}|{host}|{:?}|{:?}|{:?}|{mode:?}|{:?}",
        resolved.default_action, resolved.default_errno_ret, resolved.architectures, resolved.rules
    )
}

#[test]
fn compiled_programs_match_policy() {
    let started = Instant::now();
    let cap_sets = cap_sets();
    let mut checker = Checker::default();
    let mut problems: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut profiles, mut policies, mut longest) = (0usize, 0usize, 0usize);
    let hosts: Vec<Arch> = Arch::ALL.into_iter().filter(|&a| a != Arch::X32).collect();

    for path in profile_paths() {
        let name = path
            .strip_prefix(PROFILES)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        let profile = match Profile::from_json(&text) {
            Ok(loaded) => loaded.profile,
            Err(e) => {
                eprintln!("skipped {name}: it does not parse: {e}");
                continue;
            }
        };
        profiles += 1;

        for &host in &hosts {
            for (caps_label, caps) in &cap_sets {
                for kernel in KERNELS {
                    let target = Target::new(host, caps.clone(), kernel);
                    let resolved = match resolve(&profile, &target) {
                        Ok(Some(resolved)) => resolved,
                        Ok(None) => continue,
                        Err(e) => {
                            eprintln!("skipped {name} on {host} with caps {caps_label}, kernel {kernel}: {e}");
                            continue;
                        }
                    };
                    for mode in MODES {
                        if !seen.insert(resolution_key(&name, host, &resolved, mode)) {
                            continue;
                        }
                        let label = format!("{name} on {host} with caps {caps_label}, kernel {kernel}, ENOSYS {mode:?}");
                        let case = Case {
                            profile: &name,
                            host,
                            caps: caps_label,
                            kernel,
                            mode,
                        };
                        let mut options = PolicyOptions::new(host);
                        options.enosys = mode;
                        let policy = match Policy::build(&resolved, &options) {
                            Ok(policy) => policy,
                            Err(e) => {
                                eprintln!("skipped {label}: runc rejects it: {e}");
                                continue;
                            }
                        };
                        let program = match compile(&policy) {
                            Ok(program) => program,
                            Err(e) => {
                                problems.push(format!("{label}: compile failed: {e}"));
                                continue;
                            }
                        };
                        if let Err(e) = emulator::verify(&program) {
                            problems.push(format!("{label}: the program fails verification: {e}"));
                            continue;
                        }
                        if program.len() > BPF_MAXINSNS {
                            problems.push(format!("{label}: {} instructions", program.len()));
                        }
                        longest = longest.max(program.len());
                        policies += 1;
                        check_policy(&mut checker, &case, &program, &policy);
                    }
                }
            }
        }
    }

    eprintln!(
        "{profiles} profiles, {} hosts, {policies} distinct policies, {} emulations, longest program {longest} instructions, {:.1?}",
        hosts.len(),
        checker.emulations,
        started.elapsed()
    );
    assert!(
        profiles >= 30,
        "only {profiles} profiles parsed; expected the shared test data under {PROFILES}"
    );
    assert!(
        problems.is_empty(),
        "{} programs failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checker.mismatches == 0,
        "{} emulations differ from the policy; the first {}:\n{}",
        checker.mismatches,
        checker.reports.len(),
        checker.reports.join("\n")
    );
}
