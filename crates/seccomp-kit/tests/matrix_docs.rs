//! Tests of the capability matrix and the generated and checked
//! documentation, on moby's current default profile (read at test time),
//! on seccomp-kit's built-in default profile and on every JSON profile of
//! the shared test data.

use seccomp_kit::analysis::docs::{check, generate, parse_table, DisagreementKind};
use seccomp_kit::analysis::matrix::{Column, Matrix, MatrixOptions, Openness};
use seccomp_kit::arch::Arch;
use seccomp_kit::profile::{default_profile, KernelVersion, Profile};
use std::fs;
use std::path::{Path, PathBuf};

/// moby/profiles' current default profile.
const MOBY_DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles/moby-profiles-default.json"
);

/// moby v24.0.2, the last release that gates name_to_handle_at on
/// CAP_SYS_ADMIN.
const MOBY_24_0_2: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles/moby-versions/moby-v24.0.2.json"
);

const PROFILES_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles"
);

const KERNEL: KernelVersion = KernelVersion::new(6, 1);

fn load(path: &str) -> Profile {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    Profile::from_json(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .profile
}

/// Returns the two default profiles under test, by name.
fn defaults() -> Vec<(&'static str, Profile)> {
    vec![
        ("moby", load(MOBY_DEFAULT)),
        ("built-in", default_profile()),
    ]
}

fn build(profile: &Profile, host: Arch, kernel: KernelVersion) -> Matrix {
    Matrix::build(profile, &MatrixOptions::new(host, kernel)).unwrap()
}

fn add(cap: &str) -> Column {
    Column::Add(cap.to_string())
}

#[test]
fn sys_admin_unlocks_namespaces_mounts() {
    let names = [
        "mount",
        "umount2",
        "unshare",
        "setns",
        "sethostname",
        "clone3",
        "fsopen",
    ];
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        let unlocked = matrix.unlocked_by(&add("CAP_SYS_ADMIN"));
        for name in names {
            let row = matrix.row(name).unwrap();
            assert_eq!(
                row.default_cell().openness(),
                Openness::Denied,
                "{profile_name}: {name} with default caps"
            );
            let cell = matrix.cell(name, &add("CAP_SYS_ADMIN")).unwrap();
            assert_eq!(
                cell.label(),
                "allow",
                "{profile_name}: {name} with CAP_SYS_ADMIN"
            );
            assert!(
                unlocked.contains(&name),
                "{profile_name}: {name} not in {unlocked:?}"
            );
        }
    }
}

#[test]
fn sys_admin_widens_clone() {
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        let clone = matrix.row("clone").unwrap();
        assert_eq!(
            clone.default_cell().openness(),
            Openness::Partial,
            "{profile_name}"
        );
        let cell = matrix.cell("clone", &add("CAP_SYS_ADMIN")).unwrap();
        assert_eq!(cell.openness(), Openness::Allowed, "{profile_name}");
    }
}

#[test]
fn dac_read_search_unlocks_open_by_handle_at() {
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        let unlocked = matrix.unlocked_by(&add("CAP_DAC_READ_SEARCH"));
        assert_eq!(unlocked, ["open_by_handle_at"], "{profile_name}");
        let default = matrix.row("open_by_handle_at").unwrap().default_cell();
        assert_eq!(default.label(), "errno 1", "{profile_name}");
    }
}

#[test]
fn name_to_handle_at_allowed_by_default() {
    for (profile_name, profile) in defaults() {
        let mut matrix = build(&profile, Arch::X86_64, KERNEL);
        let row = matrix.row("name_to_handle_at").unwrap();
        assert_eq!(row.default_cell().label(), "allow", "{profile_name}");
        assert!(
            row.cells.iter().all(|c| c.same_outcome(row.default_cell())),
            "{profile_name}: a capability set changes name_to_handle_at"
        );
        assert!(!row.is_notable(), "{profile_name}");
        matrix.retain_notable();
        assert!(matrix.row("name_to_handle_at").is_none(), "{profile_name}");
        assert!(matrix.row("mount").is_some(), "{profile_name}");
    }
}

#[test]
fn name_to_handle_at_old_moby() {
    let matrix = build(&load(MOBY_24_0_2), Arch::X86_64, KERNEL);
    let row = matrix.row("name_to_handle_at").unwrap();
    assert_eq!(row.default_cell().label(), "errno 1");
    let labels: Vec<String> = matrix
        .unlocking_columns(row)
        .iter()
        .map(|c| c.label())
        .collect();
    assert_eq!(labels, ["+CAP_SYS_ADMIN", "all"]);
}

#[test]
fn ptrace_depends_on_kernel() {
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        assert_eq!(
            matrix.kernel_thresholds,
            [KernelVersion::new(4, 8)],
            "{profile_name}"
        );
        for name in ["ptrace", "process_vm_readv", "process_vm_writev"] {
            let row = matrix.row(name).unwrap();
            assert_eq!(
                row.default_cell().label(),
                "allow",
                "{profile_name}: {name}"
            );
            let default = row
                .kernel
                .iter()
                .find(|k| k.column == Column::Default)
                .unwrap_or_else(|| panic!("{profile_name}: {name} has no kernel dependence"));
            let starts: Vec<KernelVersion> = default.ranges.iter().map(|r| r.from).collect();
            assert_eq!(starts, [KernelVersion::new(0, 0), KernelVersion::new(4, 8)]);
            assert_eq!(default.ranges[0].cell.label(), "errno 1");
            assert_eq!(default.ranges[1].cell.label(), "allow");
            assert!(
                !row.kernel.iter().any(|k| k.column == add("CAP_SYS_PTRACE")),
                "{profile_name}: {name} with CAP_SYS_PTRACE depends on the kernel"
            );
        }

        let old = build(&profile, Arch::X86_64, KernelVersion::new(4, 4));
        let ptrace = old.row("ptrace").unwrap();
        assert_eq!(ptrace.default_cell().label(), "errno 1", "{profile_name}");
        assert_eq!(
            old.cell("ptrace", &add("CAP_SYS_PTRACE")).unwrap().label(),
            "allow",
            "{profile_name}"
        );
    }
}

#[test]
fn arm_syscalls_only_on_arm_hosts() {
    let arm_only = [
        "breakpoint",
        "cacheflush",
        "set_tls",
        "arm_fadvise64_64",
        "arm_sync_file_range",
    ];
    for (profile_name, profile) in defaults() {
        let x86_64 = build(&profile, Arch::X86_64, KERNEL);
        assert_eq!(
            x86_64.abis,
            [Arch::X86_64, Arch::X86, Arch::X32],
            "{profile_name}"
        );
        for name in arm_only {
            assert!(
                x86_64.row(name).is_none(),
                "{profile_name}: {name} on x86_64"
            );
        }

        let aarch64 = build(&profile, Arch::Aarch64, KERNEL);
        assert_eq!(aarch64.abis, [Arch::Aarch64, Arch::Arm], "{profile_name}");
        for name in arm_only {
            let row = aarch64
                .row(name)
                .unwrap_or_else(|| panic!("{profile_name}: no {name} row on aarch64"));
            assert_eq!(row.abis, [Arch::Arm], "{profile_name}: {name}");
            assert_eq!(
                row.default_cell().label(),
                "allow",
                "{profile_name}: {name}"
            );
            assert_eq!(row.arch_rules.len(), 1, "{profile_name}: {name}");
            assert!(row.arch_rules[0].applies, "{profile_name}: {name}");
            assert!(row.is_notable(), "{profile_name}: {name}");
        }
    }
}

#[test]
fn arch_prctl_gated_by_host() {
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        let row = matrix.row("arch_prctl").unwrap();
        assert_eq!(row.default_cell().label(), "allow", "{profile_name}");
        assert!(row.arch_rules.iter().all(|r| r.applies), "{profile_name}");

        let x86 = build(&profile, Arch::X86, KERNEL);
        let row = x86.row("modify_ldt").unwrap();
        assert_eq!(row.default_cell().label(), "allow", "{profile_name}");
    }
}

#[test]
fn chroot_needs_default_capability() {
    for (profile_name, profile) in defaults() {
        let matrix = build(&profile, Arch::X86_64, KERNEL);
        let drop = Column::Drop("CAP_SYS_CHROOT".to_string());
        assert_eq!(
            matrix.column_effect(&drop).restricts,
            ["chroot"],
            "{profile_name}"
        );
    }
}

#[test]
fn caps_together_column() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["acct"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_PACCT", "CAP_SYS_ADMIN"]}}]}"#;
    let profile = Profile::from_json(text).unwrap().profile;
    let matrix = build(&profile, Arch::X86_64, KERNEL);
    let together = Column::AddAll(vec!["CAP_SYS_ADMIN".into(), "CAP_SYS_PACCT".into()]);
    assert!(matrix.columns.contains(&together));
    assert_eq!(
        matrix.cell("acct", &add("CAP_SYS_PACCT")).unwrap().label(),
        "errno 1"
    );
    assert_eq!(
        matrix.cell("acct", &add("CAP_SYS_ADMIN")).unwrap().label(),
        "errno 1"
    );
    assert_eq!(matrix.cell("acct", &together).unwrap().label(), "allow");

    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    let markdown = generate(&profile, &options).unwrap().to_markdown();
    assert!(
        markdown.contains("| `acct` | Gated by `CAP_SYS_ADMIN` and `CAP_SYS_PACCT` together. |"),
        "{markdown}"
    );
    assert!(check(&profile, &markdown, &options).unwrap().is_empty());

    let single = "| Syscall | Description |\n|---|---|\n| `acct` | Gated by `CAP_SYS_PACCT`. |\n";
    let found = check(&profile, single, &options).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, DisagreementKind::WrongCapability);
    assert!(found[0]
        .profile
        .contains("CAP_SYS_ADMIN and CAP_SYS_PACCT together"));
}

#[test]
fn cap_without_prefix_noted() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["SYS_ADMIN"]}}]}"#;
    let profile = Profile::from_json(text).unwrap().profile;
    let matrix = build(&profile, Arch::X86_64, KERNEL);
    assert_eq!(matrix.columns, [Column::Default, Column::All]);
    assert_eq!(matrix.notes.len(), 1);
    assert!(
        matrix.notes[0].contains("\"CAP_SYS_ADMIN\""),
        "{}",
        matrix.notes[0]
    );
    assert_eq!(matrix.row("mount").unwrap().cells[1].label(), "errno 1");
}

#[test]
fn renderers_show_mount() {
    let mut matrix = build(&load(MOBY_DEFAULT), Arch::X86_64, KERNEL);
    matrix.retain_notable();

    let text = matrix.to_text();
    assert!(
        text.contains("+CAP_DAC_READ_SEARCH  unlocks open_by_handle_at\n"),
        "{text}"
    );
    assert!(
        text.contains("kernel: errno 1 before 4.8, allow from 4.8"),
        "{text}"
    );

    let markdown = matrix.to_markdown();
    assert!(
        markdown.contains("| `mount` | errno 1 | `+CAP_SYS_ADMIN`: allow, `all`: allow |"),
        "{markdown}"
    );

    let json = matrix.to_json();
    let mount = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["syscall"] == "mount")
        .unwrap();
    assert_eq!(mount["cells"]["default"]["class"], "errno");
    assert_eq!(mount["cells"]["+CAP_SYS_ADMIN"]["class"], "allow");
    assert_eq!(mount["unlocked_by"][0], "+CAP_SYS_ADMIN");
    assert_eq!(json["kernel_thresholds"][0], "4.8");

    let html = matrix.to_html();
    assert!(html.contains("<tr data-syscall=\"mount\""));
    assert!(html.contains("<td class=\"c-allow\" data-column=\"+CAP_SYS_ADMIN\""));
    for external in ["http://", "https://", "src=", "<link"] {
        assert!(!html.contains(external), "the page refers to {external}");
    }
}

/// A table with the documentation mistakes that the profile history
/// shows, plus correct rows. Line numbers count from 1.
const DOCS_TABLE: &str = "\
# Significant syscalls blocked by the default profile

| Syscall | Description |
|---------|-------------|
| `mount` | Deny mounting, already gated by `CAP_SYS_ADMIN`. |
| `name_to_handle_at` | Sister syscall to `open_by_handle_at`. Already gated by `CAP_DAC_READ_SEARCH`. |
| `open_by_handle_at` | Cause of an old container breakout. Also gated by `CAP_DAC_READ_SEARCH`. |
| `clock_adjtime` | Time/date is not namespaced, so it is blocked. |
| `process_vm_readv` | Restrict process inspection capabilities. |
| `kexec_load` | Deny loading a new kernel for later execution. Also gated by `CAP_SYS_BOOT`. |
| `keyctl` | Prevent containers from using the kernel keyring, which is not namespaced. |
";

#[test]
fn docs_check_known_mistakes() {
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    assert_eq!(parse_table(DOCS_TABLE).len(), 7);
    for (profile_name, profile) in defaults() {
        let found = check(&profile, DOCS_TABLE, &options).unwrap();
        let summary: Vec<(usize, &str, DisagreementKind)> = found
            .iter()
            .map(|d| (d.line, d.syscall.as_str(), d.kind))
            .collect();
        assert_eq!(
            summary,
            [
                (6, "name_to_handle_at", DisagreementKind::AllowedByDefault),
                (8, "clock_adjtime", DisagreementKind::AllowedByDefault),
                (9, "process_vm_readv", DisagreementKind::AllowedByDefault),
                (10, "kexec_load", DisagreementKind::NoCapabilityUnlocks),
            ],
            "{profile_name}: {found:#?}"
        );

        let name_to_handle_at = &found[0];
        assert_eq!(name_to_handle_at.document, "gated by CAP_DAC_READ_SEARCH");
        assert!(
            name_to_handle_at
                .profile
                .starts_with("allows it to everyone"),
            "{profile_name}: {}",
            name_to_handle_at.profile
        );
        let clock_adjtime = &found[1];
        assert_eq!(clock_adjtime.document, "blocked");
        let process_vm_readv = &found[2];
        assert!(
            process_vm_readv.profile.contains("allow from 4.8"),
            "{profile_name}: {}",
            process_vm_readv.profile
        );
        let kexec_load = &found[3];
        assert!(
            kexec_load
                .profile
                .contains("adding CAP_SYS_BOOT changes nothing"),
            "{profile_name}: {}",
            kexec_load.profile
        );
        assert!(
            kexec_load
                .to_string()
                .starts_with("line 10: kexec_load: the document says gated by CAP_SYS_BOOT"),
            "{profile_name}: {kexec_load}"
        );
    }
}

#[test]
fn docs_check_wrong_capability() {
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    let found = check(&load(MOBY_24_0_2), DOCS_TABLE, &options).unwrap();
    let row = found
        .iter()
        .find(|d| d.syscall == "name_to_handle_at")
        .unwrap();
    assert_eq!(row.kind, DisagreementKind::WrongCapability);
    assert!(
        row.profile.contains("gates it on CAP_SYS_ADMIN"),
        "{}",
        row.profile
    );
    assert!(row
        .profile
        .contains("adding CAP_DAC_READ_SEARCH changes nothing"));
}

#[test]
fn docs_check_kernel_qualified_claim() {
    let table = "\
| Syscall | Description |
|---|---|
| `ptrace` | Blocked in Linux kernel versions before 4.8. Already blocked by dropping `CAP_SYS_PTRACE`. |
| `process_vm_readv` | Restrict process inspection capabilities, already blocked by dropping `CAP_SYS_PTRACE`. |
";
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    for (profile_name, profile) in defaults() {
        let found = check(&profile, table, &options).unwrap();
        let lines: Vec<usize> = found.iter().map(|d| d.line).collect();
        assert_eq!(lines, [4], "{profile_name}: {found:#?}");
    }
}

#[test]
fn docs_check_unmentioned_and_unknown() {
    let table = "\
| Syscall | Description |
|---|---|
| `perf_event_open` | Tracing/profiling syscall. |
| `bpf` | Deny loading bpf programs, already gated by `CAP_SYS_ADMIN`. |
| `kcmp` | Already blocked by dropping `CAP_PTRACE`. |
| `no_such_call` | Blocked. |
";
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    let found = check(&load(MOBY_DEFAULT), table, &options).unwrap();
    let kinds: Vec<DisagreementKind> = found.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DisagreementKind::UnmentionedCapability,
            DisagreementKind::UnmentionedCapability,
            DisagreementKind::UnknownCapability,
            DisagreementKind::NotASyscall,
        ],
        "{found:#?}"
    );
    assert!(found[1].profile.contains("CAP_BPF"), "{}", found[1].profile);
    assert!(
        found[2].profile.contains("did you mean CAP_SYS_PTRACE"),
        "{}",
        found[2].profile
    );
}

#[test]
fn docs_generated_agree() {
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    for (profile_name, profile) in defaults() {
        let document = generate(&profile, &options).unwrap();
        let markdown = document.to_markdown();
        for expected in [
            "| `open_by_handle_at` | Gated by `CAP_DAC_READ_SEARCH`. |",
            "| `mount` | Gated by `CAP_SYS_ADMIN`. |",
            "| `bpf` | Gated by `CAP_BPF` or `CAP_SYS_ADMIN`. |",
            "| `clone3` | Gated by `CAP_SYS_ADMIN`; otherwise errno 38. |",
            "| `ptrace` | Allowed with the base capabilities. Before kernel 4.8: gated by `CAP_SYS_PTRACE`. |",
            "| `kexec_load` | Blocked (errno 1) whatever the capabilities. |",
        ] {
            assert!(markdown.contains(expected), "{profile_name}: no {expected:?} in\n{markdown}");
        }
        assert!(!markdown.contains("`name_to_handle_at`"), "{profile_name}");
        assert!(!markdown.contains("`clock_adjtime`"), "{profile_name}");

        let found = check(&profile, &markdown, &options).unwrap();
        assert!(found.is_empty(), "{profile_name}: {found:#?}");
    }
}

#[test]
fn docs_builtin_groups_and_reasons() {
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    let document = generate(&default_profile(), &options).unwrap();
    let namespaces = document
        .sections
        .iter()
        .find(|s| s.title == "Namespaces")
        .unwrap();
    let names: Vec<&str> = namespaces
        .entries
        .iter()
        .map(|e| e.syscall.as_str())
        .collect();
    assert_eq!(names, ["clone", "clone3", "setns", "unshare"]);
    assert!(namespaces
        .reason
        .as_deref()
        .unwrap()
        .contains("user namespaces"));
    let last = document.sections.last().unwrap();
    assert_eq!(last.title, "Not allowed by any rule");
    assert!(last.entries.iter().any(|e| e.syscall == "kexec_load"));
}

/// Returns every `.json` file under `dir`, recursively, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Builds and renders the matrix of one profile on three hosts, and checks
/// the profile's generated documentation against the profile.
fn exercise(path: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let profile = Profile::from_json(&text)
        .map_err(|e| e.to_string())?
        .profile;
    for host in [Arch::X86_64, Arch::Aarch64, Arch::S390x] {
        let options = MatrixOptions::new(host, KERNEL);
        let mut matrix = Matrix::build(&profile, &options).map_err(|e| format!("{host}: {e}"))?;
        if matrix.columns.first() != Some(&Column::Default)
            || matrix.columns.last() != Some(&Column::All)
        {
            return Err(format!("{host}: columns {:?}", matrix.columns));
        }
        if matrix.rows.len() != matrix.total_syscalls || matrix.rows.is_empty() {
            return Err(format!(
                "{host}: {} rows of {}",
                matrix.rows.len(),
                matrix.total_syscalls
            ));
        }
        matrix.retain_notable();
        let _ = (
            matrix.to_text(),
            matrix.to_markdown(),
            matrix.to_json(),
            matrix.to_html(),
        );
    }
    let options = MatrixOptions::new(Arch::X86_64, KERNEL);
    let markdown = generate(&profile, &options)
        .map_err(|e| e.to_string())?
        .to_markdown();
    let found = check(&profile, &markdown, &options).map_err(|e| e.to_string())?;
    if !found.is_empty() {
        return Err(format!("generated docs disagree: {found:#?}"));
    }
    Ok(())
}

#[test]
fn every_profile_builds() {
    let files = json_files(Path::new(PROFILES_DIR));
    assert!(
        files.len() > 20,
        "only {} profiles under {PROFILES_DIR}",
        files.len()
    );
    // Two halves in parallel keep the debug build's run time down.
    let (first, second) = files.split_at(files.len() / 2);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles = [first, second].map(|part| {
            scope.spawn(move || {
                part.iter()
                    .filter_map(|path| {
                        exercise(path)
                            .err()
                            .map(|e| format!("{}: {e}", path.display()))
                    })
                    .collect::<Vec<_>>()
            })
        });
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    // Profiles runc cannot load either (a filter mixing byte orders, errno
    // 4095 and up) must be refused with that reason, not fail otherwise.
    let (refused, failures): (Vec<String>, Vec<String>) = failures
        .into_iter()
        .partition(|f| f.contains("runc fails to start the container"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        refused
            .iter()
            .any(|f| f.contains("moby-fixture-example.json") && f.contains("errnoRet 12345")),
        "moby-fixture-example.json's errnoRet 12345 was not refused: {refused:#?}"
    );
}
