//! Every case from public bug reports, run through the code path of
//! `seccomp-kit explain`. Each case names a profile, the calling ABI, the
//! host, the capabilities, the kernel and the syscall with its arguments,
//! and the answer the maintainers agreed on.

use seccomp_kit::analysis::explain::{explain, Query, SyscallRef};
use seccomp_kit::arch::Arch;
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::PolicyOptions;
use seccomp_kit::profile::{KernelVersion, Profile};
use seccomp_kit::resolve::Target;
use serde_json::Value;
use std::path::PathBuf;

fn shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

fn load_cases() -> Vec<Value> {
    let path = shared().join("cases/bug-reports.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases: Value = serde_json::from_str(&text).expect("bug-reports.json is valid JSON");
    cases
        .as_array()
        .expect("bug-reports.json is a list")
        .clone()
}

fn profile_of(case: &Value) -> Profile {
    let text = match &case["profile"] {
        Value::String(relative) => {
            let path = shared().join(relative);
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        }
        inline => inline.to_string(),
    };
    Profile::from_json(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", case["id"]))
        .profile
}

/// Builds the query exactly as the CLI does for
/// `explain --arch A --host-arch H --caps C --kernel K -- SYSCALL ARGS`.
fn query_of(case: &Value) -> Query {
    let arch: Arch = case["arch"].as_str().unwrap().parse().unwrap();
    let host: Arch = match case["host_arch"].as_str() {
        Some(name) => name.parse().unwrap(),
        None => seccomp_kit::analysis::explain::host_for(arch),
    };
    let caps: Vec<&str> = case["caps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let caps = CapSet::from_names(&caps).unwrap();
    let kernel = case["kernel"]
        .as_str()
        .map(|k| KernelVersion::parse_release(k).unwrap())
        .unwrap_or(KernelVersion::new(6, 18));
    let mut args = [0u64; 6];
    if let Some(values) = case["args"].as_array() {
        for (slot, value) in args.iter_mut().zip(values) {
            // serde_json keeps integers above 2^53 exactly as u64.
            *slot = value.as_u64().expect("arguments are unsigned integers");
        }
    }
    Query {
        target: Target::new(host, caps, kernel),
        arch,
        options: PolicyOptions::new(host),
        syscall: SyscallRef::Name(case["syscall"].as_str().unwrap().to_string()),
        args,
    }
}

#[test]
fn bug_report_cases() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in load_cases() {
        let query = query_of(&case);
        checked += 1;
        let id = case["id"].as_str().unwrap();
        let explanation = match explain(&profile_of(&case), &query) {
            Ok(explanation) => explanation,
            Err(err) => {
                failures.push(format!("{id}: explain failed: {err}"));
                continue;
            }
        };
        let expected_action = case["expect"]["action"].as_str().unwrap();
        let expected_errno = case["expect"]["errno"].as_u64();
        let got_errno = (explanation.decision.action.name() == "SCMP_ACT_ERRNO")
            .then_some(u64::from(explanation.decision.data));
        if explanation.decision.action.name() != expected_action || got_errno != expected_errno {
            failures.push(format!(
                "{id}: expected {expected_action} errno {expected_errno:?}, got {}\n{explanation}",
                explanation.decision
            ));
        }
        if !explanation.agrees() {
            failures.push(format!(
                "{id}: the compiled filter disagrees with the model\n{explanation}"
            ));
        }
    }
    assert!(checked >= 25, "only {checked} cases found");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
