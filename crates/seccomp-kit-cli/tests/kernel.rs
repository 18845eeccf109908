//! Real-kernel tests of `seccomp-kit run`.
//!
//! Every check starts the real CLI binary as a child process, which sets the
//! capabilities, no_new_privs and the filter on itself and then executes a
//! command. The test process itself stays unfiltered. Most checks run the
//! `syscall_probe` example, which prints one result line per raw syscall
//! (see `examples/syscall_probe.rs`).
//!
//! The tests need root (to set Docker's capability sets and to have
//! CAP_DAC_READ_SEARCH and CAP_SYS_ADMIN available) and a kernel with seccomp
//! filters. Without them each test fails when `CI=true` and otherwise prints
//! a "skipped" line and returns.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const SECCOMP_KIT: &str = env!("CARGO_BIN_EXE_seccomp-kit");

/// Lists the filter actions of a kernel with seccomp filter support.
const ACTIONS_AVAIL: &str = "/proc/sys/kernel/seccomp/actions_avail";

/// CapEff, CapPrm and CapBnd for Docker's 14 default capabilities.
const DOCKER_DEFAULT_CAPS: &str = "00000000a80425fb";

/// Docker's default capabilities plus CAP_DAC_READ_SEARCH (bit 2).
const DOCKER_DEFAULT_CAPS_WITH_DAC_READ_SEARCH: &str = "00000000a80425ff";

/// The errno of the test profile's default action, chosen because no
/// syscall in the probe returns it on its own (EADDRNOTAVAIL).
const DISTINCT_ERRNO: i32 = 99;

/// Capability names by number (include/uapi/linux/capability.h, Linux 6.x).
const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Reports that `test` cannot run: fails under `CI=true`, otherwise prints a
/// "skipped" line.
fn skip(test: &str, reason: &str) {
    if ci() {
        panic!("{test}: {reason}; CI=true requires this test to run");
    }
    // Writing to the stderr handle bypasses the test harness's output
    // capture (which only catches `print!` and `eprint!`), so the skip shows
    // in a plain `cargo test` run.
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {reason}");
}

/// Returns whether the process is root on a kernel with seccomp filters;
/// otherwise reports the skip.
fn kernel_ready(test: &str) -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let seccomp = Path::new(ACTIONS_AVAIL).exists();
    if root && seccomp {
        return true;
    }
    let mut missing = Vec::new();
    if !root {
        missing.push("the effective user is not root");
    }
    if !seccomp {
        missing.push(
            "the kernel has no seccomp filter support (no /proc/sys/kernel/seccomp/actions_avail)",
        );
    }
    skip(
        test,
        &format!("needs root and seccomp, but {}", missing.join(" and ")),
    );
    false
}

/// A temporary directory that is unmounted if a probe mounted it and then
/// removed.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(label: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "seccomp-kit-kernel-{label}-{}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Scratch { path }
    }

    /// Creates, if needed, and returns the file whose handle the probe
    /// encodes and opens.
    fn handle_file(&self) -> PathBuf {
        let file = self.path.join("handle-target");
        if !file.exists() {
            std::fs::write(&file, "probe\n")
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        }
        file
    }

    /// Creates, if needed, and returns the directory the probe tries to
    /// mount a tmpfs on.
    fn mount_dir(&self) -> PathBuf {
        let dir = self.path.join("mnt");
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // The probe unmounts a mount that succeeded, but a probe killed in
        // between would leave the mount behind. It would also make
        // remove_dir_all fail.
        let mount_dir = self.path.join("mnt");
        if is_mount_point(&mount_dir) {
            if let Ok(dir) = std::ffi::CString::new(mount_dir.as_os_str().as_encoded_bytes()) {
                // SAFETY: `dir` is NUL-terminated.
                unsafe { libc::umount2(dir.as_ptr(), libc::MNT_DETACH) };
            }
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn is_mount_point(dir: &Path) -> bool {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    // Field 5 of each line is the mount point (proc(5)). The scratch paths
    // contain no spaces, which mountinfo would escape.
    let wanted = dir.to_string_lossy();
    mountinfo
        .lines()
        .any(|line| line.split(' ').nth(4) == Some(wanted.as_ref()))
}

/// Returns the path of the `syscall_probe` example, built if needed.
///
/// `cargo test` builds the package's examples into `examples/` beside the
/// `deps/` directory that contains this test executable, for the same profile
/// and target. That copy is used when it is newer than the probe's source.
/// `cargo test --test kernel` builds no examples and may find a stale copy;
/// then the probe is built with cargo into its own target directory, because
/// the outer cargo keeps the lock on the main target directory while the
/// tests run.
fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| match built_probe() {
        Some(path) => path,
        None => build_probe(),
    })
}

fn probe_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/syscall_probe.rs")
}

/// Returns the probe that cargo built beside this test, if it is up to date.
fn built_probe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir.join("examples/syscall_probe");
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    let source = std::fs::metadata(probe_source())
        .and_then(|m| m.modified())
        .ok()?;
    (built >= source).then_some(path)
}

fn build_probe() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("syscall-probe");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "--example",
            "syscall_probe",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        // A configured cross target would put the probe under a triple
        // directory; the probe must run on this machine anyway.
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", Path::new(&cargo).display()));
    assert!(
        output.status.success(),
        "cargo build --example syscall_probe failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir.join("debug/examples/syscall_probe")
}

/// The output of one probe run, parsed.
struct Probe {
    command: String,
    stdout: String,
    stderr: String,
    /// Syscall name → (return value, errno); errno is 0 on success.
    results: BTreeMap<String, (i64, i32)>,
    /// `/proc/self/status` field → value.
    status: BTreeMap<String, String>,
}

impl Probe {
    fn parse(command: String, output: Output) -> Probe {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let mut results = BTreeMap::new();
        let mut status = BTreeMap::new();
        for line in stdout.lines() {
            let mut words = line.split_whitespace();
            let (Some(first), Some(second)) = (words.next(), words.next()) else {
                continue;
            };
            if first == "status" {
                if let Some(value) = words.next() {
                    status.insert(second.to_string(), value.to_string());
                }
                continue;
            }
            let ret = second
                .strip_prefix("ret=")
                .and_then(|v| v.parse::<i64>().ok());
            let errno = words
                .next()
                .and_then(|w| w.strip_prefix("errno="))
                .and_then(|v| v.parse::<i32>().ok());
            if let (Some(ret), Some(errno)) = (ret, errno) {
                results.insert(first.to_string(), (ret, errno));
            }
        }
        let probe = Probe {
            command,
            stdout,
            stderr,
            results,
            status,
        };
        assert!(
            output.status.success(),
            "the probe run failed ({}):\n{probe}",
            output.status
        );
        probe
    }

    /// Returns the syscall's errno, 0 if it succeeded, or `None` if the
    /// probe printed no result for it.
    fn errno(&self, syscall: &str) -> Option<i32> {
        self.results.get(syscall).map(|&(_, errno)| errno)
    }

    fn ret(&self, syscall: &str) -> Option<i64> {
        self.results.get(syscall).map(|&(ret, _)| ret)
    }

    fn status(&self, field: &str) -> Option<&str> {
        self.status.get(field).map(String::as_str)
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// Runs the probe under `seccomp-kit run KIT_ARGS`; `mount` false skips the
/// probe's mount call.
fn run_probe(kit_args: &[&str], scratch: &Scratch, mount: bool) -> Probe {
    let mount_dir = if mount {
        scratch.mount_dir()
    } else {
        PathBuf::from("-")
    };
    let mut command = Command::new(SECCOMP_KIT);
    command
        .arg("run")
        .args(kit_args)
        .arg("--")
        .arg(probe())
        .arg(scratch.handle_file())
        .arg(&mount_dir);
    let text = format!("{command:?}");
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SECCOMP_KIT}: {e}"));
    Probe::parse(text, output)
}

/// Runs `seccomp-kit run ARGS` and returns its output.
fn run_kit(args: &[&str]) -> Output {
    Command::new(SECCOMP_KIT)
        .arg("run")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SECCOMP_KIT}: {e}"))
}

fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim_end(),
        String::from_utf8_lossy(&output.stderr).trim_end()
    )
}

/// Returns the names of the capabilities in this process's permitted set,
/// read from `/proc/self/status`.
fn held_capabilities() -> Vec<&'static str> {
    let status =
        std::fs::read_to_string("/proc/self/status").expect("/proc/self/status is readable");
    let hex = status
        .lines()
        .find_map(|line| line.strip_prefix("CapPrm:"))
        .expect("/proc/self/status has a CapPrm line")
        .trim();
    let mask = u64::from_str_radix(hex, 16).expect("CapPrm is hexadecimal");
    CAP_NAMES
        .iter()
        .enumerate()
        .filter(|&(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, &name)| name)
        .collect()
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[test]
fn run_sh_echo() {
    if !kernel_ready("run_sh_echo") {
        return;
    }
    let output = run_kit(&["--", "sh", "-c", "echo ok"]);
    assert!(
        output.status.success(),
        "sh -c 'echo ok' failed under the default profile:\n{}",
        describe(&output)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "ok\n",
        "unexpected output:\n{}",
        describe(&output)
    );
}

#[test]
fn run_ls_root() {
    if !kernel_ready("run_ls_root") {
        return;
    }
    let unfiltered = Command::new("ls")
        .arg("/")
        .output()
        .expect("ls runs without seccomp-kit");
    let output = run_kit(&["--", "ls", "/"]);
    assert!(
        output.status.success(),
        "ls / failed under the default profile:\n{}",
        describe(&output)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&unfiltered.stdout),
        "ls / lists other entries under the filter than without it:\n{}",
        describe(&output)
    );
}

#[test]
fn run_python3_print() {
    if !kernel_ready("run_python3_print") {
        return;
    }
    if find_in_path("python3").is_none() {
        skip(
            "run_python3_print",
            "python3 is not on PATH; install python3 to run this check",
        );
        return;
    }
    let output = run_kit(&["--", "python3", "-c", "print(1)"]);
    assert!(
        output.status.success(),
        "python3 failed under the default profile:\n{}",
        describe(&output)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1\n",
        "unexpected output:\n{}",
        describe(&output)
    );
}

/// Checks the probe without seccomp-kit: the kernel allows each call the
/// filtered runs expect to fail, so those failures come from `run`.
#[test]
fn probe_unfiltered_baseline() {
    if !kernel_ready("probe_unfiltered_baseline") {
        return;
    }
    let scratch = Scratch::new("baseline");
    let mut command = Command::new(probe());
    // The mount is skipped: root may mount, and the distinct-errno test
    // shows that the filter, not the kernel, rejects it under `run`.
    command.arg(scratch.handle_file()).arg("-");
    let probe = Probe::parse(
        format!("{command:?}"),
        command.output().expect("the probe runs"),
    );

    assert_eq!(
        probe.status("Seccomp"),
        Some("0"),
        "the test process must be unfiltered:\n{probe}"
    );
    assert_eq!(
        probe.errno("name_to_handle_at"),
        Some(0),
        "name_to_handle_at fails without a filter; the temp directory's filesystem may not support file handles:\n{probe}"
    );
    assert!(
        probe.ret("open_by_handle_at").is_some_and(|fd| fd >= 0),
        "open_by_handle_at fails for root without a filter:\n{probe}"
    );
    assert_eq!(
        probe.errno("clone3"),
        Some(libc::EINVAL),
        "clone3 with a NULL struct of size 0 must fail with EINVAL from the kernel:\n{probe}"
    );
    assert_eq!(
        probe.errno("unshare"),
        Some(0),
        "unshare(CLONE_NEWUSER) fails without a filter; user namespaces may be disabled:\n{probe}"
    );
}

#[test]
fn default_status_fields() {
    if !kernel_ready("default_status_fields") {
        return;
    }
    let scratch = Scratch::new("status");
    let probe = run_probe(&[], &scratch, false);

    assert_eq!(
        probe.status("NoNewPrivs"),
        Some("1"),
        "no_new_privs is not set:\n{probe}"
    );
    assert_eq!(
        probe.status("Seccomp"),
        Some("2"),
        "the process is not in seccomp filter mode:\n{probe}"
    );
    assert_eq!(
        probe.status("Seccomp_filters"),
        Some("1"),
        "expected exactly one filter:\n{probe}"
    );
    assert_eq!(
        probe.status("CapEff"),
        Some(DOCKER_DEFAULT_CAPS),
        "CapEff is not Docker's default set:\n{probe}"
    );
    assert_eq!(
        probe.status("CapPrm"),
        Some(DOCKER_DEFAULT_CAPS),
        "CapPrm is not Docker's default set:\n{probe}"
    );
    assert_eq!(
        probe.status("CapBnd"),
        Some(DOCKER_DEFAULT_CAPS),
        "CapBnd is not Docker's default set:\n{probe}"
    );
}

#[test]
fn default_syscall_results() {
    if !kernel_ready("default_syscall_results") {
        return;
    }
    let scratch = Scratch::new("default");
    let probe = run_probe(&[], &scratch, true);

    assert!(
        probe.ret("getpid").is_some_and(|pid| pid > 0),
        "getpid failed:\n{probe}"
    );
    assert_eq!(
        probe.errno("name_to_handle_at"),
        Some(0),
        "name_to_handle_at must be allowed:\n{probe}"
    );
    assert_eq!(
        probe.errno("open_by_handle_at"),
        Some(libc::EPERM),
        "open_by_handle_at must fail with EPERM:\n{probe}"
    );
    assert_eq!(
        probe.errno("mount"),
        Some(libc::EPERM),
        "mount must fail with EPERM:\n{probe}"
    );
    assert_eq!(
        probe.errno("unshare"),
        Some(libc::EPERM),
        "unshare(CLONE_NEWUSER) must fail with EPERM:\n{probe}"
    );
    assert_eq!(
        probe.errno("clone3"),
        Some(libc::ENOSYS),
        "clone3 must fail with ENOSYS so that glibc falls back to clone:\n{probe}"
    );
}

/// Uses the built-in profile with only `defaultErrnoRet` changed. Calls that
/// fall to the default action then fail with an errno the kernel would not
/// return, so those failures are the filter's.
#[test]
fn distinct_errno_marks_filter() {
    if !kernel_ready("distinct_errno_marks_filter") {
        return;
    }
    let scratch = Scratch::new("errno");
    let printed = Command::new(SECCOMP_KIT)
        .args(["profile", "default"])
        .output()
        .expect("seccomp-kit profile default runs");
    assert!(
        printed.status.success(),
        "seccomp-kit profile default failed:\n{}",
        describe(&printed)
    );
    let mut profile: serde_json::Value =
        serde_json::from_slice(&printed.stdout).expect("the default profile is JSON");
    assert_eq!(
        profile["defaultErrnoRet"], 1,
        "the built-in profile's defaultErrnoRet changed"
    );
    profile["defaultErrnoRet"] = DISTINCT_ERRNO.into();
    let profile_path = scratch.path.join("distinct-errno.json");
    std::fs::write(&profile_path, profile.to_string()).expect("the profile can be written");

    let probe = run_probe(
        &["--profile", profile_path.to_str().expect("UTF-8 temp path")],
        &scratch,
        true,
    );

    assert!(
        probe.ret("getpid").is_some_and(|pid| pid > 0),
        "getpid failed:\n{probe}"
    );
    assert_eq!(
        probe.errno("name_to_handle_at"),
        Some(0),
        "name_to_handle_at must be allowed:\n{probe}"
    );
    assert_eq!(
        probe.errno("open_by_handle_at"),
        Some(DISTINCT_ERRNO),
        "open_by_handle_at must be denied by the default action:\n{probe}"
    );
    assert_eq!(
        probe.errno("mount"),
        Some(DISTINCT_ERRNO),
        "mount must be denied by the default action:\n{probe}"
    );
    assert_eq!(
        probe.errno("unshare"),
        Some(DISTINCT_ERRNO),
        "unshare must be denied by the default action:\n{probe}"
    );
    // clone3 has its own rule with errnoRet 38, which the change must not touch.
    assert_eq!(
        probe.errno("clone3"),
        Some(libc::ENOSYS),
        "clone3 must keep its ENOSYS rule:\n{probe}"
    );
}

#[test]
fn cap_add_dac_read_search() {
    if !kernel_ready("cap_add_dac_read_search") {
        return;
    }
    let scratch = Scratch::new("dac");
    let probe = run_probe(&["--cap-add", "DAC_READ_SEARCH"], &scratch, true);

    assert_eq!(
        probe.status("CapEff"),
        Some(DOCKER_DEFAULT_CAPS_WITH_DAC_READ_SEARCH),
        "CapEff must be Docker's default set plus bit 2:\n{probe}"
    );
    assert_eq!(
        probe.status("CapBnd"),
        Some(DOCKER_DEFAULT_CAPS_WITH_DAC_READ_SEARCH),
        "CapBnd must be Docker's default set plus bit 2:\n{probe}"
    );
    // The profile allows open_by_handle_at only for CAP_DAC_READ_SEARCH,
    // which the kernel also requires, so only both together let it succeed.
    assert!(
        probe.ret("open_by_handle_at").is_some_and(|fd| fd >= 0),
        "open_by_handle_at must return an fd with CAP_DAC_READ_SEARCH:\n{probe}"
    );
    assert_eq!(
        probe.errno("mount"),
        Some(libc::EPERM),
        "mount must still fail with EPERM:\n{probe}"
    );
}

/// With `--keep-caps` the probe keeps all of root's capabilities while the
/// filter is still resolved for Docker's defaults. The kernel would then
/// allow every call below, so each EPERM comes from the filter.
#[test]
fn keep_caps_filter_denies() {
    if !kernel_ready("keep_caps_filter_denies") {
        return;
    }
    let scratch = Scratch::new("keep");
    let probe = run_probe(&["--keep-caps"], &scratch, true);

    assert!(
        probe
            .status("CapEff")
            .is_some_and(|caps| caps != DOCKER_DEFAULT_CAPS),
        "--keep-caps must keep the caller's capabilities:\n{probe}"
    );
    assert_eq!(
        probe.status("Seccomp"),
        Some("2"),
        "the process is not in seccomp filter mode:\n{probe}"
    );
    assert_eq!(
        probe.errno("open_by_handle_at"),
        Some(libc::EPERM),
        "the filter must deny open_by_handle_at:\n{probe}"
    );
    assert_eq!(
        probe.errno("mount"),
        Some(libc::EPERM),
        "the filter must deny mount:\n{probe}"
    );
    assert_eq!(
        probe.errno("unshare"),
        Some(libc::EPERM),
        "the filter must deny unshare:\n{probe}"
    );
}

/// Runs with every capability this process holds, which is `--caps ALL` on a
/// host whose root has all of them. `--caps ALL` itself fails where root
/// lacks one (for example CAP_SYS_RESOURCE in some VMs), because a process
/// cannot gain a capability outside its bounding set.
#[test]
fn all_caps_allow_open_by_handle() {
    if !kernel_ready("all_caps_allow_open_by_handle") {
        return;
    }
    let scratch = Scratch::new("all");
    let caps = held_capabilities().join(",");
    // The mount is skipped: with CAP_SYS_ADMIN the filter and the kernel
    // both allow it, so it would change the mount table.
    let probe = run_probe(&["--caps", &caps], &scratch, false);

    assert!(
        probe.ret("open_by_handle_at").is_some_and(|fd| fd >= 0),
        "open_by_handle_at must return an fd with all capabilities:\n{probe}"
    );
    assert_eq!(
        probe.errno("clone3"),
        Some(libc::EINVAL),
        "with CAP_SYS_ADMIN the filter allows clone3, so the kernel's EINVAL must show:\n{probe}"
    );
    assert_eq!(
        probe.errno("unshare"),
        Some(0),
        "with CAP_SYS_ADMIN unshare(CLONE_NEWUSER) must succeed:\n{probe}"
    );
}

#[test]
fn broken_profile_runs_nothing() {
    if !kernel_ready("broken_profile_runs_nothing") {
        return;
    }
    let scratch = Scratch::new("broken");
    let profile = scratch.path.join("broken.json");
    std::fs::write(&profile, "{\"defaultAction\": ").expect("the profile can be written");
    let marker = scratch.path.join("marker");

    let output = run_kit(&[
        "--profile",
        profile.to_str().expect("UTF-8 temp path"),
        "--",
        "touch",
        marker.to_str().expect("UTF-8 temp path"),
    ]);

    assert_eq!(
        output.status.code(),
        Some(2),
        "a broken profile must exit with 2:\n{}",
        describe(&output)
    );
    assert!(
        !marker.exists(),
        "the command ran although the profile is broken:\n{}",
        describe(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(profile.to_str().unwrap_or_default()),
        "the error must name the profile:\n{}",
        describe(&output)
    );
}

#[test]
fn missing_command_named() {
    if !kernel_ready("missing_command_named") {
        return;
    }
    let cases = [
        // Has a slash, so it is executed as given and execve fails.
        "/nonexistent/cmd",
        // Has no slash, so it is searched in PATH before the filter goes on.
        "seccomp-kit-test-no-such-command",
    ];
    for command in cases {
        let output = run_kit(&["--", command]);
        assert!(
            !output.status.success(),
            "{command} must make run fail:\n{}",
            describe(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(command),
            "the error must name {command}:\n{}",
            describe(&output)
        );
    }
}

/// libseccomp and runc always add the native ABI to a filter, so a profile
/// that lists only SCMP_ARCH_X86 still filters x86_64 calls.
#[cfg(target_arch = "x86_64")]
#[test]
fn x86_only_profile_filters_native() {
    if !kernel_ready("x86_only_profile_filters_native") {
        return;
    }
    let scratch = Scratch::new("x86");
    let profile = scratch.path.join("x86-only.json");
    let text = serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": DISTINCT_ERRNO}],
    });
    std::fs::write(&profile, text.to_string()).expect("the profile can be written");
    let profile = profile.to_str().expect("UTF-8 temp path");
    let new_dir = scratch.path.join("new-dir");

    let output = run_kit(&["--profile", profile, "--", "true"]);
    assert!(
        output.status.success(),
        "true must run under an allow-by-default profile:\n{}",
        describe(&output)
    );

    let output = run_kit(&[
        "--profile",
        profile,
        "--",
        "mkdir",
        new_dir.to_str().expect("UTF-8 temp path"),
    ]);
    assert!(
        !output.status.success(),
        "mkdir must fail under the filter:\n{}",
        describe(&output)
    );
    assert!(
        !new_dir.exists(),
        "mkdir created the directory, so the native ABI is not filtered:\n{}",
        describe(&output)
    );
}

#[test]
fn missing_capability_named() {
    if !kernel_ready("missing_capability_named") {
        return;
    }
    let held = held_capabilities();
    // Capabilities newer than the kernel are skipped by run, not missing.
    let last: usize = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(CAP_NAMES.len() - 1);
    let missing: Vec<&str> = CAP_NAMES[..=last.min(CAP_NAMES.len() - 1)]
        .iter()
        .copied()
        .filter(|c| !held.contains(c))
        .collect();
    let scratch = Scratch::new("missing-cap");
    let marker = scratch.path.join("marker");

    let output = run_kit(&[
        "--caps",
        "ALL",
        "--",
        "touch",
        marker.to_str().expect("UTF-8 temp path"),
    ]);

    if missing.is_empty() {
        // A process holding every capability can pass them all on.
        assert!(
            output.status.success(),
            "--caps ALL failed:\n{}",
            describe(&output)
        );
        assert!(
            marker.exists(),
            "the command did not run:\n{}",
            describe(&output)
        );
        return;
    }
    assert_eq!(
        output.status.code(),
        Some(2),
        "asking for {missing:?}, which this process lacks, must exit with 2:\n{}",
        describe(&output)
    );
    assert!(
        !marker.exists(),
        "the command ran without the requested capabilities:\n{}",
        describe(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for cap in &missing {
        assert!(
            stderr.contains(cap),
            "the error must name {cap}:\n{}",
            describe(&output)
        );
    }
}
