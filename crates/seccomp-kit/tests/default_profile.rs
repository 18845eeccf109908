//! Checks that seccomp-kit's default profile decides every syscall exactly as
//! moby's default profile (moby/profiles `seccomp/default.json`), for every
//! host architecture, capability set and kernel version that changes the
//! outcome, and checks a few well-known decisions on their own.
//!
//! Both profiles are resolved as moby resolves them. Each syscall name then
//! gets a canonical decision that follows how runc and libseccomp build the
//! filter, so profiles that group or order names differently but compile to
//! the same decisions compare equal.

mod common;

use common::{cap_sets, moby_default_profile};
use seccomp_kit::arch::Arch;
use seccomp_kit::caps::CapSet;
use seccomp_kit::profile::{default_profile, Action, KernelVersion, Location, Operator, Profile};
use seccomp_kit::resolve::{resolve, Resolved, ResolvedRule, Target};
use std::collections::{BTreeMap, BTreeSet};

/// Kernels on both sides of the only `minKernel` (4.8) and two current ones.
const KERNELS: [KernelVersion; 4] = [
    KernelVersion::new(4, 4),
    KernelVersion::new(4, 8),
    KernelVersion::new(5, 10),
    KernelVersion::new(6, 18),
];

/// The hosts the comparison must cover: every `architecture` of moby's
/// archMap plus hosts without an entry.
const REQUIRED_HOSTS: [Arch; 12] = [
    Arch::X86_64,
    Arch::Aarch64,
    Arch::Mips64,
    Arch::Mips64n32,
    Arch::Mipsel64,
    Arch::Mipsel64n32,
    Arch::S390x,
    Arch::Riscv64,
    Arch::Loongarch64,
    Arch::Ppc64le,
    Arch::X86,
    Arch::Arm,
];

/// runc's errno for an ERRNO or TRACE rule without `errnoRet`, and for the
/// default action without `defaultErrnoRet`.
const EPERM: u32 = 1;

/// One argument comparison in an orderable form: (index, operator, value,
/// valueTwo).
type ArgKey = (u8, Operator, u64, u64);

/// What one rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Outcome {
    action: Action,
    /// The errno for ERRNO and TRACE; runc ignores `errnoRet` elsewhere.
    errno: Option<u32>,
    /// Conditions, sorted; all must hold.
    args: Vec<ArgKey>,
}

/// How the filter treats one syscall name.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Decision {
    /// No rule, or only rules runc skips: the default action applies.
    Default,
    /// The first unconditional rule, which libseccomp keeps over every
    /// other rule for the name.
    Unconditional(Outcome),
    /// Only conditional rules. libseccomp orders them by argument, not by
    /// rule order, so they compare as a set.
    Conditional(BTreeSet<Outcome>),
}

/// Returns the action and errno runc uses for a rule or the default action.
fn effective_action(action: Action, errno: Option<u32>) -> (Action, Option<u32>) {
    // runc maps SCMP_ACT_KILL to KILL_THREAD.
    let action = if action == Action::Kill {
        Action::KillThread
    } else {
        action
    };
    let errno = action.takes_errno().then(|| errno.unwrap_or(EPERM));
    (action, errno)
}

/// Splits a rule into the outcomes runc adds to libseccomp. When two
/// conditions share an argument index, runc adds every condition as its own
/// rule, so the conditions are ORed.
fn rule_outcomes(rule: &ResolvedRule) -> Vec<Outcome> {
    let (action, errno) = effective_action(rule.action, rule.errno_ret);
    let mut args: Vec<ArgKey> = rule
        .args
        .iter()
        .map(|a| (a.index, a.op, a.value, a.value_two))
        .collect();
    args.sort();

    let indices: BTreeSet<u8> = args.iter().map(|a| a.0).collect();
    if indices.len() == args.len() {
        return vec![Outcome {
            action,
            errno,
            args,
        }];
    }
    args.into_iter()
        .map(|arg| Outcome {
            action,
            errno,
            args: vec![arg],
        })
        .collect()
}

/// Computes the canonical decision of every syscall name that a rule of
/// `resolved` mentions.
fn decisions(resolved: &Resolved) -> BTreeMap<String, Decision> {
    let default = effective_action(
        resolved.default_action,
        Some(resolved.default_errno_ret.unwrap_or(EPERM)),
    );

    let mut outcomes: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for rule in &resolved.rules {
        for name in &rule.names {
            let list = outcomes.entry(name.clone()).or_default();
            for outcome in rule_outcomes(rule) {
                // runc skips a rule whose action and errno equal the default.
                if (outcome.action, outcome.errno) != default {
                    list.push(outcome);
                }
            }
        }
    }

    outcomes
        .into_iter()
        .map(|(name, list)| {
            let decision = if list.is_empty() {
                Decision::Default
            } else if let Some(first) = list.iter().find(|o| o.args.is_empty()) {
                Decision::Unconditional(first.clone())
            } else {
                Decision::Conditional(list.into_iter().collect())
            };
            (name, decision)
        })
        .collect()
}

fn decision_of(map: &BTreeMap<String, Decision>, name: &str) -> Decision {
    map.get(name).cloned().unwrap_or(Decision::Default)
}

fn allow() -> Decision {
    Decision::Unconditional(Outcome {
        action: Action::Allow,
        errno: None,
        args: Vec::new(),
    })
}

/// Returns every architecture a daemon can run as: all except x32.
fn host_arches() -> Vec<Arch> {
    Arch::ALL
        .into_iter()
        .filter(|a| a.moby_native().is_some())
        .collect()
}

fn resolve_for(profile: &Profile, arch: Arch, caps: &CapSet, kernel: KernelVersion) -> Resolved {
    let target = Target::new(arch, caps.clone(), kernel);
    resolve(profile, &target)
        .unwrap_or_else(|e| panic!("resolving for {arch}, kernel {kernel} failed: {e}"))
        .expect("an ERRNO default action never disables seccomp")
}

#[test]
fn canonical_first_unconditional_wins() {
    let rule = |names: &[&str], action, errno_ret, args| ResolvedRule {
        names: names.iter().map(|n| n.to_string()).collect(),
        action,
        errno_ret,
        args,
        source_index: 0,
        location: Location::default(),
    };
    let condition = seccomp_kit::profile::ArgCondition {
        index: 0,
        value: 3,
        value_two: 0,
        op: Operator::Equal,
    };
    let resolved = Resolved {
        default_action: Action::Errno,
        default_errno_ret: Some(1),
        architectures: Vec::new(),
        flags: None,
        listener_path: None,
        listener_metadata: None,
        rules: vec![
            rule(&["a"], Action::Allow, None, vec![condition]),
            rule(&["a", "b"], Action::Errno, Some(38), Vec::new()),
            rule(&["a", "c"], Action::Allow, None, Vec::new()),
            rule(&["d"], Action::Errno, None, Vec::new()),
        ],
        dropped: Vec::new(),
    };

    let map = decisions(&resolved);

    let enosys = Decision::Unconditional(Outcome {
        action: Action::Errno,
        errno: Some(38),
        args: Vec::new(),
    });
    assert_eq!(decision_of(&map, "a"), enosys);
    assert_eq!(decision_of(&map, "b"), enosys);
    assert_eq!(decision_of(&map, "c"), allow());
    assert_eq!(
        decision_of(&map, "d"),
        Decision::Default,
        "ERRNO without errnoRet is EPERM, the default"
    );
    assert_eq!(decision_of(&map, "e"), Decision::Default);
}

#[test]
fn canonical_repeated_index_splits() {
    let condition = |value, op| seccomp_kit::profile::ArgCondition {
        index: 0,
        value,
        value_two: 0,
        op,
    };
    let rule = ResolvedRule {
        names: vec!["socket".to_string()],
        action: Action::Allow,
        errno_ret: None,
        args: vec![
            condition(38, Operator::NotEqual),
            condition(40, Operator::NotEqual),
        ],
        source_index: 0,
        location: Location::default(),
    };

    let outcomes = rule_outcomes(&rule);

    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| o.args.len() == 1));
}

#[test]
fn default_matches_moby() {
    let ours = default_profile();
    let moby = moby_default_profile();
    let hosts = host_arches();
    for required in REQUIRED_HOSTS {
        assert!(
            hosts.contains(&required),
            "host architecture {required} is not tested"
        );
    }
    let cap_sets = cap_sets();

    let mut targets = 0;
    let mut comparisons = 0;
    let mut mismatches = Vec::new();
    for &arch in &hosts {
        for (caps_label, caps) in &cap_sets {
            for kernel in KERNELS {
                let moby_resolved = resolve_for(&moby, arch, caps, kernel);
                let our_resolved = resolve_for(&ours, arch, caps, kernel);
                let context = format!("host {arch}, caps {caps_label}, kernel {kernel}");
                targets += 1;

                if our_resolved.architectures != moby_resolved.architectures {
                    mismatches.push(format!(
                        "{context}: architectures {:?}, moby {:?}",
                        our_resolved.architectures, moby_resolved.architectures
                    ));
                }
                let our_default = (our_resolved.default_action, our_resolved.default_errno_ret);
                let moby_default = (
                    moby_resolved.default_action,
                    moby_resolved.default_errno_ret,
                );
                if our_default != moby_default {
                    mismatches.push(format!(
                        "{context}: default {our_default:?}, moby {moby_default:?}"
                    ));
                }

                let our_map = decisions(&our_resolved);
                let moby_map = decisions(&moby_resolved);
                let names: BTreeSet<&String> = our_map.keys().chain(moby_map.keys()).collect();
                for name in names {
                    comparisons += 1;
                    let our_decision = decision_of(&our_map, name);
                    let moby_decision = decision_of(&moby_map, name);
                    if our_decision != moby_decision {
                        mismatches.push(format!(
                            "{context}, syscall {name}: ours {our_decision:?}, moby {moby_decision:?}"
                        ));
                    }
                }
            }
        }
    }

    println!("compared {comparisons} syscall decisions over {targets} targets");
    assert_eq!(targets, hosts.len() * cap_sets.len() * KERNELS.len());
    assert!(
        comparisons > targets * 300,
        "only {comparisons} decisions compared"
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with moby's default profile, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn name_to_handle_at_default_caps() {
    for kernel in KERNELS {
        let resolved = resolve_for(
            &default_profile(),
            Arch::X86_64,
            &CapSet::docker_default(),
            kernel,
        );
        let map = decisions(&resolved);
        assert_eq!(
            decision_of(&map, "name_to_handle_at"),
            allow(),
            "kernel {kernel}"
        );
    }
}

#[test]
fn open_by_handle_at_needs_dac_read_search() {
    for (caps_label, caps) in cap_sets() {
        let resolved = resolve_for(
            &default_profile(),
            Arch::X86_64,
            &caps,
            KernelVersion::new(6, 18),
        );
        let map = decisions(&resolved);
        let expected = if caps.contains("CAP_DAC_READ_SEARCH") {
            allow()
        } else {
            Decision::Default
        };
        assert_eq!(
            decision_of(&map, "open_by_handle_at"),
            expected,
            "caps {caps_label}"
        );
    }
}

#[test]
fn clone3_enosys_without_sys_admin() {
    let kernel = KernelVersion::new(6, 18);
    let enosys = Decision::Unconditional(Outcome {
        action: Action::Errno,
        errno: Some(38),
        args: Vec::new(),
    });

    let resolved = resolve_for(
        &default_profile(),
        Arch::X86_64,
        &CapSet::docker_default(),
        kernel,
    );
    assert_eq!(decision_of(&decisions(&resolved), "clone3"), enosys);

    let admin = CapSet::docker_default()
        .with_changes(&["CAP_SYS_ADMIN".to_string()], &[])
        .unwrap();
    let resolved = resolve_for(&default_profile(), Arch::X86_64, &admin, kernel);
    assert_eq!(decision_of(&decisions(&resolved), "clone3"), allow());
}

#[test]
fn default_json_round_trip() {
    let ours = default_profile();

    let loaded = Profile::from_json(&ours.to_json()).expect("our own JSON parses");
    let mut parsed = loaded.profile;
    for rule in &mut parsed.syscalls {
        rule.location = Location::default();
    }

    assert!(
        loaded.warnings.is_empty(),
        "warnings: {:?}",
        loaded.warnings
    );
    assert_eq!(parsed, ours);
}
