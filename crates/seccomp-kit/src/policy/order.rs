//! libseccomp's order for conditional rules of one syscall.
//!
//! libseccomp (`src/db.c`, 2.5–2.6) turns each rule into a chain of
//! comparison nodes, one per 32-bit word compared, lowest argument first and,
//! on 64-bit ABIs, the high word before the low word. Nodes at one level of
//! the per-syscall tree are kept sorted by `_db_chain_lt`, greatest first:
//! higher argument (and high word) first, then operator class (EQ/NE/MASKED_EQ
//! before LT/LE before GT/GE), then the value: larger first, except LT/LE,
//! where smaller comes first. When two rules match one call, the one whose
//! chain sorts first is tested first and decides.
//!
//! NOTE: this orders whole rules by their chains, which equals libseccomp's
//! tree walk for rules that differ in their first node (every profile in the
//! test data). Rules sharing a prefix and diverging deeper are merged into one
//! subtree by libseccomp; the model tries them in the same key order.

use super::ConditionalRule;
use crate::profile::{ArgCondition, Operator};
use std::cmp::Ordering;

/// The sort key of one tree node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct NodeKey {
    /// `arg << 1 | high_word`.
    arg_priority: u32,
    op_priority: u32,
    /// The compared word, inverted for LT/LE so that smaller values sort first.
    datum_rank: u32,
}

fn op_priority(op: Operator) -> u32 {
    match op {
        Operator::MaskedEqual | Operator::Equal | Operator::NotEqual => 3,
        Operator::LessThan | Operator::LessOrEqual => 2,
        Operator::GreaterOrEqual | Operator::GreaterThan => 1,
    }
}

fn node_keys(condition: &ArgCondition, low_word_only: bool) -> Vec<NodeKey> {
    let datum = match condition.op {
        Operator::MaskedEqual => condition.value_two & condition.value,
        _ => condition.value,
    };
    let rank = |word: u32| match condition.op {
        Operator::LessThan | Operator::LessOrEqual => !word,
        _ => word,
    };
    let key = |high: bool, word: u32| NodeKey {
        arg_priority: (u32::from(condition.index) << 1) | u32::from(high),
        op_priority: op_priority(condition.op),
        datum_rank: rank(word),
    };
    let (high, low) = ((datum >> 32) as u32, datum as u32);
    let mask_high = (condition.value >> 32) as u32;
    let mask_low = condition.value as u32;
    let is_masked = condition.op == Operator::MaskedEqual;
    let mut keys = Vec::with_capacity(2);
    let high_word_known = low_word_only || (is_masked && mask_high == 0);
    if !high_word_known {
        keys.push(key(true, high));
    }
    if !(is_masked && mask_low == 0) {
        keys.push(key(false, low));
    }
    keys
}

fn chain(rule: &ConditionalRule, low_word_only: bool) -> Vec<NodeKey> {
    let mut conditions = rule.conditions.clone();
    conditions.sort_by_key(|c| c.index);
    conditions
        .iter()
        .flat_map(|c| node_keys(c, low_word_only))
        .collect()
}

/// Compares two rules: `Less` means `a` is tested before `b`.
pub fn compare(a: &ConditionalRule, b: &ConditionalRule, low_word_only: bool) -> Ordering {
    // Greatest chain first; a chain that is a prefix of another comes later,
    // since the longer one is more specific.
    chain(b, low_word_only).cmp(&chain(a, low_word_only))
}

/// Sorts rules into the order libseccomp tests them. The sort is stable, so
/// rules with equal chains keep profile order.
pub fn sort(rules: &mut [ConditionalRule], low_word_only: bool) {
    rules.sort_by(|a, b| compare(a, b, low_word_only));
}
