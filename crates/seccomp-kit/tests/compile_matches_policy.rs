//! Checks the BPF compiler against the policy model by emulation.
//!
//! Every JSON profile in the test data is resolved for every host ABI except
//! x32, with many capability sets, two kernels and both ENOSYS modes, then
//! built into a policy and compiled. The emulated program must return exactly
//! the model's 32-bit decision for every syscall number of every ABI, in that
//! ABI's byte order, and for numbers that test the bad-architecture and x32
//! routing. For syscalls with argument rules it must also agree on argument
//! values around every constant those rules compare with.

mod common;

use common::{
    boundary_values, cap_sets, numbers_of, profile_paths, satisfying_arguments, FIXED_ARGUMENTS,
    PROFILES, SPECIAL_NUMBERS, UNKNOWN_AUDIT_ARCH,
};
use seccomp_kit::arch::Arch;
use seccomp_kit::bpf::insn::BPF_MAXINSNS;
use seccomp_kit::bpf::{compile, emulator, SeccompData, SockFilter};
use seccomp_kit::policy::{
    ConditionalRule, Decision, EnosysMode, Policy, PolicyOptions, SyscallPolicy,
};
use seccomp_kit::profile::{KernelVersion, Operator, Profile};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::time::Instant;

/// A current kernel, and one older than every `minKernel` in the test data.
const KERNELS: [KernelVersion; 2] = [KernelVersion::new(6, 18), KernelVersion::new(4, 4)];

const MODES: [EnosysMode; 2] = [EnosysMode::Runc, EnosysMode::Off];

/// Mismatches printed in full before the test fails.
const MAX_REPORTED: usize = 20;

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
            bases.extend(
                rules
                    .iter()
                    .map(|rule| satisfying_arguments(&rule.conditions)),
            );
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
