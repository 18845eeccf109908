//! A disassembler that prints one instruction per line with resolved jump
//! targets and decoded return values.
//!
//! ```
//! use seccomp_kit::bpf::{disasm, insn::*};
//!
//! let text = disasm::disassemble(&[stmt(BPF_RET | BPF_K, 0x0005_0001)], None);
//! assert!(text.contains("ret #0x00050001") && text.contains("ERRNO(1)"));
//! ```

use super::insn::*;
use crate::arch::Arch;
use crate::policy::Decision;
use std::fmt::Write;

fn field_name(offset: u32, arch: Option<Arch>) -> String {
    let big_endian = arch.is_some_and(Arch::is_big_endian);
    match offset {
        0 => "nr".to_string(),
        4 => "arch".to_string(),
        8 | 12 => {
            let high = (offset == 12) != big_endian;
            format!("instruction_pointer.{}", if high { "hi" } else { "lo" })
        }
        16..=63 => {
            let index = (offset - 16) / 8;
            let high = (offset % 8 == 4) != big_endian;
            format!("args[{index}].{}", if high { "hi" } else { "lo" })
        }
        _ => format!("[{offset}]"),
    }
}

fn audit_arch_name(k: u32) -> Option<String> {
    let names: Vec<&str> = Arch::ALL
        .iter()
        .filter(|a| a.audit_arch() == k && **a != Arch::X32)
        .map(|a| a.name())
        .collect();
    (!names.is_empty()).then(|| names.join("/"))
}

/// Describes one instruction; `index` resolves relative jumps.
pub fn describe(insn: &SockFilter, index: usize, arch: Option<Arch>) -> String {
    let target = |offset: u32| index + 1 + offset as usize;
    let k = insn.k;
    let operand = if insn.code & BPF_X != 0 {
        "x".to_string()
    } else {
        format!("#{k:#x}")
    };
    match class(insn.code) {
        BPF_LD => match insn.code & 0xe0 {
            BPF_ABS => format!("ld  [{k}]  ; {}", field_name(k, arch)),
            BPF_LEN => "ld  len".to_string(),
            BPF_MEM => format!("ld  M[{k}]"),
            _ => format!("ld  #{k:#x}"),
        },
        BPF_LDX => match insn.code & 0xe0 {
            BPF_LEN => "ldx len".to_string(),
            BPF_MEM => format!("ldx M[{k}]"),
            _ => format!("ldx #{k:#x}"),
        },
        BPF_ST => format!("st  M[{k}]"),
        BPF_STX => format!("stx M[{k}]"),
        BPF_ALU => {
            let name = match insn.code & 0xf0 {
                BPF_ADD => "add",
                BPF_SUB => "sub",
                BPF_MUL => "mul",
                BPF_DIV => "div",
                BPF_AND => "and",
                BPF_OR => "or",
                BPF_XOR => "xor",
                BPF_LSH => "lsh",
                BPF_RSH => "rsh",
                BPF_NEG => return "neg".to_string(),
                _ => "alu?",
            };
            format!("{name} {operand}")
        }
        BPF_JMP => {
            let name = match insn.code & 0xf0 {
                BPF_JA => return format!("ja  {:04}", target(k)),
                BPF_JEQ => "jeq",
                BPF_JGT => "jgt",
                BPF_JGE => "jge",
                BPF_JSET => "jset",
                _ => "jmp?",
            };
            let mut text = format!(
                "{name:<4}{operand}  true {:04}  false {:04}",
                target(insn.jt.into()),
                target(insn.jf.into())
            );
            if insn.code & 0xf0 == BPF_JEQ {
                if let Some(arch_name) = audit_arch_name(k) {
                    let _ = write!(text, "  ; AUDIT_ARCH {arch_name}");
                }
            }
            text
        }
        BPF_RET => {
            if insn.code & BPF_A != 0 {
                "ret a".to_string()
            } else {
                format!("ret #{k:#010x}  ; {}", Decision::from_ret_value(k))
            }
        }
        _ => {
            if insn.code & 0xf8 == BPF_TXA {
                "txa".to_string()
            } else {
                "tax".to_string()
            }
        }
    }
}

/// Disassembles a program, one numbered line per instruction. `arch`, when
/// given, selects the argument word order for annotations.
pub fn disassemble(program: &[SockFilter], arch: Option<Arch>) -> String {
    let mut out = String::new();
    for (index, insn) in program.iter().enumerate() {
        let _ = writeln!(
            out,
            "{index:04}: {:#06x} {:3} {:3} {:#010x}   {}",
            insn.code,
            insn.jt,
            insn.jf,
            insn.k,
            describe(insn, index, arch)
        );
    }
    out
}
