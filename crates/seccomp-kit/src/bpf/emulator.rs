//! A classic BPF interpreter with the kernel's seccomp rules, and the
//! kernel's load-time checks (`seccomp_check_filter`, `bpf_check_classic`).

use super::insn::*;
use super::SeccompData;

/// A program the kernel would reject at load time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the program is empty; a filter needs at least one instruction")]
    Empty,
    #[error("the program has {0} instructions; the kernel accepts at most 4096 per filter")]
    TooLong(usize),
    #[error("instruction {index}: opcode {code:#06x} is not allowed in seccomp filters")]
    Opcode { index: usize, code: u16 },
    #[error("instruction {index}: load from offset {offset} is outside seccomp_data or not 4-byte aligned")]
    Load { index: usize, offset: u32 },
    #[error("instruction {index}: jump target is past the end of the program")]
    JumpOutOfRange { index: usize },
    #[error("instruction {index}: scratch memory index {k} is out of range (0–15)")]
    Memory { index: usize, k: u32 },
    #[error("instruction {index}: division by the constant 0")]
    DivideByZero { index: usize },
    #[error("the last instruction is not a return")]
    NoFinalReturn,
}

/// A failure while running a verified program (cannot happen for programs
/// that pass [`verify`], but the emulator never panics on bad input).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Invalid(#[from] VerifyError),
    #[error("ran off the end of the program")]
    FellOff,
}

/// Checks a program as the kernel does when it is installed as a seccomp
/// filter.
pub fn verify(program: &[SockFilter]) -> Result<(), VerifyError> {
    if program.is_empty() {
        return Err(VerifyError::Empty);
    }
    if program.len() > BPF_MAXINSNS {
        return Err(VerifyError::TooLong(program.len()));
    }
    for (index, insn) in program.iter().enumerate() {
        let code = insn.code;
        let remaining = program.len() - index - 1;
        match class(code) {
            BPF_LD => match code {
                c if c == BPF_LD | BPF_W | BPF_ABS => {
                    if insn.k % 4 != 0 || insn.k >= 64 {
                        return Err(VerifyError::Load {
                            index,
                            offset: insn.k,
                        });
                    }
                }
                c if c == BPF_LD | BPF_W | BPF_LEN || c == BPF_LD | BPF_IMM => {}
                c if c == BPF_LD | BPF_MEM => check_memory(index, insn.k)?,
                _ => return Err(VerifyError::Opcode { index, code }),
            },
            BPF_LDX => match code {
                c if c == BPF_LDX | BPF_W | BPF_LEN || c == BPF_LDX | BPF_IMM => {}
                c if c == BPF_LDX | BPF_MEM => check_memory(index, insn.k)?,
                _ => return Err(VerifyError::Opcode { index, code }),
            },
            BPF_ST | BPF_STX => {
                if code & !0x07 != 0 {
                    return Err(VerifyError::Opcode { index, code });
                }
                check_memory(index, insn.k)?;
            }
            BPF_ALU => {
                let op = code & 0xf0;
                let allowed = matches!(
                    op,
                    BPF_ADD
                        | BPF_SUB
                        | BPF_MUL
                        | BPF_DIV
                        | BPF_AND
                        | BPF_OR
                        | BPF_XOR
                        | BPF_LSH
                        | BPF_RSH
                        | BPF_NEG
                );
                if !allowed || code & !0xf8 != BPF_ALU {
                    return Err(VerifyError::Opcode { index, code });
                }
                if op == BPF_DIV && code & BPF_X == 0 && insn.k == 0 {
                    return Err(VerifyError::DivideByZero { index });
                }
            }
            BPF_JMP => {
                let op = code & 0xf0;
                if op == BPF_JA {
                    if code != BPF_JMP | BPF_JA {
                        return Err(VerifyError::Opcode { index, code });
                    }
                    if insn.k as usize >= remaining {
                        return Err(VerifyError::JumpOutOfRange { index });
                    }
                } else {
                    if !matches!(op, BPF_JEQ | BPF_JGT | BPF_JGE | BPF_JSET)
                        || code & !0xf8 != BPF_JMP
                    {
                        return Err(VerifyError::Opcode { index, code });
                    }
                    if usize::from(insn.jt) >= remaining || usize::from(insn.jf) >= remaining {
                        return Err(VerifyError::JumpOutOfRange { index });
                    }
                }
            }
            BPF_RET => {
                if !matches!(code & 0x18, BPF_K | BPF_A) || code & !0x1f != 0 {
                    return Err(VerifyError::Opcode { index, code });
                }
            }
            _ => {
                if code != BPF_MISC | BPF_TAX && code != BPF_MISC | BPF_TXA {
                    return Err(VerifyError::Opcode { index, code });
                }
            }
        }
    }
    if class(program[program.len() - 1].code) != BPF_RET {
        return Err(VerifyError::NoFinalReturn);
    }
    Ok(())
}

fn check_memory(index: usize, k: u32) -> Result<(), VerifyError> {
    if k >= BPF_MEMWORDS {
        return Err(VerifyError::Memory { index, k });
    }
    Ok(())
}

/// Runs `program` on `data` and returns the filter's 32-bit result.
/// `big_endian` selects the byte order of the ABI being emulated.
pub fn run(program: &[SockFilter], data: &SeccompData, big_endian: bool) -> Result<u32, RunError> {
    verify(program)?;
    Ok(run_verified(program, data, big_endian, &mut |_| {}))
}

/// Runs a program that passed [`verify`], calling `trace` with the index of
/// each instruction executed. Returns the filter's result.
pub fn run_verified(
    program: &[SockFilter],
    data: &SeccompData,
    big_endian: bool,
    trace: &mut dyn FnMut(usize),
) -> u32 {
    let bytes = data.to_bytes(big_endian);
    let load = |offset: u32| -> u32 {
        let at = offset as usize;
        let word = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if big_endian {
            u32::from_be_bytes(word)
        } else {
            u32::from_le_bytes(word)
        }
    };
    let (mut a, mut x) = (0u32, 0u32);
    let mut memory = [0u32; BPF_MEMWORDS as usize];
    let mut pc = 0usize;
    while pc < program.len() {
        trace(pc);
        let insn = program[pc];
        let k = insn.k;
        pc += 1;
        match class(insn.code) {
            BPF_LD => {
                a = match insn.code & 0xe0 {
                    BPF_ABS => load(k),
                    BPF_LEN => 64,
                    BPF_MEM => memory[k as usize],
                    _ => k,
                }
            }
            BPF_LDX => {
                x = match insn.code & 0xe0 {
                    BPF_LEN => 64,
                    BPF_MEM => memory[k as usize],
                    _ => k,
                }
            }
            BPF_ST => memory[k as usize] = a,
            BPF_STX => memory[k as usize] = x,
            BPF_ALU => {
                let operand = if insn.code & BPF_X != 0 { x } else { k };
                a = match insn.code & 0xf0 {
                    BPF_ADD => a.wrapping_add(operand),
                    BPF_SUB => a.wrapping_sub(operand),
                    BPF_MUL => a.wrapping_mul(operand),
                    // Classic BPF ends the program with 0 on division by zero.
                    BPF_DIV if operand == 0 => return 0,
                    BPF_DIV => a / operand,
                    BPF_AND => a & operand,
                    BPF_OR => a | operand,
                    BPF_XOR => a ^ operand,
                    BPF_LSH => a.checked_shl(operand).unwrap_or(0),
                    BPF_RSH => a.checked_shr(operand).unwrap_or(0),
                    _ => a.wrapping_neg(),
                }
            }
            BPF_JMP => {
                let operand = if insn.code & BPF_X != 0 { x } else { k };
                let taken = match insn.code & 0xf0 {
                    BPF_JA => {
                        pc += k as usize;
                        continue;
                    }
                    BPF_JEQ => a == operand,
                    BPF_JGT => a > operand,
                    BPF_JGE => a >= operand,
                    _ => a & operand != 0,
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
            }
            BPF_RET => return if insn.code & BPF_A != 0 { a } else { k },
            _ => {
                if insn.code & 0xf8 == BPF_TXA {
                    a = x;
                } else {
                    x = a;
                }
            }
        }
    }
    // verify() guarantees a final return, so this is unreachable for
    // verified programs; 0 (KILL) is the safe result.
    0
}
