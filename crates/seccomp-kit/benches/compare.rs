//! Compares seccomp-kit's compiled filters with the system libseccomp's, built
//! with runc's translation in the linear and the binary-tree layout.
//!
//! The filters are the built-in default profile and moby's default profile,
//! resolved for an x86_64 host (x86_64, x86 and x32 ABIs) on kernel 6.18,
//! with Docker's default capabilities and with all capabilities.
//!
//! Run with `cargo bench -p seccomp-kit --bench compare`. Everything prints in
//! one run: filter lengths, instructions executed per syscall (emulated),
//! syscalls the kernel can cache, compile times, and wall time per syscall
//! in forked children. `BENCHMARKS.md` at the repository root describes the
//! method and records results.
//!
//! Environment: `SECCOMP_KIT_BENCH_CALLS` sets the calls per timed loop
//! (default 2,000,000), `SECCOMP_KIT_BENCH_ROUNDS` the interleaved rounds
//! (default 5).

mod common;

use common::executed::{self, classify, execute, Group, Stats};
use common::kernel_cache::{self, compat_arch, is_const_allow};
use common::libseccomp_filter::{self, Layout};
use common::wall_time::{self, Probe, Sample};
use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::{compile, emulator, SockFilter};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{Policy, PolicyOptions};
use seccomp_kit::profile::{default_profile, KernelVersion, Profile};
use seccomp_kit::resolve::{resolve, Resolved, Target};
use std::time::{Duration, Instant};

const HOST: Arch = Arch::X86_64;
const KERNEL: KernelVersion = KernelVersion::new(6, 18);
const ABIS: [Arch; 3] = [Arch::X86_64, Arch::X86, Arch::X32];

/// moby's default profile from the shared test data, read at run time.
const MOBY_PROFILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/profiles/moby-profiles-default.json"
);

/// Runs of resolve + compile (ours) and of rule building + generation
/// (libseccomp) whose median is reported.
const COMPILE_RUNS: usize = 31;

const DEFAULT_CALLS: u64 = 2_000_000;
const DEFAULT_ROUNDS: usize = 5;

/// The three filters compared, in column order.
const FILTER_LABELS: [&str; 3] = ["ours", "libseccomp linear", "libseccomp tree"];
const OURS: usize = 0;
const LINEAR: usize = 1;
const TREE: usize = 2;

/// clone flags of glibc's `pthread_create` when it falls back from clone3:
/// CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
/// CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID.
const PTHREAD_CLONE_FLAGS: u64 = 0x003d_0f00;
const AF_INET: u64 = 2;
const AF_VSOCK: u64 = 40;
const SOCK_STREAM: u64 = 1;
/// `personality(0xffffffff)` queries the persona without changing it.
const PERSONALITY_QUERY: u64 = 0xffff_ffff;

/// A syscall number the kernel has on no ABI.
const UNKNOWN_NR: u32 = 999;

/// A syscall by name, or a raw number (given without the x32 bit).
#[derive(Clone, Copy)]
enum Syscall {
    Named(&'static str),
    Raw(u32),
}

impl Syscall {
    /// Returns the number the kernel puts in `seccomp_data.nr` on `arch`.
    fn number(self, arch: Arch) -> Option<u32> {
        match self {
            Syscall::Named(name) => arch.syscall_number(name),
            Syscall::Raw(u32::MAX) => Some(u32::MAX),
            Syscall::Raw(nr) if arch == Arch::X32 => Some(nr | X32_SYSCALL_BIT),
            Syscall::Raw(nr) => Some(nr),
        }
    }
}

/// One call: a syscall with its first three arguments.
#[derive(Clone, Copy)]
struct Call {
    label: &'static str,
    syscall: Syscall,
    args: [u64; 3],
}

impl Call {
    const fn new(label: &'static str, syscall: Syscall, args: [u64; 3]) -> Call {
        Call {
            label,
            syscall,
            args,
        }
    }

    fn args6(&self) -> [u64; 6] {
        [self.args[0], self.args[1], self.args[2], 0, 0, 0]
    }
}

/// Calls whose path lengths the performance targets name, plus the
/// denied and unknown numbers, emulated on every ABI.
const SPECIFIC_CALLS: [Call; 11] = [
    Call::new("clone(0)", Syscall::Named("clone"), [0, 0, 0]),
    Call::new(
        "clone(pthread flags)",
        Syscall::Named("clone"),
        [PTHREAD_CLONE_FLAGS, 0, 0],
    ),
    Call::new(
        "socket(AF_INET)",
        Syscall::Named("socket"),
        [AF_INET, SOCK_STREAM, 0],
    ),
    Call::new(
        "socket(AF_VSOCK)",
        Syscall::Named("socket"),
        [AF_VSOCK, SOCK_STREAM, 0],
    ),
    Call::new("personality(0)", Syscall::Named("personality"), [0, 0, 0]),
    Call::new(
        "personality(query)",
        Syscall::Named("personality"),
        [PERSONALITY_QUERY, 0, 0],
    ),
    Call::new("clone3", Syscall::Named("clone3"), [0, 0, 0]),
    Call::new(
        "io_uring_setup",
        Syscall::Named("io_uring_setup"),
        [0, 0, 0],
    ),
    Call::new("keyctl(-1)", Syscall::Named("keyctl"), [u64::MAX, 0, 0]),
    Call::new("nr 999 (unknown)", Syscall::Raw(UNKNOWN_NR), [0, 0, 0]),
    Call::new("nr -1", Syscall::Raw(u32::MAX), [0, 0, 0]),
];

/// A realistic x86_64 syscall mix with relative weights. The weights are a
/// guess shaped like `strace -c` output of a threaded network service, where
/// I/O and futex dominate and thread and socket creation are rare. No trace
/// was recorded for them. `personality` is rare in practice and is here
/// because Docker's profile checks its argument.
const MIX: [(Call, u32); 28] = [
    (Call::new("read", Syscall::Named("read"), [0, 0, 0]), 18),
    (Call::new("write", Syscall::Named("write"), [0, 0, 0]), 14),
    (Call::new("futex", Syscall::Named("futex"), [0, 0, 0]), 14),
    (
        Call::new("epoll_wait", Syscall::Named("epoll_wait"), [0, 0, 0]),
        7,
    ),
    (
        Call::new("epoll_pwait", Syscall::Named("epoll_pwait"), [0, 0, 0]),
        3,
    ),
    (
        Call::new("recvfrom", Syscall::Named("recvfrom"), [0, 0, 0]),
        6,
    ),
    (Call::new("sendto", Syscall::Named("sendto"), [0, 0, 0]), 6),
    (
        Call::new("recvmsg", Syscall::Named("recvmsg"), [0, 0, 0]),
        2,
    ),
    (
        Call::new("sendmsg", Syscall::Named("sendmsg"), [0, 0, 0]),
        2,
    ),
    (Call::new("openat", Syscall::Named("openat"), [0, 0, 0]), 4),
    (Call::new("close", Syscall::Named("close"), [0, 0, 0]), 5),
    (
        Call::new("newfstatat", Syscall::Named("newfstatat"), [0, 0, 0]),
        3,
    ),
    (Call::new("fstat", Syscall::Named("fstat"), [0, 0, 0]), 2),
    (Call::new("lseek", Syscall::Named("lseek"), [0, 0, 0]), 1),
    (Call::new("mmap", Syscall::Named("mmap"), [0, 0, 0]), 2),
    (Call::new("munmap", Syscall::Named("munmap"), [0, 0, 0]), 1),
    (
        Call::new("mprotect", Syscall::Named("mprotect"), [0, 0, 0]),
        1,
    ),
    (
        Call::new("madvise", Syscall::Named("madvise"), [0, 0, 0]),
        1,
    ),
    (Call::new("brk", Syscall::Named("brk"), [0, 0, 0]), 1),
    (
        Call::new(
            "rt_sigprocmask",
            Syscall::Named("rt_sigprocmask"),
            [0, 0, 0],
        ),
        2,
    ),
    (
        Call::new(
            "clock_nanosleep",
            Syscall::Named("clock_nanosleep"),
            [0, 0, 0],
        ),
        2,
    ),
    (
        Call::new("getrandom", Syscall::Named("getrandom"), [0, 0, 0]),
        1,
    ),
    (
        Call::new("accept4", Syscall::Named("accept4"), [0, 0, 0]),
        1,
    ),
    (Call::new("clone3", Syscall::Named("clone3"), [0, 0, 0]), 1),
    (
        Call::new(
            "clone(pthread flags)",
            Syscall::Named("clone"),
            [PTHREAD_CLONE_FLAGS, 0, 0],
        ),
        1,
    ),
    (
        Call::new(
            "socket(AF_INET)",
            Syscall::Named("socket"),
            [AF_INET, SOCK_STREAM, 0],
        ),
        1,
    ),
    (
        Call::new(
            "personality(query)",
            Syscall::Named("personality"),
            [PERSONALITY_QUERY, 0, 0],
        ),
        1,
    ),
    (Call::new("getpid", Syscall::Named("getpid"), [0, 0, 0]), 1),
];

/// Indices into [`wall_probes`] that the targets summary reads.
const PROBE_CACHED: usize = 0;
const PROBE_DENIED: usize = 1;
const PROBE_UNKNOWN: usize = 2;

/// Syscalls timed in the children. Each is harmless whatever the filter
/// decides: a query, a call with invalid arguments, or an unknown number.
fn wall_probes() -> [Probe; 5] {
    [
        Probe {
            label: "getppid (allowed, cacheable)",
            nr: libc::SYS_getppid,
            args: [0, 0, 0],
        },
        // Without a filter the kernel rejects the unknown command with
        // EOPNOTSUPP before touching any key.
        Probe {
            label: "keyctl(-1) (denied)",
            nr: libc::SYS_keyctl,
            args: [-1, 0, 0],
        },
        Probe {
            label: "nr 999 (unknown)",
            nr: UNKNOWN_NR as libc::c_long,
            args: [0, 0, 0],
        },
        Probe {
            label: "personality(0xffffffff) (arg-checked)",
            nr: libc::SYS_personality,
            args: [PERSONALITY_QUERY as libc::c_long, 0, 0],
        },
        // With a NULL argument structure of size 0 the kernel fails with
        // EINVAL, and the filters return ENOSYS.
        Probe {
            label: "clone3(NULL, 0) (ENOSYS)",
            nr: libc::SYS_clone3,
            args: [0, 0, 0],
        },
    ]
}

/// One profile and capability set, resolved and compiled three ways.
struct Config {
    label: String,
    profile: Profile,
    caps: CapSet,
    resolved: Resolved,
    policy: Policy,
    /// Indexed by [`OURS`], [`LINEAR`] and [`TREE`].
    programs: [Vec<SockFilter>; 3],
}

/// One figure per filter, indexed by [`OURS`], [`LINEAR`] and [`TREE`].
type PerFilter = [usize; 3];

/// Figures kept from a configuration for the targets summary.
#[derive(Default)]
struct Findings {
    lengths: PerFilter,
    /// Maximum instructions of argument-free decisions (allowed and denied)
    /// per ABI, in the order of [`ABIS`].
    max_argument_free: [PerFilter; 3],
    /// Maximum instructions of the clone, socket and personality calls in
    /// [`SPECIFIC_CALLS`] per ABI.
    max_named: [PerFilter; 3],
    cacheable: [usize; 3],
    constant_allow: usize,
    compile_total: [Duration; 3],
}

fn main() {
    let calls = env_number("SECCOMP_KIT_BENCH_CALLS", DEFAULT_CALLS);
    let rounds = env_number("SECCOMP_KIT_BENCH_ROUNDS", DEFAULT_ROUNDS as u64) as usize;
    let started = Instant::now();
    print_machine();
    print_mix();

    let moby_text = std::fs::read_to_string(MOBY_PROFILE)
        .unwrap_or_else(|e| {
            panic!("reading {MOBY_PROFILE} failed: {e}; the benchmark expects shared/ next to the repository")
        });
    let moby = Profile::from_json(&moby_text)
        .unwrap_or_else(|e| panic!("{MOBY_PROFILE} does not parse: {e}"))
        .profile;
    let profiles = [
        ("built-in default profile", default_profile()),
        ("moby default profile", moby),
    ];
    let cap_sets = [
        ("default caps", CapSet::docker_default()),
        ("all caps", CapSet::all()),
    ];

    let mut configs = Vec::new();
    for (profile_label, profile) in &profiles {
        for (caps_label, caps) in &cap_sets {
            configs.push(build_config(
                format!("{profile_label}, {caps_label}"),
                profile,
                caps,
            ));
        }
    }

    let mut findings = Vec::new();
    for config in &configs {
        findings.push(report_config(config));
    }

    // Wall time is measured for the default-caps configurations only,
    // because the all-caps filters differ from them in a few rules.
    let timed: Vec<&Config> = configs
        .iter()
        .filter(|c| c.caps == CapSet::docker_default())
        .collect();
    let wall = report_wall_time(&timed, calls, rounds);

    let moby_default = configs
        .iter()
        .position(|c| c.label.starts_with("moby") && c.caps == CapSet::docker_default())
        .expect("the moby default-caps configuration is built above");
    report_targets(&configs[moby_default], &findings[moby_default], &wall);
    println!(
        "\nbenchmark finished in {:.1} s; load average at the end: {}",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

/// Returns the 1, 5 and 15 minute load averages, which show how much other
/// work shared the machine with the timed loops.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            panic!("{name}={text:?} is not a positive integer; unset it or give a number")
        }),
        Err(_) => default,
    }
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string());
    let libseccomp = libseccomp::ScmpVersion::current()
        .map(|v| format!("{}.{}.{}", v.major, v.minor, v.micro))
        .unwrap_or_else(|e| format!("unknown ({e})"));
    println!("# seccomp-kit vs libseccomp");
    println!("machine: {cpus} CPUs, {cpu}, kernel {kernel}; libseccomp {libseccomp}");
    println!("load average at start: {}", load_average());
    println!(
        "filters for host {HOST}, kernel {KERNEL}; libseccomp filters are libseccomp's program \
         without runc's ENOSYS stub"
    );
}

fn print_mix() {
    let total: u32 = MIX.iter().map(|(_, weight)| weight).sum();
    println!("\n## Frequency mix (x86_64; the weights are a guess, not measured)");
    let entries: Vec<String> = MIX
        .iter()
        .map(|(call, weight)| format!("{} {weight}", call.label))
        .collect();
    println!("total weight {total}: {}", entries.join(", "));
}

fn build_config(label: String, profile: &Profile, caps: &CapSet) -> Config {
    let target = Target::new(HOST, caps.clone(), KERNEL);
    let resolved = resolve(profile, &target)
        .unwrap_or_else(|e| panic!("{label}: resolve failed: {e}"))
        .unwrap_or_else(|| panic!("{label}: the profile disables seccomp"));
    let policy = Policy::build(&resolved, &PolicyOptions::new(HOST))
        .unwrap_or_else(|e| panic!("{label}: policy failed: {e}"));
    let ours = compile(&policy).unwrap_or_else(|e| panic!("{label}: compile failed: {e}"));
    let linear = libseccomp_filter::generate(&resolved, HOST, Layout::Linear).program;
    let tree = libseccomp_filter::generate(&resolved, HOST, Layout::Tree).program;
    let programs = [ours, linear, tree];
    for (program, name) in programs.iter().zip(FILTER_LABELS) {
        emulator::verify(program)
            .unwrap_or_else(|e| panic!("{label}: the {name} filter fails verification: {e}"));
    }
    Config {
        label,
        profile: profile.clone(),
        caps: caps.clone(),
        resolved,
        policy,
        programs,
    }
}

fn report_config(config: &Config) -> Findings {
    let mut findings = Findings::default();
    println!("\n## {} (host {HOST}, kernel {KERNEL})", config.label);
    println!("ABIs in the filter: {:?}", config.resolved.architectures);

    findings.lengths = config.programs.each_ref().map(Vec::len);
    println!(
        "\nfilter length (instructions): ours {}, libseccomp linear {}, libseccomp tree {} \
         (ours ÷ tree = {:.2})",
        findings.lengths[OURS],
        findings.lengths[LINEAR],
        findings.lengths[TREE],
        findings.lengths[OURS] as f64 / findings.lengths[TREE] as f64
    );

    findings.compile_total = report_compile_time(config);
    let max_over_numbers = report_groups(config);
    let (max_named, max_unknown) = report_specific_calls(config);
    findings.max_argument_free = std::array::from_fn(|abi| {
        std::array::from_fn(|filter| max_over_numbers[abi][filter].max(max_unknown[abi][filter]))
    });
    findings.max_named = max_named;
    report_mix(config);
    let (constant_allow, cacheable) = report_cache(config);
    findings.constant_allow = constant_allow;
    findings.cacheable = cacheable;
    findings
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn format_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 1000.0 {
        format!("{:.2} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

/// Times resolve + policy + compile for ours and rule building + generation
/// for libseccomp. Returns the median totals per filter.
fn report_compile_time(config: &Config) -> [Duration; 3] {
    let target = Target::new(HOST, config.caps.clone(), KERNEL);
    let (mut resolving, mut modelling, mut compiling, mut ours_total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..COMPILE_RUNS {
        let start = Instant::now();
        let resolved = resolve(&config.profile, &target).ok().flatten();
        let resolved_at = Instant::now();
        let policy = resolved.and_then(|r| Policy::build(&r, &PolicyOptions::new(HOST)).ok());
        let modelled_at = Instant::now();
        let program = policy.map(|p| compile(&p));
        let compiled_at = Instant::now();
        std::hint::black_box(program);
        resolving.push(resolved_at - start);
        modelling.push(modelled_at - resolved_at);
        compiling.push(compiled_at - modelled_at);
        ours_total.push(compiled_at - start);
    }

    let mut libseccomp_parts = Vec::new();
    for layout in [Layout::Linear, Layout::Tree] {
        let (mut building, mut generating, mut total) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..COMPILE_RUNS {
            let generated = libseccomp_filter::generate(&config.resolved, HOST, layout);
            building.push(generated.rule_building);
            generating.push(generated.generation);
            total.push(generated.rule_building + generated.generation);
        }
        libseccomp_parts.push((median(building), median(generating), median(total)));
    }

    let ours = median(ours_total);
    let (linear, tree) = (libseccomp_parts[0].2, libseccomp_parts[1].2);
    println!("\ncompile time, median of {COMPILE_RUNS} runs:");
    println!(
        "  ours:              {:>9} = resolve {} + policy {} + compile {}",
        format_duration(ours),
        format_duration(median(resolving)),
        format_duration(median(modelling)),
        format_duration(median(compiling))
    );
    for (label, (building, generating, total)) in ["libseccomp linear", "libseccomp tree"]
        .iter()
        .zip(&libseccomp_parts)
    {
        println!(
            "  {label:<18} {:>9} = rule building {} + generation {}   ({:.1}× ours)",
            format_duration(*total),
            format_duration(*building),
            format_duration(*generating),
            total.as_secs_f64() / ours.as_secs_f64()
        );
    }
    [ours, linear, tree]
}

/// Prints instructions executed per group and ABI, with all arguments 0.
/// Returns, per ABI and filter, the maximum over the argument-free groups.
fn report_groups(config: &Config) -> [PerFilter; 3] {
    println!("\ninstructions executed, arguments 0 (mean / max):");
    println!(
        "  {:<7} {:<17} {:>5}   {:>13} {:>17} {:>15}",
        "ABI", "group", "count", FILTER_LABELS[0], FILTER_LABELS[1], FILTER_LABELS[2]
    );
    let mut max_argument_free = [[0usize; 3]; 3];
    for (abi_index, abi) in ABIS.into_iter().enumerate() {
        let mut all = [Stats::default(); 3];
        let mut by_group = vec![[Stats::default(); 3]; Group::ALL.len()];
        let mut denied = [Stats::default(); 3];
        for nr in executed::numbers(abi) {
            let group = classify(&config.policy, abi, nr);
            for (filter, program) in config.programs.iter().enumerate() {
                let (_, count) = execute(program, abi, nr, [0; 6]);
                all[filter].add(count);
                by_group[group as usize][filter].add(count);
                if group.is_denied() {
                    denied[filter].add(count);
                }
                if group != Group::ArgumentChecked {
                    let max = &mut max_argument_free[abi_index][filter];
                    *max = (*max).max(count);
                }
            }
        }
        print_stats_row(abi, "all numbers", &all);
        for group in Group::ALL {
            if group == Group::Errno {
                print_stats_row(abi, "denied (all)", &denied);
            }
            print_stats_row(abi, group.label(), &by_group[group as usize]);
        }
    }
    max_argument_free
}

fn print_stats_row(abi: Arch, label: &str, stats: &[Stats; 3]) {
    if stats[0].count == 0 {
        return;
    }
    let cells: Vec<String> = stats
        .iter()
        .map(|s| format!("{:.1} / {}", s.mean(), s.max))
        .collect();
    println!(
        "  {:<7} {:<17} {:>5}   {:>13} {:>17} {:>15}",
        abi.name(),
        label,
        stats[0].count,
        cells[0],
        cells[1],
        cells[2]
    );
}

/// Prints the named calls on every ABI. Returns, per ABI and filter, the
/// maximum for clone, socket and personality, and the maximum for the
/// unknown numbers (999 and -1).
fn report_specific_calls(config: &Config) -> ([PerFilter; 3], [PerFilter; 3]) {
    println!("\nnamed calls, instructions executed (ours / linear / tree) and the model's decision on x86_64:");
    println!(
        "  {:<21} {:<16} {:>14} {:>14} {:>14}",
        "call", "decision", "x86_64", "x86", "x32"
    );
    let mut max_named = [[0usize; 3]; 3];
    let mut max_unknown = [[0usize; 3]; 3];
    for call in SPECIFIC_CALLS {
        let decision = call
            .syscall
            .number(HOST)
            .map(|nr| {
                config
                    .policy
                    .decide(HOST.audit_arch(), nr, call.args6())
                    .decision
                    .to_string()
            })
            .unwrap_or_else(|| "-".to_string());
        let mut cells = Vec::new();
        for (abi_index, abi) in ABIS.into_iter().enumerate() {
            let Some(nr) = call.syscall.number(abi) else {
                cells.push("-".to_string());
                continue;
            };
            let counts = config
                .programs
                .each_ref()
                .map(|program| execute(program, abi, nr, call.args6()).1);
            let named = ["clone", "socket", "personality"]
                .iter()
                .any(|n| call.label.starts_with(n));
            let maxima = if named {
                Some(&mut max_named[abi_index])
            } else if matches!(call.syscall, Syscall::Raw(_)) {
                Some(&mut max_unknown[abi_index])
            } else {
                None
            };
            if let Some(maxima) = maxima {
                for (max, count) in maxima.iter_mut().zip(counts) {
                    *max = (*max).max(count);
                }
            }
            cells.push(format!("{}/{}/{}", counts[0], counts[1], counts[2]));
        }
        println!(
            "  {:<21} {:<16} {:>14} {:>14} {:>14}",
            call.label,
            decision.replace("SCMP_ACT_", ""),
            cells[0],
            cells[1],
            cells[2]
        );
    }
    (max_named, max_unknown)
}

/// Prints the weighted mean and maximum over the frequency mix on x86_64,
/// once with every call running the filter and once with the kernel's cache
/// (Linux 5.11 and later), where cacheable calls run no instruction.
fn report_mix(config: &Config) {
    let total_weight: u32 = MIX.iter().map(|(_, weight)| weight).sum();
    let mut uncached_sum = [0f64; 3];
    let mut uncached_max = [0usize; 3];
    let mut cached_sum = [0f64; 3];
    let mut cached_max = [0usize; 3];
    for (call, weight) in MIX {
        let Some(nr) = call.syscall.number(HOST) else {
            continue;
        };
        for (filter, program) in config.programs.iter().enumerate() {
            let (_, count) = execute(program, HOST, nr, call.args6());
            uncached_sum[filter] += f64::from(weight) * count as f64;
            uncached_max[filter] = uncached_max[filter].max(count);
            let count = if is_const_allow(program, HOST.audit_arch(), nr) {
                0
            } else {
                count
            };
            cached_sum[filter] += f64::from(weight) * count as f64;
            cached_max[filter] = cached_max[filter].max(count);
        }
    }
    println!("\nfrequency mix on x86_64, instructions per call (weighted mean / max):");
    println!(
        "  {:<36} {:>13} {:>17} {:>15}",
        "", FILTER_LABELS[0], FILTER_LABELS[1], FILTER_LABELS[2]
    );
    for (label, sums, maxima) in [
        ("every call runs the filter", uncached_sum, uncached_max),
        ("kernel cache on (cached calls = 0)", cached_sum, cached_max),
    ] {
        let cells: Vec<String> = (0..3)
            .map(|f| format!("{:.1} / {}", sums[f] / f64::from(total_weight), maxima[f]))
            .collect();
        println!(
            "  {label:<36} {:>13} {:>17} {:>15}",
            cells[0], cells[1], cells[2]
        );
    }
}

/// Prints how many syscalls each filter lets the kernel cache, on x86_64
/// and its compat ABI i386. Returns the model's constant-ALLOW count and the
/// cacheable counts per filter, both summed over the two ABIs.
fn report_cache(config: &Config) -> (usize, [usize; 3]) {
    println!("\nkernel cache (seccomp_is_const_allow port), nr 0..NR_syscalls:");
    println!(
        "  {:<7} {:>22} {:>13} {:>17} {:>15}",
        "arch", "constant ALLOW (model)", FILTER_LABELS[0], FILTER_LABELS[1], FILTER_LABELS[2]
    );
    let mut constant_total = 0;
    let mut cacheable_total = [0usize; 3];
    let mut wrongly_cached = [0usize; 3];
    let arches = [Some(HOST), compat_arch(HOST)];
    for arch in arches.into_iter().flatten() {
        let mut constant = 0;
        let mut cacheable = [0usize; 3];
        for nr in kernel_cache::bitmap_numbers(arch) {
            let constant_allow = classify(&config.policy, arch, nr) == Group::Allowed;
            constant += usize::from(constant_allow);
            for (filter, program) in config.programs.iter().enumerate() {
                if is_const_allow(program, arch.audit_arch(), nr) {
                    cacheable[filter] += 1;
                    if !constant_allow {
                        wrongly_cached[filter] += 1;
                    }
                }
            }
        }
        println!(
            "  {:<7} {:>22} {:>13} {:>17} {:>15}",
            arch.name(),
            constant,
            cacheable[OURS],
            cacheable[LINEAR],
            cacheable[TREE]
        );
        constant_total += constant;
        for filter in 0..3 {
            cacheable_total[filter] += cacheable[filter];
        }
    }
    println!(
        "  cacheable although the model does not always allow: ours {}, linear {}, tree {} \
         (libseccomp's can be syscalls unknown to it, which it leaves to the default action)",
        wrongly_cached[OURS], wrongly_cached[LINEAR], wrongly_cached[TREE]
    );
    (constant_total, cacheable_total)
}

/// The rounds of one (filter, probe) pair, summarised.
#[derive(Clone, Copy)]
struct Summary {
    /// Median wall time per call in ns, which the ratios use.
    median: f64,
    min: f64,
    /// Maximum minus minimum over the rounds.
    spread: f64,
    /// Median CPU time of the child's thread per call in ns.
    cpu_median: f64,
    /// errno of the first call of the first round.
    errno: i32,
}

impl Summary {
    fn of(samples: &[Sample]) -> Summary {
        let sorted = |f: fn(&Sample) -> f64| {
            let mut values: Vec<f64> = samples.iter().map(f).collect();
            values.sort_by(f64::total_cmp);
            values
        };
        let wall = sorted(|s| s.ns_per_call);
        let cpu = sorted(|s| s.cpu_ns_per_call);
        Summary {
            median: wall[wall.len() / 2],
            min: wall[0],
            spread: wall[wall.len() - 1] - wall[0],
            cpu_median: cpu[cpu.len() / 2],
            errno: samples[0].errno,
        }
    }
}

/// Wall-time results of every filter on every probe.
struct WallResults {
    /// "no filter", then per configuration ours, linear and tree.
    filter_labels: Vec<String>,
    probes: Vec<&'static str>,
    /// `[filter][probe]`.
    summaries: Vec<Vec<Summary>>,
}

fn report_wall_time(configs: &[&Config], calls: u64, rounds: usize) -> WallResults {
    let probes = wall_probes();
    let mut filters: Vec<(String, Option<&[SockFilter]>)> = vec![("no filter".to_string(), None)];
    for config in configs {
        let short = config.label.split(',').next().unwrap_or(&config.label);
        for (filter, program) in config.programs.iter().enumerate() {
            filters.push((
                format!("{short}: {}", FILTER_LABELS[filter]),
                Some(program.as_slice()),
            ));
        }
    }
    let cpu = std::thread::available_parallelism().map_or(0, |n| n.get() - 1);
    println!(
        "\n## Wall time per syscall: {calls} calls per loop in a forked child pinned to CPU \
         {cpu}, {rounds} interleaved rounds"
    );
    println!(
        "ns/call is the median round, min the fastest round and spread the difference between \
         the slowest and the fastest. The thread's CPU time leaves out the time other processes \
         held the CPU."
    );

    let mut samples: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); probes.len()]; filters.len()];
    for round in 0..rounds {
        // Rotating the order spreads slow phases of the machine over all filters.
        for step in 0..filters.len() {
            let index = (step + round) % filters.len();
            let (label, program) = &filters[index];
            let measured = wall_time::measure(*program, &probes, calls, cpu)
                .unwrap_or_else(|e| panic!("timing {label} failed: {e}"));
            for (probe, sample) in measured.into_iter().enumerate() {
                samples[index][probe].push(sample);
            }
        }
    }

    let results = WallResults {
        filter_labels: filters.iter().map(|(label, _)| label.clone()).collect(),
        probes: probes.iter().map(|p| p.label).collect(),
        summaries: samples
            .iter()
            .map(|per_filter| per_filter.iter().map(|s| Summary::of(s)).collect())
            .collect(),
    };
    print_wall_time(&results);
    results
}

fn print_wall_time(results: &WallResults) {
    for (probe, probe_label) in results.probes.iter().enumerate() {
        println!("\n{probe_label}:");
        println!(
            "  {:<44} {:>10}   {:<48}   {:<32}",
            "", "", "wall time (CLOCK_MONOTONIC)", "CPU time of the child's thread"
        );
        println!(
            "  {:<44} {:>10}   {:>7} {:>7} {:>7} {:>7} {:>7} {:>8}   {:>7} {:>7} {:>7} {:>8}",
            "filter",
            "errno",
            "ns/call",
            "min",
            "spread",
            "× none",
            "× tree",
            "× linear",
            "ns/call",
            "× none",
            "× tree",
            "× linear"
        );
        for (filter, label) in results.filter_labels.iter().enumerate() {
            let summary = results.summaries[filter][probe];
            let wall = ratios(results, filter, probe, |s| s.median);
            let cpu = ratios(results, filter, probe, |s| s.cpu_median);
            println!(
                "  {:<44} {:>10}   {:>7.1} {:>7.1} {:>7.1} {:>7} {:>7} {:>8}   {:>7.1} {:>7} {:>7} {:>8}",
                label,
                errno_name(summary.errno),
                summary.median,
                summary.min,
                summary.spread,
                wall[0],
                wall[1],
                wall[2],
                summary.cpu_median,
                cpu[0],
                cpu[1],
                cpu[2]
            );
        }
    }
}

/// Formats one filter's time on one probe as ratios to no filter, to
/// libseccomp tree and to libseccomp linear, reading the time with `time`.
/// Only ours gets the last two: filters are listed as no filter, then ours,
/// linear and tree per configuration, and ours is compared with its own
/// configuration's.
fn ratios(
    results: &WallResults,
    filter: usize,
    probe: usize,
    time: fn(&Summary) -> f64,
) -> [String; 3] {
    let of = |index: usize| time(&results.summaries[index][probe]);
    let versus_none = format!("{:.3}", of(filter) / of(0));
    if filter > 0 && (filter - 1) % 3 == OURS {
        [
            versus_none,
            format!("{:.3}", of(filter) / of(filter + TREE)),
            format!("{:.3}", of(filter) / of(filter + LINEAR)),
        ]
    } else {
        [versus_none, String::new(), String::new()]
    }
}

fn errno_name(errno: i32) -> String {
    match errno {
        0 => "ok".to_string(),
        libc::EPERM => "EPERM".to_string(),
        libc::ENOSYS => "ENOSYS".to_string(),
        libc::EINVAL => "EINVAL".to_string(),
        libc::EOPNOTSUPP => "EOPNOTSUPP".to_string(),
        other => other.to_string(),
    }
}

/// Prints a path-length target: the maximum over the three ABIs for each
/// filter, and ours per ABI.
fn print_path_target(label: &str, maxima: &[PerFilter; 3], limit: usize) {
    let overall = |filter: usize| maxima.iter().map(|abi| abi[filter]).max().unwrap_or(0);
    let per_abi: Vec<String> = ABIS
        .iter()
        .zip(maxima)
        .map(|(abi, max)| format!("{abi} {}", max[OURS]))
        .collect();
    let status = if overall(OURS) <= limit {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "  {label}: ours {} ({}), tree {}, linear {}: {status}",
        overall(OURS),
        per_abi.join(", "),
        overall(TREE),
        overall(LINEAR)
    );
}

/// Prints the project's performance targets for moby's default profile with
/// default caps next to what this run measured.
fn report_targets(config: &Config, findings: &Findings, wall: &WallResults) {
    println!("\n## Targets ({})", config.label);
    let verdict = |met: bool| if met { "met" } else { "MISSED" };

    print_path_target(
        "denied and argument-free decisions ≤ 11 instructions",
        &findings.max_argument_free,
        11,
    );
    print_path_target(
        "clone, socket, personality ≤ 16 instructions (the calls above)",
        &findings.max_named,
        16,
    );
    let length_ratio = findings.lengths[OURS] as f64 / findings.lengths[TREE] as f64;
    println!(
        "  filter length ≤ 50% of libseccomp tree: {} of {} = {:.0}%: {}",
        findings.lengths[OURS],
        findings.lengths[TREE],
        length_ratio * 100.0,
        verdict(length_ratio <= 0.5)
    );
    println!(
        "  100% of constant-ALLOW syscalls cacheable (x86_64 + i386): ours {} of {} \
         (tree {}, linear {}): {}",
        findings.cacheable[OURS],
        findings.constant_allow,
        findings.cacheable[TREE],
        findings.cacheable[LINEAR],
        verdict(findings.cacheable[OURS] >= findings.constant_allow)
    );
    let speedup =
        findings.compile_total[TREE].as_secs_f64() / findings.compile_total[OURS].as_secs_f64();
    println!(
        "  resolve + compile ≥ 30× faster than libseccomp tree: {speedup:.1}×: {}",
        verdict(speedup >= 30.0)
    );
    let ours_index = wall
        .filter_labels
        .iter()
        .position(|l| l.starts_with("moby") && l.ends_with(FILTER_LABELS[OURS]));
    let Some(ours_index) = ours_index else {
        return;
    };
    let ratios = |probe: usize| {
        let ours = wall.summaries[ours_index][probe];
        let none = wall.summaries[0][probe];
        (
            ours.median / none.median,
            ours.min / none.min,
            ours.cpu_median / none.cpu_median,
        )
    };
    // An unknown number is the kernel's cheapest path without a filter, so
    // the ratio is the whole cost the filter adds to a denied syscall.
    let (median, min, cpu) = ratios(PROBE_UNKNOWN);
    println!(
        "  denied syscall wall time ≤ 1.15× no filter ({}): {median:.3}× (minimum {min:.3}×, \
         cpu {cpu:.3}×): {}",
        wall.probes[PROBE_UNKNOWN],
        verdict(median <= 1.15)
    );
    let (median, min, cpu) = ratios(PROBE_CACHED);
    println!(
        "    floor on this machine, entering seccomp for a cached ALLOW ({}): {median:.3}× \
         (minimum {min:.3}×, cpu {cpu:.3}×)",
        wall.probes[PROBE_CACHED]
    );
    let (median, min, cpu) = ratios(PROBE_DENIED);
    println!(
        "    {}: {median:.3}× (minimum {min:.3}×, cpu {cpu:.3}×); the unfiltered \
         call runs keyctl's own code, which the filter skips",
        wall.probes[PROBE_DENIED]
    );
}
