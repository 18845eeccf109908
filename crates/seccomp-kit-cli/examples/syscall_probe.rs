//! Syscall probe for the kernel tests (`tests/kernel.rs`).
//!
//! Usage: `syscall_probe HANDLE_FILE MOUNT_DIR`
//!
//! Prints the seccomp and capability lines of `/proc/self/status`, then
//! issues raw syscalls and prints one line per syscall:
//!
//! ```text
//! status Seccomp 2
//! getpid ret=4242 errno=0
//! open_by_handle_at ret=-1 errno=1 (Operation not permitted)
//! ```
//!
//! `HANDLE_FILE` is the file for `name_to_handle_at` and `open_by_handle_at`.
//! Its directory serves as the mount fd, which must be on the same filesystem.
//! `MOUNT_DIR` is the target of a tmpfs `mount`; `-` skips the mount. A
//! mount that succeeds is unmounted at once.
//!
//! The probe calls `unshare(CLONE_NEWUSER)` last, because a success moves
//! the probe into a new user namespace, where the other results would differ.

use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// MAX_HANDLE_SZ from include/linux/exportfs.h.
const MAX_HANDLE_SZ: usize = 128;

/// `struct file_handle` with room for the largest handle.
#[repr(C)]
struct FileHandle {
    handle_bytes: libc::c_uint,
    handle_type: libc::c_int,
    f_handle: [u8; MAX_HANDLE_SZ],
}

/// The `/proc/self/status` fields the tests check.
const STATUS_FIELDS: [&str; 8] = [
    "NoNewPrivs",
    "Seccomp",
    "Seccomp_filters",
    "CapInh",
    "CapPrm",
    "CapEff",
    "CapBnd",
    "CapAmb",
];

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let [handle_file, mount_dir] = args.as_slice() else {
        eprintln!(
            "usage: syscall_probe HANDLE_FILE MOUNT_DIR (MOUNT_DIR may be - to skip the mount)"
        );
        std::process::exit(2);
    };
    let handle_file = c_path(Path::new(handle_file));
    let mount_dir = (mount_dir != "-").then(|| c_path(Path::new(mount_dir)));

    print_status();

    // SAFETY: getpid takes no arguments.
    let rc = unsafe { libc::syscall(libc::SYS_getpid) };
    report("getpid", rc);

    probe_file_handles(&handle_file);

    match &mount_dir {
        Some(dir) => probe_mount(dir),
        None => println!("mount skipped"),
    }

    // clone3 with a NULL struct and size 0 cannot create a process: the
    // kernel rejects the size with EINVAL, and a filter returns its result
    // before that.
    // SAFETY: the kernel checks the size before it reads the pointer.
    let rc = unsafe { libc::syscall(libc::SYS_clone3, std::ptr::null::<u8>(), 0usize) };
    report("clone3", rc);

    // SAFETY: unshare takes a flag word only.
    let rc = unsafe { libc::syscall(libc::SYS_unshare, libc::CLONE_NEWUSER) };
    report("unshare", rc);
}

fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap_or_else(|_| {
        eprintln!("path contains a NUL byte: {}", path.display());
        std::process::exit(2);
    })
}

/// Prints `NAME ret=R errno=E`, with the error text when `ret` is -1.
fn report(name: &str, rc: libc::c_long) {
    if rc == -1 {
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
        println!("{name} ret=-1 errno={errno} ({})", error_text(errno));
    } else {
        println!("{name} ret={rc} errno=0");
    }
}

/// Returns the C library's text for `errno`, without the "(os error N)"
/// suffix that `io::Error` adds.
fn error_text(errno: libc::c_int) -> String {
    // SAFETY: strerror returns a NUL-terminated string that stays valid
    // until the next strerror call on this thread, and it is copied at once.
    unsafe { std::ffi::CStr::from_ptr(libc::strerror(errno)) }
        .to_string_lossy()
        .into_owned()
}

fn print_status() {
    let text = match std::fs::read_to_string("/proc/self/status") {
        Ok(text) => text,
        Err(err) => {
            println!("status unreadable ({err})");
            return;
        }
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if STATUS_FIELDS.contains(&key) {
            println!("status {key} {}", value.trim());
        }
    }
}

fn probe_file_handles(file: &CString) {
    let mut handle = FileHandle {
        handle_bytes: MAX_HANDLE_SZ as libc::c_uint,
        handle_type: 0,
        f_handle: [0; MAX_HANDLE_SZ],
    };
    let mut mount_id: libc::c_int = 0;
    // SAFETY: `handle` has room for the MAX_HANDLE_SZ bytes set in
    // handle_bytes, and `file` is NUL-terminated.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            libc::AT_FDCWD,
            file.as_ptr(),
            &mut handle as *mut FileHandle,
            &mut mount_id as *mut libc::c_int,
            0,
        )
    };
    report("name_to_handle_at", rc);
    if rc != 0 {
        println!("open_by_handle_at skipped: name_to_handle_at failed");
        return;
    }

    // The file's directory is on the same filesystem unless the file is a
    // mount point itself, so it can serve as the mount fd. A mount fd on
    // another filesystem gives ESTALE.
    let file_path = Path::new(std::ffi::OsStr::from_bytes(file.as_bytes()));
    let dir = c_path(file_path.parent().unwrap_or(Path::new("/")));
    // SAFETY: `dir` is NUL-terminated.
    let mount_fd = unsafe {
        libc::open(
            dir.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if mount_fd < 0 {
        println!(
            "open_by_handle_at skipped: cannot open the mount fd {} ({})",
            file_path.parent().unwrap_or(Path::new("/")).display(),
            io::Error::last_os_error()
        );
        return;
    }
    // SAFETY: `handle` was filled in by name_to_handle_at above.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            mount_fd,
            &mut handle as *mut FileHandle,
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    report("open_by_handle_at", rc);
    // SAFETY: both fds were opened above and are closed once.
    unsafe {
        if rc >= 0 {
            libc::close(rc as libc::c_int);
        }
        libc::close(mount_fd);
    }
}

fn probe_mount(dir: &CString) {
    let source = c"none";
    let fstype = c"tmpfs";
    // SAFETY: all strings are NUL-terminated, and data is NULL.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount,
            source.as_ptr(),
            dir.as_ptr(),
            fstype.as_ptr(),
            0 as libc::c_ulong,
            std::ptr::null::<libc::c_void>(),
        )
    };
    report("mount", rc);
    if rc == 0 {
        // Leave no mount behind. The test's cleanup also unmounts the
        // directory if it is still a mount point.
        // SAFETY: `dir` is NUL-terminated.
        let rc = unsafe { libc::syscall(libc::SYS_umount2, dir.as_ptr(), libc::MNT_DETACH) };
        report("umount2", rc);
    }
}
