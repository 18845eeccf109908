//! Focused tests of the BPF compiler, emulator and verifier on small
//! hand-written profiles. Expected results are written out by hand, and most
//! tests also compare the emulated program with the policy model.

use seccomp_kit::arch::{Arch, X32_SYSCALL_BIT};
use seccomp_kit::bpf::emulator::{self, RunError, VerifyError};
use seccomp_kit::bpf::insn::*;
use seccomp_kit::bpf::{self, compile, CompileError, SeccompData};
use seccomp_kit::caps::CapSet;
use seccomp_kit::policy::{DecidedBy, Decision, EnosysMode, Policy, PolicyError, PolicyOptions};
use seccomp_kit::profile::KernelVersion;
use seccomp_kit::profile::Profile;
use seccomp_kit::resolve::{resolve, Target};

const AUDIT_X86_64: u32 = 0xc000_003e;
const AUDIT_I386: u32 = 0x4000_0003;

const RET_KILL_THREAD: u32 = 0;
const RET_ALLOW: u32 = 0x7fff_0000;

/// `mkdir` on each ABI (x32 with the x32 bit).
const MKDIR_X86_64: u32 = 83;
const MKDIR_X86: u32 = 39;
const MKDIR_X32: u32 = 83 | X32_SYSCALL_BIT;

fn ret_errno(errno: u16) -> u32 {
    0x0005_0000 | u32::from(errno)
}

/// Builds the policy of a profile resolved for an x86_64 host with Docker's
/// default capabilities.
fn policy_from(json: &str, enosys: EnosysMode) -> Policy {
    let profile = Profile::from_json(json)
        .unwrap_or_else(|e| panic!("test profile does not parse: {e}"))
        .profile;
    let target = Target::new(
        Arch::X86_64,
        CapSet::docker_default(),
        KernelVersion::new(6, 18),
    );
    let resolved = resolve(&profile, &target)
        .expect("test profile resolves")
        .expect("test profile enables seccomp");
    let mut options = PolicyOptions::new(Arch::X86_64);
    options.enosys = enosys;
    Policy::build(&resolved, &options).unwrap_or_else(|e| panic!("policy build failed: {e}"))
}

fn compile_ok(policy: &Policy) -> Vec<SockFilter> {
    compile(policy).unwrap_or_else(|e| panic!("compile failed: {e}"))
}

/// Runs the program on one syscall of a little-endian ABI.
fn emulate(program: &[SockFilter], audit_arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    let data = SeccompData::new(audit_arch, nr, args);
    emulator::run(program, &data, false).unwrap_or_else(|e| panic!("emulation failed: {e}"))
}

/// Returns a profile with default ALLOW and one `mkdir` rule that returns
/// ERRNO(99) when the single condition `condition_json` holds.
fn mkdir_rule_profile(architectures: &str, condition_json: &str) -> String {
    format!(
        r#"{{"defaultAction": "SCMP_ACT_ALLOW", "architectures": [{architectures}],
            "syscalls": [{{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99,
                           "args": [{condition_json}]}}]}}"#
    )
}

#[test]
fn minimal_program_exact() {
    assert_eq!(Arch::X86_64.syscall_number("mkdir"), Some(MKDIR_X86_64));
    let policy = policy_from(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        EnosysMode::Off,
    );
    let program = compile_ok(&policy);

    // One search over the whole 32-bit `nr` space: the x32 bit and −1 are
    // ranges like any other, searched after the x86_64 numbers.
    let expected = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 4),
        // Another audit arch jumps to the final `ret 0`.
        jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_X86_64, 0, 9),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        // nr >= 84 goes to 6.
        jump(BPF_JMP | BPF_JGE | BPF_K, 84, 2, 0),
        // nr < 83 goes to `ret ALLOW` at 10.
        jump(BPF_JMP | BPF_JGE | BPF_K, 83, 0, 5),
        stmt(BPF_RET | BPF_K, 0x0005_0001),
        // 84 up to the x32 bit: ALLOW.
        jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 3),
        // 0xc0000000 and up: the x32 bit again, except −1.
        jump(BPF_JMP | BPF_JGE | BPF_K, 0xc000_0000, 1, 0),
        // 0x80000000..0xc0000000 has no x32 bit: an x86_64 number, ALLOW.
        jump(BPF_JMP | BPF_JGE | BPF_K, 0x8000_0000, 1, 2),
        // −1 (a tracer's skipped syscall) gets the default action.
        jump(BPF_JMP | BPF_JGE | BPF_K, 0xffff_ffff, 0, 1),
        stmt(BPF_RET | BPF_K, RET_ALLOW),
        stmt(BPF_RET | BPF_K, RET_KILL_THREAD),
    ];
    assert_eq!(
        program,
        expected,
        "\n{}",
        bpf::disasm::disassemble(&program, Some(Arch::X86_64))
    );
}

#[test]
fn minimal_program_decisions() {
    let policy = policy_from(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        EnosysMode::Off,
    );
    let program = compile_ok(&policy);
    let cases = [
        (AUDIT_X86_64, 82, RET_ALLOW),
        (AUDIT_X86_64, MKDIR_X86_64, ret_errno(1)),
        (AUDIT_X86_64, 84, RET_ALLOW),
        (AUDIT_X86_64, 0, RET_ALLOW),
        (AUDIT_X86_64, 0xffff_ffff, RET_ALLOW),
        // x32 is not in the policy, so x32 numbers get the bad-arch action.
        (AUDIT_X86_64, MKDIR_X32, RET_KILL_THREAD),
        (AUDIT_X86_64, X32_SYSCALL_BIT, RET_KILL_THREAD),
        (AUDIT_X86_64, 0xc000_0000, RET_KILL_THREAD),
        // Bit 30 is clear in these, so they are x86_64 numbers.
        (AUDIT_X86_64, 0xbfff_ffff, RET_ALLOW),
        (AUDIT_X86_64, 0x8000_0000, RET_ALLOW),
        (AUDIT_I386, MKDIR_X86, RET_KILL_THREAD),
        (0x1234_5678, 0, RET_KILL_THREAD),
    ];
    for (audit_arch, nr, expected) in cases {
        let got = emulate(&program, audit_arch, nr, [0; 6]);
        assert_eq!(got, expected, "audit arch {audit_arch:#x}, nr {nr:#x}");
        let model = policy.decide(audit_arch, nr, [0; 6]).decision.ret_value();
        assert_eq!(
            model, expected,
            "policy for audit arch {audit_arch:#x}, nr {nr:#x}"
        );
    }
}

/// Argument values below, equal to and above `value`, in the order
/// [less, less, equal, greater, greater]. Each row has values whose high and
/// low words compare in opposite directions, and values that share the low
/// word but differ in the high word.
const STRADDLING: [(u64, [u64; 5]); 3] = [
    (
        0x1_0000_0000,
        [0xffff_ffff, 0, 0x1_0000_0000, 0x1_0000_0001, 0x2_0000_0000],
    ),
    (
        0xffff_ffff,
        [0xffff_fffe, 0, 0xffff_ffff, 0x1_0000_0000, 0x1_ffff_ffff],
    ),
    (
        0x1234_5678_9abc,
        [
            0x5678_9abc,
            0x1234_5678_9abb,
            0x1234_5678_9abc,
            0x1234_5678_9abd,
            0x1235_5678_9abc,
        ],
    ),
];

/// Whether each operator holds for [less, less, equal, greater, greater].
const OPERATOR_TRUTH: [(&str, [bool; 5]); 6] = [
    ("SCMP_CMP_NE", [true, true, false, true, true]),
    ("SCMP_CMP_LT", [true, true, false, false, false]),
    ("SCMP_CMP_LE", [true, true, true, false, false]),
    ("SCMP_CMP_EQ", [false, false, true, false, false]),
    ("SCMP_CMP_GE", [false, false, true, true, true]),
    ("SCMP_CMP_GT", [false, false, false, true, true]),
];

#[test]
fn operators_straddle_word_boundary() {
    for (op, truth) in OPERATOR_TRUTH {
        for (value, args) in STRADDLING {
            let condition = format!(r#"{{"index": 2, "value": {value}, "op": "{op}"}}"#);
            let policy = policy_from(
                &mkdir_rule_profile(r#""SCMP_ARCH_X86_64""#, &condition),
                EnosysMode::Off,
            );
            let program = compile_ok(&policy);
            for (arg, holds) in args.into_iter().zip(truth) {
                let expected = if holds { ret_errno(99) } else { RET_ALLOW };
                let call = [0, 0, arg, 0, 0, 0];
                let got = emulate(&program, AUDIT_X86_64, MKDIR_X86_64, call);
                assert_eq!(got, expected, "program: arg {arg:#x} {op} {value:#x}");
                let model = policy
                    .decide(AUDIT_X86_64, MKDIR_X86_64, call)
                    .decision
                    .ret_value();
                assert_eq!(model, expected, "policy: arg {arg:#x} {op} {value:#x}");
            }
        }
    }
}

/// MASKED_EQ cases: (mask, valueTwo, argument, whether `arg & mask == valueTwo & mask`).
const MASKED_CASES: [(u64, u64, u64, bool); 13] = [
    // A 32-bit mask ignores the high word entirely.
    (0xffff_ffff, 0, 0x7f3a_0000_0000, true),
    (0xffff_ffff, 0, 0x7f3a_0000_0001, false),
    (0xffff_ffff, 0, 0, true),
    // A high-word mask ignores the low word.
    (
        0xffff_ffff_0000_0000,
        0x1234_0000_0000,
        0x1234_dead_beef,
        true,
    ),
    (
        0xffff_ffff_0000_0000,
        0x1234_0000_0000,
        0x1235_0000_0000,
        false,
    ),
    // A mask with bits in both words.
    (
        0x8000_0000_0000_0001,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0000,
        true,
    ),
    (
        0x8000_0000_0000_0001,
        0x8000_0000_0000_0000,
        0xffff_ffff_ffff_fffe,
        true,
    ),
    (
        0x8000_0000_0000_0001,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0001,
        false,
    ),
    (0x8000_0000_0000_0001, 0x8000_0000_0000_0000, 0, false),
    // Docker's clone rule: none of the namespace flags may be set.
    (0x7e02_0000, 0, 0x0001_0000, true),
    (0x7e02_0000, 0, 0x1000_0000, false),
    // Only the bits of valueTwo inside the mask count.
    (0xff, 0x1ff, 0xff, true),
    (0xff, 0x1ff, 0x1ff, true),
];

#[test]
fn masked_eq_semantics() {
    for (mask, value_two, arg, holds) in MASKED_CASES {
        let condition = format!(
            r#"{{"index": 0, "value": {mask}, "valueTwo": {value_two}, "op": "SCMP_CMP_MASKED_EQ"}}"#
        );
        let policy = policy_from(
            &mkdir_rule_profile(r#""SCMP_ARCH_X86_64""#, &condition),
            EnosysMode::Off,
        );
        let program = compile_ok(&policy);
        let expected = if holds { ret_errno(99) } else { RET_ALLOW };
        let call = [arg, 0, 0, 0, 0, 0];
        let got = emulate(&program, AUDIT_X86_64, MKDIR_X86_64, call);
        assert_eq!(
            got, expected,
            "program: ({arg:#x} & {mask:#x}) == {value_two:#x}"
        );
        let model = policy
            .decide(AUDIT_X86_64, MKDIR_X86_64, call)
            .decision
            .ret_value();
        assert_eq!(
            model, expected,
            "policy: ({arg:#x} & {mask:#x}) == {value_two:#x}"
        );
    }
}

/// (operator, value, argument, holds on x86_64, holds on x86 and x32).
/// MASKED_EQ rows use valueTwo [`LOW_WORD_VALUE_TWO`].
const LOW_WORD_CASES: [(&str, u64, u64, bool, bool); 13] = [
    ("SCMP_CMP_EQ", 0x1_0000_0005, 5, false, true),
    ("SCMP_CMP_EQ", 0x1_0000_0005, 0x1_0000_0005, true, true),
    ("SCMP_CMP_EQ", 0x1_0000_0005, 0x2_0000_0005, false, true),
    ("SCMP_CMP_EQ", 0x1_0000_0005, 0x1_0000_0006, false, false),
    // The 32-bit view of GT 0x1_0000_0000 is GT 0.
    ("SCMP_CMP_GT", 0x1_0000_0000, 1, false, true),
    ("SCMP_CMP_GT", 0x1_0000_0000, 0x1_0000_0000, false, false),
    ("SCMP_CMP_GT", 0x1_0000_0000, 0x1_0000_0001, true, true),
    ("SCMP_CMP_GT", 0x1_0000_0000, 0xffff_ffff, false, true),
    // The 32-bit view of mask 0xffff_0000_0000_00ff is mask 0xff.
    (
        "SCMP_CMP_MASKED_EQ",
        0xffff_0000_0000_00ff,
        0xabcd_0000_0000_0012,
        true,
        true,
    ),
    (
        "SCMP_CMP_MASKED_EQ",
        0xffff_0000_0000_00ff,
        0x12,
        false,
        true,
    ),
    (
        "SCMP_CMP_MASKED_EQ",
        0xffff_0000_0000_00ff,
        0xabcd_0000_0000_0013,
        false,
        false,
    ),
    // The 32-bit view of mask 0xffff_0000_0000_0000 is 0, which every
    // argument matches.
    (
        "SCMP_CMP_MASKED_EQ",
        0xffff_0000_0000_0000,
        0x12,
        false,
        true,
    ),
    (
        "SCMP_CMP_MASKED_EQ",
        0xffff_0000_0000_0000,
        0xabcd_ffff_ffff_ffff,
        true,
        true,
    ),
];

const LOW_WORD_VALUE_TWO: u64 = 0xabcd_0000_0000_0012;

#[test]
fn low_word_abis_compare_32_bits() {
    for (op, value, arg, holds_64, holds_32) in LOW_WORD_CASES {
        let value_two = if op == "SCMP_CMP_MASKED_EQ" {
            LOW_WORD_VALUE_TWO
        } else {
            0
        };
        let condition =
            format!(r#"{{"index": 1, "value": {value}, "valueTwo": {value_two}, "op": "{op}"}}"#);
        let architectures = r#""SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32""#;
        let policy = policy_from(
            &mkdir_rule_profile(architectures, &condition),
            EnosysMode::Off,
        );
        let program = compile_ok(&policy);
        let call = [0, arg, 0, 0, 0, 0];
        let abis = [
            ("x86_64", AUDIT_X86_64, MKDIR_X86_64, holds_64),
            ("x86", AUDIT_I386, MKDIR_X86, holds_32),
            ("x32", AUDIT_X86_64, MKDIR_X32, holds_32),
        ];
        for (abi, audit_arch, nr, holds) in abis {
            let expected = if holds { ret_errno(99) } else { RET_ALLOW };
            let got = emulate(&program, audit_arch, nr, call);
            assert_eq!(
                got, expected,
                "program on {abi}: arg {arg:#x} {op} {value:#x}"
            );
            let model = policy.decide(audit_arch, nr, call).decision.ret_value();
            assert_eq!(
                model, expected,
                "policy on {abi}: arg {arg:#x} {op} {value:#x}"
            );
        }
    }
}

/// Returns a profile with default ERRNO(1) that allows `mkdir` when
/// argument 0 equals one of `values`, one rule per value.
fn many_rules_profile(values: &[u64]) -> String {
    let rules: Vec<String> = values
        .iter()
        .map(|v| {
            format!(r#"{{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "args": [{{"index": 0, "value": {v}, "op": "SCMP_CMP_EQ"}}]}}"#)
        })
        .collect();
    format!(
        r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{}]}}"#,
        rules.join(",")
    )
}

#[test]
fn long_jumps_match_policy() {
    // High and low words both differ between rules, so every rule needs
    // two comparisons and the program is far longer than 255 instructions.
    let values: Vec<u64> = (0..300u64).map(|i| i * 0x1_0000_0001).collect();
    let policy = policy_from(&many_rules_profile(&values), EnosysMode::Off);
    let program = compile_ok(&policy);
    assert!(program.len() > 1000, "only {} instructions", program.len());
    let has_ja = program.iter().any(|insn| insn.code == BPF_JMP | BPF_JA);
    let has_copied_ret = program
        .iter()
        .filter(|insn| insn.k == RET_ALLOW && insn.code == BPF_RET | BPF_K)
        .count()
        > 1;
    assert!(
        has_ja || has_copied_ret,
        "no trampoline in a program of {} instructions",
        program.len()
    );

    let mut calls = 0;
    for &value in &values {
        let neighbours = [
            value,
            value + 1,
            value.wrapping_sub(1),
            value ^ 1 << 32,
            value & 0xffff_ffff,
            value >> 32,
        ];
        for arg in neighbours {
            let expected = if values.contains(&arg) {
                RET_ALLOW
            } else {
                ret_errno(1)
            };
            let call = [arg, 0, 0, 0, 0, 0];
            let got = emulate(&program, AUDIT_X86_64, MKDIR_X86_64, call);
            assert_eq!(got, expected, "program: arg {arg:#x}");
            let model = policy
                .decide(AUDIT_X86_64, MKDIR_X86_64, call)
                .decision
                .ret_value();
            assert_eq!(model, expected, "policy: arg {arg:#x}");
            calls += 1;
        }
    }
    assert_eq!(calls, 1800);
}

#[test]
fn too_many_rules_too_long() {
    // One rule with 2 000 conditions on argument 0 becomes 2 000 ORed rules
    // in runc, each with two loads and two jumps, so the program needs over
    // 8 000 instructions. One rule object keeps parsing fast, because the
    // reader's per-rule location scan is quadratic in the profile size.
    let conditions: Vec<String> = (0..2_000u64)
        .map(|i| {
            let value = i * 0x1_0000_0001;
            format!(r#"{{"index": 0, "value": {value}, "op": "SCMP_CMP_EQ"}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "args": [{}]}}]}}"#,
        conditions.join(",")
    );
    let policy = policy_from(&json, EnosysMode::Off);
    match compile(&policy) {
        Err(CompileError::TooLong { len }) => {
            assert!(len > BPF_MAXINSNS, "TooLong with only {len} instructions")
        }
        Ok(program) => panic!(
            "compile returned {} instructions, more than the kernel loads",
            program.len()
        ),
        Err(e) => panic!("compile failed with {e:?}, expected TooLong"),
    }
}

#[test]
fn bad_arch_kills_thread() {
    let policy = policy_from(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        EnosysMode::Runc,
    );
    let program = compile_ok(&policy);
    let verdict = policy.decide(AUDIT_I386, MKDIR_X86, [0; 6]);
    assert_eq!(verdict.by, DecidedBy::BadArch);
    assert_eq!(verdict.decision, Decision::KILL_THREAD);
    assert_eq!(
        emulate(&program, AUDIT_I386, MKDIR_X86, [0; 6]),
        RET_KILL_THREAD
    );
    assert_eq!(emulate(&program, AUDIT_I386, 0, [0; 6]), RET_KILL_THREAD);
}

#[test]
fn actions_return_values() {
    let policy = policy_from(
        r#"{"defaultAction": "SCMP_ACT_TRAP", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [
                {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["write"], "action": "SCMP_ACT_KILL"},
                {"names": ["open"], "action": "SCMP_ACT_KILL_THREAD"},
                {"names": ["close"], "action": "SCMP_ACT_KILL_PROCESS"},
                {"names": ["stat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4094},
                {"names": ["fstat"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
                {"names": ["lstat"], "action": "SCMP_ACT_LOG"},
                {"names": ["poll"], "action": "SCMP_ACT_ERRNO"}]}"#,
        EnosysMode::Off,
    );
    let program = compile_ok(&policy);
    // x86_64 numbers: read 0, write 1, open 2, close 3, stat 4, fstat 5,
    // lstat 6, poll 7; 8 (lseek) has no rule.
    let cases = [
        (0, RET_ALLOW),
        (1, RET_KILL_THREAD),
        (2, RET_KILL_THREAD),
        (3, 0x8000_0000),
        (4, 0x0005_0ffe),
        (5, 0x7ff0_0007),
        (6, 0x7ffc_0000),
        // ERRNO without errnoRet is EPERM, as in runc.
        (7, ret_errno(1)),
        (8, 0x0003_0000),
    ];
    for (nr, expected) in cases {
        assert_eq!(
            emulate(&program, AUDIT_X86_64, nr, [0; 6]),
            expected,
            "program: nr {nr}"
        );
        let model = policy.decide(AUDIT_X86_64, nr, [0; 6]).decision.ret_value();
        assert_eq!(model, expected, "policy: nr {nr}");
    }
}

#[test]
fn errno_above_libseccomp_limit_rejected() {
    // libseccomp 2.5 accepts ERRNO data only below 4095, so runc fails to
    // start a container whose profile asks for more.
    for errno in [4095u32, 12345, 70000] {
        let text = format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{{"names": ["stat"], "action": "SCMP_ACT_ERRNO", "errnoRet": {errno}}}]}}"#
        );
        let profile = Profile::from_json(&text).unwrap().profile;
        let target = Target::new(
            Arch::X86_64,
            CapSet::docker_default(),
            KernelVersion::new(6, 8),
        );
        let resolved = resolve(&profile, &target).unwrap().unwrap();
        let result = Policy::build(&resolved, &PolicyOptions::new(Arch::X86_64));
        assert!(
            matches!(result, Err(PolicyError::ErrnoTooLarge { errno: e, .. }) if e == errno),
            "errnoRet {errno}: {result:?}"
        );
    }
}

fn ret(k: u32) -> SockFilter {
    stmt(BPF_RET | BPF_K, k)
}

#[test]
fn verify_rejects_empty() {
    assert_eq!(emulator::verify(&[]), Err(VerifyError::Empty));
}

#[test]
fn verify_rejects_too_long() {
    let program = vec![ret(RET_ALLOW); BPF_MAXINSNS + 1];
    assert_eq!(emulator::verify(&program), Err(VerifyError::TooLong(4097)));
    assert_eq!(emulator::verify(&program[..BPF_MAXINSNS]), Ok(()));
}

#[test]
fn verify_rejects_unaligned_load() {
    let program = [stmt(BPF_LD | BPF_W | BPF_ABS, 2), ret(RET_ALLOW)];
    assert_eq!(
        emulator::verify(&program),
        Err(VerifyError::Load {
            index: 0,
            offset: 2
        })
    );
}

#[test]
fn verify_rejects_load_past_data() {
    let program = [stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret(RET_ALLOW)];
    assert_eq!(
        emulator::verify(&program),
        Err(VerifyError::Load {
            index: 0,
            offset: 64
        })
    );
    // The last argument's high word is the last valid load.
    let program = [stmt(BPF_LD | BPF_W | BPF_ABS, 60), ret(RET_ALLOW)];
    assert_eq!(emulator::verify(&program), Ok(()));
}

#[test]
fn verify_rejects_jump_past_end() {
    // jt = 1 skips the only instruction after the jump.
    let program = [jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret(RET_ALLOW)];
    assert_eq!(
        emulator::verify(&program),
        Err(VerifyError::JumpOutOfRange { index: 0 })
    );
    let program = [stmt(BPF_JMP | BPF_JA, 1), ret(RET_ALLOW)];
    assert_eq!(
        emulator::verify(&program),
        Err(VerifyError::JumpOutOfRange { index: 0 })
    );
}

#[test]
fn verify_rejects_missing_return() {
    let program = [ret(RET_ALLOW), stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
    assert_eq!(emulator::verify(&program), Err(VerifyError::NoFinalReturn));
}

#[test]
fn verify_rejects_byte_load() {
    let code = BPF_LD | BPF_B | BPF_ABS;
    let program = [stmt(code, 0), ret(RET_ALLOW)];
    assert_eq!(
        emulator::verify(&program),
        Err(VerifyError::Opcode { index: 0, code })
    );
    let data = SeccompData::new(AUDIT_X86_64, 0, [0; 6]);
    assert_eq!(
        emulator::run(&program, &data, false),
        Err(RunError::Invalid(VerifyError::Opcode { index: 0, code }))
    );
}

#[test]
fn bytes_round_trip() {
    let policy = policy_from(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
            "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                         {"names": ["mkdir"], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_LE"}]}]}"#,
        EnosysMode::Runc,
    );
    let program = compile_ok(&policy);
    let bytes = bpf::to_bytes(&program);
    assert_eq!(bytes.len(), program.len() * 8);
    assert_eq!(bpf::from_bytes(&bytes), Some(program));
    assert_eq!(bpf::from_bytes(&bytes[..bytes.len() - 1]), None);
    assert_eq!(bpf::from_bytes(&[]), Some(Vec::new()));
}

#[test]
#[cfg(target_endian = "little")]
fn bytes_layout_native() {
    // struct sock_filter: u16 code, u8 jt, u8 jf, u32 k.
    let bytes = bpf::to_bytes(&[jump(BPF_JMP | BPF_JEQ | BPF_K, 0xc000_003e, 1, 2)]);
    assert_eq!(bytes, [0x15, 0x00, 0x01, 0x02, 0x3e, 0x00, 0x00, 0xc0]);
}
