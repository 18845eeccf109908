//! `explain --all-caps`: the decision under every capability set that can
//! change it.

use seccomp_kit::analysis::explain::{explain_all_caps, Query, SyscallRef};
use seccomp_kit::arch::Arch;
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::Decision;
use seccomp_kit::profile::{KernelVersion, Profile};

fn moby_default() -> Profile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/profiles/moby-profiles-default.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    Profile::from_json(&text)
        .expect("moby default loads")
        .profile
}

fn query(syscall: &str, kernel: KernelVersion) -> Query {
    Query::new(
        Arch::X86_64,
        CapSet::docker_default(),
        kernel,
        SyscallRef::Name(syscall.to_string()),
    )
}

#[test]
fn open_by_handle_at_caps() {
    let result = explain_all_caps(
        &moby_default(),
        &query("open_by_handle_at", KernelVersion::new(6, 1)),
    )
    .unwrap();
    assert_eq!(result.sets.len(), result.explanations.len());
    assert_eq!(result.sets[0].label, "default");

    let decision_of = |label: &str| {
        let index = result
            .sets
            .iter()
            .position(|s| s.label == label)
            .unwrap_or_else(|| panic!("no capability set {label}"));
        result.explanations[index].decision
    };
    assert_eq!(decision_of("default"), Decision::errno(1));
    assert_eq!(
        decision_of("default + CAP_DAC_READ_SEARCH"),
        Decision::ALLOW
    );
    assert_eq!(decision_of("default + CAP_SYS_ADMIN"), Decision::errno(1));
    assert_eq!(decision_of("all"), Decision::ALLOW);

    let groups = result.groups();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0].decision, Decision::errno(1));
    assert!(groups[0].rules.is_empty(), "the default action decides");
    assert_eq!(groups[1].decision, Decision::ALLOW);
    assert_eq!(
        result.describe_sets(&groups[1].sets),
        "with CAP_DAC_READ_SEARCH"
    );

    let text = result.to_string();
    assert!(
        text.starts_with("open_by_handle_at (nr 304, x86_64):\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "SCMP_ACT_ERRNO(1): without CAP_DAC_READ_SEARCH (decided by the default action)"
        ),
        "{text}"
    );
    assert!(
        text.contains("SCMP_ACT_ALLOW: with CAP_DAC_READ_SEARCH (decided by syscalls["),
        "{text}"
    );
}

#[test]
fn open_by_handle_at_json() {
    let result = explain_all_caps(
        &moby_default(),
        &query("open_by_handle_at", KernelVersion::new(6, 1)),
    )
    .unwrap();
    let json = result.to_json();
    assert_eq!(json["syscall"], "open_by_handle_at");
    let decisions = json["decisions"].as_array().expect("decisions list");
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["action"], "SCMP_ACT_ERRNO");
    assert_eq!(decisions[0]["errno"], 1);
    assert_eq!(decisions[1]["action"], "SCMP_ACT_ALLOW");
    let allowed = decisions[1]["capability_sets"].as_array().expect("labels");
    assert!(
        allowed.iter().any(|l| l == "default + CAP_DAC_READ_SEARCH"),
        "{allowed:?}"
    );
    assert_eq!(
        json["capability_sets"][0]["explanation"]["action"],
        "SCMP_ACT_ERRNO"
    );
}

#[test]
fn ptrace_old_kernel() {
    // Below 4.8 only CAP_SYS_PTRACE unlocks ptrace.
    let result =
        explain_all_caps(&moby_default(), &query("ptrace", KernelVersion::new(4, 4))).unwrap();
    let groups = result.groups();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(result.describe_sets(&groups[1].sets), "with CAP_SYS_PTRACE");

    let modern =
        explain_all_caps(&moby_default(), &query("ptrace", KernelVersion::new(6, 1))).unwrap();
    let groups = modern.groups();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].decision, Decision::ALLOW);
    assert_eq!(modern.describe_sets(&groups[0].sets), "any capabilities");
}

#[test]
fn given_caps_are_base() {
    let mut query = query("reboot", KernelVersion::new(6, 1));
    query.target.caps = CapSet::from_names(&["CAP_CHOWN"]).unwrap();
    let result = explain_all_caps(&moby_default(), &query).unwrap();
    assert_eq!(result.sets[0].label, "given");
    assert!(result
        .sets
        .iter()
        .any(|s| s.label == "given + CAP_SYS_BOOT"));
}
