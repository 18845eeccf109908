//! Search trees over ranges of a 32-bit value with equal outcome.
//!
//! The tree's depth never exceeds ⌈log₂ n⌉ for n ranges, so no range is
//! slower to reach than in a balanced tree. Within that limit, each split
//! balances the ranges' weights, so heavy ranges (syscalls that must run the
//! filter on every call) sit closer to the root.

/// Sizes of the two halves a split at `at` gives, for ranges `lo..hi`.
fn fits(lo: usize, at: usize, hi: usize, depth: u32) -> bool {
    let capacity = 1usize << (depth - 1).min(63);
    at - lo <= capacity && hi - at <= capacity
}

/// Returns ⌈log₂ n⌉, the depth of a balanced tree with `n` leaves.
pub(super) fn balanced_depth(n: usize) -> u32 {
    n.max(1).next_power_of_two().trailing_zeros()
}

/// A node of the search tree over `ranges[lo..hi]`.
pub(super) enum Node {
    Leaf(usize),
    /// `value >= start of ranges[at]` goes to `upper`.
    Split {
        at: usize,
        lower: Box<Node>,
        upper: Box<Node>,
    },
}

/// Builds the tree for `weights.len()` ranges.
pub(super) fn build(weights: &[u64]) -> Node {
    let mut prefix = vec![0u64; weights.len() + 1];
    for (i, w) in weights.iter().enumerate() {
        prefix[i + 1] = prefix[i] + w;
    }
    build_range(&prefix, 0, weights.len(), balanced_depth(weights.len()))
}

fn build_range(prefix: &[u64], lo: usize, hi: usize, depth: u32) -> Node {
    if hi - lo == 1 {
        return Node::Leaf(lo);
    }
    let total = prefix[hi] - prefix[lo];
    let mut best: Option<(u64, usize)> = None;
    for at in lo + 1..hi {
        if !fits(lo, at, hi, depth) {
            continue;
        }
        let left = prefix[at] - prefix[lo];
        let imbalance = left.abs_diff(total - left);
        if best.is_none_or(|(b, _)| imbalance < b) {
            best = Some((imbalance, at));
        }
    }
    // A split always fits: the midpoint halves satisfy the capacity.
    let at = best.map_or((lo + hi) / 2, |(_, at)| at);
    Node::Split {
        at,
        lower: Box::new(build_range(prefix, lo, at, depth - 1)),
        upper: Box::new(build_range(prefix, at, hi, depth - 1)),
    }
}
