//! Semantic diff on real moby releases and on small inline profiles.

use seccomp_kit::analysis::diff::{diff, ChangeKind, Diff, DiffError, DiffOptions};
use seccomp_kit::arch::Arch;
use seccomp_kit::policy::{Decision, EnosysMode};
use seccomp_kit::profile::{Action, Profile};
use std::path::{Path, PathBuf};

fn versions_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/profiles/moby-versions"
    ))
}

fn load_path(path: &Path) -> Profile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Profile::from_json(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .profile
}

fn release(name: &str) -> Profile {
    load_path(&versions_dir().join(format!("{name}.json")))
}

fn inline(text: &str) -> Profile {
    Profile::from_json(text)
        .expect("inline profile is valid")
        .profile
}

fn amd64_only() -> DiffOptions {
    DiffOptions {
        hosts: vec![Arch::X86_64],
        ..DiffOptions::default()
    }
}

/// Returns the decision changes for `syscall` as (arguments, old, new).
fn changes_of(result: &Diff, syscall: &str) -> Vec<(Option<String>, Decision, Decision)> {
    result
        .changes
        .iter()
        .filter_map(|c| match &c.kind {
            ChangeKind::Decision {
                syscall: s,
                arguments,
                old,
                new,
            } if s == syscall => Some((arguments.clone(), *old, *new)),
            _ => None,
        })
        .collect()
}

/// Sorts release files by version: moby/moby tags first, then the
/// moby/profiles module tags that replaced them.
fn release_order(name: &str) -> (u8, Vec<u32>) {
    let (family, version) = if let Some(v) = name.strip_prefix("moby-v") {
        (0, v)
    } else if let Some(v) = name.strip_prefix("profiles-seccomp-v") {
        (1, v)
    } else {
        panic!("unexpected release file {name}")
    };
    let numbers = version
        .trim_end_matches("-ce")
        .split('.')
        .map(|part| {
            part.parse()
                .unwrap_or_else(|_| panic!("bad version in {name}"))
        })
        .collect();
    (family, numbers)
}

#[test]
fn name_to_handle_at_v24_0_3() {
    let result = diff(
        &release("moby-v24.0.2"),
        &release("moby-v24.0.3"),
        &DiffOptions::default(),
    )
    .unwrap();

    assert_eq!(result.changes.len(), 1, "{result}");
    let change = &result.changes[0];
    assert_eq!(change.syscall(), Some("name_to_handle_at"));
    assert_eq!(
        changes_of(&result, "name_to_handle_at"),
        [(None, Decision::errno(1), Decision::ALLOW)]
    );

    let labels = result.cap_set_labels(change);
    assert!(labels.contains(&"default"), "{labels:?}");
    assert!(
        labels.contains(&"default + CAP_DAC_READ_SEARCH"),
        "{labels:?}"
    );
    assert!(!labels.contains(&"default + CAP_SYS_ADMIN"), "{labels:?}");
    assert!(!labels.contains(&"all"), "{labels:?}");
    assert!(change.new_independent_of_caps);

    let text = result.to_string();
    assert!(
        text.contains("every host, without CAP_SYS_ADMIN, all kernels:"),
        "{text}"
    );
    assert!(
        text.contains("name_to_handle_at: ERRNO(1) → ALLOW"),
        "{text}"
    );
}

#[test]
fn half_change_denies_everyone() {
    // v24.0.2 with name_to_handle_at removed from the CAP_SYS_ADMIN rule only,
    // the mistake a partial backport would have made.
    let old = release("moby-v24.0.2");
    let mut new = old.clone();
    let gated = new
        .syscalls
        .iter_mut()
        .find(|r| {
            r.includes.caps == ["CAP_SYS_ADMIN"] && r.names.iter().any(|n| n == "name_to_handle_at")
        })
        .expect("v24.0.2 gates name_to_handle_at on CAP_SYS_ADMIN");
    gated.names.retain(|n| n != "name_to_handle_at");

    let result = diff(&old, &new, &DiffOptions::default()).unwrap();

    assert_eq!(result.changes.len(), 1, "{result}");
    let change = &result.changes[0];
    assert_eq!(
        changes_of(&result, "name_to_handle_at"),
        [(None, Decision::ALLOW, Decision::errno(1))]
    );
    assert_eq!(
        result.cap_set_labels(change),
        ["default + CAP_SYS_ADMIN", "all"]
    );
    assert!(
        change.new_independent_of_caps,
        "denied with every capability set"
    );
    let text = result.to_string();
    assert!(text.contains("with CAP_SYS_ADMIN"), "{text}");
    assert!(
        text.contains("now ERRNO(1) with any capabilities"),
        "{text}"
    );
}

#[test]
fn self_diff_is_empty() {
    let profiles = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/profiles"
    ));
    for name in [
        "moby-profiles-default.json",
        "podman-containers-common-seccomp.json",
    ] {
        let profile = load_path(&profiles.join(name));
        let result = diff(&profile, &profile, &DiffOptions::default()).unwrap();
        assert!(result.is_empty(), "{name}: {result}");
        assert_eq!(result.to_string(), "", "{name}");
    }
}

#[test]
fn consecutive_releases() {
    let mut names: Vec<String> = std::fs::read_dir(versions_dir())
        .expect("moby-versions is readable")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort_by_key(|n| release_order(n));
    assert!(names.len() >= 16, "{names:?}");

    let mut results = Vec::new();
    for pair in names.windows(2) {
        let result = diff(
            &release(&pair[0]),
            &release(&pair[1]),
            &DiffOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{} -> {}: {e}", pair[0], pair[1]));
        results.push(((pair[0].clone(), pair[1].clone()), result));
    }
    let between = |a: &str, b: &str| {
        &results
            .iter()
            .find(|((x, y), _)| x == a && y == b)
            .unwrap_or_else(|| panic!("{a} and {b} are not consecutive"))
            .1
    };

    // Byte-identical releases.
    assert!(between("moby-v20.10.4", "moby-v20.10.8").is_empty());
    assert!(between("moby-v23.0.0", "moby-v24.0.2").is_empty());

    // clone3 gets ENOSYS without CAP_SYS_ADMIN and ALLOW with it.
    let clone3 = changes_of(between("moby-v20.10.8", "moby-v20.10.10"), "clone3");
    assert!(
        clone3.contains(&(None, Decision::errno(1), Decision::errno(38))),
        "{clone3:?}"
    );
    assert!(
        clone3.contains(&(None, Decision::errno(1), Decision::ALLOW)),
        "{clone3:?}"
    );

    // CLONE_NEWCGROUP joins the namespace flags clone is denied with.
    let clone = changes_of(between("moby-v19.03.12", "moby-v20.10.0"), "clone");
    let newcgroup = Some("(arg0 & 0x7e020000) == 0x2000000".to_string());
    assert!(
        clone.contains(&(newcgroup, Decision::ALLOW, Decision::errno(1))),
        "{clone:?}"
    );

    assert_eq!(
        changes_of(between("moby-v24.0.2", "moby-v24.0.3"), "name_to_handle_at"),
        [(None, Decision::errno(1), Decision::ALLOW)]
    );
    assert!(
        changes_of(between("moby-v24.0.3", "moby-v25.0.0"), "io_uring_setup").contains(&(
            None,
            Decision::ALLOW,
            Decision::errno(1)
        ))
    );

    // AF_ALG (38) joins AF_VSOCK in the socket families denied.
    assert_eq!(
        changes_of(
            between("profiles-seccomp-v0.1.0", "profiles-seccomp-v0.2.1"),
            "socket"
        ),
        [(
            Some("arg0 == 38".to_string()),
            Decision::ALLOW,
            Decision::errno(1)
        )]
    );

    // socketcall denied with ENOSYS, then allowed again.
    let denied = between("profiles-seccomp-v0.2.1", "profiles-seccomp-v0.2.2");
    assert_eq!(
        changes_of(denied, "socketcall"),
        [(None, Decision::ALLOW, Decision::errno(38))]
    );
    let hosts: Vec<Arch> = denied.changes[0].contexts.iter().map(|c| c.host).collect();
    assert!(hosts.contains(&Arch::X86_64), "x86 binaries on amd64 hosts");
    assert!(!hosts.contains(&Arch::Aarch64), "arm64 has no socketcall");
    let allowed = between("profiles-seccomp-v0.2.2", "profiles-seccomp-v0.2.3");
    assert_eq!(
        changes_of(allowed, "socketcall"),
        [(None, Decision::errno(38), Decision::ALLOW)]
    );
}

#[test]
fn socket_ranges_described() {
    let old = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]}]}"#,
    );
    let new = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_LT"}]},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 39, "op": "SCMP_CMP_EQ"}]},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 41, "op": "SCMP_CMP_GT"}]}]}"#,
    );
    let result = diff(&old, &new, &amd64_only()).unwrap();
    let socket = changes_of(&result, "socket");
    assert_eq!(
        socket,
        [(
            Some("arg0 == 38 or arg0 == 41".to_string()),
            Decision::ALLOW,
            Decision::errno(1)
        )]
    );
}

#[test]
fn kernel_threshold_split() {
    let old = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let new = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}]}"#,
    );
    // Without runc's ENOSYS rule, whose threshold moves with ptrace.
    let options = DiffOptions {
        enosys: EnosysMode::Off,
        ..amd64_only()
    };
    let result = diff(&old, &new, &options).unwrap();
    let labels: Vec<String> = result.kernels.iter().map(|k| k.label()).collect();
    assert_eq!(labels, ["kernel < 4.8", "kernel >= 4.8"]);
    assert_eq!(result.changes.len(), 1, "{result}");
    let kernels: Vec<usize> = result.changes[0]
        .contexts
        .iter()
        .map(|c| c.kernel)
        .collect();
    assert!(
        kernels.iter().all(|&k| k == 0),
        "only old kernels change: {kernels:?}"
    );
    assert!(result.to_string().contains("kernel < 4.8"), "{result}");
}

#[test]
fn abi_coverage_change() {
    let old = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let new = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let result = diff(&old, &new, &amd64_only()).unwrap();
    assert_eq!(result.changes.len(), 1, "{result}");
    assert!(matches!(
        result.changes[0].kind,
        ChangeKind::AbiCoverage {
            abi: Arch::X32,
            old_covered: false,
            new_covered: true,
            ..
        }
    ));
}

#[test]
fn seccomp_disabled() {
    let old = inline(r#"{"defaultAction": "", "syscalls": []}"#);
    let new = inline(r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#);
    let result = diff(&old, &new, &amd64_only()).unwrap();
    assert!(matches!(
        result.changes[..],
        [seccomp_kit::analysis::diff::Change {
            kind: ChangeKind::Seccomp {
                old_enabled: false,
                new_enabled: true
            },
            ..
        }]
    ));
}

#[test]
fn conflict_names_side() {
    let good = inline(r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#);
    let bad = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
            {"names": ["kill"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let err = diff(&good, &bad, &amd64_only()).unwrap_err();
    assert!(
        matches!(err, DiffError::Evaluate { side: "new", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("identical argument conditions"),
        "{err}"
    );
}

#[test]
fn x32_host_rejected() {
    let profile = inline(r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#);
    let options = DiffOptions {
        hosts: vec![Arch::X32],
        ..DiffOptions::default()
    };
    assert_eq!(
        diff(&profile, &profile, &options).unwrap_err(),
        DiffError::NoHost(Arch::X32)
    );
}

#[test]
fn masked_change_exact() {
    let old = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2080505856, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
    );
    let new = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
    );
    let result = diff(&old, &new, &amd64_only()).unwrap();
    let clone = changes_of(&result, "clone");
    assert_eq!(
        clone,
        [(
            Some("(arg0 & 0x7e020000) == 0x2000000".to_string()),
            Decision::ALLOW,
            Decision::new(Action::Errno, 1)
        )]
    );
}

#[test]
fn json_lists_changes() {
    let result = diff(
        &release("moby-v24.0.2"),
        &release("moby-v24.0.3"),
        &amd64_only(),
    )
    .unwrap();
    let json = result.to_json();
    assert_eq!(json["changed"], true);
    assert_eq!(json["changes"][0]["syscall"], "name_to_handle_at");
    assert_eq!(json["changes"][0]["old"]["errno"], 1);
    assert_eq!(json["changes"][0]["new"]["action"], "SCMP_ACT_ALLOW");
    assert_eq!(
        json["changes"][0]["where"][0]["text"],
        "amd64, without CAP_SYS_ADMIN, all kernels"
    );
}

#[test]
fn excluded_values_described() {
    let old = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let new = inline(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let result = diff(&old, &new, &amd64_only()).unwrap();
    assert_eq!(
        changes_of(&result, "personality"),
        [(
            Some("arg0 not in {0, 8}".to_string()),
            Decision::errno(1),
            Decision::ALLOW
        )]
    );
}
