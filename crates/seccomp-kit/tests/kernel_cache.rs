//! Checks that compiled filters suit the kernel's constant-action cache
//! (Linux 5.11 and later). Every syscall the policy allows whatever its
//! arguments must be cacheable, so that the kernel skips the filter for it.
//! No syscall that can be denied may be cacheable, because the kernel would
//! then allow it without running the filter.
//!
//! Cacheability is decided by a port of the kernel's `seccomp_is_const_allow`
//! shared with the benchmark.

#[path = "../benches/common/kernel_cache.rs"]
mod kernel_cache;

use kernel_cache::{bitmap_numbers, compat_arch, is_const_allow, SECCOMP_RET_ALLOW};
use seccomp_kit::arch::Arch;
use seccomp_kit::bpf::insn::*;
use seccomp_kit::bpf::{compile, SockFilter};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{DecidedBy, Decision, Policy, PolicyOptions, SyscallPolicy};
use seccomp_kit::profile::{default_profile, KernelVersion};
use seccomp_kit::resolve::{resolve, Target};

const AUDIT_X86_64: u32 = 0xc000_003e;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ERRNO_EPERM: u32 = 0x0005_0001;

/// Mismatches printed in full before a test fails.
const MAX_REPORTED: usize = 20;

/// How the policy decides one syscall number with respect to the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    /// ALLOW whatever the arguments: the kernel should cache it.
    ConstantAllow,
    /// Denied, or allowed only for some arguments: the kernel must run the
    /// filter every time.
    MustRunFilter,
}

/// Classifies `nr` of `arch` by the policy model.
fn expected(policy: &Policy, arch: Arch, nr: u32) -> Expected {
    let verdict = policy.decide(arch.audit_arch(), nr, [0; 6]);
    let rules = match verdict.by {
        DecidedBy::Rule(_) | DecidedBy::Default => verdict
            .arch
            .and_then(|abi| policy.abi(abi))
            .and_then(|abi| abi.syscalls.get(&nr)),
        DecidedBy::BadArch | DecidedBy::Enosys { .. } | DecidedBy::EnosysZero => None,
    };
    let constant_allow = match rules {
        Some(SyscallPolicy::Conditional(rules)) => {
            policy.default == Decision::ALLOW
                && rules.iter().all(|rule| rule.decision == Decision::ALLOW)
        }
        _ => verdict.decision == Decision::ALLOW,
    };
    if constant_allow {
        Expected::ConstantAllow
    } else {
        Expected::MustRunFilter
    }
}

/// Returns the default profile's filter for a `host` with Docker's default
/// capabilities, and its policy.
fn default_filter(host: Arch) -> (Policy, Vec<SockFilter>) {
    let target = Target::new(host, CapSet::docker_default(), KernelVersion::new(6, 18));
    let resolved = resolve(&default_profile(), &target)
        .unwrap_or_else(|e| panic!("default profile does not resolve for {host}: {e}"))
        .unwrap_or_else(|| panic!("default profile disables seccomp for {host}"));
    let policy = Policy::build(&resolved, &PolicyOptions::new(host))
        .unwrap_or_else(|e| panic!("default profile policy fails for {host}: {e}"));
    let program = compile(&policy)
        .unwrap_or_else(|e| panic!("default profile does not compile for {host}: {e}"));
    (policy, program)
}

#[test]
fn default_profile_constant_allows_are_cached() {
    let mut constant_allows = 0usize;
    let mut uncached = Vec::new();
    let mut wrongly_cached = Vec::new();
    for host in Arch::ALL.into_iter().filter(|&a| a != Arch::X32) {
        let (policy, program) = default_filter(host);
        let abis: Vec<Arch> = policy.abis.iter().map(|abi| abi.arch).collect();
        for cache_arch in [Some(host), compat_arch(host)].into_iter().flatten() {
            for nr in bitmap_numbers(cache_arch) {
                let cached = is_const_allow(&program, cache_arch.audit_arch(), nr);
                let name = cache_arch.syscall_name(nr).unwrap_or("(no name)");
                let where_ = format!(
                    "host {host} (filter ABIs {abis:?}, {} instructions): {cache_arch} nr {nr} {name}",
                    program.len()
                );
                let expected = expected(&policy, cache_arch, nr);
                constant_allows += usize::from(expected == Expected::ConstantAllow);
                match (expected, cached) {
                    (Expected::ConstantAllow, false) => uncached.push(where_),
                    (Expected::MustRunFilter, true) => wrongly_cached.push(where_),
                    _ => {}
                }
            }
        }
    }

    assert!(
        constant_allows > 0,
        "the default profile allows no syscall on any host; the check would be empty"
    );
    assert!(
        wrongly_cached.is_empty(),
        "{} syscalls that the policy can deny are cacheable, so the kernel would allow them \
         without running the filter; first {}:\n{}",
        wrongly_cached.len(),
        MAX_REPORTED.min(wrongly_cached.len()),
        wrongly_cached[..MAX_REPORTED.min(wrongly_cached.len())].join("\n")
    );
    assert!(
        uncached.is_empty(),
        "{} constant-ALLOW syscalls are not cacheable by the kernel: their path in the filter \
         uses an instruction other than ld [0]/[4], jeq/jge/jgt/jset K, ja, and K or ret K; \
         first {}:\n{}",
        uncached.len(),
        MAX_REPORTED.min(uncached.len()),
        uncached[..MAX_REPORTED.min(uncached.len())].join("\n")
    );
}

/// `ld [4]; jeq x86_64; ld [0]; jeq 39 → ret ALLOW; ret ERRNO(EPERM)`.
fn getpid_only() -> Vec<SockFilter> {
    vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 4),
        jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_X86_64, 0, 3),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_K, RET_ERRNO_EPERM),
    ]
}

#[test]
fn port_caches_nr_and_arch_paths() {
    let program = getpid_only();
    assert!(is_const_allow(&program, AUDIT_X86_64, 39));
    assert!(!is_const_allow(&program, AUDIT_X86_64, 40));
    assert!(!is_const_allow(&program, Arch::X86.audit_arch(), 39));
}

#[test]
fn port_follows_ja_jset_and_and() {
    let program = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        stmt(BPF_ALU | BPF_AND | BPF_K, 0xff),
        jump(BPF_JMP | BPF_JSET | BPF_K, 0x80, 1, 0),
        stmt(BPF_JMP | BPF_JA, 1),
        stmt(BPF_RET | BPF_K, RET_ERRNO_EPERM),
        jump(BPF_JMP | BPF_JGE | BPF_K, 0x10, 0, 1),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        jump(BPF_JMP | BPF_JGT | BPF_K, 0x08, 1, 0),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_K, RET_LOG),
    ];
    // 0x110 & 0xff = 0x10: no bit 0x80, jge 0x10 holds.
    assert!(is_const_allow(&program, AUDIT_X86_64, 0x110));
    // 0x80 has bit 0x80 set.
    assert!(!is_const_allow(&program, AUDIT_X86_64, 0x80));
    // 0x09 > 0x08 leads to ret LOG, which the kernel does not cache.
    assert!(!is_const_allow(&program, AUDIT_X86_64, 0x09));
    assert!(is_const_allow(&program, AUDIT_X86_64, 0x03));
}

#[test]
fn port_rejects_other_instructions() {
    let allow = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    let argument_load = vec![stmt(BPF_LD | BPF_W | BPF_ABS, 16), allow];
    let pointer_load = vec![stmt(BPF_LD | BPF_W | BPF_ABS, 8), allow];
    let immediate = vec![stmt(BPF_LD | BPF_IMM, 0), allow];
    let ret_a = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_A, 0),
    ];
    let x_jump = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 0),
        allow,
    ];
    let runs_off_end = vec![stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
    assert!(!is_const_allow(&argument_load, AUDIT_X86_64, 0));
    assert!(!is_const_allow(&pointer_load, AUDIT_X86_64, 0));
    assert!(!is_const_allow(&immediate, AUDIT_X86_64, 0));
    assert!(!is_const_allow(&ret_a, AUDIT_X86_64, 0));
    assert!(!is_const_allow(&x_jump, AUDIT_X86_64, 0));
    assert!(!is_const_allow(&runs_off_end, AUDIT_X86_64, 0));
}
