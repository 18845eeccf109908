//! Code for a syscall's conditional rules.
//!
//! When every rule has one condition, all on the same argument, and none is
//! a mask test (socket's family ranges, personality's values), the decision
//! is a step function of that argument: it compiles to a search over its
//! intervals, high word first. Otherwise the rules are tested in order, each
//! condition with libseccomp's 64-bit decomposition; mask tests use `jset`
//! where they can, and a rule that starts by loading the word already in the
//! accumulator skips the load.

use super::emit::{Accumulator, Emitter, Label};
use super::search::{self, Node};
use crate::arch::Arch;
use crate::bpf::insn::*;
use crate::policy::{condition_holds, AbiPolicy, ConditionalRule, Decision};
use crate::profile::{ArgCondition, Operator};

const JEQ: u16 = BPF_JMP | BPF_JEQ | BPF_K;
const JGT: u16 = BPF_JMP | BPF_JGT | BPF_K;
const JGE: u16 = BPF_JMP | BPF_JGE | BPF_K;
const JSET: u16 = BPF_JMP | BPF_JSET | BPF_K;

/// Offsets of an argument's low and high words in `seccomp_data`.
fn word_offsets(arch: Arch, index: u8) -> (u32, u32) {
    let base = 16 + 8 * u32::from(index);
    if arch.is_big_endian() {
        (base + 4, base)
    } else {
        (base, base + 4)
    }
}

/// Emits the code deciding a syscall by its `rules`, else `default`.
pub(super) fn emit_rules(
    emitter: &mut Emitter,
    abi: &AbiPolicy,
    rules: &[ConditionalRule],
    default: Decision,
) -> Label {
    if let Some(index) = single_argument(rules) {
        return emit_intervals(emitter, abi, rules, default, index);
    }
    let mut next = emitter.ret(default);
    for rule in rules.iter().rev() {
        let mut label = emitter.ret(rule.decision);
        let mut conditions = rule.conditions.clone();
        // Test in argument order; the order within one rule does not change
        // its meaning.
        conditions.sort_by_key(|c| c.index);
        for condition in conditions.iter().rev() {
            label = emit_condition(emitter, abi, condition, label, next);
        }
        next = label;
    }
    next
}

/// The argument index, when every rule is one comparison on it that is not
/// a mask test.
fn single_argument(rules: &[ConditionalRule]) -> Option<u8> {
    let first = rules.first()?.conditions.first()?.index;
    rules
        .iter()
        .all(|r| {
            r.conditions.len() == 1
                && r.conditions[0].index == first
                && r.conditions[0].op != Operator::MaskedEqual
        })
        .then_some(first)
}

/// Emits a search over the intervals of argument `index` on which the
/// decision is constant.
fn emit_intervals(
    emitter: &mut Emitter,
    abi: &AbiPolicy,
    rules: &[ConditionalRule],
    default: Decision,
    index: u8,
) -> Label {
    let width_mask = if abi.low_word_only {
        0xffff_ffff
    } else {
        u64::MAX
    };
    let decide = |value: u64| -> Decision {
        let mut args = [0u64; 6];
        args[usize::from(index)] = value;
        rules
            .iter()
            .find(|r| condition_holds(&r.conditions[0], args, abi.low_word_only))
            .map_or(default, |r| r.decision)
    };
    let mut starts: Vec<u64> = vec![0];
    for rule in rules {
        let value = rule.conditions[0].value & width_mask;
        starts.push(value);
        if value < width_mask {
            starts.push(value + 1);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let mut intervals: Vec<(u64, Decision)> = Vec::new();
    for start in starts {
        let decision = decide(start);
        if intervals.last().is_none_or(|&(_, d)| d != decision) {
            intervals.push((start, decision));
        }
    }

    let (low_offset, high_offset) = word_offsets(abi.arch, index);
    if abi.low_word_only {
        let words: Vec<(u32, Decision)> = intervals.iter().map(|&(s, d)| (s as u32, d)).collect();
        let search = emit_word_search(emitter, &words, low_offset);
        return emitter.load(low_offset, search);
    }

    // Split by high word: a high value whose low words lead to different
    // decisions gets a low-word search; the others are constant.
    let mut high_pieces: Vec<(u32, HighPiece)> = Vec::new();
    let interval_at = |value: u64| {
        intervals
            .iter()
            .rev()
            .find(|&&(s, _)| s <= value)
            .map_or(default, |&(_, d)| d)
    };
    let mut high_starts: Vec<u32> = vec![0];
    for &(start, _) in &intervals {
        let high = (start >> 32) as u32;
        high_starts.push(high);
        if start as u32 != 0 {
            if let Some(next) = high.checked_add(1) {
                high_starts.push(next);
            }
        }
    }
    high_starts.sort_unstable();
    high_starts.dedup();
    for &high in &high_starts {
        let base = u64::from(high) << 32;
        let lows: Vec<(u32, Decision)> = intervals
            .iter()
            .filter(|&&(s, _)| s >> 32 == u64::from(high) && s as u32 != 0)
            .map(|&(s, d)| (s as u32, d))
            .collect();
        let piece = if lows.is_empty() {
            HighPiece::Fixed(interval_at(base))
        } else {
            let mut words = vec![(0u32, interval_at(base))];
            words.extend(lows);
            HighPiece::Lows(words)
        };
        let merges = matches!((high_pieces.last(), &piece), (Some((_, HighPiece::Fixed(a))), HighPiece::Fixed(b)) if a == b);
        if !merges {
            high_pieces.push((high, piece));
        }
    }

    let weights = vec![1; high_pieces.len()];
    let tree = search::build(&weights);
    let search = emit_high_tree(emitter, &tree, &high_pieces, low_offset, high_offset);
    emitter.load(high_offset, search)
}

enum HighPiece {
    Fixed(Decision),
    /// Intervals of the low word: (start, decision), starting at 0.
    Lows(Vec<(u32, Decision)>),
}

fn emit_high_tree(
    emitter: &mut Emitter,
    node: &Node,
    pieces: &[(u32, HighPiece)],
    low_offset: u32,
    high_offset: u32,
) -> Label {
    match node {
        Node::Leaf(i) => match &pieces[*i].1 {
            HighPiece::Fixed(decision) => emitter.ret(*decision),
            HighPiece::Lows(words) => {
                let search = emit_word_search(emitter, words, low_offset);
                emitter.load(low_offset, search)
            }
        },
        Node::Split { at, lower, upper } => {
            let upper = emit_high_tree(emitter, upper, pieces, low_offset, high_offset);
            let lower = emit_high_tree(emitter, lower, pieces, low_offset, high_offset);
            emitter.jump(
                JGE,
                pieces[*at].0,
                upper,
                lower,
                Accumulator::Word(high_offset),
            )
        }
    }
}

/// Emits a balanced search over 32-bit intervals of the word at `offset`
/// (already in A).
fn emit_word_search(emitter: &mut Emitter, words: &[(u32, Decision)], offset: u32) -> Label {
    let weights = vec![1; words.len()];
    let tree = search::build(&weights);
    emit_word_tree(emitter, &tree, words, offset)
}

fn emit_word_tree(
    emitter: &mut Emitter,
    node: &Node,
    words: &[(u32, Decision)],
    offset: u32,
) -> Label {
    match node {
        Node::Leaf(i) => emitter.ret(words[*i].1),
        Node::Split { at, lower, upper } => {
            let upper = emit_word_tree(emitter, upper, words, offset);
            let lower = emit_word_tree(emitter, lower, words, offset);
            emitter.jump(JGE, words[*at].0, upper, lower, Accumulator::Word(offset))
        }
    }
}

/// Emits code that goes to `on_true` when `condition` holds, else `on_false`.
/// Comparisons are unsigned, with libseccomp's 64-bit decompositions; on
/// low-word ABIs only the low words are compared.
fn emit_condition(
    emitter: &mut Emitter,
    abi: &AbiPolicy,
    condition: &ArgCondition,
    on_true: Label,
    on_false: Label,
) -> Label {
    let (low_offset, high_offset) = word_offsets(abi.arch, condition.index);
    let value_high = (condition.value >> 32) as u32;
    let value_low = condition.value as u32;
    let low = Accumulator::Word(low_offset);
    let high = Accumulator::Word(high_offset);

    // The low-word test, with its true and false targets.
    let (low_code, low_true, low_false) = match condition.op {
        Operator::Equal => (JEQ, on_true, on_false),
        Operator::NotEqual => (JEQ, on_false, on_true),
        Operator::GreaterThan => (JGT, on_true, on_false),
        Operator::GreaterOrEqual => (JGE, on_true, on_false),
        Operator::LessThan => (JGE, on_false, on_true),
        Operator::LessOrEqual => (JGT, on_false, on_true),
        Operator::MaskedEqual => {
            return emit_masked(emitter, abi, condition, on_true, on_false);
        }
    };
    let low_test = emitter.jump(low_code, value_low, low_true, low_false, low);
    let low_part = emitter.load(low_offset, low_test);
    if abi.low_word_only {
        return low_part;
    }
    let high_test = match condition.op {
        Operator::Equal => emitter.jump(JEQ, value_high, low_part, on_false, high),
        Operator::NotEqual => emitter.jump(JEQ, value_high, low_part, on_true, high),
        Operator::GreaterThan | Operator::GreaterOrEqual => {
            let equal = emitter.jump(JEQ, value_high, low_part, on_false, high);
            emitter.jump(JGT, value_high, on_true, equal, high)
        }
        _ => {
            let equal = emitter.jump(JEQ, value_high, low_part, on_true, high);
            emitter.jump(JGT, value_high, on_false, equal, high)
        }
    };
    emitter.load(high_offset, high_test)
}

/// Emits the test `(arg & value) == valueTwo`, high word first; a word whose
/// mask is 0 always matches and is skipped.
fn emit_masked(
    emitter: &mut Emitter,
    abi: &AbiPolicy,
    condition: &ArgCondition,
    on_true: Label,
    on_false: Label,
) -> Label {
    let (low_offset, high_offset) = word_offsets(abi.arch, condition.index);
    let value_high = (condition.value >> 32) as u32;
    let value_low = condition.value as u32;
    let expected = condition.value_two & condition.value;
    let mut halves = vec![(low_offset, value_low, expected as u32)];
    if !abi.low_word_only {
        halves.push((high_offset, value_high, (expected >> 32) as u32));
    }
    // Emitted backwards, so the high word is tested first.
    let mut label = on_true;
    for (offset, mask, want) in halves {
        if mask == 0 {
            continue;
        }
        let word = Accumulator::Word(offset);
        let test = if want == 0 {
            // No bit of the mask set.
            emitter.jump(JSET, mask, on_false, label, word)
        } else if want == mask && mask.is_power_of_two() {
            emitter.jump(JSET, mask, label, on_false, word)
        } else if mask == u32::MAX {
            emitter.jump(JEQ, want, label, on_false, word)
        } else {
            let compare = emitter.jump(JEQ, want, label, on_false, Accumulator::Unknown);
            emitter.stmt(BPF_ALU | BPF_AND | BPF_K, mask, compare)
        };
        label = emitter.load(offset, test);
    }
    label
}
