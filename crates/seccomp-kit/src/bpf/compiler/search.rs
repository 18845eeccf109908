//! Search trees over ranges of a 32-bit value with equal outcome.
//!
//! The tree's depth never exceeds ⌈log₂ n⌉ for n ranges (or for the n
//! slower to reach than in a balanced tree. Within that limit, each split
//! balances the ranges' weights, so heavy ranges (syscalls that must run the
//! filter on every call) sit closer to the root.

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

/// Builds the tree for `weights.len()` ranges, none deeper than a
/// balanced tree.
pub(super) fn build(weights: &[u64]) -> Node {
    build_with_limit(weights, weights.len())
}

/// Builds the tree so that the ranges before `limited_end` are no deeper
/// than a balanced tree over them alone; the ranges after it may sit deeper.
pub(super) fn build_with_limit(weights: &[u64], limited_end: usize) -> Node {
    let mut prefix = vec![0u64; weights.len() + 1];
    for (i, w) in weights.iter().enumerate() {
        prefix[i + 1] = prefix[i] + w;
    }
    let tree = Tree {
        prefix: &prefix,
        limited_end,
    };
    let depth = balanced_depth(limited_end.max(1));
    tree.build(0, weights.len(), depth)
}

struct Tree<'a> {
    prefix: &'a [u64],
    limited_end: usize,
}

impl Tree<'_> {
    /// The number of depth-limited ranges in `lo..hi`.
    fn limited(&self, lo: usize, hi: usize) -> usize {
        hi.min(self.limited_end).saturating_sub(lo)
    }

    /// The leaf positions `lo..hi` needs within the depth limit: one per
    /// limited range, plus one for a subtree holding all unlimited ones.
    fn slots(&self, lo: usize, hi: usize) -> usize {
        self.limited(lo, hi) + usize::from(hi > self.limited_end.max(lo))
    }

    /// Builds ranges `lo..hi`, keeping limited ones within `depth` levels.
    /// Invariant: `slots(lo, hi) <= 2^depth`.
    fn build(&self, lo: usize, hi: usize, depth: u32) -> Node {
        if hi - lo == 1 {
            return Node::Leaf(lo);
        }
        if self.limited(lo, hi) == 0 {
            // Only unlimited ranges: a tree as balanced as their weights allow.
            let unlimited = Tree {
                prefix: self.prefix,
                limited_end: hi,
            };
            return unlimited.build(lo, hi, balanced_depth(hi - lo));
        }
        let capacity = 1usize << (depth.max(1) - 1).min(62);
        let total = self.prefix[hi] - self.prefix[lo];
        let mut best: Option<(u64, usize)> = None;
        for at in lo + 1..hi {
            if self.slots(lo, at) > capacity || self.slots(at, hi) > capacity {
                continue;
            }
            let left = self.prefix[at] - self.prefix[lo];
            let imbalance = left.abs_diff(total - left);
            if best.is_none_or(|(b, _)| imbalance < b) {
                best = Some((imbalance, at));
            }
        }
        // Some split always fits: by the invariant, `lo + capacity` (or the
        // first unlimited range, if sooner) leaves at most `capacity` slots
        // on each side.
        let at = best.map_or_else(
            || {
                (lo + capacity)
                    .min(self.limited_end.max(lo + 1))
                    .min(hi - 1)
            },
            |(_, at)| at,
        );
        Node::Split {
            at,
            lower: Box::new(self.build(lo, at, depth.saturating_sub(1))),
            upper: Box::new(self.build(at, hi, depth.saturating_sub(1))),
        }
    }
}
