//! Compares argument-dependent decisions on every class of argument values
//! that the conditions tell apart, and describes the values whose decision
//! changes.

use crate::analysis::summary::Summary;
use crate::policy::{condition_holds, Decision};
use crate::profile::{ArgCondition, Operator};
use std::collections::{BTreeSet, HashMap};

/// The largest number of argument-class combinations compared for one
/// syscall. Beyond it, the change is reported without argument details.
const MAX_ARGUMENT_COMBINATIONS: usize = 1 << 16;

/// A class of values of one argument on which every condition of both
/// profiles gives the same result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArgClass {
    /// `lo <= arg <= hi`.
    Range(u64, u64),
    /// `(arg & mask) == value` when `matches`, else `!=`.
    Masked {
        mask: u64,
        value: u64,
        matches: bool,
    },
    /// One bit of an argument compared by several masks: `bit` is the
    /// single-bit mask, `set` whether the argument has it.
    Bit { bit: u64, set: bool },
    /// One sampled value, used where masks and ranges mix: such classes are
    /// not intervals, so the values compared are a sample, not a partition.
    Point(u64),
}

impl ArgClass {
    fn representative(self) -> u64 {
        match self {
            ArgClass::Range(lo, _) => lo,
            ArgClass::Masked {
                mask,
                value,
                matches,
            } => {
                if matches {
                    value
                } else {
                    value ^ (mask & mask.wrapping_neg())
                }
            }
            ArgClass::Bit { bit, set } => {
                if set {
                    bit
                } else {
                    0
                }
            }
            ArgClass::Point(p) => p,
        }
    }
}

/// The largest number of mask bits compared one by one; more are sampled.
const MAX_MASK_BITS: u32 = 8;

/// Splits the values of one argument (up to `width`, the largest value the
/// ABI compares) into classes the `conditions` cannot tell apart. Returns
/// one axis of classes, or one axis per bit when several masks are compared
/// (then only the masked bits matter, and each combination is a class).
fn argument_axes(conditions: &[ArgCondition], width: u64) -> Vec<Vec<ArgClass>> {
    let mut starts = BTreeSet::from([0u64]);
    let mut masked = BTreeSet::new();
    for c in conditions {
        let v = c.value & width;
        match c.op {
            Operator::MaskedEqual => {
                masked.insert((v, c.value_two & v));
            }
            Operator::Equal | Operator::NotEqual => {
                starts.insert(v);
                if v < width {
                    starts.insert(v + 1);
                }
            }
            Operator::LessThan | Operator::GreaterOrEqual => {
                starts.insert(v);
            }
            Operator::LessOrEqual | Operator::GreaterThan => {
                if v < width {
                    starts.insert(v + 1);
                }
            }
        }
    }

    let starts: Vec<u64> = starts.into_iter().collect();
    if masked.is_empty() {
        let ranges = starts
            .iter()
            .enumerate()
            .map(|(i, &lo)| ArgClass::Range(lo, starts.get(i + 1).map_or(width, |next| next - 1)))
            .collect();
        return vec![ranges];
    }

    let union = masked.iter().fold(0u64, |all, (mask, _)| all | mask);
    if starts.len() == 1 && masked.len() == 1 {
        let (mask, value) = masked.into_iter().next().unwrap_or_default();
        if mask == 0 {
            return vec![vec![ArgClass::Range(0, width)]];
        }
        return vec![vec![
            ArgClass::Masked {
                mask,
                value,
                matches: true,
            },
            ArgClass::Masked {
                mask,
                value,
                matches: false,
            },
        ]];
    }

    if starts.len() == 1 && union.count_ones() <= MAX_MASK_BITS {
        return (0..64)
            .map(|i| 1u64 << i)
            .filter(|bit| union & bit != 0)
            .map(|bit| {
                vec![
                    ArgClass::Bit { bit, set: false },
                    ArgClass::Bit { bit, set: true },
                ]
            })
            .collect();
    }
    // NOTE: masks mixed with ranges, or masks with many bits, are compared
    // on a sample (range starts, each mask's value and that value with each
    // mask bit flipped), which can miss a change that needs two bits at once.
    let mut points: BTreeSet<u64> = starts.into_iter().collect();
    points.insert(width);
    for (mask, value) in masked {
        points.insert(value);
        for bit in 0..64 {
            if mask & (1 << bit) != 0 {
                points.insert(value ^ (1 << bit));
            }
        }
    }
    vec![points.into_iter().map(ArgClass::Point).collect()]
}

fn decide(summary: &Summary, args: [u64; 6], low_word_only: bool) -> Decision {
    match summary {
        Summary::Fixed(decision) => *decision,
        Summary::Conditional { rules, otherwise } => rules
            .iter()
            .find(|(conditions, _)| {
                conditions
                    .iter()
                    .all(|c| condition_holds(c, args, low_word_only))
            })
            .map_or(*otherwise, |(_, decision)| *decision),
    }
}

fn conditions(summary: &Summary) -> Vec<ArgCondition> {
    match summary {
        Summary::Fixed(_) => Vec::new(),
        Summary::Conditional { rules, .. } => {
            rules.iter().flat_map(|(c, _)| c.iter().copied()).collect()
        }
    }
}

/// A region of changed argument values: one set of class numbers per
/// argument index, and the two decisions.
type ArgBox = (Vec<BTreeSet<usize>>, Decision, Decision);

/// Returns the changes between two summaries of one syscall as (argument
/// description, old decision, new decision). A description of `None` means
/// every argument value.
pub(super) fn summary_changes(
    old: &Summary,
    new: &Summary,
    low_word_only: bool,
) -> Vec<(Option<String>, Decision, Decision)> {
    if let (Summary::Fixed(a), Summary::Fixed(b)) = (old, new) {
        return if a == b {
            Vec::new()
        } else {
            vec![(None, *a, *b)]
        };
    }
    let width = if low_word_only {
        u64::from(u32::MAX)
    } else {
        u64::MAX
    };
    let mut all = conditions(old);
    all.extend(conditions(new));
    let indices: BTreeSet<u8> = all.iter().map(|c| c.index).collect();
    let axes: Vec<(u8, Vec<ArgClass>)> = indices
        .into_iter()
        .flat_map(|index| {
            let on_index: Vec<ArgCondition> =
                all.iter().filter(|c| c.index == index).copied().collect();
            argument_axes(&on_index, width)
                .into_iter()
                .map(move |axis| (index, axis))
        })
        .collect();
    let combinations = axes
        .iter()
        .try_fold(1usize, |n, (_, c)| n.checked_mul(c.len()));
    let Some(combinations) = combinations.filter(|&n| n <= MAX_ARGUMENT_COMBINATIONS) else {
        let text = "some argument values (too many condition combinations to list)".to_string();
        return vec![(Some(text), old.fallback(), new.fallback())];
    };

    let mut changed: Vec<ArgBox> = Vec::new();
    for mut number in 0..combinations {
        let mut args = [0u64; 6];
        let mut choice = Vec::with_capacity(axes.len());
        for (index, classes) in &axes {
            let class = number % classes.len();
            number /= classes.len();
            // An index has one axis, or one axis per bit whose values add up.
            args[usize::from(*index)] |= classes[class].representative();
            choice.push(BTreeSet::from([class]));
        }
        let (a, b) = (
            decide(old, args, low_word_only),
            decide(new, args, low_word_only),
        );
        if a != b {
            changed.push((choice, a, b));
        }
    }
    merge_boxes(changed)
        .into_iter()
        .map(|(sets, a, b)| (describe_box(&axes, &sets, width), a, b))
        .collect()
}

/// Merges regions with the same decisions that differ on one axis only,
/// axis by axis, until no two can be merged. Each merge keeps a product, so
/// the result describes exactly the same values.
fn merge_boxes(mut boxes: Vec<ArgBox>) -> Vec<ArgBox> {
    let axes = boxes.first().map_or(0, |b| b.0.len());
    loop {
        let before = boxes.len();
        for k in 0..axes {
            let mut merged: Vec<ArgBox> = Vec::new();
            let mut index: HashMap<(Vec<BTreeSet<usize>>, Decision, Decision), usize> =
                HashMap::new();
            for (sets, a, b) in boxes {
                let mut key_sets = sets.clone();
                key_sets[k] = BTreeSet::new();
                match index.get(&(key_sets.clone(), a, b)) {
                    Some(&position) => merged[position].0[k].extend(sets[k].iter().copied()),
                    None => {
                        index.insert((key_sets, a, b), merged.len());
                        merged.push((sets, a, b));
                    }
                }
            }
            boxes = merged;
        }
        if boxes.len() == before {
            return boxes;
        }
    }
}

/// Formats an argument value: decimal below 4096 (socket families, small
/// flags), hexadecimal above (masks, flag words).
fn number(value: u64) -> String {
    if value < 0x1000 {
        value.to_string()
    } else {
        format!("{value:#x}")
    }
}

fn describe_box(
    axes: &[(u8, Vec<ArgClass>)],
    sets: &[BTreeSet<usize>],
    width: u64,
) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let indices: BTreeSet<u8> = axes.iter().map(|(index, _)| *index).collect();
    for index in indices {
        let mut fixed_mask = 0u64;
        let mut fixed_value = 0u64;
        for ((i, classes), set) in axes.iter().zip(sets) {
            if *i != index || set.len() == classes.len() {
                continue;
            }
            let chosen: Vec<ArgClass> = set.iter().map(|&c| classes[c]).collect();
            match chosen[..] {
                [ArgClass::Bit { bit, set }] => {
                    fixed_mask |= bit;
                    fixed_value |= if set { bit } else { 0 };
                }
                _ => parts.push(describe_classes(index, &chosen, width)),
            }
        }
        if fixed_mask != 0 {
            parts.push(format!(
                "(arg{index} & {fixed_mask:#x}) == {}",
                number(fixed_value)
            ));
        }
    }
    match parts.len() {
        0 => None,
        1 => Some(parts[0].clone()),
        _ => Some(
            parts
                .iter()
                .map(|p| {
                    if p.contains(" or ") {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" and "),
        ),
    }
}

fn describe_classes(index: u8, classes: &[ArgClass], width: u64) -> String {
    let arg = format!("arg{index}");
    let mut spans: Vec<(u64, u64)> = Vec::new();
    let mut others = Vec::new();
    let mut sampled = false;
    for class in classes {
        match *class {
            ArgClass::Range(lo, hi) => match spans.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
                _ => spans.push((lo, hi)),
            },
            ArgClass::Masked {
                mask,
                value,
                matches,
            } => {
                let op = if matches { "==" } else { "!=" };
                others.push(format!("({arg} & {mask:#x}) {op} {}", number(value)));
            }
            ArgClass::Bit { bit, set } => {
                let value = if set { bit } else { 0 };
                others.push(format!("({arg} & {bit:#x}) == {}", number(value)));
            }
            ArgClass::Point(p) => {
                sampled = true;
                others.push(format!("{arg} == {}", number(p)));
            }
        }
    }
    // "All values but a few" reads better as the values left out.
    let left_out = complement(&spans, width);
    let few_points = !spans.is_empty()
        && (1..=4).contains(&left_out.len())
        && left_out.iter().all(|(lo, hi)| lo == hi);
    let mut texts: Vec<String> = match left_out.as_slice() {
        [(value, _)] if few_points => vec![format!("{arg} != {}", number(*value))],
        _ if few_points => {
            let values: Vec<String> = left_out.iter().map(|(v, _)| number(*v)).collect();
            vec![format!("{arg} not in {{{}}}", values.join(", "))]
        }
        _ => spans
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    format!("{arg} == {}", number(lo))
                } else if lo == 0 {
                    format!("{arg} < {}", number(hi + 1))
                } else if hi == width {
                    format!("{arg} > {}", number(lo - 1))
                } else {
                    format!("{} <= {arg} <= {}", number(lo), number(hi))
                }
            })
            .collect(),
    };
    texts.extend(others);
    let text = texts.join(" or ");
    if sampled {
        format!("{text} (sampled values)")
    } else {
        text
    }
}

/// Returns the values from 0 to `width` that no span covers, as spans;
/// `spans` must be sorted and disjoint.
fn complement(spans: &[(u64, u64)], width: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    // The first value no span has reached yet; `None` after u64::MAX.
    let mut next = Some(0u64);
    for &(lo, hi) in spans {
        if let Some(from) = next.filter(|&from| lo > from) {
            out.push((from, lo - 1));
        }
        next = hi.checked_add(1);
    }
    if let Some(from) = next.filter(|&from| from <= width) {
        out.push((from, width));
    }
    out
}
