//! Wall time per syscall under an installed filter, measured in a forked
//! child: the child sets no_new_privs, installs the filter, pins itself to
//! one CPU, times a loop of raw syscalls with `CLOCK_MONOTONIC` and sends the
//! results to the parent through a pipe. The child also reads
//! `CLOCK_THREAD_CPUTIME_ID`, which leaves out the time other processes held
//! the CPU, to show how much of the wall time is load on the machine.

use seccomp_kit::apply::{install_filter, set_no_new_privs};
use seccomp_kit::bpf::SockFilter;
use std::hint::black_box;
use std::io;
use std::time::Duration;

/// One syscall to time, called as `syscall(nr, args…)`.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub label: &'static str,
    pub nr: libc::c_long,
    pub args: [libc::c_long; 3],
}

/// Measurements of one probe in one child.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Wall time (`CLOCK_MONOTONIC`).
    pub ns_per_call: f64,
    /// CPU time of the child's thread (`CLOCK_THREAD_CPUTIME_ID`).
    pub cpu_ns_per_call: f64,
    /// `errno` after the first call, 0 when it succeeded. It shows who
    /// decided the call, for example EPERM from the filter or EOPNOTSUPP
    /// from the kernel.
    pub errno: i32,
}

/// Calls made before the timed loop, so that caches and branch predictors
/// are warm.
const WARM_UP_CALLS: u64 = 10_000;

/// Bytes one [`Sample`] takes in the pipe: two `f64` and an `i32`.
const SAMPLE_BYTES: usize = 20;

/// Forks a child that installs `filter` (none when `None`), times `calls`
/// calls of each probe and reports back. `cpu` is the CPU the child pins
/// itself to.
pub fn measure(
    filter: Option<&[SockFilter]>,
    probes: &[Probe],
    calls: u64,
    cpu: usize,
) -> io::Result<Vec<Sample>> {
    let mut fds = [0; 2];
    // SAFETY: pipe writes two descriptors into the array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let (read_fd, write_fd) = (fds[0], fds[1]);

    // SAFETY: the benchmark is single-threaded, so the child may run any
    // code; it leaves through `_exit` and never returns into the caller.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: closing this process's copy of the read end.
        unsafe { libc::close(read_fd) };
        let status = match run_child(filter, probes, calls, cpu) {
            Ok(bytes) => {
                write_all(write_fd, &bytes);
                0
            }
            Err(message) => {
                eprintln!("benchmark child failed: {message}");
                1
            }
        };
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(status) };
    }

    // SAFETY: closing the parent's copy of the write end, so that reading
    // ends when the child exits.
    unsafe { libc::close(write_fd) };
    let bytes = read_all(read_fd);
    // SAFETY: the read end is no longer used.
    unsafe { libc::close(read_fd) };
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
        return Err(io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(io::Error::other(format!(
            "benchmark child {pid} failed (wait status {status:#x}); a signal number in the low \
             bits means the filter killed it"
        )));
    }
    if bytes.len() != probes.len() * SAMPLE_BYTES {
        return Err(io::Error::other(format!(
            "benchmark child sent {} bytes, expected {}",
            bytes.len(),
            probes.len() * SAMPLE_BYTES
        )));
    }
    Ok(bytes.chunks_exact(SAMPLE_BYTES).map(decode).collect())
}

fn run_child(
    filter: Option<&[SockFilter]>,
    probes: &[Probe],
    calls: u64,
    cpu: usize,
) -> Result<Vec<u8>, String> {
    pin_to_cpu(cpu)?;
    set_no_new_privs().map_err(|e| e.to_string())?;
    if let Some(program) = filter {
        install_filter(program, None).map_err(|e| e.to_string())?;
    }
    let mut bytes = Vec::with_capacity(probes.len() * SAMPLE_BYTES);
    for probe in probes {
        let sample = time_probe(probe, calls);
        bytes.extend_from_slice(&sample.ns_per_call.to_ne_bytes());
        bytes.extend_from_slice(&sample.cpu_ns_per_call.to_ne_bytes());
        bytes.extend_from_slice(&sample.errno.to_ne_bytes());
    }
    Ok(bytes)
}

fn time_probe(probe: &Probe, calls: u64) -> Sample {
    let errno = if raw_syscall(probe) < 0 {
        io::Error::last_os_error().raw_os_error().unwrap_or(0)
    } else {
        0
    };
    for _ in 0..WARM_UP_CALLS {
        black_box(raw_syscall(probe));
    }
    let start = clock(libc::CLOCK_MONOTONIC);
    let cpu_start = clock(libc::CLOCK_THREAD_CPUTIME_ID);
    for _ in 0..calls {
        black_box(raw_syscall(probe));
    }
    let cpu_elapsed = clock(libc::CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    let elapsed = clock(libc::CLOCK_MONOTONIC) - start;
    Sample {
        ns_per_call: elapsed.as_nanos() as f64 / calls as f64,
        cpu_ns_per_call: cpu_elapsed.as_nanos() as f64 / calls as f64,
        errno,
    }
}

fn raw_syscall(probe: &Probe) -> libc::c_long {
    let [a0, a1, a2] = black_box(probe.args);
    // SAFETY: the probes are chosen to be harmless whatever the filter
    // decides: queries, calls with invalid arguments, or unknown numbers.
    unsafe { libc::syscall(black_box(probe.nr), a0, a1, a2) }
}

fn clock(id: libc::clockid_t) -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into `now`.
    unsafe { libc::clock_gettime(id, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn pin_to_cpu(cpu: usize) -> Result<(), String> {
    // SAFETY: cpu_set_t is plain data; CPU_SET and sched_setaffinity only
    // touch the set and this process.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(format!(
                "sched_setaffinity to CPU {cpu} failed: {}",
                io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

fn decode(chunk: &[u8]) -> Sample {
    let mut ns = [0u8; 8];
    ns.copy_from_slice(&chunk[..8]);
    let mut cpu_ns = [0u8; 8];
    cpu_ns.copy_from_slice(&chunk[8..16]);
    let mut errno = [0u8; 4];
    errno.copy_from_slice(&chunk[16..20]);
    Sample {
        ns_per_call: f64::from_ne_bytes(ns),
        cpu_ns_per_call: f64::from_ne_bytes(cpu_ns),
        errno: i32::from_ne_bytes(errno),
    }
}

fn write_all(fd: libc::c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writes from a live slice to a descriptor this process owns.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            return;
        }
        bytes = &bytes[written as usize..];
    }
}

fn read_all(fd: libc::c_int) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        // SAFETY: reads into a live buffer from a descriptor this process owns.
        let read = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
        if read < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if read <= 0 {
            return out;
        }
        out.extend_from_slice(&buffer[..read as usize]);
    }
}
