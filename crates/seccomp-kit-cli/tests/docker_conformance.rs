//! Docker as the oracle for `seccomp-kit explain` on x86_64.
//!
//! For every moby default profile under
//! `testdata/profiles/moby-versions/` and Podman's profile, and for several
//! `--cap-add`/`--cap-drop` sets, the test
//! 1. rewrites the profile so that every ALLOW (and LOG) rule returns the
//!    errno [`REWRITE_ERRNO`], except for [`KEPT_ALLOWED`], the few syscalls
//!    that runc and the probe make after runc installs the filter;
//! 2. runs the static probe (`docker_probe.c`) with
//!    `--security-opt seccomp=REWRITTEN` in one container, plus one more
//!    after each call that kills the probe, issuing every syscall number of
//!    x86_64, i386 (through `int $0x80`) and x32, plus boundary values of
//!    every argument condition in the profile and the `socketcall`/`ipc`
//!    calls;
//! 3. compares each result with the decision [`explain`] gives for the
//!    rewritten profile, the container's capability bounding set (read from
//!    `/proc/self/status` inside a container with the same flags) and the
//!    running kernel;
//! 4. sorts every difference into a [`Reason`], each checked against the
//!    observation, and fails on any difference without one.
//!
//! The daemon is Debian 12's `docker.io` (dockerd 20.10.24, runc 1.1.5,
//! libseccomp 2.5.4). The test starts `scripts/docker-oracle serve`, which
//! installs it when missing and runs a private dockerd on its own unix socket
//! and data root. The script stops dockerd when the test closes its stdin or
//! exits. Containers run with `--network none`, and the image comes from
//! `docker import`, so nothing leaves the machine.
//!
//! Containers run with `--security-opt no-new-privileges`. runc installs
//! the same filter either way (`seccomp.InitSeccomp` in
//! `libcontainer/standard_init_linux.go`), but with no_new_privs it does so
//! just before execve, which keeps [`KEPT_ALLOWED`] short.
//!
//! The test needs root, x86_64, gcc and a dockerd that starts. Without them
//! it fails when `CI=true` and otherwise prints a "skipped" line and returns.
//! It writes every difference with its explanation to
//! `differences.txt` under `CARGO_TARGET_TMPDIR/docker-conformance`, and
//! `DOCKER_CONFORMANCE_PROFILES=v20.10,podman` (substrings of file names)
//! limits the run to some profiles.
//!
//! NOTE: what the oracle cannot see. Rewriting ALLOW into ERRNO also turns
//! a conditional ALLOW on `socket` into a conditional ERRNO, which
//! libseccomp and seccomp-kit both put on i386 `socketcall`, so seccomp-kit's
//! deliberate refusal to widen a conditional ALLOW there is not compared.
//! dockerd 20.10.24 cannot grant CAP_BPF or CAP_PERFMON, and on a current
//! kernel every `minKernel` holds, so the rules that depend on them are
//! compared in one state only.

use seccomp_kit::analysis::explain::{explain, Explanation, Query, SyscallRef};
use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{kernel_exemption, Decision, PolicyOptions};
use seccomp_kit::profile::{Action, KernelVersion, Operator, Profile};
use seccomp_kit::resolve::Target;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const SECCOMP_KIT: &str = env!("CARGO_BIN_EXE_seccomp-kit");

const PROFILES_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles"
);

/// The errno that rewritten ALLOW rules return. No syscall returns it by
/// itself (Linux errno values end below 140), and it is below MAX_ERRNO
/// (4095), where the kernel caps a filter's errno.
const REWRITE_ERRNO: u16 = 1234;

/// Syscalls that stay allowed in the rewritten profile.
///
/// The first group is what runc 1.1.5 (Debian 1.1.5+ds1-1+deb12u1) calls
/// between installing the filter and executing the probe when
/// no_new_privs is set. The kernel logged these calls for a profile whose
/// ALLOW rules were SCMP_ACT_LOG. runc closes its file descriptors (openat,
/// fstatfs, getdents64, close, epoll_ctl), opens and writes the exec FIFO,
/// and calls getpid, futex and execve. The second group is what the Go runtime may call
/// on that thread at any time (signal delivery, memory, scheduling), so that
/// a rare call cannot fail the container's start. The probe itself needs
/// write and exit_group.
const KEPT_ALLOWED: [&str; 22] = [
    "close",
    "epoll_ctl",
    "execve",
    "fstatfs",
    "futex",
    "getdents64",
    "getpid",
    "openat",
    "write",
    // Go runtime.
    "epoll_pwait",
    "exit",
    "gettid",
    "madvise",
    "mmap",
    "munmap",
    "nanosleep",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sched_yield",
    "sigaltstack",
    "tgkill",
    // The probe.
    "exit_group",
];

/// Kept syscalls that the probe never issues, because they would end the
/// probe or jump to a signal frame it does not have.
const NEVER_ISSUED: [&str; 3] = ["exit", "exit_group", "rt_sigreturn"];

/// Arguments with which a kept syscall fails or does nothing, so the probe
/// can issue it to check that the filter lets it through. Each result is 0,
/// a pid, EBADF, EFAULT or ESRCH, and never an errno a tested profile uses.
/// All-ones values are fd −1 and −1 for the 32-bit ABI too.
const HARMLESS_ARGS: [(&str, [u64; 6]); 19] = [
    ("close", [0xffff_ffff, 0, 0, 0, 0, 0]),
    ("epoll_ctl", [0xffff_ffff, 2, 0xffff_ffff, 0, 0, 0]),
    ("epoll_pwait", [0xffff_ffff, 0, 1, 0, 0, 8]),
    ("execve", [0; 6]),
    ("fstatfs", [0xffff_ffff, 0, 0, 0, 0, 0]),
    ("futex", [0; 6]),
    ("getdents64", [0xffff_ffff, 0, 0, 0, 0, 0]),
    ("getpid", [0; 6]),
    ("gettid", [0; 6]),
    ("madvise", [0; 6]),
    // x86_64: a private mapping of fd −1 fails with EBADF. i386 `mmap` takes
    // a pointer to its arguments and fails with EFAULT on NULL.
    ("mmap", [0, 4096, 1, 2, 0xffff_ffff, 0]),
    ("munmap", [0, 4096, 0, 0, 0, 0]),
    ("nanosleep", [0; 6]),
    ("openat", [0xffff_ffff, 0, 0, 0, 0, 0]),
    ("rt_sigprocmask", [0, 0, 0, 8, 0, 0]),
    ("sched_yield", [0; 6]),
    ("sigaltstack", [0; 6]),
    ("tgkill", [0x7fff_ffff, 0x7fff_ffff, 0, 0, 0, 0]),
    ("write", [0xffff_ffff, 0, 0, 0, 0, 0]),
];

/// Numbers past every table, to check runc's ENOSYS rule and the default.
const FAR_NUMBERS: [u32; 4] = [1023, 4096, 0x00ff_ffff, 0x3fff_ffff];

const SIGILL: i32 = 4;
const SIGSYS: i32 = 31;

/// Seconds one container may run.
const CONTAINER_TIMEOUT: Duration = Duration::from_secs(120);

/// The capability changes to test: a label and the `docker run` options.
/// dockerd 20.10.24 rejects CAP_BPF and CAP_PERFMON and leaves them out of
/// ALL, so rules that include those capabilities are only tested without
/// them.
const CAP_SETS: [(&str, &[&str]); 5] = [
    ("default", &[]),
    ("+SYS_ADMIN", &["--cap-add", "SYS_ADMIN"]),
    ("+ALL", &["--cap-add", "ALL"]),
    ("-ALL", &["--cap-drop", "ALL"]),
    (
        "mixed",
        &[
            "--cap-add",
            "SYS_PTRACE",
            "--cap-add",
            "DAC_READ_SEARCH",
            "--cap-add",
            "SYS_NICE",
            "--cap-add",
            "SYSLOG",
            "--cap-add",
            "SYS_TIME",
            "--cap-drop",
            "SYS_CHROOT",
        ],
    ),
];

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Reports that the test cannot run: fails under `CI=true`, otherwise prints
/// a "skipped" line.
fn skip(reason: &str) {
    if ci() {
        panic!("docker conformance: {reason}; CI=true requires this test to run");
    }
    // The stderr handle bypasses the test harness's output capture, so the
    // skip shows in a plain `cargo test` run.
    let _ = writeln!(std::io::stderr(), "skipped: docker conformance: {reason}");
}

/// The daemon started by `scripts/docker-oracle serve`; dropping it closes
/// the script's stdin, which stops dockerd.
struct Daemon {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Collects the script's stderr, so that a full pipe never blocks it.
    stderr: Option<std::thread::JoinHandle<String>>,
    host: String,
    client: String,
}

impl Daemon {
    fn start() -> Result<Daemon, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/docker-oracle");
        let mut child = Command::new(&script)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let stdin = child.stdin.take();
        let stderr = read_in_background(child.stderr.take().expect("stderr is piped"));
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut host = None;
        let mut client = None;
        let mut line = String::new();
        while host.is_none() || client.is_none() {
            line.clear();
            let read = stdout.read_line(&mut line).unwrap_or(0);
            if read == 0 {
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                let stderr = stderr.join().unwrap_or_default();
                return Err(format!(
                    "{} serve exited ({status}) before dockerd was ready:\n{}",
                    script.display(),
                    stderr.trim()
                ));
            }
            if let Some(value) = line.trim().strip_prefix("DOCKER_HOST=") {
                host = Some(value.to_string());
            } else if let Some(value) = line.trim().strip_prefix("DOCKER=") {
                client = Some(value.to_string());
            }
        }
        Ok(Daemon {
            child,
            stdin,
            stderr: Some(stderr),
            host: host.expect("loop ends with a host"),
            client: client.expect("loop ends with a client"),
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.client);
        command.arg("--host").arg(&self.host);
        command
    }

    /// Runs a short docker command and returns its stdout.
    fn output(&self, args: &[&str]) -> Result<String, String> {
        let output = self
            .command()
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.client))?;
        if !output.status.success() {
            return Err(format!(
                "docker {} failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        if !status.as_ref().is_ok_and(|s| s.success()) || !stderr.trim().is_empty() {
            let _ = writeln!(
                std::io::stderr(),
                "scripts/docker-oracle serve ended ({status:?}): {}",
                stderr.trim()
            );
        }
    }
}

/// Builds the probe with gcc into `CARGO_TARGET_TMPDIR`.
fn build_probe(dir: &Path) -> Result<PathBuf, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docker_probe.c");
    let output_path = dir.join("probe");
    let output = Command::new("gcc")
        .args([
            "-static",
            "-nostdlib",
            "-fno-stack-protector",
            "-O1",
            "-Wall",
            "-Werror",
            "-o",
        ])
        .arg(&output_path)
        .arg(&source)
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gcc failed on {} ({}):\n{}",
            source.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output_path)
}

/// Imports an image with `/bin/probe` and the static busybox.
fn import_image(daemon: &Daemon, dir: &Path, probe: &Path) -> Result<String, String> {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .ok_or("busybox not found; install busybox-static")?;
    let rootfs = dir.join("rootfs");
    let _ = std::fs::remove_dir_all(&rootfs);
    std::fs::create_dir_all(rootfs.join("bin"))
        .map_err(|e| format!("cannot create {}: {e}", rootfs.display()))?;
    for (from, name) in [(busybox, "busybox"), (probe, "probe")] {
        std::fs::copy(from, rootfs.join("bin").join(name))
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    }
    let tarball = dir.join("rootfs.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err(format!("tar failed ({status})"));
    }
    let image = "seccomp-kit-probe:conformance";
    daemon.output(&["import", &tarball.to_string_lossy(), image])?;
    Ok(image.to_string())
}

/// Reads the capability bounding set of a container started with
/// `cap_options`.
fn container_caps(daemon: &Daemon, image: &str, cap_options: &[&str]) -> Result<CapSet, String> {
    let mut args = vec!["run", "--rm", "--network", "none"];
    args.extend_from_slice(cap_options);
    args.extend_from_slice(&[image, "/bin/busybox", "grep", "CapBnd", "/proc/self/status"]);
    let output = daemon.output(&args)?;
    let hex = output
        .trim()
        .strip_prefix("CapBnd:")
        .map(str::trim)
        .ok_or_else(|| format!("unexpected CapBnd line {output:?}"))?;
    caps_from_mask(hex)
}

/// Reads this process's capability bounding set (`CapBnd` in
/// `/proc/self/status`).
fn process_bounding_set() -> CapSet {
    let status =
        std::fs::read_to_string("/proc/self/status").expect("/proc/self/status is readable");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .expect("/proc/self/status has CapBnd");
    caps_from_mask(line.trim()).expect("CapBnd is hexadecimal")
}

/// Decodes a hexadecimal capability mask as `/proc/PID/status` shows it.
fn caps_from_mask(hex: &str) -> Result<CapSet, String> {
    let bits = u64::from_str_radix(hex, 16)
        .map_err(|e| format!("invalid capability mask {hex:?}: {e}"))?;
    let names: Vec<String> = CapSet::all()
        .iter()
        .filter(|name| {
            let index = CapSet::from_names(&[*name]).expect("known name").indices()[0];
            bits & (1 << index) != 0
        })
        .map(str::to_string)
        .collect();
    CapSet::from_names(&names).map_err(|e| e.to_string())
}

/// Name lookups in the libseccomp that runc uses: Debian's runc links the
/// system's `libseccomp.so.2`, which is loaded here as well.
struct Libseccomp {
    resolve_name: unsafe extern "C" fn(u32, *const libc::c_char) -> libc::c_int,
    version: String,
}

impl Libseccomp {
    fn load() -> Result<Libseccomp, String> {
        // SAFETY: the library name is NUL-terminated, and the handle stays
        // open for the life of the process.
        let handle = unsafe { libc::dlopen(c"libseccomp.so.2".as_ptr(), libc::RTLD_NOW) };
        if handle.is_null() {
            return Err("cannot load libseccomp.so.2 (runc's libseccomp)".to_string());
        }
        // SAFETY: the symbol names are NUL-terminated; the types are those of
        // seccomp.h (libseccomp 2.5).
        unsafe {
            let resolve = libc::dlsym(handle, c"seccomp_syscall_resolve_name_arch".as_ptr());
            let version = libc::dlsym(handle, c"seccomp_version".as_ptr());
            if resolve.is_null() || version.is_null() {
                return Err(
                    "libseccomp.so.2 lacks seccomp_syscall_resolve_name_arch or seccomp_version"
                        .to_string(),
                );
            }
            let version: extern "C" fn() -> *const [libc::c_uint; 3] = std::mem::transmute(version);
            let [major, minor, micro] = *version();
            Ok(Libseccomp {
                resolve_name: std::mem::transmute::<
                    *mut libc::c_void,
                    unsafe extern "C" fn(u32, *const libc::c_char) -> libc::c_int,
                >(resolve),
                version: format!("{major}.{minor}.{micro}"),
            })
        }
    }

    /// Returns libseccomp's number for `name` on `arch` (x32 numbers include
    /// the x32 bit), or `None` when libseccomp does not know the name. On
    /// i386 the socket and SysV IPC calls resolve to negative pseudo numbers.
    fn number(&self, arch: Arch, name: &str) -> Option<i32> {
        // SCMP_ARCH_* tokens (seccomp.h): x32 has its own token although the
        // kernel reports AUDIT_ARCH_X86_64 for it.
        let token = match arch {
            Arch::X86_64 => 0xc000_003e,
            Arch::X86 => 0x4000_0003,
            Arch::X32 => 0x4000_003e,
            other => panic!("no libseccomp token for {other}"),
        };
        let name = std::ffi::CString::new(name).ok()?;
        // SAFETY: `name` is NUL-terminated and outlives the call.
        let nr = unsafe { (self.resolve_name)(token, name.as_ptr()) };
        // __NR_SCMP_ERROR
        (nr != -1).then_some(nr)
    }
}

/// One syscall for the probe to issue.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Request {
    arch: Arch,
    /// `seccomp_data.nr`; x32 numbers include the x32 bit.
    nr: u32,
    args: [u64; 6],
    name: String,
}

impl Request {
    fn new(arch: Arch, nr: u32, mut args: [u64; 6]) -> Request {
        // `int $0x80` passes 32-bit registers.
        if arch == Arch::X86 {
            args = args.map(|arg| arg & 0xffff_ffff);
        }
        let name = arch
            .syscall_name(nr)
            .map_or_else(|| format!("syscall_{nr}"), str::to_string);
        Request {
            arch,
            nr,
            args,
            name,
        }
    }

    /// Returns the probe's request text.
    fn probe_argument(&self, guard_errno: Option<u16>) -> String {
        let abi = if self.arch == Arch::X86 { "32" } else { "64" };
        let mut text = match guard_errno {
            Some(errno) => format!("={errno:x}:{abi}:{:x}", self.nr),
            None => format!("{abi}:{:x}", self.nr),
        };
        for arg in self.args {
            text.push_str(&format!(":{arg:x}"));
        }
        text
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nr = if self.arch == Arch::X32 {
            self.nr & !X32_SYSCALL_BIT
        } else {
            self.nr
        };
        write!(f, "{} {} (nr {nr}) args [", self.arch, self.name)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg:#x}")?;
        }
        f.write_str("]")
    }
}

/// What a request did in the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Returned { ret: i64, errno: u32 },
    Killed { signal: i32 },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned { ret: -1, errno } => write!(f, "errno {errno}"),
            Outcome::Returned { ret, .. } => write!(f, "returned {ret}"),
            Outcome::Killed { signal } => write!(f, "killed by signal {signal}"),
        }
    }
}

/// Returns what a filter decision does to a call, as seccomp(2) describes it.
fn expected_outcome(decision: Decision) -> ExpectedOutcome {
    match decision.action {
        Action::Errno => ExpectedOutcome::Errno(u32::from(decision.data)),
        // Without a tracer the kernel fails the call with ENOSYS.
        Action::Trace => ExpectedOutcome::Errno(38),
        Action::Allow | Action::Log => ExpectedOutcome::Runs,
        Action::Kill | Action::KillThread | Action::KillProcess | Action::Trap => {
            ExpectedOutcome::Killed(SIGSYS)
        }
        Action::Notify => panic!("SCMP_ACT_NOTIFY needs a listener, which these containers lack"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpectedOutcome {
    Errno(u32),
    /// The kernel runs the call; with [`HARMLESS_ARGS`] it returns 0 or an
    /// errno that no filter of the profile returns.
    Runs,
    Killed(i32),
}

impl ExpectedOutcome {
    fn matches(self, outcome: Outcome, filter_errnos: &BTreeSet<u32>) -> bool {
        match (self, outcome) {
            (ExpectedOutcome::Errno(expected), Outcome::Returned { ret: -1, errno }) => {
                errno == expected
            }
            (ExpectedOutcome::Runs, Outcome::Returned { ret, errno }) => {
                ret >= 0 || !filter_errnos.contains(&errno)
            }
            (ExpectedOutcome::Killed(expected), Outcome::Killed { signal }) => signal == expected,
            _ => false,
        }
    }
}

/// Why Docker and `explain` may differ. Each is checked against the
/// observation before a difference counts as explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    /// The kernel runs the syscall without consulting seccomp filters:
    /// uretprobe (335) and uprobe (336) on x86_64. `explain` notes this
    /// ([`kernel_exemption`]) but keeps the profile's decision.
    KernelPassthrough,
    /// dockerd 20.10.24 does not pass `defaultErrnoRet` on to runc (moby
    /// pull request 42604 added that after the 20.10 branch), so the
    /// default action returns EPERM, and runc's ENOSYS rule applies even
    /// where the profile's default errno is ENOSYS. Checked by explaining
    /// the profile without `defaultErrnoRet`.
    DefaultErrnoRetIgnored,
    /// runc skips a name that its libseccomp does not know and leaves it
    /// out of its ENOSYS threshold. seccomp-kit's tables are newer than
    /// libseccomp 2.5.4's (Debian's build resolves names up to futex_wake,
    /// 454 on x86_64), so numbers above the largest known name get ENOSYS in
    /// Docker. Checked by explaining the profile without those names.
    UnknownToLibseccomp,
    /// A seccomp-kit defect, should it appear: on i386, libseccomp resolves
    /// the names of the socket and SysV IPC calls to negative pseudo numbers
    /// (`msgctl` is -214 in libseccomp 2.5.4), which runc leaves out of its
    /// ENOSYS threshold, and so must seccomp-kit. Counting their direct
    /// numbers (up to 402) would predict a rule or the default where runc
    /// answers ENOSYS. Checked by computing runc's threshold with libseccomp.
    PseudoNumbersInEnosysThreshold,
}

impl Reason {
    /// Returns whether the difference is a defect of seccomp-kit, which
    /// fails the test although its cause is known.
    fn is_seccomp_kit_bug(self) -> bool {
        matches!(self, Reason::PseudoNumbersInEnosysThreshold)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::KernelPassthrough => {
                "the kernel runs uretprobe and uprobe without consulting seccomp filters"
            }
            Reason::DefaultErrnoRetIgnored => {
                "dockerd 20.10.24 ignores defaultErrnoRet, so the default errno is EPERM and runc's ENOSYS rule applies"
            }
            Reason::UnknownToLibseccomp => {
                "a name unknown to runc's libseccomp, so runc skips the rule and its ENOSYS threshold is lower"
            }
            Reason::PseudoNumbersInEnosysThreshold => {
                "seccomp-kit bug: its i386 ENOSYS threshold counts socket and IPC calls, which runc leaves out because libseccomp resolves them to pseudo numbers"
            }
        })
    }
}

fn reasons_text(reasons: &[Reason]) -> String {
    if reasons.is_empty() {
        return "UNEXPLAINED".to_string();
    }
    let names: Vec<String> = reasons.iter().map(|r| format!("{r:?}")).collect();
    names.join("+")
}

/// One profile rewritten for the oracle.
struct Rewritten {
    path: PathBuf,
    profile: Profile,
    /// Every errno a filter of the profile can return.
    filter_errnos: BTreeSet<u32>,
}

fn json_names(rule: &Value) -> Vec<String> {
    if let Some(names) = rule.get("names").and_then(Value::as_array) {
        if !names.is_empty() {
            return names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
    }
    rule.get("name")
        .and_then(Value::as_str)
        .map(|n| vec![n.to_string()])
        .unwrap_or_default()
}

fn with_names(rule: &Value, names: &[&String]) -> Value {
    let mut rule = rule.clone();
    let object = rule.as_object_mut().expect("a rule is an object");
    object.remove("name");
    object.insert("names".to_string(), serde_json::json!(names));
    rule
}

/// Rewrites every ALLOW and LOG rule into ERRNO([`REWRITE_ERRNO`]), except
/// for the names in [`KEPT_ALLOWED`], which move into a copy of the rule
/// that keeps its action. Both parts stay at the rule's place, so each name
/// keeps its rule order.
fn rewrite_profile(original: &Value) -> Value {
    let default = original.get("defaultAction").and_then(Value::as_str);
    assert!(
        !matches!(default, Some("SCMP_ACT_ALLOW" | "SCMP_ACT_LOG")),
        "defaultAction {default:?} would let the probe's calls run; the oracle needs a denying default"
    );
    let mut rewritten = original.clone();
    let rules = original
        .get("syscalls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for rule in rules {
        let action = rule.get("action").and_then(Value::as_str);
        if !matches!(action, Some("SCMP_ACT_ALLOW" | "SCMP_ACT_LOG")) {
            out.push(rule);
            continue;
        }
        let names = json_names(&rule);
        let (kept, denied): (Vec<&String>, Vec<&String>) = names
            .iter()
            .partition(|n| KEPT_ALLOWED.contains(&n.as_str()));
        if !kept.is_empty() {
            out.push(with_names(&rule, &kept));
        }
        if !denied.is_empty() {
            let mut errno_rule = with_names(&rule, &denied);
            errno_rule["action"] = Value::from("SCMP_ACT_ERRNO");
            errno_rule["errnoRet"] = Value::from(REWRITE_ERRNO);
            out.push(errno_rule);
        }
    }
    rewritten["syscalls"] = Value::Array(out);
    rewritten
}

fn write_rewritten(original_path: &Path, dir: &Path) -> Rewritten {
    let text = std::fs::read_to_string(original_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", original_path.display()));
    let original: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", original_path.display()));
    let rewritten = rewrite_profile(&original);
    let stem = original_path.file_stem().unwrap().to_string_lossy();
    let path = dir.join(format!("{stem}.rewritten.json"));
    let text = serde_json::to_string_pretty(&rewritten).expect("JSON values serialize");
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let profile = Profile::from_json(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .profile;

    let mut filter_errnos = BTreeSet::from([1, 38, u32::from(REWRITE_ERRNO)]);
    filter_errnos.extend(profile.default_errno_ret);
    filter_errnos.extend(profile.syscalls.iter().filter_map(|r| r.errno_ret));
    Rewritten {
        path,
        profile,
        filter_errnos,
    }
}

/// Argument values at and around each condition of the profile's rules for
/// `name`: one argument set per value, plus one that meets every condition
/// of a rule at once.
fn boundary_args(profile: &Profile, name: &str, arch: Arch) -> Vec<[u64; 6]> {
    let mut out = Vec::new();
    for rule in &profile.syscalls {
        if rule.args.is_empty() || !rule.effective_names().iter().any(|n| n == name) {
            continue;
        }
        let mut all_met = [0u64; 6];
        for condition in &rule.args {
            let index = usize::from(condition.index);
            if index >= 6 {
                continue;
            }
            let value = condition.value;
            let (values, met) = match condition.op {
                Operator::MaskedEqual => {
                    let lowest_mask_bit = value & value.wrapping_neg();
                    (
                        vec![
                            condition.value_two,
                            condition.value_two ^ lowest_mask_bit,
                            condition.value_two | !value,
                            0,
                        ],
                        condition.value_two,
                    )
                }
                Operator::NotEqual | Operator::GreaterThan => (
                    vec![value, value.wrapping_sub(1), value.wrapping_add(1)],
                    value.wrapping_add(1),
                ),
                Operator::LessThan => (
                    vec![value, value.wrapping_sub(1), value.wrapping_add(1)],
                    value.wrapping_sub(1),
                ),
                Operator::Equal | Operator::LessOrEqual | Operator::GreaterOrEqual => (
                    vec![value, value.wrapping_sub(1), value.wrapping_add(1)],
                    value,
                ),
            };
            all_met[index] = met;
            for v in values {
                let mut args = [0u64; 6];
                args[index] = v;
                out.push(args);
                // The filter reads 64-bit registers on x86_64 and x32, and
                // libseccomp compares only the low word on x32.
                if matches!(arch, Arch::X86_64 | Arch::X32) {
                    args[index] = v ^ 0xffff_ffff_0000_0000;
                    out.push(args);
                }
            }
        }
        out.push(all_met);
    }
    out
}

/// Builds every request for one profile: each number of the three ABIs with
/// zero arguments, boundary arguments, the multiplexed calls, and the kept
/// syscalls with harmless arguments.
fn build_requests(profile: &Profile, with_i386: bool) -> Vec<Request> {
    let mut abis = vec![Arch::X86_64, Arch::X32];
    if with_i386 {
        abis.push(Arch::X86);
    }
    let mut requests = BTreeSet::new();
    for &arch in &abis {
        let bit = if arch == Arch::X32 {
            X32_SYSCALL_BIT
        } else {
            0
        };
        let table_max = arch.max_syscall().expect("x86 ABIs have tables") & !X32_SYSCALL_BIT;
        let mut numbers: Vec<u32> = (0..=table_max + 4).collect();
        numbers.extend(FAR_NUMBERS);
        for n in numbers {
            let nr = n | bit;
            let probe = Request::new(arch, nr, [0; 6]);
            let name = probe.name.clone();
            if NEVER_ISSUED.contains(&name.as_str()) {
                continue;
            }
            if KEPT_ALLOWED.contains(&name.as_str()) {
                // A kernel without x32 support returns ENOSYS for x32 calls,
                // which runc's ENOSYS rule also returns, so the check could
                // not tell them apart.
                if arch == Arch::X32 {
                    continue;
                }
                let args = HARMLESS_ARGS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, args)| *args)
                    .unwrap_or_else(|| {
                        panic!("{name} is kept allowed but has no harmless arguments")
                    });
                requests.insert(Request::new(arch, nr, args));
                continue;
            }
            requests.insert(probe);
            for args in boundary_args(profile, &name, arch) {
                requests.insert(Request::new(arch, nr, args));
            }
        }
        if arch != Arch::X32 {
            // nr -1, which tracers use to skip a call.
            requests.insert(Request::new(arch, u32::MAX, [0; 6]));
        }
    }
    if with_i386 {
        // socketcall(call, args) and ipc(call, …) for every call number and
        // the unused numbers next to them.
        let socketcall = Arch::X86
            .syscall_number("socketcall")
            .expect("i386 socketcall");
        for call in 0..=21 {
            requests.insert(Request::new(Arch::X86, socketcall, [call, 0, 0, 0, 0, 0]));
        }
        let ipc = Arch::X86.syscall_number("ipc").expect("i386 ipc");
        for call in [0, 1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 21, 22, 23, 24, 25] {
            requests.insert(Request::new(Arch::X86, ipc, [call, 0, 0, 0, 0, 0]));
        }
    }
    requests.into_iter().collect()
}

/// Explains a request from inside a Docker container on an x86_64 host.
fn predict(
    profile: &Profile,
    caps: &CapSet,
    kernel: KernelVersion,
    request: &Request,
) -> Explanation {
    let query = Query {
        target: Target::new(Arch::X86_64, caps.clone(), kernel),
        arch: request.arch,
        options: PolicyOptions::new(Arch::X86_64),
        syscall: SyscallRef::Number(request.nr),
        args: request.args,
    };
    explain(profile, &query).unwrap_or_else(|e| panic!("explain {request}: {e}"))
}

/// Explains every request, spread over the available CPUs because each
/// explanation also compiles and emulates the filter.
fn predict_all(
    profile: &Profile,
    caps: &CapSet,
    kernel: KernelVersion,
    requests: &[Request],
) -> Vec<Explanation> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk_size = requests.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = requests
            .chunks(chunk_size)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|request| predict(profile, caps, kernel, request))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a prediction thread panicked"))
            .collect()
    })
}

/// Runs the probe over `requests` in containers and returns the outcome of
/// each request and the number of containers. `requests[0]` is the guard,
/// which every container issues first. After a request kills the probe, a
/// new container continues with the next one.
fn run_probe(
    daemon: &Daemon,
    image: &str,
    rewritten: &Path,
    cap_options: &[&str],
    requests: &[Request],
    guard_errno: u16,
) -> Result<(Vec<Outcome>, usize), String> {
    let guard = &requests[0];
    let mut outcomes = vec![Outcome::Returned {
        ret: -1,
        errno: u32::from(guard_errno),
    }];
    let mut containers = 0;
    while outcomes.len() < requests.len() {
        let rest = &requests[outcomes.len()..];
        let mut arguments = vec![guard.probe_argument(Some(guard_errno))];
        arguments.extend(rest.iter().map(|r| r.probe_argument(None)));
        containers += 1;
        let run = run_container(daemon, image, rewritten, cap_options, &arguments)?;
        let Some((guard_line, lines)) = run.lines.split_first() else {
            return Err(format!("the probe wrote nothing ({})", run.ending));
        };
        let guard_outcome = parse_line(guard_line, guard)?;
        if guard_outcome != outcomes[0] {
            return Err(format!(
                "the guard {guard} gave {guard_outcome} instead of errno {guard_errno}, so the container does not run the rewritten filter"
            ));
        }
        if lines.len() > rest.len() {
            return Err(format!(
                "the probe wrote {} lines for {} requests",
                lines.len(),
                rest.len()
            ));
        }
        for (line, request) in lines.iter().zip(rest) {
            outcomes.push(parse_line(line, request)?);
        }
        if outcomes.len() < requests.len() {
            let Some(signal) = run.signal else {
                return Err(format!(
                    "the probe stopped after {} of {} requests without a signal ({})",
                    outcomes.len(),
                    requests.len(),
                    run.ending
                ));
            };
            outcomes.push(Outcome::Killed { signal });
        }
    }
    Ok((outcomes, containers))
}

/// Parses one probe line, "NR RET ERRNO", for `request`.
fn parse_line(line: &str, request: &Request) -> Result<Outcome, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let parsed = match fields.as_slice() {
        [nr, ret, errno] => nr
            .parse::<u64>()
            .ok()
            .zip(ret.parse::<i64>().ok())
            .zip(errno.parse::<u32>().ok()),
        _ => None,
    };
    let Some(((nr, ret), errno)) = parsed else {
        return Err(format!("invalid probe line {line:?} for {request}"));
    };
    if nr != u64::from(request.nr) {
        return Err(format!("probe line {line:?} is not for {request}"));
    }
    Ok(Outcome::Returned { ret, errno })
}

/// The probe's output from one container.
struct ContainerRun {
    lines: Vec<String>,
    /// The exit status and docker's stderr, for messages.
    ending: String,
    /// The signal that ended the probe, if one did.
    signal: Option<i32>,
}

/// Reads `pipe` to its end on a thread of its own, so that neither pipe of a
/// child can fill up and block it.
fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Runs the probe in one container with the rewritten profile.
fn run_container(
    daemon: &Daemon,
    image: &str,
    rewritten: &Path,
    cap_options: &[&str],
    arguments: &[String],
) -> Result<ContainerRun, String> {
    let seccomp = format!("seccomp={}", rewritten.display());
    let mut child = daemon
        .command()
        .args(["run", "--rm", "--network", "none", "--log-driver", "none"])
        .args(["--security-opt", "no-new-privileges"])
        .args(["--security-opt", &seccomp])
        .args(cap_options)
        .arg(image)
        .arg("/bin/probe")
        .args(arguments)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", daemon.client))?;
    let out_reader = read_in_background(child.stdout.take().expect("stdout is piped"));
    let err_reader = read_in_background(child.stderr.take().expect("stderr is piped"));

    let deadline = Instant::now() + CONTAINER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "docker run timed out after {} s",
                CONTAINER_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };

    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let ending = format!("{status}; docker's stderr: {:?}", err.trim());
    // docker run exits with 125-127 when it cannot start the container and
    // with 128 + N when signal N ended the container's process. The probe
    // exits with 4 when the guard fails.
    let signal = match status.code() {
        Some(0 | 4) => None,
        Some(code) if code > 128 => Some(code - 128),
        _ => return Err(format!("docker run failed: {ending}")),
    };
    Ok(ContainerRun {
        lines: out.lines().map(str::to_string).collect(),
        ending,
        signal,
    })
}

/// Removes the names that runc's libseccomp does not resolve on the host or
/// on `arch`, as runc does when it builds the filter for `arch`.
fn without_unknown_names(profile: &Profile, arch: Arch, libseccomp: &Libseccomp) -> Profile {
    let mut profile = profile.clone();
    let known = |name: &String| {
        libseccomp.number(Arch::X86_64, name).is_some() && libseccomp.number(arch, name).is_some()
    };
    for rule in &mut profile.syscalls {
        rule.names.retain(known);
        if rule.name.as_ref().is_some_and(|n| !known(n)) {
            rule.name = None;
        }
    }
    profile
        .syscalls
        .retain(|rule| !rule.effective_names().is_empty());
    profile
}

/// Removes `defaultErrnoRet`, as dockerd 20.10.24 does when it passes the
/// profile on.
fn without_default_errno(profile: &Profile) -> Profile {
    let mut profile = profile.clone();
    profile.default_errno_ret = None;
    profile
}

/// A profile and its variants, each with the reasons that produce it, for
/// every ABI, in the order they are tried.
struct Variants {
    /// The profile itself, with no reasons.
    base: (Vec<Reason>, BTreeMap<Arch, Profile>),
    variants: Vec<(Vec<Reason>, BTreeMap<Arch, Profile>)>,
}

impl Variants {
    fn new(profile: &Profile, libseccomp: &Libseccomp) -> Variants {
        let arches = [Arch::X86_64, Arch::X86, Arch::X32];
        let per_arch = |f: &dyn Fn(Arch) -> Profile| -> BTreeMap<Arch, Profile> {
            arches.iter().map(|&arch| (arch, f(arch))).collect()
        };
        let mut variants = Vec::new();
        if profile.default_errno_ret.is_some() {
            variants.push((
                vec![Reason::DefaultErrnoRetIgnored],
                per_arch(&|_| without_default_errno(profile)),
            ));
        }
        variants.push((
            vec![Reason::UnknownToLibseccomp],
            per_arch(&|arch| without_unknown_names(profile, arch, libseccomp)),
        ));
        if profile.default_errno_ret.is_some() {
            variants.push((
                vec![Reason::DefaultErrnoRetIgnored, Reason::UnknownToLibseccomp],
                per_arch(&|arch| {
                    without_unknown_names(&without_default_errno(profile), arch, libseccomp)
                }),
            ));
        }
        Variants {
            base: (Vec::new(), per_arch(&|_| profile.clone())),
            variants,
        }
    }
}

/// Computes runc's ENOSYS threshold on `arch` as `findLastSyscalls` in
/// runc's `libcontainer/seccomp/patchbpf` does. It is the largest number
/// libseccomp returns for a name of the resolved rules, so negative pseudo
/// numbers never count.
fn runc_enosys_threshold(
    profile: &Profile,
    arch: Arch,
    caps: &CapSet,
    kernel: KernelVersion,
    libseccomp: &Libseccomp,
) -> Option<u32> {
    let target = Target::new(Arch::X86_64, caps.clone(), kernel);
    let resolved = seccomp_kit::resolve::resolve(profile, &target).ok()??;
    resolved
        .rules
        .iter()
        .flat_map(|rule| rule.names.iter())
        .filter_map(|name| libseccomp.number(arch, name))
        .filter_map(|nr| u32::try_from(nr).ok())
        .max()
}

/// One request whose observed outcome differs from `explain`.
struct Difference {
    profile: String,
    caps: &'static str,
    request: Request,
    observed: Outcome,
    predicted: Decision,
    /// Empty when no known reason explains the difference.
    reasons: Vec<Reason>,
    explanation: String,
}

/// Context for explaining one difference.
struct Classifier<'a> {
    rewritten: &'a Rewritten,
    variants: &'a Variants,
    libseccomp: &'a Libseccomp,
    caps: &'a CapSet,
    kernel: KernelVersion,
}

impl Classifier<'_> {
    /// Returns the reasons that explain `observed` for `request`, or none.
    fn classify(&self, request: &Request, observed: Outcome) -> Vec<Reason> {
        let filter_errnos = &self.rewritten.filter_errnos;
        if kernel_exemption(request.arch, request.nr).is_some() {
            // uretprobe outside a uprobe trampoline raises SIGILL; uprobe
            // fails with an errno of its own.
            let ran = match observed {
                Outcome::Killed { signal } => signal == SIGILL,
                Outcome::Returned { ret, errno } => ret >= 0 || !filter_errnos.contains(&errno),
            };
            return if ran {
                vec![Reason::KernelPassthrough]
            } else {
                Vec::new()
            };
        }
        for (reasons, profiles) in &self.variants.variants {
            let alternative = predict(&profiles[&request.arch], self.caps, self.kernel, request);
            if expected_outcome(alternative.decision).matches(observed, filter_errnos) {
                return reasons.clone();
            }
        }
        // The threshold comes from the profile itself where possible, so
        // that only the reasons it needs are listed.
        let enosys = Outcome::Returned { ret: -1, errno: 38 };
        if request.arch != Arch::X86 || observed != enosys {
            return Vec::new();
        }
        let all = std::iter::once(&self.variants.base).chain(&self.variants.variants);
        for (reasons, profiles) in all {
            let threshold = runc_enosys_threshold(
                &profiles[&request.arch],
                request.arch,
                self.caps,
                self.kernel,
                self.libseccomp,
            );
            if threshold.is_some_and(|max| request.nr > max) {
                let mut reasons = reasons.clone();
                reasons.push(Reason::PseudoNumbersInEnosysThreshold);
                return reasons;
            }
        }
        Vec::new()
    }
}

/// Checks that the CLI gives the library's decision for one request.
fn check_cli(
    rewritten: &Rewritten,
    caps: &CapSet,
    kernel: KernelVersion,
    request: &Request,
    expected: Decision,
) {
    let mut command = Command::new(SECCOMP_KIT);
    command
        .args(["explain", "--format", "json", "--profile"])
        .arg(&rewritten.path)
        .args(["--caps", &caps.to_string()])
        .args(["--kernel", &kernel.to_string()])
        .args(["--arch", request.arch.name(), "--host-arch", "x86_64", "--"])
        .arg(request.nr.to_string())
        .args(request.args.iter().map(|a| format!("{a:#x}")));
    let output = command.output().expect("the CLI runs");
    assert!(
        output.status.success(),
        "seccomp-kit explain failed for {request}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("explain prints JSON");
    assert_eq!(
        json["action"].as_str(),
        Some(expected.action.name()),
        "CLI action for {request}"
    );
    if expected.action == Action::Errno {
        assert_eq!(
            json["errno"].as_u64(),
            Some(u64::from(expected.data)),
            "CLI errno for {request}"
        );
    }
}

/// Returns whether this kernel runs i386 syscalls (`int $0x80`) in a 64-bit
/// process, by running the probe's getpid (20) outside any container.
fn kernel_runs_i386(probe: &Path) -> bool {
    Command::new(probe)
        .arg("32:14:0:0:0:0:0:0")
        .output()
        .is_ok_and(|output| {
            output.status.success()
                && String::from_utf8_lossy(&output.stdout).starts_with("20 ")
                && !String::from_utf8_lossy(&output.stdout).contains(" -1 ")
        })
}

/// Lists the tested profiles. `DOCKER_CONFORMANCE_PROFILES`, a
/// comma-separated list of substrings, selects some of them by file name.
fn profile_paths() -> Vec<PathBuf> {
    let dir = Path::new(PROFILES_DIR).join("moby-versions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.push(Path::new(PROFILES_DIR).join("podman-containers-common-seccomp.json"));
    if let Ok(selection) = std::env::var("DOCKER_CONFORMANCE_PROFILES") {
        let wanted: Vec<&str> = selection.split(',').map(str::trim).collect();
        paths.retain(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            wanted.iter().any(|w| name.contains(w))
        });
    }
    paths
}

/// Checks what the test needs before it starts dockerd.
fn prerequisites() -> Result<(), String> {
    // SAFETY: geteuid has no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err("dockerd needs root, and the effective user is not root".to_string());
    }
    if Command::new("gcc").arg("--version").output().is_err() {
        return Err("gcc is missing; it builds the probe".to_string());
    }
    Ok(())
}

#[test]
fn docker_agrees_with_explain() {
    if !cfg!(target_arch = "x86_64") {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: docker conformance: runs on x86_64 hosts only"
        );
        return;
    }
    if let Err(reason) = prerequisites() {
        skip(&reason);
        return;
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docker-conformance");
    std::fs::create_dir_all(&work)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", work.display()));
    let probe = build_probe(&work).unwrap_or_else(|e| panic!("{e}"));
    let daemon = match Daemon::start() {
        Ok(daemon) => daemon,
        Err(reason) => {
            skip(&format!("cannot start dockerd: {reason}"));
            return;
        }
    };
    let started = Instant::now();
    let image = import_image(&daemon, &work, &probe).unwrap_or_else(|e| panic!("{e}"));
    let libseccomp = Libseccomp::load().unwrap_or_else(|e| panic!("{e}"));
    let kernel = KernelVersion::running().expect("uname gives a kernel version");
    let server = daemon
        .output(&["version", "--format", "{{.Server.Version}}"])
        .unwrap_or_else(|e| panic!("{e}"));
    let runc = daemon
        .output(&["info", "--format", "{{.RuncCommit.ID}}"])
        .unwrap_or_else(|e| panic!("{e}"));
    let with_i386 = kernel_runs_i386(&probe);
    println!(
        "dockerd {}, runc {}, libseccomp {}, kernel {kernel}, i386 syscalls {}",
        server.trim(),
        runc.trim(),
        libseccomp.version,
        if with_i386 {
            "tested"
        } else {
            "not tested: this kernel does not run int $0x80 calls"
        }
    );

    // dockerd, a child of this process, can only grant what this process's
    // bounding set contains, so `--cap-add ALL` also drops the rest. The
    // model gets the set each container really has, read inside it.
    let host_caps = process_bounding_set();
    let missing: Vec<String> = CapSet::all()
        .iter()
        .filter(|name| !host_caps.contains(name))
        .map(str::to_string)
        .collect();
    let mut cap_sets = Vec::new();
    for (label, fixed_options) in CAP_SETS {
        let mut options: Vec<String> = fixed_options.iter().map(|o| o.to_string()).collect();
        if fixed_options == ["--cap-add", "ALL"] {
            for name in &missing {
                options.extend(["--cap-drop".to_string(), name.clone()]);
            }
        }
        let options_str: Vec<&str> = options.iter().map(String::as_str).collect();
        let caps = container_caps(&daemon, &image, &options_str)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        println!("capabilities {label} ({}): {caps}", options.join(" "));
        cap_sets.push((label, options, caps));
    }

    let mut differences = Vec::new();
    let mut not_agreeing = Vec::new();
    let mut compared = 0;
    for original in profile_paths() {
        let profile_name = original.file_stem().unwrap().to_string_lossy().into_owned();
        let rewritten = write_rewritten(&original, &work);
        let variants = Variants::new(&rewritten.profile, &libseccomp);
        let requests = build_requests(&rewritten.profile, with_i386);
        for (label, options, caps) in &cap_sets {
            let run = Run {
                daemon: &daemon,
                image: &image,
                profile_name: &profile_name,
                caps_label: label,
                cap_options: options,
                classifier: Classifier {
                    rewritten: &rewritten,
                    variants: &variants,
                    libseccomp: &libseccomp,
                    caps,
                    kernel,
                },
            };
            let result = run.compare(&requests);
            compared += requests.len();
            differences.extend(result.differences);
            not_agreeing.extend(result.not_agreeing);
        }
    }
    println!(
        "\n{compared} results compared in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    report(&differences, &work.join("differences.txt"));

    assert!(
        not_agreeing.is_empty(),
        "the compiled filter (emulated) disagrees with the model in {} cases, first:\n{}",
        not_agreeing.len(),
        not_agreeing[..not_agreeing.len().min(5)].join("\n")
    );
    let describe = |list: &[&Difference]| -> String {
        list.iter()
            .take(20)
            .map(|d| {
                format!(
                    "{} {}: {}: Docker {}, explain {}\n{}",
                    d.profile, d.caps, d.request, d.observed, d.predicted, d.explanation
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let bugs: Vec<&Difference> = differences
        .iter()
        .filter(|d| d.reasons.iter().any(|r| r.is_seccomp_kit_bug()))
        .collect();
    assert!(
        bugs.is_empty(),
        "{} results differ because of a known seccomp-kit bug ({}); first 20:\n{}",
        bugs.len(),
        Reason::PseudoNumbersInEnosysThreshold,
        describe(&bugs)
    );
    let unexplained: Vec<&Difference> = differences
        .iter()
        .filter(|d| d.reasons.is_empty())
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} results differ from seccomp-kit explain without a known reason; first 20:\n{}",
        unexplained.len(),
        describe(&unexplained)
    );
}

/// One profile under one capability set.
struct Run<'a> {
    daemon: &'a Daemon,
    image: &'a str,
    profile_name: &'a str,
    caps_label: &'static str,
    cap_options: &'a [String],
    classifier: Classifier<'a>,
}

/// What [`Run::compare`] found.
struct RunResult {
    differences: Vec<Difference>,
    /// Requests where the emulated filter disagrees with the model.
    not_agreeing: Vec<String>,
}

impl Run<'_> {
    /// Runs every request in Docker and compares each outcome with
    /// `explain`.
    fn compare(&self, requests: &[Request]) -> RunResult {
        let started = Instant::now();
        let Classifier {
            rewritten,
            caps,
            kernel,
            ..
        } = &self.classifier;
        let context = format!("{} {}", self.profile_name, self.caps_label);
        let predictions = predict_all(&rewritten.profile, caps, *kernel, requests);
        let mut not_agreeing = Vec::new();
        for (request, explanation) in requests.iter().zip(&predictions) {
            if !explanation.agrees() {
                not_agreeing.push(format!("{context}: {request}: {explanation}"));
            }
            let runs = expected_outcome(explanation.decision) == ExpectedOutcome::Runs;
            assert!(
                !runs || KEPT_ALLOWED.contains(&request.name.as_str()),
                "{context}: explain lets {request} run, but only kept syscalls may run in the probe"
            );
        }

        let order = probe_order(requests, &predictions)
            .unwrap_or_else(|| panic!("{context}: no x86_64 syscall with zero arguments returns {REWRITE_ERRNO}, so there is no guard"));
        let ordered: Vec<Request> = order.iter().map(|&i| requests[i].clone()).collect();
        check_cli(
            rewritten,
            caps,
            *kernel,
            &ordered[0],
            predictions[order[0]].decision,
        );
        let options: Vec<&str> = self.cap_options.iter().map(String::as_str).collect();
        let (outcomes, containers) = run_probe(
            self.daemon,
            self.image,
            &rewritten.path,
            &options,
            &ordered,
            REWRITE_ERRNO,
        )
        .unwrap_or_else(|e| panic!("{context}: {e}"));

        let mut differences = Vec::new();
        for (&i, observed) in order.iter().zip(outcomes) {
            let explanation = &predictions[i];
            if expected_outcome(explanation.decision).matches(observed, &rewritten.filter_errnos) {
                continue;
            }
            differences.push(Difference {
                profile: self.profile_name.to_string(),
                caps: self.caps_label,
                request: requests[i].clone(),
                observed,
                predicted: explanation.decision,
                reasons: self.classifier.classify(&requests[i], observed),
                explanation: explanation.to_string(),
            });
        }

        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for difference in &differences {
            *counts.entry(reasons_text(&difference.reasons)).or_default() += 1;
        }
        let summary: Vec<String> = counts
            .iter()
            .map(|(reasons, count)| format!("{count} {reasons}"))
            .collect();
        println!(
            "{context}: {} requests in {containers} container(s), {:.1} s, differences: {}",
            requests.len(),
            started.elapsed().as_secs_f64(),
            if summary.is_empty() {
                "none".to_string()
            } else {
                summary.join(", ")
            }
        );
        RunResult {
            differences,
            not_agreeing,
        }
    }
}

/// Returns the order in which the probe issues `requests`, or `None` when
/// no request can be the guard. The guard comes first: an x86_64 call that
/// the rewritten filter fails with [`REWRITE_ERRNO`]. The calls expected to
/// kill the probe, and those the kernel runs unfiltered, come last, so that
/// each costs at most one more container. uretprobe, which raises SIGILL
/// outside a uprobe trampoline, is the very last, so it costs none.
fn probe_order(requests: &[Request], predictions: &[Explanation]) -> Option<Vec<usize>> {
    let guard = (0..requests.len()).find(|&i| {
        requests[i].arch == Arch::X86_64
            && requests[i].args == [0; 6]
            && predictions[i].decision == Decision::errno(REWRITE_ERRNO)
    })?;
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&i| {
        let request = &requests[i];
        let rank = if kernel_exemption(request.arch, request.nr).is_some() {
            if request.name == "uretprobe" {
                3
            } else {
                2
            }
        } else if matches!(
            expected_outcome(predictions[i].decision),
            ExpectedOutcome::Killed(_)
        ) {
            1
        } else {
            0
        };
        (i != guard, rank, i)
    });
    Some(order)
}

/// Prints the differences by reason and writes every one, with its
/// explanation, to `path`.
fn report(differences: &[Difference], path: &Path) {
    let mut by_reasons: BTreeMap<Vec<Reason>, Vec<&Difference>> = BTreeMap::new();
    for difference in differences {
        by_reasons
            .entry(difference.reasons.clone())
            .or_default()
            .push(difference);
    }
    for (reasons, list) in &by_reasons {
        let title = if reasons.is_empty() {
            "UNEXPLAINED".to_string()
        } else {
            let texts: Vec<String> = reasons.iter().map(|r| r.to_string()).collect();
            texts.join("; and ")
        };
        let profiles: BTreeSet<&str> = list.iter().map(|d| d.profile.as_str()).collect();
        let syscalls: BTreeSet<String> = list
            .iter()
            .map(|d| format!("{} {}", d.request.arch, d.request.name))
            .collect();
        println!("{} differences: {title}", list.len());
        println!(
            "  profiles: {}",
            profiles.into_iter().collect::<Vec<_>>().join(", ")
        );
        println!(
            "  syscalls: {}",
            syscalls.into_iter().collect::<Vec<_>>().join(", ")
        );
    }

    let text: String = differences
        .iter()
        .map(|d| {
            format!(
                "{} {}: {}: Docker {}, explain {} [{}]\n{}\n",
                d.profile,
                d.caps,
                d.request,
                d.observed,
                d.predicted,
                reasons_text(&d.reasons),
                d.explanation
            )
        })
        .collect();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    println!("every difference: {}", path.display());
}
