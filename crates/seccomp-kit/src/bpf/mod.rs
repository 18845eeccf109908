//! Classic BPF for seccomp: instructions, the compiler, an emulator with the
//! kernel's `seccomp_data` layout, a verifier with the kernel's limits and a
//! disassembler.
//!
//! ```
//! use seccomp_kit::bpf::{self, SeccompData};
//! use seccomp_kit::bpf::insn::*;
//!
//! // Allow everything on x86_64, kill other ABIs.
//! let program = [
//!     stmt(BPF_LD | BPF_W | BPF_ABS, 4),
//!     jump(BPF_JMP | BPF_JEQ | BPF_K, 0xc000_003e, 0, 1),
//!     stmt(BPF_RET | BPF_K, 0x7fff_0000),
//!     stmt(BPF_RET | BPF_K, 0),
//! ];
//! let data = SeccompData::new(0xc000_003e, 0, [0; 6]);
//! assert_eq!(bpf::emulator::run(&program, &data, false), Ok(0x7fff_0000));
//! ```

pub mod compiler;
pub mod disasm;
pub mod emulator;
pub mod insn;

pub use compiler::{compile, CompileError};
pub use insn::SockFilter;

/// `struct seccomp_data`, the 64-byte input of a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeccompData {
    pub nr: u32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

impl SeccompData {
    pub fn new(arch: u32, nr: u32, args: [u64; 6]) -> SeccompData {
        SeccompData {
            nr,
            arch,
            instruction_pointer: 0,
            args,
        }
    }

    /// Returns the structure's bytes as a machine of the given byte order
    /// lays them out: on big-endian ABIs the high word of each argument
    /// comes first.
    pub fn to_bytes(&self, big_endian: bool) -> [u8; 64] {
        let mut out = [0u8; 64];
        let put32 = |out: &mut [u8; 64], at: usize, v: u32| {
            let bytes = if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            out[at..at + 4].copy_from_slice(&bytes);
        };
        let put64 = |out: &mut [u8; 64], at: usize, v: u64| {
            let bytes = if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            out[at..at + 8].copy_from_slice(&bytes);
        };
        put32(&mut out, 0, self.nr);
        put32(&mut out, 4, self.arch);
        put64(&mut out, 8, self.instruction_pointer);
        for (i, arg) in self.args.iter().enumerate() {
            put64(&mut out, 16 + 8 * i, *arg);
        }
        out
    }
}

/// Returns a program's bytes as `struct sock_filter[]` in native byte order,
/// the format `bwrap --seccomp FD` and `seccomp_export_bpf` use.
pub fn to_bytes(program: &[SockFilter]) -> Vec<u8> {
    let mut out = Vec::with_capacity(program.len() * 8);
    for insn in program {
        out.extend_from_slice(&insn.code.to_ne_bytes());
        out.push(insn.jt);
        out.push(insn.jf);
        out.extend_from_slice(&insn.k.to_ne_bytes());
    }
    out
}

/// Parses `struct sock_filter[]` bytes in native byte order.
pub fn from_bytes(bytes: &[u8]) -> Option<Vec<SockFilter>> {
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    let program = bytes
        .chunks_exact(8)
        .map(|c| SockFilter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect();
    Some(program)
}
