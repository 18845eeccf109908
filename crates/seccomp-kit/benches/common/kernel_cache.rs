//! A port of the kernel's constant-action cache check, `seccomp_is_const_allow`
//! in `kernel/seccomp.c` (Linux 5.11 and later).
//!
//! When a filter is attached, the kernel emulates it once per syscall number
//! of the native and the compat architecture, knowing only `nr` and `arch`.
//! A number whose emulation reaches `ret SECCOMP_RET_ALLOW` through the few
//! instructions the emulator understands is later allowed without running any
//! BPF. Every other number runs the whole filter on every call.
//!
//! Kernels since 2025 (also in stable backports) treat x86_64's `uretprobe`
//! and `uprobe` as allowed without emulating the filter. That exception does
//! not depend on the filter, so this port leaves it out.

use seccomp_kit::arch::Arch;
use seccomp_kit::bpf::insn::*;
use seccomp_kit::bpf::SockFilter;

/// `SECCOMP_RET_ALLOW`.
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

/// `offsetof(struct seccomp_data, nr)` and `offsetof(struct seccomp_data, arch)`.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;

/// Returns whether the kernel would cache syscall `nr` of `audit_arch` as a
/// constant ALLOW for `program`: the emulation reaches `ret ALLOW` and uses
/// only `ld [0]`, `ld [4]`, `jeq`/`jge`/`jgt`/`jset` with K, `ja`, `and K`
/// and `ret K`. Any other instruction on the path makes the number
/// uncacheable, as does running off the end of the program.
///
/// The kernel emulates only `0 <= nr < NR_syscalls` of its native and compat
/// architectures, and callers choose those numbers (see [`compat_arch`]).
pub fn is_const_allow(program: &[SockFilter], audit_arch: u32, nr: u32) -> bool {
    let mut accumulator = 0u32;
    let mut pc = 0usize;
    while pc < program.len() {
        let insn = program[pc];
        let k = insn.k;
        match insn.code {
            code if code == BPF_LD | BPF_W | BPF_ABS => {
                accumulator = match k {
                    OFFSET_NR => nr,
                    OFFSET_ARCH => audit_arch,
                    // Arguments and the instruction pointer are unknown here.
                    _ => return false,
                };
            }
            code if code == BPF_RET | BPF_K => return k == SECCOMP_RET_ALLOW,
            code if code == BPF_JMP | BPF_JA => {
                // The kernel's verifier keeps `ja` inside the program, so
                // saturation only matters for unverified input.
                pc = pc.saturating_add(k as usize);
            }
            code if code == BPF_JMP | BPF_JEQ | BPF_K
                || code == BPF_JMP | BPF_JGE | BPF_K
                || code == BPF_JMP | BPF_JGT | BPF_K
                || code == BPF_JMP | BPF_JSET | BPF_K =>
            {
                let jump_taken = match code & 0xf0 {
                    BPF_JEQ => accumulator == k,
                    BPF_JGE => accumulator >= k,
                    BPF_JGT => accumulator > k,
                    _ => accumulator & k != 0,
                };
                pc += usize::from(if jump_taken { insn.jt } else { insn.jf });
            }
            code if code == BPF_ALU | BPF_AND | BPF_K => accumulator &= k,
            _ => return false,
        }
        pc += 1;
    }
    false
}

/// Returns the kernel's compat architecture for a native one
/// (`SECCOMP_ARCH_COMPAT` in `arch/*/include/asm/seccomp.h`), where seccomp-kit
/// models it. x32 shares x86_64's bitmap but its numbers carry bit 30, so no
/// x32 syscall is ever cached. ppc64le's compat ABI is little-endian ppc,
/// which no container profile names, and riscv64's is rv32.
pub fn compat_arch(native: Arch) -> Option<Arch> {
    match native {
        Arch::X86_64 => Some(Arch::X86),
        Arch::Aarch64 => Some(Arch::Arm),
        Arch::S390x => Some(Arch::S390),
        Arch::Ppc64 => Some(Arch::Ppc),
        Arch::Mips64 => Some(Arch::Mips),
        Arch::Mipsel64 => Some(Arch::Mipsel),
        _ => None,
    }
}

/// Returns the numbers the kernel emulates for `arch`: `0..NR_syscalls`.
/// `NR_syscalls` is estimated as one above the largest number in
/// seccomp-kit's table, so for MIPS the range includes the ABI base.
pub fn bitmap_numbers(arch: Arch) -> std::ops::Range<u32> {
    let max = arch.max_syscall().unwrap_or(0);
    0..max + 1
}
