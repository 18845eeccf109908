//! Lint checks: one inline profile per check, the real profiles in the test
//! data, and the output formats.

use seccomp_kit::analysis::lint::{lint_text, Finding, Report, Severity, CHECKS};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn profiles_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/profiles"
    ))
}

fn lint_file(relative: &str) -> Report {
    let path = profiles_dir().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    lint_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lint(text: &str) -> Report {
    lint_text(text).unwrap_or_else(|e| panic!("inline profile does not load: {e}"))
}

/// Returns the findings of check `id`, failing when there are none.
fn found<'a>(report: &'a Report, id: &str) -> Vec<&'a Finding> {
    let list: Vec<&Finding> = report.findings.iter().filter(|f| f.id == id).collect();
    assert!(!list.is_empty(), "no {id} in {:#?}", report.findings);
    list
}

/// Asserts that check `id` reports `path` at `line`, and returns the finding.
fn at<'a>(report: &'a Report, id: &str, path: &str, line: usize) -> &'a Finding {
    let list = found(report, id);
    let finding = list
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{id} not at {path}: {list:#?}"));
    assert_eq!(finding.location.map(|l| l.line), Some(line), "{finding:#?}");
    finding
}

fn ids(report: &Report) -> BTreeSet<&'static str> {
    report.findings.iter().map(|f| f.id).collect()
}

#[test]
fn catalogue_ids_unique() {
    let ids: BTreeSet<&str> = CHECKS.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), CHECKS.len());
    for (i, check) in CHECKS.iter().enumerate() {
        assert_eq!(check.id, format!("SK{:03}", i + 1));
        assert!(!check.summary.is_empty());
    }
}

#[test]
fn unknown_syscall() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "chmdo"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let finding = at(&report, "SK001", "$.syscalls[0].names[1]", 2);
    assert_eq!(finding.severity, Severity::Warning);
    assert!(
        finding.message.contains("did you mean chmod?"),
        "{}",
        finding.message
    );
}

#[test]
fn syscall_not_on_listed_arch() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "arm64"]}}]}"#,
    );
    let finding = at(&report, "SK002", "$.syscalls[1].names[0]", 3);
    assert!(finding.message.contains("arm64"), "{}", finding.message);
    assert!(!finding.message.contains("amd64"), "{}", finding.message);
}

#[test]
fn capability_spelling() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["reboot"], "action": "SCMP_ACT_ALLOW",
             "includes": {"caps": ["CAP_SYS_BOOT"]}, "excludes": {"caps": ["sys_admin"]}}]}"#,
    );
    let finding = at(&report, "SK003", "$.syscalls[0].excludes.caps[0]", 2);
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        finding.message.contains("\"CAP_SYS_ADMIN\""),
        "{}",
        finding.message
    );
}

#[test]
fn unknown_capability() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMN"]}}]}"#,
    );
    let finding = at(&report, "SK004", "$.syscalls[0].includes.caps[0]", 2);
    assert!(
        finding.message.contains("did you mean CAP_SYS_ADMIN?"),
        "{}",
        finding.message
    );
    // No container can have the capability, so the rule is dead too.
    at(&report, "SK010", "$.syscalls[0]", 2);
}

#[test]
fn same_as_default() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["socketcall"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let finding = at(&report, "SK005", "$.syscalls[1]", 3);
    assert!(
        finding.message.contains("runc drops the rule"),
        "{}",
        finding.message
    );
}

#[test]
fn shadowed_rule() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "setns"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]}"#,
    );
    let finding = at(&report, "SK006", "$.syscalls[1].names[0]", 3);
    assert!(
        finding.message.contains("syscalls[0]"),
        "{}",
        finding.message
    );
    assert!(
        finding.message.contains("without CAP_SYS_ADMIN"),
        "{}",
        finding.message
    );
}

#[test]
fn redundant_rule() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "syslog"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["syslog"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYSLOG"]}}]}"#,
    );
    let finding = at(&report, "SK007", "$.syscalls[1].names[0]", 3);
    assert_eq!(finding.severity, Severity::Info);
}

#[test]
fn repeated_argument_index() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
                {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let finding = at(&report, "SK008", "$.syscalls[0].args[1]", 2);
    assert!(finding.message.contains("any of"), "{}", finding.message);
}

#[test]
fn not_equal_twice() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [
                {"index": 0, "value": 38, "op": "SCMP_CMP_NE"},
                {"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]}]}"#,
    );
    let finding = at(&report, "SK009", "$.syscalls[0].args[1]", 2);
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        !ids(&report).contains("SK008"),
        "SK009 replaces SK008 for the same index"
    );
}

#[test]
fn rule_never_applies() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["bpf"], "action": "SCMP_ACT_ALLOW",
             "includes": {"caps": ["CAP_BPF"]}, "excludes": {"caps": ["CAP_BPF"]}}]}"#,
    );
    let finding = at(&report, "SK010", "$.syscalls[1]", 3);
    assert!(
        finding.message.contains("CAP_BPF is in both"),
        "{}",
        finding.message
    );
}

#[test]
fn archmap_missing_host() {
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let finding = at(&report, "SK011", "$.archMap", 3);
    assert!(finding.message.contains("ppc64le"), "{}", finding.message);
}

#[test]
fn archmap_entry_unused() {
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "archMap": [
                {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                {"architecture": "SCMP_ARCH_LOONGARCH64", "subArchitectures": null}],
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let finding = at(&report, "SK012", "$.archMap[1]", 3);
    assert!(
        finding.message.contains("SCMP_ARCH_LOONGARCH64"),
        "{}",
        finding.message
    );
}

#[test]
fn min_kernel_empty() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": ""}}]}"#,
    );
    let finding = at(&report, "SK013", "$.syscalls[1].excludes.minKernel", 3);
    assert!(
        finding.message.contains("every host"),
        "{}",
        finding.message
    );
}

#[test]
fn multiplexed_conditions() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
            "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_LT"}]}]}"#,
    );
    let finding = at(&report, "SK014", "$.syscalls[0].names[0]", 4);
    assert!(
        finding.message.contains("socketcall"),
        "{}",
        finding.message
    );
    assert!(finding.message.contains("x86"), "{}", finding.message);
}

#[test]
fn listener_metadata_without_path() {
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "listenerMetadata": "agent=1"}"#,
    );
    at(&report, "SK015", "$.listenerMetadata", 3);
}

#[test]
fn errno_on_other_action() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5}]}"#,
    );
    at(&report, "SK016", "$.syscalls[0].errnoRet", 2);
}

#[test]
fn errno_out_of_range() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["syslog"], "action": "SCMP_ACT_ERRNO", "errnoRet": 12345}]}"#,
    );
    let finding = at(&report, "SK017", "$.syscalls[1].errnoRet", 3);
    assert_eq!(finding.severity, Severity::Error);
}

#[test]
fn dangerous_syscall_allowed() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "bpf"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["open_by_handle_at"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_DAC_READ_SEARCH"]}},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let bpf = at(&report, "SK018", "$.syscalls[0].names[1]", 2);
    assert!(bpf.message.contains("CAP_BPF"), "{}", bpf.message);
    let ptrace = at(&report, "SK018", "$.syscalls[2].names[0]", 4);
    assert!(ptrace.message.contains("before 4.8"), "{}", ptrace.message);
    let gated = report
        .findings
        .iter()
        .any(|f| f.id == "SK018" && f.path.starts_with("$.syscalls[1]"));
    assert!(!gated, "a capability-gated rule is fine");
}

#[test]
fn dangerous_by_default_action() {
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let finding = at(&report, "SK018", "$.defaultAction", 2);
    assert!(finding.message.contains("keyctl"), "{}", finding.message);
    assert!(
        !finding.message.contains("kexec_load,"),
        "{}",
        finding.message
    );
}

#[test]
fn notify_rejected() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "listenerPath": "/run/agent.sock", "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["openat", "write"], "action": "SCMP_ACT_NOTIFY"}]}"#,
    );
    at(&report, "SK019", "$.syscalls[1].names[1]", 3);
    let default = lint(
        r#"{
            "defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/agent.sock"}"#,
    );
    at(&default, "SK019", "$.defaultAction", 2);
}

#[test]
fn unknown_key() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errno": "EPERM"}]}"#,
    );
    let finding = at(&report, "SK020", "$.syscalls[0].errno", 2);
    assert!(finding.message.contains("Podman"), "{}", finding.message);
}

#[test]
fn clone3_not_enosys() {
    // futex_waitv (449) is above clone3 (435), so runc's ENOSYS rule does
    // not reach clone3 either.
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [{"names": ["getpid", "futex_waitv"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let finding = at(&report, "SK021", "$.defaultAction", 2);
    assert!(
        finding.message.contains("under every runtime"),
        "{}",
        finding.message
    );

    let fixed = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["getpid", "futex_waitv"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}"#,
    );
    assert!(!ids(&fixed).contains("SK021"), "{:#?}", fixed.findings);
}

#[test]
fn default_errno_not_enosys() {
    let report = lint(
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let finding = at(&report, "SK022", "$.defaultAction", 2);
    assert_eq!(finding.severity, Severity::Info);
}

#[test]
fn arch_name_never_matches() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["x86_64"]}}]}"#,
    );
    let finding = at(&report, "SK023", "$.syscalls[1].includes.arches[0]", 3);
    assert!(finding.message.contains("\"amd64\""), "{}", finding.message);
    // With no matching architecture left, the rule never applies.
    at(&report, "SK010", "$.syscalls[1]", 3);
}

#[test]
fn duplicate_name() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["read", "getpid", "read"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    at(&report, "SK024", "$.syscalls[0].names[2]", 2);
}

#[test]
fn empty_rule() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": [], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    at(&report, "SK025", "$.syscalls[1]", 3);
}

#[test]
fn masked_bits_outside_mask() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [
                {"index": 0, "value": 255, "valueTwo": 256, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#,
    );
    at(&report, "SK026", "$.syscalls[0].args[0]", 2);
}

#[test]
fn truncated_value() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
            "syscalls": [
            {"names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 4294967296, "op": "SCMP_CMP_LT"}]}]}"#,
    );
    let finding = at(&report, "SK027", "$.syscalls[0].names[0]", 4);
    assert!(
        finding.message.contains("0x100000000"),
        "{}",
        finding.message
    );
}

#[test]
fn conflicting_rules() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
            {"names": ["kill"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let finding = at(&report, "SK028", "$.syscalls[1]", 3);
    assert_eq!(finding.severity, Severity::Error);
}

#[test]
fn missing_default_action() {
    let report = lint(
        r#"{
            "defaultAction": "",
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    at(&report, "SK029", "$.defaultAction", 2);
}

#[test]
fn clean_profile() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    assert_eq!(report.findings, [], "{:#?}", report.findings);
    assert!(!report.has_problems());
}

#[test]
fn moby_default_no_errors() {
    let report = lint_file("moby-profiles-default.json");
    let errors: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // What it does report: socket argument rules that socketcall bypasses,
    // sync_file_range2 (not an arm syscall) in the arm rule, x32 in arches,
    // the EPERM default, no arm or ppc64le archMap entry, and the unused
    // loongarch64 entry. The capability rules that repeat CAP_SYS_ADMIN's
    // allow (syslog with CAP_SYSLOG, bpf with CAP_BPF, …) are not redundant:
    // each matters without CAP_SYS_ADMIN.
    let expected = ["SK001", "SK011", "SK012", "SK014", "SK022", "SK023"];
    assert_eq!(
        ids(&report),
        expected.into_iter().collect(),
        "{:#?}",
        report.findings
    );
    let sync = at(&report, "SK001", "$.syscalls[11].names[2]", 555);
    assert!(
        sync.message.contains("sync_file_range2"),
        "{}",
        sync.message
    );
    assert_eq!(found(&report, "SK014").len(), 3, "the three socket rules");
}

#[test]
fn podman_setns_shadowed() {
    let report = lint_file("podman-containers-common-seccomp.json");
    let setns = found(&report, "SK006")
        .into_iter()
        .find(|f| f.message.contains("setns"))
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert!(
        setns.path.starts_with("$.syscalls[16].names["),
        "{setns:#?}"
    );
    assert!(setns.message.contains("syscalls[1]"), "{}", setns.message);
    assert!(
        setns.message.contains("without CAP_SYS_ADMIN"),
        "{}",
        setns.message
    );
}

#[test]
fn podman_2025_perfmon_shadowed() {
    // Before a 2025 fix, Podman's EPERM rule for perf_event_open came first
    // and CAP_PERFMON did not unlock it.
    let report = lint_file("podman-containers-common-seccomp-2025-04.json");
    let shadowed = found(&report, "SK006")
        .into_iter()
        .any(|f| f.message.contains("perf_event_open") && f.message.contains("CAP_PERFMON"));
    assert!(shadowed, "{:#?}", report.findings);
}

#[test]
fn every_profile_lints() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [profiles_dir(), profiles_dir().join("moby-versions")] {
        for entry in std::fs::read_dir(&dir).expect("profile directory is readable") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 30, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("profile is readable");
        let report = lint_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for finding in &report.findings {
            assert!(
                finding.path.starts_with("$."),
                "{}: {finding:#?}",
                path.display()
            );
        }
        let sarif = report.to_sarif("profile.json");
        assert_eq!(sarif["version"], "2.1.0");
    }
}

#[test]
fn sarif_shape() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "chmdo"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let sarif = report.to_sarif("profiles/app.json");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules array");
    assert_eq!(rules.len(), CHECKS.len());
    assert_eq!(rules[0]["id"], "SK001");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "SK001");
    assert_eq!(result["level"], "warning");
    assert!(result["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("chmdo")));
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "profiles/app.json");
    assert_eq!(physical["region"]["startLine"], 2);
}

#[test]
fn json_and_text_output() {
    let report = lint(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "chmdo"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let json = report.to_json("app.json");
    assert_eq!(json["findings"][0]["id"], "SK001");
    assert_eq!(json["findings"][0]["line"], 2);
    assert_eq!(json["counts"]["warning"], 1);
    let text = report.to_text("app.json");
    assert!(
        text.starts_with("app.json:2: warning[SK001 unknown-syscall]"),
        "{text}"
    );
    assert!(report.has_problems());
}
