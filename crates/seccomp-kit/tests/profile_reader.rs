//! Tests of the profile reader and writer against real profiles, moby's
//! reference resolution results, a corpus of broken inputs and the JSON
//! behaviour of moby's Go loader (`encoding/json` into moby's `Seccomp`
//! type).
//!
//! Real profiles are read at test time from the shared test data and never
//! copied into this repository.

mod common;

use common::{profile_paths, PROFILES};
use seccomp_kit::arch::Arch;
use seccomp_kit::bpf::{self, CompileError};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{Policy, PolicyOptions};
use seccomp_kit::profile::{
    Action, KernelVersion, LoadedProfile, Location, Operator, Profile, ProfileError,
};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::fs;
use std::path::Path;

/// The number of `.json` files in the profile folder and its
/// `moby-versions` subfolder, so a wrong path cannot pass as "no files".
const REAL_PROFILE_COUNT: usize = 32;

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Reads a profile of the top-level folder by file name.
fn read_profile_text(name: &str) -> String {
    let path = Path::new(PROFILES).join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn load(text: &str) -> LoadedProfile {
    Profile::from_json(text).unwrap_or_else(|e| panic!("profile rejected: {e}"))
}

fn load_file(name: &str) -> LoadedProfile {
    Profile::from_json(&read_profile_text(name)).unwrap_or_else(|e| panic!("{name} rejected: {e}"))
}

fn parse_error(text: &str) -> ProfileError {
    match Profile::from_json(text) {
        Ok(loaded) => panic!("profile accepted, expected an error: {:?}", loaded.profile),
        Err(err) => err,
    }
}

/// Wraps one rule object in a minimal profile.
fn with_rule(rule: &str) -> String {
    format!(r#"{{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{rule}]}}"#)
}

/// Returns the 1-based line and column (in characters) of byte `offset`.
fn location_at(text: &str, offset: usize) -> Location {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Returns where `needle` starts in `text`. The needle must occur once, so a
/// test cannot point at the wrong copy.
fn location_of(text: &str, needle: &str) -> Location {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "test setup: {needle:?} must occur exactly once in {text:?}"
    );
    location_at(text, text.find(needle).unwrap())
}

fn target(host: Arch, caps: CapSet, kernel: KernelVersion) -> Target {
    Target::new(host, caps, kernel)
}

fn resolve_for(profile: &Profile, target: &Target) -> Resolved {
    resolve(profile, target)
        .unwrap_or_else(|e| panic!("resolution failed: {e}"))
        .expect("the profile must not disable seccomp")
}

fn docker_caps_plus(extra: &[&str]) -> CapSet {
    let adds: Vec<String> = extra.iter().map(|c| c.to_string()).collect();
    CapSet::docker_default()
        .with_changes(&adds, &[])
        .expect("known capabilities")
}

fn kept_indices(resolved: &Resolved) -> Vec<usize> {
    resolved.rules.iter().map(|r| r.source_index).collect()
}

fn resolved_names(resolved: &Resolved) -> Vec<String> {
    resolved
        .rules
        .iter()
        .flat_map(|r| r.names.clone())
        .collect()
}

fn without_locations(mut profile: Profile) -> Profile {
    for rule in &mut profile.syscalls {
        rule.location = Location::default();
    }
    profile
}

/// Describes the first rule or top-level field in which two profiles
/// differ, showing only the differing fields.
fn first_difference(original: &Profile, reread: &Profile) -> String {
    if original.syscalls.len() != reread.syscalls.len() {
        return format!(
            "{} rules became {}",
            original.syscalls.len(),
            reread.syscalls.len()
        );
    }
    for (i, (a, b)) in original.syscalls.iter().zip(&reread.syscalls).enumerate() {
        let fields = [
            ("names", format!("{:?}", a.names), format!("{:?}", b.names)),
            ("name", format!("{:?}", a.name), format!("{:?}", b.name)),
            (
                "action",
                format!("{:?}", a.action),
                format!("{:?}", b.action),
            ),
            (
                "errnoRet",
                format!("{:?}", a.errno_ret),
                format!("{:?}", b.errno_ret),
            ),
            ("args", format!("{:?}", a.args), format!("{:?}", b.args)),
            (
                "comment",
                format!("{:?}", a.comment),
                format!("{:?}", b.comment),
            ),
            (
                "includes",
                format!("{:?}", a.includes),
                format!("{:?}", b.includes),
            ),
            (
                "excludes",
                format!("{:?}", a.excludes),
                format!("{:?}", b.excludes),
            ),
        ];
        let changed: Vec<String> = fields
            .iter()
            .filter(|(_, before, after)| before != after)
            .map(|(field, before, after)| format!("{field} {before} became {after}"))
            .collect();
        if !changed.is_empty() {
            return format!("syscalls[{i}]: {}", changed.join(", "));
        }
    }
    let mut top_original = original.clone();
    let mut top_reread = reread.clone();
    top_original.syscalls.clear();
    top_reread.syscalls.clear();
    format!("top level: {top_original:?} became {top_reread:?}")
}

// ---------------------------------------------------------------------------
// Real profiles
// ---------------------------------------------------------------------------

#[test]
fn real_profiles_parse() {
    let paths = profile_paths();
    assert_eq!(paths.len(), REAL_PROFILE_COUNT, "profiles found: {paths:?}");

    let mut failures = Vec::new();
    for path in &paths {
        let text = fs::read_to_string(path).unwrap();
        if let Err(err) = Profile::from_json(&text) {
            failures.push(format!("{}: {err}", file_name(path)));
        }
    }
    assert!(
        failures.is_empty(),
        "real profiles rejected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn example_fixture_facts() {
    let loaded = load_file("moby-fixture-example.json");
    let profile = &loaded.profile;
    assert!(
        loaded.warnings.is_empty(),
        "warnings: {:?}",
        loaded.warnings
    );
    assert_eq!(profile.default_action, Some(Action::Errno));
    assert_eq!(profile.default_errno_ret, Some(1));
    assert_eq!(profile.syscalls.len(), 4);

    // The file uses the pre-2016 single `name` field on every rule.
    let legacy_names: Vec<_> = profile.syscalls.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(
        legacy_names,
        [Some("clone"), Some("open"), Some("close"), Some("syslog")]
    );
    assert!(profile.syscalls.iter().all(|r| r.names.is_empty()));

    let clone = &profile.syscalls[0];
    assert_eq!(clone.args.len(), 1);
    assert_eq!(clone.args[0].op, Operator::MaskedEqual);
    assert_eq!(clone.args[0].index, 0);
    assert_eq!(clone.args[0].value, 2114060288);
    assert_eq!(clone.args[0].value_two, 0);

    let syslog = &profile.syscalls[3];
    assert_eq!(syslog.action, Action::Errno);
    assert_eq!(syslog.errno_ret, Some(12345));

    // moby's expectation: the legacy names become `names`, in file order,
    // and `args: []` stays empty.
    let resolved = resolve_for(
        profile,
        &target(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        ),
    );
    assert_eq!(resolved.default_errno_ret, Some(1));
    assert_eq!(
        resolved_names(&resolved),
        ["clone", "open", "close", "syslog"]
    );
    assert!(resolved.rules[1].args.is_empty());
    assert_eq!(resolved.rules[3].errno_ret, Some(12345));
}

#[test]
fn podman_errno_warnings() {
    for name in [
        "podman-containers-common-seccomp.json",
        "podman-containers-common-seccomp-2025-04.json",
    ] {
        let text = read_profile_text(name);
        let loaded = load(&text);
        let lines: Vec<&str> = text.lines().collect();

        // Podman's errno-by-name field at the top level.
        let default_errno = loaded
            .warnings
            .iter()
            .find(|w| w.path == "$.defaultErrno")
            .unwrap_or_else(|| {
                panic!("{name}: no warning for defaultErrno: {:?}", loaded.warnings)
            });
        let expected = location_of(&text, "\"defaultErrno\":");
        assert_eq!(
            default_errno.location.line, expected.line,
            "{name}: {default_errno}"
        );
        assert!(
            default_errno.message.contains("defaultErrno"),
            "{name}: {default_errno}"
        );
        assert!(
            default_errno.message.contains("defaultErrnoRet"),
            "{name}: {default_errno}"
        );

        // One warning per rule-level `errno`, each on the line of its key.
        let errno_warnings: Vec<_> = loaded
            .warnings
            .iter()
            .filter(|w| w.path.ends_with(".errno"))
            .collect();
        assert_eq!(
            errno_warnings.len(),
            text.matches("\"errno\":").count(),
            "{name}"
        );
        for warning in errno_warnings {
            let index: usize = warning
                .path
                .strip_prefix("$.syscalls[")
                .and_then(|rest| rest.strip_suffix("].errno"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{name}: unexpected path {}", warning.path));
            let line = lines[warning.location.line - 1];
            assert!(
                line.contains("\"errno\":"),
                "{name}: {warning} points at {line:?}"
            );
            assert!(warning.message.contains("errnoRet"), "{name}: {warning}");
            assert!(
                loaded.profile.syscalls[index].location.line < warning.location.line,
                "{name}: {warning} lies before its rule"
            );
        }
    }
}

#[test]
fn old_format_resolution() {
    let profile = load_file("moby-fixture-default-old-format.json").profile;
    let resolved = resolve_for(
        &profile,
        &target(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        ),
    );
    assert_eq!(resolved.architectures, [Arch::X86_64, Arch::X86, Arch::X32]);
    assert_eq!(resolved.rules.len(), 311);
    assert_eq!(resolved.rules[0].names, ["accept"]);
    assert_eq!(resolved.rules[0].action, Action::Allow);
}

// ---------------------------------------------------------------------------
// moby's reference resolution results
// ---------------------------------------------------------------------------

/// One row of moby's reference results for its current default profile,
/// computed by applying moby's `setupSeccomp` rules with Docker's 14 default
/// capabilities.
struct ReferenceRow {
    host: Arch,
    extra_caps: &'static [&'static str],
    kernel: KernelVersion,
    architectures: &'static [Arch],
    kept: &'static [usize],
    /// Name occurrences over all kept rules, duplicates counted.
    names: usize,
}

fn reference_rows() -> Vec<ReferenceRow> {
    vec![
        ReferenceRow {
            host: Arch::X86_64,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 8),
            architectures: &[Arch::X86_64, Arch::X86, Arch::X32],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 18, 20, 22],
            names: 377,
        },
        ReferenceRow {
            host: Arch::X86_64,
            extra_caps: &["CAP_SYS_ADMIN"],
            kernel: KernelVersion::new(6, 8),
            architectures: &[Arch::X86_64, Arch::X86, Arch::X32],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 17, 22],
            names: 401,
        },
        // Rule 1 (ptrace, process_vm_readv, process_vm_writev) needs 4.8.
        ReferenceRow {
            host: Arch::X86_64,
            extra_caps: &[],
            kernel: KernelVersion::new(4, 4),
            architectures: &[Arch::X86_64, Arch::X86, Arch::X32],
            kept: &[0, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 18, 20, 22],
            names: 374,
        },
        ReferenceRow {
            host: Arch::Aarch64,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 1),
            architectures: &[Arch::Aarch64, Arch::Arm],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 18, 20, 22],
            names: 381,
        },
        // s390 passes the clone flags in arg1, so rule 19 replaces rule 18.
        ReferenceRow {
            host: Arch::S390x,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 1),
            architectures: &[Arch::S390x, Arch::S390],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 19, 20, 22],
            names: 378,
        },
        // moby's default archMap has no ppc64le entry.
        ReferenceRow {
            host: Arch::Ppc64le,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 1),
            architectures: &[],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 20, 22],
            names: 377,
        },
        ReferenceRow {
            host: Arch::Riscv64,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 1),
            architectures: &[Arch::Riscv64],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 18, 20, 22],
            names: 376,
        },
        // moby's native name on LoongArch is `loongarch64`, but its archMap
        // lookup table uses the key `loong64`, so the archMap entry is never
        // used.
        ReferenceRow {
            host: Arch::Loongarch64,
            extra_caps: &[],
            kernel: KernelVersion::new(6, 1),
            architectures: &[],
            kept: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 18, 20, 22],
            names: 375,
        },
    ]
}

#[test]
fn moby_default_reference_results() {
    let profile = load_file("moby-profiles-default.json").profile;
    assert_eq!(profile.syscalls.len(), 33);

    for row in reference_rows() {
        let case = format!("{:?} {:?} kernel {}", row.host, row.extra_caps, row.kernel);
        let resolved = resolve_for(
            &profile,
            &target(row.host, docker_caps_plus(row.extra_caps), row.kernel),
        );
        assert_eq!(
            resolved.architectures, row.architectures,
            "{case}: architectures"
        );
        assert_eq!(kept_indices(&resolved), row.kept, "{case}: kept rules");
        assert_eq!(
            resolved_names(&resolved).len(),
            row.names,
            "{case}: name occurrences"
        );
        assert_eq!(
            resolved.rules.len() + resolved.dropped.len(),
            profile.syscalls.len(),
            "{case}: every rule is either kept or dropped"
        );
    }
}

#[test]
fn conditional_include_results() {
    let profile = load_file("moby-fixture-conditional-include.json").profile;
    let kernel = KernelVersion::new(6, 8);
    let cases: [(&[&str], &[&str]); 3] = [
        (&[], &["chmod", "ptrace"]),
        (&["CAP_SYSLOG"], &["chmod", "syslog", "ptrace"]),
        (&["CAP_SYS_ADMIN"], &["chmod"]),
    ];
    for (caps, expected) in cases {
        let caps_set = CapSet::from_names(caps).expect("known capabilities");
        let resolved = resolve_for(&profile, &target(Arch::X86_64, caps_set, kernel));
        assert_eq!(resolved_names(&resolved), expected, "caps {caps:?}");
    }
}

// ---------------------------------------------------------------------------
// Broken profiles
// ---------------------------------------------------------------------------

/// A broken input and the error it must get.
struct Broken {
    case: &'static str,
    text: String,
    path: &'static str,
    /// A snippet, occurring once in `text`, where the error must point.
    at: &'static str,
    message: &'static str,
}

fn broken(
    case: &'static str,
    text: impl Into<String>,
    path: &'static str,
    at: &'static str,
    message: &'static str,
) -> Broken {
    Broken {
        case,
        text: text.into(),
        path,
        at,
        message,
    }
}

fn broken_corpus() -> Vec<Broken> {
    vec![
        broken("empty input", "", "$", "", "EOF while parsing a value"),
        broken(
            "top-level array",
            "[]",
            "$",
            "[]",
            "expected an object, found array",
        ),
        broken(
            "top-level string",
            r#""SCMP_ACT_ERRNO""#,
            "$",
            "\"SCMP",
            "expected an object, found string",
        ),
        broken(
            "syntax error",
            r#"{"defaultAction": "SCMP_ACT_ERRNO",, "syscalls": []}"#,
            "$",
            ", \"syscalls\"",
            "invalid JSON",
        ),
        broken(
            "trailing characters",
            r#"{"defaultAction": "SCMP_ACT_ERRNO"} x"#,
            "$",
            "x",
            "trailing characters",
        ),
        // Wrong types.
        broken(
            "defaultAction number",
            r#"{"defaultAction": 5}"#,
            "$.defaultAction",
            "5",
            "expected a string, found number 5",
        ),
        broken(
            "syscalls object",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}}"#,
            "$.syscalls",
            "{}",
            "expected an array, found object",
        ),
        broken(
            "names string",
            with_rule(r#"{"names": "read", "action": "SCMP_ACT_ALLOW"}"#),
            "$.syscalls[0].names",
            "\"read\"",
            "expected an array, found string",
        ),
        broken(
            "names number element",
            with_rule(r#"{"names": ["read", 7], "action": "SCMP_ACT_ALLOW"}"#),
            "$.syscalls[0].names[1]",
            "7",
            "expected a string, found number 7",
        ),
        broken(
            "args object",
            with_rule(r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {}}"#),
            "$.syscalls[0].args",
            "{}",
            "expected an array, found object",
        ),
        broken(
            "index string",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": "1", "value": 0, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].index",
            "\"1\"",
            "expected an argument index, found string",
        ),
        broken(
            "value negative",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].value",
            "-1",
            "expected a 64-bit unsigned value, found number -1",
        ),
        broken(
            "value fraction",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].value",
            "1.5",
            "found number 1.5",
        ),
        broken(
            "value exponent",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1e3, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].value",
            "1e3",
            "found number 1e3",
        ),
        broken(
            "value above 2^64",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].value",
            "18446744073709551616",
            "out of range",
        ),
        broken(
            "valueTwo string",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": "1", "op": "SCMP_CMP_MASKED_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].valueTwo",
            "\"1\"",
            "expected a 64-bit unsigned value, found string",
        ),
        broken(
            "errnoRet string",
            with_rule(r#"{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "1"}"#),
            "$.syscalls[0].errnoRet",
            "\"1\"",
            "expected an errno, found string",
        ),
        broken(
            "defaultErrnoRet negative",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}"#,
            "$.defaultErrnoRet",
            "-1",
            "expected an errno, found number -1",
        ),
        broken(
            "includes array",
            with_rule(r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": []}"#),
            "$.syscalls[0].includes",
            "[]",
            "expected an object, found array",
        ),
        broken(
            "caps string",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": "CAP_SYS_ADMIN"}}"#,
            ),
            "$.syscalls[0].excludes.caps",
            "\"CAP_SYS_ADMIN\"",
            "expected an array, found string",
        ),
        broken(
            "flags string",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": "SECCOMP_FILTER_FLAG_LOG"}"#,
            "$.flags",
            "\"SECCOMP_FILTER_FLAG_LOG\"",
            "expected an array, found string",
        ),
        // Unknown names. runc matches names exactly.
        broken(
            "unknown action",
            with_rule(r#"{"names": ["read"], "action": "SCMP_ACT_DENY"}"#),
            "$.syscalls[0].action",
            "\"SCMP_ACT_DENY\"",
            "unknown action \"SCMP_ACT_DENY\"",
        ),
        broken(
            "unknown default action",
            r#"{"defaultAction": "SCMP_ACT_DENY"}"#,
            "$.defaultAction",
            "\"SCMP_ACT_DENY\"",
            "unknown action \"SCMP_ACT_DENY\"",
        ),
        broken(
            "lower-case action",
            with_rule(r#"{"names": ["read"], "action": "scmp_act_allow"}"#),
            "$.syscalls[0].action",
            "\"scmp_act_allow\"",
            "unknown action",
        ),
        broken(
            "unknown operator",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQUAL"}]}"#,
            ),
            "$.syscalls[0].args[0].op",
            "\"SCMP_CMP_EQUAL\"",
            "unknown operator \"SCMP_CMP_EQUAL\"",
        ),
        broken(
            "unknown flag",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"]}"#,
            "$.flags[1]",
            "\"SECCOMP_FILTER_FLAG_FAST\"",
            "unknown filter flag \"SECCOMP_FILTER_FLAG_FAST\"",
        ),
        broken(
            "unknown architecture",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]}"#,
            "$.architectures[1]",
            "\"SCMP_ARCH_VAX\"",
            "unknown architecture \"SCMP_ARCH_VAX\"",
        ),
        broken(
            "unknown archMap architecture",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_VAX", "subArchitectures": null}]}"#,
            "$.archMap[0].architecture",
            "\"SCMP_ARCH_VAX\"",
            "unknown architecture \"SCMP_ARCH_VAX\"",
        ),
        broken(
            "unknown subarchitecture",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_VAX"]}]}"#,
            "$.archMap[0].subArchitectures[0]",
            "\"SCMP_ARCH_VAX\"",
            "unknown architecture \"SCMP_ARCH_VAX\"",
        ),
        // Structural errors.
        broken(
            "architectures and archMap",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#,
            "$.archMap",
            "[{",
            "both 'architectures' and 'archMap'",
        ),
        broken(
            "archMap entry without architecture",
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"subArchitectures": ["SCMP_ARCH_X86"]}]}"#,
            "$.archMap[0]",
            "{\"sub",
            "without \"architecture\"",
        ),
        broken(
            "argument index 6",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}"#,
            ),
            "$.syscalls[0].args[0].index",
            "6",
            "argument index 6 is out of range",
        ),
        broken(
            "missing action",
            with_rule(r#"{"names": ["read"]}"#),
            "$.syscalls[0]",
            "{\"names\"",
            "rule without \"action\"",
        ),
        broken(
            "null action",
            with_rule(r#"{"names": ["read"], "action": null}"#),
            "$.syscalls[0].action",
            "null",
            "unknown action \"\"",
        ),
        broken(
            "missing operator",
            with_rule(
                r#"{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1}]}"#,
            ),
            "$.syscalls[0].args[0]",
            "{\"index\"",
            "without \"op\"",
        ),
    ]
}

fn check_broken(case: &Broken) -> Vec<String> {
    let mut problems = Vec::new();
    let err = match Profile::from_json(&case.text) {
        Ok(_) => return vec![format!("{}: accepted {:?}", case.case, case.text)],
        Err(err) => err,
    };
    if err.path != case.path {
        problems.push(format!(
            "{}: path {} instead of {}",
            case.case, err.path, case.path
        ));
    }
    let expected = location_of(&case.text, case.at);
    if err.location != expected {
        problems.push(format!(
            "{}: {} instead of {} ({err})",
            case.case, err.location, expected
        ));
    }
    if !err.message.contains(case.message) {
        problems.push(format!(
            "{}: message {:?} lacks {:?}",
            case.case, err.message, case.message
        ));
    }
    if err.hint.is_empty() {
        problems.push(format!("{}: no hint", case.case));
    }
    problems
}

#[test]
fn broken_profiles_rejected() {
    let corpus = broken_corpus();
    let problems: Vec<String> = corpus.iter().flat_map(check_broken).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Invalid `minKernel` values: moby's `KernelVersion.UnmarshalJSON` wants a
/// string of exactly two unsigned decimals of at most 8 bits, not `0.0`.
const BAD_MIN_KERNELS: [&str; 13] = [
    "3.12",
    "\"3\"",
    "\".3\"",
    "\"3.\"",
    "\"3.12.1\"",
    "\"4.15abc\"",
    "\"256.1\"",
    "\"0.0\"",
    "true",
    "\"+4.8\"",
    "\"4.-1\"",
    "\" 4.8\"",
    "[4, 8]",
];

#[test]
fn min_kernel_rejected() {
    let mut problems = Vec::new();
    for filter in ["includes", "excludes"] {
        for value in BAD_MIN_KERNELS {
            let text = with_rule(&format!(
                r#"{{"names": ["read"], "action": "SCMP_ACT_ALLOW", "{filter}": {{"minKernel": {value}}}}}"#
            ));
            let case = format!("{filter}.minKernel {value}");
            let err = match Profile::from_json(&text) {
                Ok(loaded) => {
                    problems.push(format!(
                        "{case}: accepted as {:?}",
                        loaded.profile.syscalls[0]
                    ));
                    continue;
                }
                Err(err) => err,
            };
            let path = format!("$.syscalls[0].{filter}.minKernel");
            if err.path != path {
                problems.push(format!("{case}: path {}", err.path));
            }
            // The value follows `"minKernel": `, the only place it starts.
            let offset = text.find("\"minKernel\": ").unwrap() + "\"minKernel\": ".len();
            if err.location != location_at(&text, offset) {
                problems.push(format!("{case}: {}", err.location));
            }
            if !err.message.contains("invalid kernel version") {
                problems.push(format!("{case}: message {:?}", err.message));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn min_kernel_accepted() {
    let accepted = [
        ("\"0.5\"", Some(KernelVersion::new(0, 5))),
        ("\"5.0\"", Some(KernelVersion::new(5, 0))),
        ("\"50.0\"", Some(KernelVersion::new(50, 0))),
        // "0.50" is kernel 0, major 50, not 0.5.
        ("\"0.50\"", Some(KernelVersion::new(0, 50))),
        ("\"4.8\"", Some(KernelVersion::new(4, 8))),
        ("\"255.255\"", Some(KernelVersion::new(255, 255))),
        // moby keeps a non-nil 0.0 for "", unlike a missing key.
        ("\"\"", Some(KernelVersion::new(0, 0))),
        ("null", None),
    ];
    for (value, expected) in accepted {
        let text = with_rule(&format!(
            r#"{{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {{"minKernel": {value}}}, "excludes": {{"minKernel": {value}}}}}"#
        ));
        let rule = &load(&text).profile.syscalls[0];
        assert_eq!(
            rule.includes.min_kernel, expected,
            "includes.minKernel {value}"
        );
        assert_eq!(
            rule.excludes.min_kernel, expected,
            "excludes.minKernel {value}"
        );
    }
}

#[test]
fn empty_min_kernel_resolution() {
    // Every host kernel is at least 0.0, so "" is a no-op in `includes` but
    // removes the rule everywhere in `excludes`.
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": ""}},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": ""}}
    ]}"#;
    let profile = load(text).profile;
    let resolved = resolve_for(
        &profile,
        &target(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(3, 10),
        ),
    );
    assert_eq!(resolved_names(&resolved), ["read"]);
}

#[test]
fn truncated_default_rejected() {
    let text = read_profile_text("moby-profiles-default.json");
    let mut offsets = Vec::new();
    for k in 1..=10 {
        let mut offset = text.len() * k / 11;
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offsets.push(offset);
    }
    // A cut right after a newline and one inside a keyword.
    offsets.push(text.find("\n").unwrap() + 1);
    offsets.push(text.find("\"SCMP_ACT_ALLOW\"").unwrap() + 6);

    for offset in offsets {
        let prefix = &text[..offset];
        let err = parse_error(prefix);
        let end = location_at(prefix, prefix.len());
        assert_eq!(err.path, "$", "cut at byte {offset}");
        assert!(
            err.message.contains("invalid JSON"),
            "cut at byte {offset}: {err}"
        );
        assert!(err.message.contains("EOF"), "cut at byte {offset}: {err}");
        assert_eq!(err.location.line, end.line, "cut at byte {offset}: {err}");
        // serde_json reports the last character read, which is the last
        // character of the prefix or the end right after it.
        assert!(
            err.location.column + 1 >= end.column && err.location.column <= end.column,
            "cut at byte {offset}: {} but the text ends at {end}",
            err.location
        );
    }
}

#[test]
fn deep_error_line() {
    let text = r#"{
    "defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {
            "names": ["write"],
            "action": "SCMP_ACT_DENY"
        }
    ]
}"#;
    let err = parse_error(text);
    assert_eq!(err.path, "$.syscalls[1].action");
    assert_eq!(
        err.location,
        Location {
            line: 7,
            column: 23
        }
    );
    assert!(err.message.contains("SCMP_ACT_DENY"), "{err}");
}

/// Replaces the `n`th (0-based) occurrence of `from` and returns the new
/// text and the byte offset of the replacement.
fn replace_nth(text: &str, from: &str, to: &str, n: usize) -> (String, usize) {
    let (offset, _) = text
        .match_indices(from)
        .nth(n)
        .unwrap_or_else(|| panic!("{from:?} occurs fewer than {} times", n + 1));
    let replaced = format!("{}{to}{}", &text[..offset], &text[offset + from.len()..]);
    (replaced, offset)
}

#[test]
fn deep_error_in_moby_default() {
    let text = read_profile_text("moby-profiles-default.json");

    // Rule 19 contains the second MASKED_EQ (rule 18 the first).
    let (broken_op, offset) =
        replace_nth(&text, "\"SCMP_CMP_MASKED_EQ\"", "\"SCMP_CMP_MASKED\"", 1);
    let err = parse_error(&broken_op);
    assert_eq!(err.path, "$.syscalls[19].args[0].op");
    assert_eq!(err.location, location_at(&broken_op, offset));

    // The same error with Windows line endings is on the same line.
    let crlf = broken_op.replace('\n', "\r\n");
    let crlf_err = parse_error(&crlf);
    assert_eq!(crlf_err.path, err.path);
    assert_eq!(crlf_err.location, err.location);

    let (bad_kernel, offset) = replace_nth(&text, "\"4.8\"", "\"4.8.0\"", 0);
    let err = parse_error(&bad_kernel);
    assert_eq!(err.path, "$.syscalls[1].includes.minKernel");
    assert_eq!(err.location, location_at(&bad_kernel, offset));
    assert!(err.message.contains("invalid kernel version"), "{err}");
}

// The next three errors must point at the value their path names. In moby's
// layout, with one name per line, that is another line than the rule's or
// the array's.

#[test]
fn name_and_names_location() {
    let text = with_rule(
        "{\n\"name\": \"read\",\n\"names\": [\"write\"],\n\"action\": \"SCMP_ACT_ALLOW\"\n}",
    );
    let err = parse_error(&text);
    assert_eq!(err.path, "$.syscalls[0].name");
    assert!(err.message.contains("both 'name'"), "{err}");
    assert_eq!(err.location, location_of(&text, "\"read\""), "{err}");
}

#[test]
fn empty_names_element_location() {
    let text = with_rule(
        "{\n\"names\": [\n\"read\",\n\"\",\n\"write\"\n],\n\"action\": \"SCMP_ACT_ALLOW\"\n}",
    );
    let err = parse_error(&text);
    assert_eq!(err.path, "$.syscalls[0].names[1]");
    assert!(err.message.contains("empty syscall name"), "{err}");
    assert_eq!(err.location, location_of(&text, "\"\","), "{err}");
}

#[test]
fn empty_name_location() {
    let text = with_rule("{\n\"action\": \"SCMP_ACT_ALLOW\",\n\"name\": \"\"\n}");
    let err = parse_error(&text);
    assert_eq!(err.path, "$.syscalls[0].name");
    assert!(err.message.contains("empty syscall name"), "{err}");
    assert_eq!(err.location, location_of(&text, "\"\"\n"), "{err}");
}

#[test]
fn syntax_error_column_counts_chars() {
    // Value errors count columns in characters, so a syntax error must too.
    // The ASCII input checks where the error points; the second input adds
    // a two-byte character before it on the same line.
    let ascii =
        r#"{"syscalls": [{"comment": "uber", "names": ["read"] "action": "SCMP_ACT_ALLOW"}]}"#;
    let err = parse_error(ascii);
    assert_eq!(err.path, "$");
    assert_eq!(err.location, location_of(ascii, "\"action\""), "{err}");

    let umlaut = ascii.replace("uber", "\u{fc}ber");
    let err = parse_error(&umlaut);
    assert_eq!(err.location, location_of(&umlaut, "\"action\""), "{err}");
}

// ---------------------------------------------------------------------------
// 10 000 rules
// ---------------------------------------------------------------------------

/// Builds a profile of `count` personality rules, one per line, each
/// allowing a different arg0 value.
/// Returns a profile with `count` rules allowing `personality` for the
/// values 0, 2, 4, …: every other value, so no two rules merge into one
/// interval and the filter grows with the rule count.
fn many_rules_profile(count: usize) -> String {
    let rules: Vec<String> = (0..count)
        .map(|n| {
            let value = 2 * n;
            format!(
                r#"{{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{{"index":0,"value":{value},"op":"SCMP_CMP_EQ"}}]}}"#
            )
        })
        .collect();
    format!(
        "{{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[\n{}\n]}}",
        rules.join(",\n")
    )
}

#[test]
fn ten_thousand_rules() {
    let text = many_rules_profile(10_000);
    let loaded = load(&text);
    assert!(loaded.warnings.is_empty());
    let profile = loaded.profile;
    assert_eq!(profile.syscalls.len(), 10_000);
    assert_eq!(profile.syscalls[9_999].args[0].value, 19_998);
    // Rule n starts on line n + 2.
    assert_eq!(
        profile.syscalls[9_999].location,
        Location {
            line: 10_001,
            column: 1
        }
    );

    let resolved = resolve_for(
        &profile,
        &target(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        ),
    );
    assert_eq!(resolved.rules.len(), 10_000);
    assert_eq!(resolved.rules[9_999].source_index, 9_999);

    let policy = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64))
        .expect("policy of 10 000 rules");
    match bpf::compile(&policy) {
        Err(CompileError::TooLong { len }) => {
            assert!(len > 4096, "TooLong with only {len} instructions")
        }
        Ok(program) => panic!(
            "compiled to {} instructions, but 10 000 separate values need more than the kernel's 4096",
            program.len()
        ),
        Err(other) => panic!("expected TooLong, got {other}"),
    }
}

#[test]
fn hundred_rules_compile() {
    // Control for `ten_thousand_rules`: the same shape compiles when small,
    // so TooLong comes from the size alone.
    let profile = load(&many_rules_profile(100)).profile;
    let resolved = resolve_for(
        &profile,
        &target(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        ),
    );
    let policy =
        Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64)).expect("policy of 100 rules");
    let program = bpf::compile(&policy).expect("100 rules fit");
    assert!(program.len() <= 4096);
}

// ---------------------------------------------------------------------------
// Go loader behaviour
// ---------------------------------------------------------------------------

#[test]
fn keys_case_insensitive() {
    let text = r#"{
        "DefaultAction": "SCMP_ACT_ERRNO",
        "DEFAULTERRNORET": 38,
        "Architectures": ["SCMP_ARCH_X86_64"],
        "FLAGS": ["SECCOMP_FILTER_FLAG_LOG"],
        "SYSCALLS": [{
            "Names": ["personality"],
            "ACTION": "SCMP_ACT_ALLOW",
            "ErrnoRet": 5,
            "Args": [{"INDEX": 1, "Value": 2, "valuetwo": 3, "Op": "SCMP_CMP_MASKED_EQ"}],
            "Includes": {"CAPS": ["CAP_SYS_ADMIN"], "Arches": ["amd64"], "MinKernel": "4.8"},
            "EXCLUDES": {"caps": ["CAP_BPF"]}
        }]
    }"#;
    let loaded = load(text);
    assert!(
        loaded.warnings.is_empty(),
        "warnings: {:?}",
        loaded.warnings
    );
    let profile = loaded.profile;
    assert_eq!(profile.default_action, Some(Action::Errno));
    assert_eq!(profile.default_errno_ret, Some(38));
    assert_eq!(profile.architectures, [Arch::X86_64]);
    assert_eq!(profile.flags.as_ref().map(Vec::len), Some(1));

    let rule = &profile.syscalls[0];
    assert_eq!(rule.names, ["personality"]);
    assert_eq!(rule.action, Action::Allow);
    assert_eq!(rule.errno_ret, Some(5));
    assert_eq!(rule.args[0].index, 1);
    assert_eq!(rule.args[0].value, 2);
    assert_eq!(rule.args[0].value_two, 3);
    assert_eq!(rule.args[0].op, Operator::MaskedEqual);
    assert_eq!(rule.includes.caps, ["CAP_SYS_ADMIN"]);
    assert_eq!(rule.includes.arches, ["amd64"]);
    assert_eq!(rule.includes.min_kernel, Some(KernelVersion::new(4, 8)));
    assert_eq!(rule.excludes.caps, ["CAP_BPF"]);

    let arch_map = load(r#"{"defaultAction": "SCMP_ACT_ERRNO", "ARCHMAP": [{"Architecture": "SCMP_ARCH_X86_64", "SUBARCHITECTURES": ["SCMP_ARCH_X86"]}]}"#).profile;
    assert_eq!(arch_map.arch_map[0].architecture, Arch::X86_64);
    assert_eq!(arch_map.arch_map[0].sub_architectures, [Arch::X86]);
}

#[test]
fn unicode_folded_keys() {
    // Go's encoding/json matches keys as bytes.EqualFold does, with Unicode
    // case folding: U+017F (long s) folds to "s" and U+212A (Kelvin sign) to
    // "k", so moby reads these keys as `syscalls` and `minKernel`.
    let text = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"\u{17f}yscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"min\u{212a}ernel\": \"4.8\"}}]}";
    let loaded = load(text);
    assert_eq!(
        loaded.profile.syscalls.len(),
        1,
        "warnings: {:?}",
        loaded.warnings
    );
    assert_eq!(
        loaded.profile.syscalls[0].includes.min_kernel,
        Some(KernelVersion::new(4, 8)),
        "warnings: {:?}",
        loaded.warnings
    );
}

#[test]
fn duplicate_keys_last_wins() {
    let text = r#"{
        "defaultAction": "SCMP_ACT_ALLOW",
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{
            "names": ["read", "write", "close"],
            "action": "SCMP_ACT_LOG",
            "names": ["open"],
            "action": "SCMP_ACT_ALLOW",
            "errnoRet": 1,
            "errnoRet": 2
        }]
    }"#;
    let profile = load(text).profile;
    assert_eq!(profile.default_action, Some(Action::Errno));
    assert_eq!(profile.syscalls[0].names, ["open"]);
    assert_eq!(profile.syscalls[0].action, Action::Allow);
    assert_eq!(profile.syscalls[0].errno_ret, Some(2));

    // A case variant is the same key, so the later one wins as well.
    let folded =
        load(r#"{"DEFAULTACTION": "SCMP_ACT_LOG", "defaultAction": "SCMP_ACT_TRAP"}"#).profile;
    assert_eq!(folded.default_action, Some(Action::Trap));
    let reversed =
        load(r#"{"defaultAction": "SCMP_ACT_TRAP", "DEFAULTACTION": "SCMP_ACT_LOG"}"#).profile;
    assert_eq!(reversed.default_action, Some(Action::Log));
}

#[test]
fn duplicate_filter_merges() {
    // moby declares `includes` as a *Filter. Go decodes a repeated object
    // into the Filter the first one allocated, so keys absent from the
    // second object keep their values.
    let text = with_rule(
        r#"{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}, "includes": {"minKernel": "4.8"}}"#,
    );
    let rule = &load(&text).profile.syscalls[0];
    assert_eq!(rule.includes.min_kernel, Some(KernelVersion::new(4, 8)));
    assert_eq!(rule.includes.caps, ["CAP_SYS_ADMIN"]);
}

#[test]
fn unknown_keys_warn() {
    let text = r#"{
    "defaultAction": "SCMP_ACT_ERRNO",
    "description": "moby ignores this",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": [], "note": 1}],
    "syscalls": [
        {
            "names": ["personality"],
            "action": "SCMP_ACT_ALLOW",
            "priority": 3,
            "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ", "mask": 0}],
            "includes": {"minKernal": "4.8"}
        }
    ]
}"#;
    let loaded = load(text);
    let expected = [
        ("$.description", "\"moby ignores this\""),
        ("$.archMap[0].note", "1}"),
        ("$.syscalls[0].priority", "3,"),
        ("$.syscalls[0].args[0].mask", "0}"),
        ("$.syscalls[0].includes.minKernal", "\"4.8\""),
    ];
    let paths: Vec<&str> = loaded.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        expected.map(|(path, _)| path),
        "warnings: {:?}",
        loaded.warnings
    );
    for (warning, (_, at)) in loaded.warnings.iter().zip(expected) {
        assert_eq!(warning.location, location_of(text, at), "{warning}");
        assert!(warning.message.contains("unknown key"), "{warning}");
    }

    // Apart from the warnings the unknown keys change nothing.
    let rule = &loaded.profile.syscalls[0];
    assert_eq!(rule.names, ["personality"]);
    assert_eq!(rule.args.len(), 1);
    assert_eq!(rule.args[0].value, 8);
    assert!(rule.includes.is_empty());
    assert_eq!(loaded.profile.arch_map[0].architecture, Arch::X86_64);
}

#[test]
fn empty_forms_accepted() {
    let text = r#"{
        "defaultAction": "SCMP_ACT_ERRNO",
        "archMap": [{"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}],
        "flags": null,
        "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": null, "includes": {}, "excludes": {}},
            {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": null, "includes": null},
            {"names": null, "name": "close", "action": "SCMP_ACT_ALLOW", "errnoRet": null}
        ]
    }"#;
    let loaded = load(text);
    assert!(
        loaded.warnings.is_empty(),
        "warnings: {:?}",
        loaded.warnings
    );
    let profile = loaded.profile;
    assert!(profile.arch_map[0].sub_architectures.is_empty());
    assert_eq!(profile.flags, None);
    assert!(profile.syscalls[0].args.is_empty());
    assert!(profile.syscalls[0].includes.is_empty());
    assert!(profile.syscalls[0].excludes.is_empty());
    assert!(profile.syscalls[1].args.is_empty());
    assert!(profile.syscalls[1].includes.is_empty());
    assert_eq!(profile.syscalls[2].effective_names(), ["close"]);
    assert_eq!(profile.syscalls[2].errno_ret, None);

    let resolved = resolve_for(
        &profile,
        &target(
            Arch::Riscv64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        ),
    );
    assert_eq!(resolved.architectures, [Arch::Riscv64]);
    assert_eq!(resolved_names(&resolved), ["read", "write", "close"]);

    // runc adds SPEC_ALLOW only when the key is missing, so `flags: []` must
    // stay apart from a missing key.
    let no_flags = load(r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": []}"#).profile;
    assert_eq!(no_flags.flags, Some(vec![]));
}

#[test]
fn large_values_exact() {
    // 2^53 + 1 is the first integer an f64 cannot hold.
    let text = with_rule(
        r#"{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [
            {"index": 1, "value": 18446744073709551615, "valueTwo": 9007199254740993, "op": "SCMP_CMP_MASKED_EQ"},
            {"index": 2, "value": 9223372036854775808, "op": "SCMP_CMP_GT"}
        ]}"#,
    );
    let profile = load(&text).profile;
    let args = &profile.syscalls[0].args;
    assert_eq!(args[0].value, u64::MAX);
    assert_eq!(args[0].value_two, 9_007_199_254_740_993);
    assert_eq!(args[1].value, 1 << 63);

    let reread = load(&profile.to_json()).profile;
    assert_eq!(reread.syscalls[0].args, *args);
    let written = profile.to_json();
    assert!(written.contains("18446744073709551615"), "{written}");
    assert!(written.contains("9007199254740993"), "{written}");
}

// ---------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------

#[test]
fn round_trip_real_profiles() {
    let mut failures = Vec::new();
    for path in profile_paths() {
        let text = fs::read_to_string(&path).unwrap();
        let original = load(&text).profile;
        let written = original.to_json();
        let reread = match Profile::from_json(&written) {
            Ok(loaded) => loaded.profile,
            Err(err) => {
                failures.push(format!(
                    "{}: written profile rejected: {err}",
                    file_name(&path)
                ));
                continue;
            }
        };
        let original = without_locations(original);
        let reread = without_locations(reread);
        if original != reread {
            failures.push(format!(
                "{}: {}",
                file_name(&path),
                first_difference(&original, &reread)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} profiles change on a round trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
