//! The capability sets and kernel ranges that make up the evaluation
//! contexts, and descriptions of subsets of them.

use crate::caps::{self, CapSet};
use crate::profile::{KernelVersion, Profile};
use std::collections::BTreeSet;

/// The kernel that evaluates the newest kernel range when it is newer than
/// every `minKernel`; any kernel in a range gives the same decisions.
pub const MODERN_KERNEL: KernelVersion = KernelVersion::new(6, 18);

/// The difference between a [`CapabilitySet`] and the base set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapChange {
    /// The base set itself.
    Base,
    /// The base set plus this capability.
    Add(String),
    /// The base set minus this capability.
    Drop(String),
    /// Every capability.
    All,
}

/// One capability bounding set evaluated by the analyses, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapabilitySet {
    /// Short description: `default`, `default + CAP_SYS_ADMIN`,
    /// `default - CAP_SYS_CHROOT` or `all`.
    pub label: String,
    pub change: CapChange,
    pub caps: CapSet,
}

/// Returns the capability names a profile's `includes.caps` and
/// `excludes.caps` mention that can be in a bounding set, that is names
/// already in their normalised form (`CAP_SYS_ADMIN`). Other spellings never
/// match in moby, so no capability set makes them relevant.
pub fn mentioned_capabilities(profile: &Profile) -> BTreeSet<String> {
    profile
        .syscalls
        .iter()
        .flat_map(|rule| rule.includes.caps.iter().chain(&rule.excludes.caps))
        .filter(|name| caps::normalize(name).is_ok_and(|n| n == **name))
        .cloned()
        .collect()
}

/// Returns the capability sets that can change a decision: `base`, `base`
/// plus each capability of `mentioned` that it lacks, `base` minus each one
/// it has, and all capabilities. Sets equal to an earlier one are left out.
///
/// ```
/// use seccomp_kit::analysis::diff::capability_sets;
/// use seccomp_kit::caps::CapSet;
///
/// let mentioned = ["CAP_SYS_ADMIN".to_string(), "CAP_SYS_CHROOT".to_string()].into();
/// let sets = capability_sets(&CapSet::docker_default(), "default", &mentioned);
/// let labels: Vec<_> = sets.iter().map(|s| s.label.as_str()).collect();
/// assert_eq!(labels, ["default", "default + CAP_SYS_ADMIN", "default - CAP_SYS_CHROOT", "all"]);
/// ```
pub fn capability_sets(
    base: &CapSet,
    base_label: &str,
    mentioned: &BTreeSet<String>,
) -> Vec<CapabilitySet> {
    let mut sets = vec![CapabilitySet {
        label: base_label.to_string(),
        change: CapChange::Base,
        caps: base.clone(),
    }];
    for cap in mentioned {
        let (label, change, caps) = if base.contains(cap) {
            let caps = base.with_changes(&[], std::slice::from_ref(cap));
            (
                format!("{base_label} - {cap}"),
                CapChange::Drop(cap.clone()),
                caps,
            )
        } else {
            let caps = base.with_changes(std::slice::from_ref(cap), &[]);
            (
                format!("{base_label} + {cap}"),
                CapChange::Add(cap.clone()),
                caps,
            )
        };
        // `mentioned` holds only normalised names, which `with_changes` accepts.
        let Ok(caps) = caps else { continue };
        sets.push(CapabilitySet {
            label,
            change,
            caps,
        });
    }
    sets.push(CapabilitySet {
        label: "all".to_string(),
        change: CapChange::All,
        caps: CapSet::all(),
    });
    let mut unique: Vec<CapabilitySet> = Vec::new();
    for set in sets {
        if !unique.iter().any(|u| u.caps == set.caps) {
            unique.push(set);
        }
    }
    unique
}

/// A range of host kernels on which a profile resolves the same way:
/// `from <= kernel < below`, where a missing bound is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelRange {
    pub from: Option<KernelVersion>,
    pub below: Option<KernelVersion>,
    /// The kernel the range is evaluated with.
    pub representative: KernelVersion,
}

impl KernelRange {
    /// Returns a description such as `kernel < 4.8`, `kernel >= 4.8` or
    /// `all kernels`.
    pub fn label(&self) -> String {
        span_label(self.from, self.below)
    }

    /// Returns whether `kernel` lies in the range.
    pub fn contains(&self, kernel: KernelVersion) -> bool {
        self.from.is_none_or(|f| kernel >= f) && self.below.is_none_or(|b| kernel < b)
    }
}

fn span_label(from: Option<KernelVersion>, below: Option<KernelVersion>) -> String {
    match (from, below) {
        (None, None) => "all kernels".to_string(),
        (None, Some(b)) => format!("kernel < {b}"),
        (Some(f), None) => format!("kernel >= {f}"),
        (Some(f), Some(b)) => format!("kernel >= {f} and < {b}"),
    }
}

/// Returns the kernel ranges the `minKernel` values of `profiles` delimit,
/// oldest first. A profile without `minKernel` gives one range, evaluated
/// with [`MODERN_KERNEL`]. `minKernel: ""` (version 0.0) bounds nothing,
/// because every kernel is at least 0.0.
///
/// ```
/// use seccomp_kit::analysis::diff::kernel_ranges;
/// use seccomp_kit::profile::Profile;
///
/// let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
///     {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}]}"#;
/// let profile = Profile::from_json(text).unwrap().profile;
/// let ranges = kernel_ranges(&[&profile]);
/// let labels: Vec<_> = ranges.iter().map(|r| r.label()).collect();
/// assert_eq!(labels, ["kernel < 4.8", "kernel >= 4.8"]);
/// assert_eq!(ranges[0].representative.to_string(), "4.7");
/// ```
pub fn kernel_ranges(profiles: &[&Profile]) -> Vec<KernelRange> {
    let thresholds: BTreeSet<KernelVersion> = profiles
        .iter()
        .flat_map(|p| &p.syscalls)
        .flat_map(|rule| [rule.includes.min_kernel, rule.excludes.min_kernel])
        .flatten()
        .filter(|k| *k != KernelVersion::new(0, 0))
        .collect();
    let Some(&first) = thresholds.iter().next() else {
        return vec![KernelRange {
            from: None,
            below: None,
            representative: MODERN_KERNEL,
        }];
    };
    let mut ranges = vec![KernelRange {
        from: None,
        below: Some(first),
        representative: previous_kernel(first),
    }];
    let list: Vec<KernelVersion> = thresholds.into_iter().collect();
    for (i, &from) in list.iter().enumerate() {
        let below = list.get(i + 1).copied();
        let representative = if below.is_none() && MODERN_KERNEL > from {
            MODERN_KERNEL
        } else {
            from
        };
        ranges.push(KernelRange {
            from: Some(from),
            below,
            representative,
        });
    }
    ranges
}

/// Returns the newest `minKernel`-style version below `kernel` (parts go up
/// to 255 in moby's grammar).
fn previous_kernel(kernel: KernelVersion) -> KernelVersion {
    if kernel.major > 0 {
        KernelVersion::new(kernel.kernel, kernel.major - 1)
    } else {
        KernelVersion::new(kernel.kernel.saturating_sub(1), 255)
    }
}

/// Describes a subset of capability sets: "any capabilities", "with CAP_X",
/// "without CAP_X", one label, "with CAP_X or CAP_Y", "without CAP_X and
/// CAP_Y", or a list of labels.
///
/// ```
/// use seccomp_kit::analysis::diff::{capability_sets, describe_cap_sets};
/// use seccomp_kit::caps::CapSet;
///
/// let mentioned = ["CAP_SYS_ADMIN".to_string(), "CAP_BPF".to_string()].into();
/// let sets = capability_sets(&CapSet::docker_default(), "default", &mentioned);
/// // default, + CAP_BPF, + CAP_SYS_ADMIN, all
/// assert_eq!(describe_cap_sets(&sets, &[0, 1]), "without CAP_SYS_ADMIN");
/// assert_eq!(describe_cap_sets(&sets, &[1, 2, 3]), "with CAP_BPF or CAP_SYS_ADMIN");
/// ```
pub fn describe_cap_sets(sets: &[CapabilitySet], chosen: &[usize]) -> String {
    let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
    if chosen.len() == sets.len() {
        return "any capabilities".to_string();
    }
    let caps: BTreeSet<&str> = sets
        .iter()
        .filter_map(|s| match &s.change {
            CapChange::Add(c) | CapChange::Drop(c) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    let select = |test: &dyn Fn(&CapSet) -> bool| -> BTreeSet<usize> {
        (0..sets.len()).filter(|&i| test(&sets[i].caps)).collect()
    };
    for cap in &caps {
        if select(&|s| s.contains(cap)) == chosen {
            return format!("with {cap}");
        }
        if select(&|s| !s.contains(cap)) == chosen {
            return format!("without {cap}");
        }
    }
    if let [only] = chosen.iter().copied().collect::<Vec<_>>()[..] {
        let set = &sets[only];
        return match set.change {
            CapChange::Base => format!("{} caps", set.label),
            CapChange::All => "all capabilities".to_string(),
            CapChange::Add(_) | CapChange::Drop(_) => set.label.clone(),
        };
    }
    for a in &caps {
        for b in caps.iter().filter(|b| *b > a) {
            if select(&|s| s.contains(a) || s.contains(b)) == chosen {
                return format!("with {a} or {b}");
            }
            if select(&|s| !s.contains(a) && !s.contains(b)) == chosen {
                return format!("without {a} and {b}");
            }
        }
    }
    let labels: Vec<&str> = chosen.iter().map(|&i| sets[i].label.as_str()).collect();
    format!("caps {}", labels.join(" | "))
}

/// Describes a subset of kernel ranges, merging neighbours: "all kernels",
/// "kernel < 4.8", "kernel >= 4.8".
pub fn describe_kernels(ranges: &[KernelRange], chosen: &[usize]) -> String {
    let mut chosen: Vec<usize> = chosen.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for i in chosen {
        match spans.last_mut() {
            Some(last) if last.1 + 1 == i => last.1 = i,
            _ => spans.push((i, i)),
        }
    }
    spans
        .iter()
        .map(|&(a, b)| span_label(ranges[a].from, ranges[b].below))
        .collect::<Vec<_>>()
        .join(" or ")
}
