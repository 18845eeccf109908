//! Applying a compiled filter to this process: capability sets,
//! no_new_privs, filter installation on all threads, then `execve`.
//!
//! The order is runc's (`standard_init_linux.go`): capabilities first, then
//! no_new_privs, then the filter as late as possible, then `execve`. Every step
//! either succeeds or returns an error; nothing is skipped, so a failure never
//! leaves a command running with a weaker setup than requested.
//!
//! These functions change the calling process for good; tests run them in a
//! forked child.

use crate::bpf::SockFilter;
use crate::caps::CapSet;
use crate::profile::FilterFlag;
use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

const SECCOMP_SET_MODE_FILTER: libc::c_uint = 1;
const SECCOMP_FILTER_FLAG_TSYNC: libc::c_uint = 1;
const SECCOMP_FILTER_FLAG_SPEC_ALLOW: libc::c_uint = 1 << 2;

/// A step of [`apply`] that failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot drop {capability} from the bounding set: {source}; run as root (CAP_SETPCAP is needed) or ask for the capabilities you already have")]
    BoundingSet {
        capability: String,
        source: io::Error,
    },
    #[error("this process does not hold {missing}, so the command cannot get it; run as a user that has it, or leave it out of --caps/--cap-add")]
    NotHeld { missing: String },
    #[error("cannot set the capability sets to [{caps}]: {source}; run as root or ask only for capabilities you already have")]
    Capset { caps: String, source: io::Error },
    #[error("cannot raise ambient capability {capability}: {source}")]
    Ambient {
        capability: String,
        source: io::Error,
    },
    #[error("cannot set no_new_privs: {0}")]
    NoNewPrivs(io::Error),
    #[error("the kernel rejected the filter ({len} instructions): {source}")]
    Install { len: usize, source: io::Error },
    #[error(
        "thread {0} could not be synchronised to the filter; stop other threads before applying it"
    )]
    Tsync(i64),
    #[error("command {0:?} not found in PATH")]
    NotFound(String),
    #[error("argument contains a NUL byte: {0:?}")]
    NulByte(String),
    #[error("cannot execute {path}: {source}")]
    Exec { path: String, source: io::Error },
}

/// Everything [`apply`] sets up before `execve`.
#[derive(Clone, Debug)]
pub struct Setup<'a> {
    /// The capability sets (bounding, permitted, effective, inheritable and
    /// ambient) to leave the command with; `None` keeps the current ones.
    pub caps: Option<&'a CapSet>,
    pub program: &'a [SockFilter],
    /// The profile's `flags`; `None` means absent, which gets SPEC_ALLOW
    /// where the kernel supports it, as runc and crun do.
    pub flags: Option<&'a [FilterFlag]>,
}

/// Applies `setup` and executes `argv`; returns only on failure.
pub fn apply_and_exec(setup: &Setup, argv: &[impl AsRef<OsStr>]) -> ApplyError {
    // Everything that allocates or searches PATH happens before the filter,
    // which may deny the syscalls it needs.
    let prepared = match PreparedExec::new(argv) {
        Ok(prepared) => prepared,
        Err(err) => return err,
    };
    if let Err(err) = apply(setup) {
        return err;
    }
    prepared.exec()
}

/// Applies capabilities, no_new_privs and the filter to the calling process.
pub fn apply(setup: &Setup) -> Result<(), ApplyError> {
    if let Some(caps) = setup.caps {
        set_capabilities(caps)?;
    }
    set_no_new_privs()?;
    install_filter(setup.program, setup.flags)
}

/// Sets every capability set to `caps`: drops the rest of the bounding set,
/// sets permitted, effective and inheritable, and raises the ambient set so
/// that a non-root command keeps the capabilities across `execve`.
pub fn set_capabilities(caps: &CapSet) -> Result<(), ApplyError> {
    let requested: caps::CapsHashSet = caps
        .iter()
        .filter_map(|name| name.parse::<caps::Capability>().ok())
        .collect();
    let last = last_cap();
    // Capabilities this kernel does not have cannot be set, nor dropped.
    let known: caps::CapsHashSet = requested
        .iter()
        .copied()
        .filter(|c| u32::from(c.index()) <= last)
        .collect();

    // Capabilities can only be kept, never gained, so name the missing ones
    // before changing anything. A failed read leaves all of them missing.
    let permitted = caps::read(None, caps::CapSet::Permitted).unwrap_or_default();
    let mut missing: Vec<String> = known
        .difference(&permitted)
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(ApplyError::NotHeld {
            missing: missing.join(", "),
        });
    }

    let mut supported: Vec<caps::Capability> = caps::all().into_iter().collect();
    supported.sort_by_key(|c| c.index());
    for cap in supported.iter().filter(|c| !requested.contains(c)) {
        if u32::from(cap.index()) > last {
            continue;
        }
        caps::drop(None, caps::CapSet::Bounding, *cap).map_err(|e| ApplyError::BoundingSet {
            capability: cap.to_string(),
            source: io::Error::other(e.to_string()),
        })?;
    }

    for set in [
        caps::CapSet::Effective,
        caps::CapSet::Permitted,
        caps::CapSet::Inheritable,
    ] {
        // capset(2) requires effective ⊆ permitted after every call, so
        // effective shrinks first; inheritable then stays within permitted.
        caps::set(None, set, &known).map_err(|e| ApplyError::Capset {
            caps: caps.to_string(),
            source: io::Error::other(e.to_string()),
        })?;
    }

    caps::clear(None, caps::CapSet::Ambient).map_err(|e| ApplyError::Ambient {
        capability: "(clear)".to_string(),
        source: io::Error::other(e.to_string()),
    })?;
    for cap in &known {
        caps::raise(None, caps::CapSet::Ambient, *cap).map_err(|e| ApplyError::Ambient {
            capability: cap.to_string(),
            source: io::Error::other(e.to_string()),
        })?;
    }
    Ok(())
}

/// Returns the highest capability number of the running kernel.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Sets no_new_privs, which lets an unprivileged process install a filter
/// and keeps `execve` from gaining privileges.
pub fn set_no_new_privs() -> Result<(), ApplyError> {
    // SAFETY: prctl with integer arguments only.
    let rc = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    if rc != 0 {
        return Err(ApplyError::NoNewPrivs(io::Error::last_os_error()));
    }
    Ok(())
}

/// Installs `program` on every thread of the process (TSYNC).
pub fn install_filter(
    program: &[SockFilter],
    flags: Option<&[FilterFlag]>,
) -> Result<(), ApplyError> {
    let mut bits = SECCOMP_FILTER_FLAG_TSYNC;
    let implicit_spec_allow = flags.is_none();
    if let Some(flags) = flags {
        for flag in flags {
            bits |= flag.bit();
        }
    } else {
        bits |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    }
    let result = seccomp_set_mode_filter(program, bits);
    match result {
        // Kernels before 4.17 lack SPEC_ALLOW; runc and crun then load without it.
        Err(ApplyError::Install { ref source, .. })
            if implicit_spec_allow && source.raw_os_error() == Some(libc::EINVAL) =>
        {
            seccomp_set_mode_filter(program, bits & !SECCOMP_FILTER_FLAG_SPEC_ALLOW)
        }
        other => other,
    }
}

fn seccomp_set_mode_filter(program: &[SockFilter], flags: libc::c_uint) -> Result<(), ApplyError> {
    let prog = libc::sock_fprog {
        len: program.len() as libc::c_ushort,
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: SockFilter is #[repr(C)] with the layout of struct sock_filter,
    // and `prog` points into `program`, which outlives the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const libc::sock_fprog,
        )
    };
    match rc {
        0 => Ok(()),
        tid if tid > 0 => Err(ApplyError::Tsync(tid)),
        _ => Err(ApplyError::Install {
            len: program.len(),
            source: io::Error::last_os_error(),
        }),
    }
}

/// A command resolved and converted before the filter goes on.
pub struct PreparedExec {
    path: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
}

impl PreparedExec {
    /// Resolves `argv[0]` in PATH (like `execvp`) and copies the arguments
    /// and environment into C strings.
    pub fn new(argv: &[impl AsRef<OsStr>]) -> Result<PreparedExec, ApplyError> {
        let to_c = |s: &OsStr| {
            CString::new(s.as_bytes())
                .map_err(|_| ApplyError::NulByte(s.to_string_lossy().into_owned()))
        };
        let program = argv
            .first()
            .ok_or_else(|| ApplyError::NotFound(String::new()))?
            .as_ref();
        let path = find_in_path(Path::new(program))
            .ok_or_else(|| ApplyError::NotFound(program.to_string_lossy().into_owned()))?;
        let argv = argv
            .iter()
            .map(|a| to_c(a.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let envp = std::env::vars_os()
            .map(|(k, v)| {
                let mut pair = k.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(v.as_bytes());
                CString::new(pair)
                    .map_err(|_| ApplyError::NulByte(k.to_string_lossy().into_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PreparedExec {
            path: to_c(path.as_os_str())?,
            argv,
            envp,
        })
    }

    /// Calls `execve`; returns only on failure.
    pub fn exec(&self) -> ApplyError {
        let mut argv: Vec<*const libc::c_char> = self.argv.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const libc::c_char> = self.envp.iter().map(|e| e.as_ptr()).collect();
        envp.push(std::ptr::null());
        // SAFETY: both arrays are NULL-terminated and point into owned CStrings.
        unsafe { libc::execve(self.path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
        ApplyError::Exec {
            path: self.path.to_string_lossy().into_owned(),
            source: io::Error::last_os_error(),
        }
    }
}

fn find_in_path(program: &Path) -> Option<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Some(program.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
