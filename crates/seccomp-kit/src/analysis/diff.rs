//! Semantic diff of two profiles: the decisions that change between them.
//!
//! Both profiles are resolved and modelled in every evaluation context. A
//! context is a host architecture with a syscall table, a capability set and
//! a kernel. The capability sets are Docker's default, the default plus or
//! minus each capability either profile names in `includes`/`excludes`, and
//! all capabilities. The kernels are one from each range that the profiles'
//! `minKernel` values delimit. In each context every syscall of every ABI of
//! the filter is compared.
//! Argument-dependent decisions are compared on every class of argument
//! values that the conditions of either profile distinguish, so a change is
//! reported with the argument values it applies to.
//!
//! Identical changes are merged across contexts, and each merged change lists
//! where it applies ("every host, without CAP_SYS_ADMIN, all kernels").
//!
//! ```
//! use seccomp_kit::analysis::diff::{diff, DiffOptions};
//! use seccomp_kit::arch::Arch;
//! use seccomp_kit::profile::Profile;
//!
//! // futex_waitv, the highest number named, keeps runc's ENOSYS rule the
//! // same in both profiles.
//! let old = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
//!     {"names": ["getpid", "futex_waitv"], "action": "SCMP_ACT_ALLOW"},
//!     {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}}]}"#;
//! let new = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
//!     {"names": ["getpid", "futex_waitv", "reboot"], "action": "SCMP_ACT_ALLOW"}]}"#;
//! let old = Profile::from_json(old).unwrap().profile;
//! let new = Profile::from_json(new).unwrap().profile;
//! let options = DiffOptions { hosts: vec![Arch::X86_64], ..DiffOptions::default() };
//! let result = diff(&old, &new, &options).unwrap();
//! assert_eq!(result.changes.len(), 1);
//! assert_eq!(result.changes[0].syscall(), Some("reboot"));
//! assert_eq!(result.cap_set_labels(&result.changes[0]), ["default"]);
//! assert_eq!(result.to_string(), "amd64, without CAP_SYS_BOOT, all kernels:\n  reboot: ERRNO(1) → ALLOW (now ALLOW with any capabilities)\n");
//! ```

use super::summary::Summary;
use crate::arch::Arch;
use crate::caps::{self, CapSet};
use crate::policy::{
    condition_holds, AbiPolicy, ConditionalRule, Decision, EnosysMode, Policy, PolicyOptions,
    SyscallPolicy, ENOSYS,
};
use crate::profile::{Action, ArgCondition, KernelVersion, Operator, Profile};
use crate::resolve::{resolve, Resolved, Target};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write};
use std::rc::Rc;

/// The kernel that evaluates the newest kernel range when it is newer than
/// every `minKernel`; any kernel in a range gives the same decisions.
pub const MODERN_KERNEL: KernelVersion = KernelVersion::new(6, 18);

/// The largest number of argument-class combinations compared for one
/// syscall. Beyond it, the change is reported without argument details.
const MAX_ARGUMENT_COMBINATIONS: usize = 1 << 16;

/// Returns the host architectures a profile can be resolved for that have a
/// syscall table: every ABI a moby daemon can run as (all but x32).
pub fn host_arches() -> Vec<Arch> {
    Arch::ALL
        .into_iter()
        .filter(|a| a.moby_native().is_some() && a.has_syscall_table())
        .collect()
}

// ---------------------------------------------------------------------------
// Capability sets and kernel ranges
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Public result types
// ---------------------------------------------------------------------------

/// Settings of [`diff`].
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// Host architectures to resolve the profiles for.
    pub hosts: Vec<Arch>,
    /// Whether runc's ENOSYS rule is modelled.
    pub enosys: EnosysMode,
}

impl Default for DiffOptions {
    /// Returns options for every host with a syscall table, with runc's
    /// ENOSYS rule.
    fn default() -> DiffOptions {
        DiffOptions {
            hosts: host_arches(),
            enosys: EnosysMode::Runc,
        }
    }
}

/// One evaluation context of a change. `caps` and `kernel` index
/// [`Diff::cap_sets`] and [`Diff::kernels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Context {
    pub host: Arch,
    /// The ABI of the calling process, or `None` for changes of the whole
    /// filter.
    pub abi: Option<Arch>,
    pub caps: usize,
    pub kernel: usize,
}

/// What changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The profile enables or disables seccomp (empty `defaultAction` and no
    /// rules disable it).
    Seccomp {
        old_enabled: bool,
        new_enabled: bool,
    },
    /// The filter starts or stops covering an ABI. Syscalls of an ABI
    /// outside the filter get the bad-architecture action.
    AbiCoverage {
        abi: Arch,
        old_covered: bool,
        new_covered: bool,
        bad_arch: Decision,
    },
    /// The decision for a syscall changes, for the argument values that
    /// `arguments` describes (`None`: for every argument value).
    Decision {
        syscall: String,
        arguments: Option<String>,
        old: Decision,
        new: Decision,
    },
}

/// A set of contexts that is a product: these hosts (each with all of its
/// compared ABIs, or the listed ones), these capability sets and these kernel
/// ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub hosts: Vec<(Arch, Option<Vec<Arch>>)>,
    pub cap_sets: Vec<usize>,
    pub kernels: Vec<usize>,
}

/// One change and every context it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub contexts: Vec<Context>,
    /// `contexts` grouped into products, for short descriptions.
    pub places: Vec<Place>,
    /// Whether, in every context of the change, the new profile gives the
    /// syscall the same rules under every capability set evaluated.
    pub new_independent_of_caps: bool,
}

impl Change {
    /// Returns the syscall name of a decision change.
    pub fn syscall(&self) -> Option<&str> {
        match &self.kind {
            ChangeKind::Decision { syscall, .. } => Some(syscall),
            _ => None,
        }
    }
}

/// The result of [`diff`].
#[derive(Clone, Debug)]
pub struct Diff {
    pub hosts: Vec<Arch>,
    /// For each host, the ABIs both filters cover.
    pub host_abis: BTreeMap<Arch, Vec<Arch>>,
    pub cap_sets: Vec<CapabilitySet>,
    pub kernels: Vec<KernelRange>,
    /// Changes ordered by kind, then syscall name.
    pub changes: Vec<Change>,
}

/// A profile that cannot be evaluated in one of the contexts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error("the {side} profile cannot be evaluated on host {host} with capability set {caps} and {kernel}: {message}")]
    Evaluate {
        side: &'static str,
        host: Arch,
        caps: String,
        kernel: String,
        message: String,
    },
    #[error("{0} cannot be a host architecture because no daemon runs as it; use x86_64")]
    NoHost(Arch),
    #[error("there is no syscall table for {0}, so it cannot be compared; choose another --arch")]
    NoTable(Arch),
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// The outcome of one profile in one context.
enum State {
    Disabled,
    Filter(Policy),
}

/// The rules for one syscall number, borrowed from a policy. Views compare
/// without the rules' origins, which do not change decisions.
#[derive(Clone, Copy)]
enum View<'a> {
    Fixed(Decision),
    Rules(&'a [ConditionalRule], Decision),
}

impl PartialEq for View<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (View::Fixed(a), View::Fixed(b)) => a == b,
            (View::Rules(a, x), View::Rules(b, y)) => {
                x == y
                    && a.len() == b.len()
                    && a.iter()
                        .zip(*b)
                        .all(|(r, s)| r.decision == s.decision && r.conditions == s.conditions)
            }
            _ => false,
        }
    }
}

impl View<'_> {
    fn summary(self) -> Summary {
        match self {
            View::Fixed(decision) => Summary::Fixed(decision),
            View::Rules(rules, otherwise) => Summary::Conditional {
                rules: rules
                    .iter()
                    .map(|r| (r.conditions.clone(), r.decision))
                    .collect(),
                otherwise,
            },
        }
    }
}

/// Returns how `nr` is decided on `abi`, as [`summarize`] does for a name.
fn view<'a>(policy: &'a Policy, abi: &'a AbiPolicy, nr: u32) -> View<'a> {
    if abi.enosys_above.is_some_and(|max| nr > max) || (abi.enosys_zero && nr == 0) {
        return View::Fixed(Decision::errno(ENOSYS as u16));
    }
    match abi.syscalls.get(&nr) {
        None => View::Fixed(policy.default),
        Some(SyscallPolicy::Always(decision, _)) => View::Fixed(*decision),
        Some(SyscallPolicy::Conditional(rules)) => View::Rules(rules, policy.default),
    }
}

impl State {
    fn view(&self, abi: Arch, nr: u32) -> Option<View<'_>> {
        match self {
            State::Disabled => None,
            State::Filter(policy) => policy.abi(abi).map(|a| view(policy, a, nr)),
        }
    }

    fn abis(&self) -> Vec<Arch> {
        match self {
            State::Disabled => Vec::new(),
            State::Filter(policy) => policy
                .abis
                .iter()
                .map(|a| a.arch)
                .filter(|a| a.has_syscall_table())
                .collect(),
        }
    }
}

/// The parts of a resolved section that a policy depends on.
type Content = (
    Action,
    Option<u32>,
    Vec<Arch>,
    Vec<(Vec<String>, Action, Option<u32>, Vec<ArgCondition>)>,
);

fn content(resolved: &Resolved) -> Content {
    (
        resolved.default_action,
        resolved.default_errno_ret,
        resolved.architectures.clone(),
        resolved
            .rules
            .iter()
            .map(|r| (r.names.clone(), r.action, r.errno_ret, r.args.clone()))
            .collect(),
    )
}

/// One profile and the states computed for it on the current host, by the
/// rules resolution kept (which, with the host, determine the state).
struct Side<'a> {
    name: &'static str,
    profile: &'a Profile,
    cache: HashMap<Option<Vec<usize>>, Rc<State>>,
}

struct Evaluated {
    content: Option<Content>,
    state: Rc<State>,
}

impl Side<'_> {
    fn evaluate(
        &mut self,
        host: Arch,
        set: &CapabilitySet,
        range: &KernelRange,
        enosys: EnosysMode,
    ) -> Result<Evaluated, DiffError> {
        let error = |message: String| DiffError::Evaluate {
            side: self.name,
            host,
            caps: set.label.clone(),
            kernel: range.label(),
            message,
        };
        let target = Target::new(host, set.caps.clone(), range.representative);
        let resolved = resolve(self.profile, &target).map_err(|e| error(e.to_string()))?;
        let key = resolved
            .as_ref()
            .map(|r| r.rules.iter().map(|rule| rule.source_index).collect());
        let content = resolved.as_ref().map(content);
        if let Some(state) = self.cache.get(&key) {
            return Ok(Evaluated {
                content,
                state: state.clone(),
            });
        }
        let state = match &resolved {
            None => State::Disabled,
            Some(resolved) => {
                let mut options = PolicyOptions::new(host);
                options.enosys = enosys;
                let policy = Policy::build(resolved, &options).map_err(|e| error(e.to_string()))?;
                State::Filter(policy)
            }
        };
        let state = Rc::new(state);
        self.cache.insert(key, state.clone());
        Ok(Evaluated { content, state })
    }
}

/// Collects changes while the contexts are compared.
#[derive(Default)]
struct Collector {
    index: BTreeMap<(u8, String, String, String, String), usize>,
    changes: Vec<(ChangeKind, Vec<Context>, bool)>,
}

impl Collector {
    fn add(&mut self, kind: ChangeKind, context: Context, independent: bool) {
        let key = sort_key(&kind);
        let position = *self.index.entry(key).or_insert_with(|| {
            self.changes.push((kind, Vec::new(), true));
            self.changes.len() - 1
        });
        let entry = &mut self.changes[position];
        entry.1.push(context);
        entry.2 &= independent;
    }
}

fn sort_key(kind: &ChangeKind) -> (u8, String, String, String, String) {
    match kind {
        ChangeKind::Seccomp { old_enabled, .. } => (
            0,
            String::new(),
            String::new(),
            old_enabled.to_string(),
            String::new(),
        ),
        ChangeKind::AbiCoverage {
            abi, old_covered, ..
        } => (
            1,
            abi.name().to_string(),
            String::new(),
            old_covered.to_string(),
            String::new(),
        ),
        ChangeKind::Decision {
            syscall,
            arguments,
            old,
            new,
        } => (
            2,
            syscall.clone(),
            arguments.clone().unwrap_or_default(),
            old.to_string(),
            new.to_string(),
        ),
    }
}

/// Compares `old` with `new` in every context of `options` and returns the
/// decisions that change.
///
/// # Errors
///
/// [`DiffError::Evaluate`] when a profile cannot be resolved or modelled in a
/// context (for example two rules with identical conditions and different
/// actions, which runc rejects), and [`DiffError::NoHost`] or
/// [`DiffError::NoTable`] for an unusable host in `options`.
pub fn diff(old: &Profile, new: &Profile, options: &DiffOptions) -> Result<Diff, DiffError> {
    for &host in &options.hosts {
        if host.moby_native().is_none() {
            return Err(DiffError::NoHost(host));
        }
        if !host.has_syscall_table() {
            return Err(DiffError::NoTable(host));
        }
    }
    let mut mentioned = mentioned_capabilities(old);
    mentioned.extend(mentioned_capabilities(new));
    let cap_sets = capability_sets(&CapSet::docker_default(), "default", &mentioned);
    let kernels = kernel_ranges(&[old, new]);

    let mut collector = Collector::default();
    let mut host_abis = BTreeMap::new();
    let mut tables = HashMap::new();
    for &host in &options.hosts {
        let mut old_side = Side {
            name: "old",
            profile: old,
            cache: HashMap::new(),
        };
        let mut new_side = Side {
            name: "new",
            profile: new,
            cache: HashMap::new(),
        };
        let mut compared_abis = BTreeSet::new();
        for (kernel, range) in kernels.iter().enumerate() {
            let mut olds = Vec::new();
            let mut news = Vec::new();
            for set in &cap_sets {
                olds.push(old_side.evaluate(host, set, range, options.enosys)?);
                news.push(new_side.evaluate(host, set, range, options.enosys)?);
            }
            let block = Block {
                host,
                kernel,
                news: &news,
                independent: HashMap::new(),
            };
            compare_block(
                block,
                &olds,
                &mut tables,
                &mut collector,
                &mut compared_abis,
            );
        }
        host_abis.insert(host, compared_abis.into_iter().collect());
    }

    let mut diff = Diff {
        hosts: options.hosts.clone(),
        host_abis,
        cap_sets,
        kernels,
        changes: Vec::new(),
    };
    let mut entries: Vec<_> = collector.index.into_iter().collect();
    entries.sort();
    let mut raw = collector.changes;
    for (_, position) in entries {
        let (kind, mut contexts, independent) = std::mem::replace(
            &mut raw[position],
            (
                ChangeKind::Seccomp {
                    old_enabled: false,
                    new_enabled: false,
                },
                Vec::new(),
                false,
            ),
        );
        contexts.sort();
        contexts.dedup();
        let places = diff.places(&contexts);
        let new_independent_of_caps = independent && matches!(kind, ChangeKind::Decision { .. });
        diff.changes.push(Change {
            kind,
            contexts,
            places,
            new_independent_of_caps,
        });
    }
    Ok(diff)
}

/// The states of one host and kernel range under every capability set.
struct Block<'a> {
    host: Arch,
    kernel: usize,
    news: &'a [Evaluated],
    /// Cache of [`Block::new_independent`].
    independent: HashMap<(Arch, u32), bool>,
}

impl Block<'_> {
    /// Returns whether the new profile decides `nr` on `abi` the same way
    /// under every capability set.
    fn new_independent(&mut self, abi: Arch, nr: u32) -> bool {
        let news = self.news;
        *self.independent.entry((abi, nr)).or_insert_with(|| {
            let first = news[0].state.view(abi, nr);
            news.iter().all(|e| e.state.view(abi, nr) == first)
        })
    }
}

fn compare_block(
    mut block: Block<'_>,
    olds: &[Evaluated],
    tables: &mut HashMap<Arch, Vec<(&'static str, u32)>>,
    collector: &mut Collector,
    compared_abis: &mut BTreeSet<Arch>,
) {
    let (news, host, kernel) = (block.news, block.host, block.kernel);
    for (caps, (old, new)) in olds.iter().zip(news).enumerate() {
        let context = |abi| Context {
            host,
            abi,
            caps,
            kernel,
        };
        let (old_policy, new_policy) = match (&*old.state, &*new.state) {
            (State::Disabled, State::Disabled) => continue,
            (State::Filter(a), State::Filter(b)) => (a, b),
            (a, b) => {
                let kind = ChangeKind::Seccomp {
                    old_enabled: matches!(a, State::Filter(_)),
                    new_enabled: matches!(b, State::Filter(_)),
                };
                collector.add(kind, context(None), false);
                continue;
            }
        };
        let (old_abis, new_abis) = (old.state.abis(), new.state.abis());
        compared_abis.extend(old_abis.iter().filter(|a| new_abis.contains(a)));
        // Identical resolved sections give identical policies.
        if old.content == new.content {
            continue;
        }
        for &abi in &old_abis {
            let (Some(old_abi), Some(new_abi)) = (old_policy.abi(abi), new_policy.abi(abi)) else {
                collector.add(coverage_change(abi, true), context(Some(abi)), false);
                continue;
            };
            let low_word_only = !abi.is_64bit();
            let entries = tables.entry(abi).or_insert_with(|| abi.syscalls());
            for &(name, nr) in entries.iter() {
                let old_view = view(old_policy, old_abi, nr);
                let new_view = view(new_policy, new_abi, nr);
                if old_view == new_view {
                    continue;
                }
                let independent = block.new_independent(abi, nr);
                for (arguments, old_decision, new_decision) in
                    summary_changes(&old_view.summary(), &new_view.summary(), low_word_only)
                {
                    let kind = ChangeKind::Decision {
                        syscall: name.to_string(),
                        arguments,
                        old: old_decision,
                        new: new_decision,
                    };
                    collector.add(kind, context(Some(abi)), independent);
                }
            }
        }
        for &abi in new_abis.iter().filter(|a| !old_abis.contains(a)) {
            collector.add(coverage_change(abi, false), context(Some(abi)), false);
        }
    }
}

fn coverage_change(abi: Arch, old_covered: bool) -> ChangeKind {
    ChangeKind::AbiCoverage {
        abi,
        old_covered,
        new_covered: !old_covered,
        bad_arch: Decision::KILL_THREAD,
    }
}

// ---------------------------------------------------------------------------
// Argument classes
// ---------------------------------------------------------------------------

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
fn summary_changes(
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

// ---------------------------------------------------------------------------
// Descriptions of contexts
// ---------------------------------------------------------------------------

/// (capability set, kernel range) index pairs.
type Pairs = BTreeSet<(usize, usize)>;

/// A host with all its compared ABIs (`None`) or the listed ones.
type HostAbis = (Arch, Option<Vec<Arch>>);

/// A line of the text report and the key that merges lines differing only in
/// the syscall name.
type Line = (String, Option<String>);

impl Diff {
    /// Returns whether no decision changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Returns the labels of the capability sets under which `change`
    /// applies in at least one context, in [`Diff::cap_sets`] order.
    pub fn cap_set_labels(&self, change: &Change) -> Vec<&str> {
        let used: BTreeSet<usize> = change.contexts.iter().map(|c| c.caps).collect();
        used.into_iter()
            .map(|i| self.cap_sets[i].label.as_str())
            .collect()
    }

    /// Groups contexts into products of hosts (with ABIs), capability sets
    /// and kernel ranges.
    fn places(&self, contexts: &[Context]) -> Vec<Place> {
        let mut by_host: BTreeMap<Arch, BTreeMap<Option<Arch>, Pairs>> = BTreeMap::new();
        for c in contexts {
            by_host
                .entry(c.host)
                .or_default()
                .entry(c.abi)
                .or_default()
                .insert((c.caps, c.kernel));
        }
        // (cap sets, kernels) -> hosts with their ABIs, in host order.
        let mut groups: Vec<(Vec<usize>, Vec<usize>, Vec<HostAbis>)> = Vec::new();
        for &host in &self.hosts {
            let Some(abis) = by_host.get(&host) else {
                continue;
            };
            let mut abi_groups: Vec<(Pairs, Vec<Option<Arch>>)> = Vec::new();
            for (abi, pairs) in abis {
                match abi_groups.iter_mut().find(|(p, _)| p == pairs) {
                    Some((_, list)) => list.push(*abi),
                    None => abi_groups.push((pairs.clone(), vec![*abi])),
                }
            }
            for (pairs, abis) in abi_groups {
                let listed: Vec<Arch> = abis.iter().flatten().copied().collect();
                let all_abis = self.host_abis.get(&host).is_some_and(|a| *a == listed);
                let abis = (!listed.is_empty() && !all_abis).then_some(listed);
                for (caps, kernels) in products(&pairs) {
                    match groups
                        .iter_mut()
                        .find(|(c, k, _)| *c == caps && *k == kernels)
                    {
                        Some((_, _, hosts)) => hosts.push((host, abis.clone())),
                        None => groups.push((caps, kernels, vec![(host, abis.clone())])),
                    }
                }
            }
        }
        groups
            .into_iter()
            .map(|(cap_sets, kernels, hosts)| Place {
                hosts,
                cap_sets,
                kernels,
            })
            .collect()
    }

    /// Returns the text of a place: "every host, without CAP_SYS_ADMIN, all kernels".
    pub fn describe_place(&self, place: &Place) -> String {
        let hosts = self.describe_hosts(&place.hosts);
        let caps = describe_cap_sets(&self.cap_sets, &place.cap_sets);
        let kernels = describe_kernels(&self.kernels, &place.kernels);
        format!("{hosts}, {caps}, {kernels}")
    }

    /// Describes hosts, each with all its compared ABIs or the listed ones:
    /// "amd64 (x86 ABI), arm", or "every host except arm (amd64: x86_64 ABI)"
    /// when most hosts are covered.
    fn describe_hosts(&self, hosts: &[(Arch, Option<Vec<Arch>>)]) -> String {
        let host_name = |host: Arch| host.moby_native().unwrap_or(host.name());
        let abi_names = |abis: &[Arch]| {
            let names: Vec<&str> = abis.iter().map(|a| a.name()).collect();
            format!("{} ABI", names.join(", "))
        };
        let missing: Vec<&str> = self
            .hosts
            .iter()
            .filter(|h| !hosts.iter().any(|(p, _)| p == *h))
            .map(|h| host_name(*h))
            .collect();
        let partial: Vec<String> = hosts
            .iter()
            .filter_map(|(h, abis)| {
                abis.as_ref()
                    .map(|a| format!("{}: {}", host_name(*h), abi_names(a)))
            })
            .collect();
        let full = hosts.len() - partial.len();
        // Every host, each with the same ABIs: "every host (x86 ABI)".
        if let [(_, Some(first)), ..] = hosts {
            let same = hosts.iter().all(|(_, abis)| abis.as_ref() == Some(first));
            if same && missing.is_empty() && self.hosts.len() > 1 {
                return format!("every host ({})", abi_names(first));
            }
        }
        if self.hosts.len() > 1 && full > missing.len() + partial.len() {
            let mut text = "every host".to_string();
            if !missing.is_empty() {
                let _ = write!(text, " except {}", missing.join(", "));
            }
            if !partial.is_empty() {
                let _ = write!(text, " (only {})", partial.join("; "));
            }
            return text;
        }
        hosts
            .iter()
            .map(|(host, abis)| match abis {
                None => host_name(*host).to_string(),
                Some(abis) => format!("{} ({})", host_name(*host), abi_names(abis)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Returns the report as JSON: `changed`, the evaluated `hosts`,
    /// `capability_sets` and `kernels`, and `changes`, each with `kind`,
    /// `syscall`, `arguments`, `old`, `new` and `where` (places with text).
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self.changes.iter().map(|c| self.change_json(c)).collect();
        json!({
            "changed": !self.is_empty(),
            "hosts": self.hosts.iter().map(|h| json!({
                "host": h.moby_native(),
                "abis": self.host_abis.get(h).map(|a| a.iter().map(|x| x.name()).collect::<Vec<_>>()),
            })).collect::<Vec<_>>(),
            "capability_sets": self.cap_sets.iter().map(|s| match &s.change {
                CapChange::Base => json!({"label": s.label, "caps": s.caps.iter().collect::<Vec<_>>()}),
                CapChange::Add(cap) => json!({"label": s.label, "add": cap}),
                CapChange::Drop(cap) => json!({"label": s.label, "drop": cap}),
                CapChange::All => json!({"label": s.label, "all": true}),
            }).collect::<Vec<_>>(),
            "kernels": self.kernels.iter().map(|k| json!({
                "label": k.label(),
                "from": k.from.map(|v| v.to_string()),
                "below": k.below.map(|v| v.to_string()),
                "evaluated_with": k.representative.to_string(),
            })).collect::<Vec<_>>(),
            "changes": changes,
        })
    }

    fn change_json(&self, change: &Change) -> Value {
        let places: Vec<Value> = change
            .places
            .iter()
            .map(|p| {
                json!({
                    "text": self.describe_place(p),
                    "hosts": p.hosts.iter().map(|(h, abis)| json!({
                        "host": h.moby_native(),
                        "abis": abis.as_ref().map(|a| a.iter().map(|x| x.name()).collect::<Vec<_>>()),
                    })).collect::<Vec<_>>(),
                    "capability_sets": p.cap_sets.iter().map(|&i| &self.cap_sets[i].label).collect::<Vec<_>>(),
                    "kernels": p.kernels.iter().map(|&i| self.kernels[i].label()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut value = match &change.kind {
            ChangeKind::Seccomp {
                old_enabled,
                new_enabled,
            } => {
                json!({"kind": "seccomp", "old": {"enabled": old_enabled}, "new": {"enabled": new_enabled}})
            }
            ChangeKind::AbiCoverage {
                abi,
                old_covered,
                new_covered,
                bad_arch,
            } => json!({
                "kind": "abi",
                "abi": abi.name(),
                "old": {"covered": old_covered},
                "new": {"covered": new_covered},
                "bad_arch_action": bad_arch.action.name(),
            }),
            ChangeKind::Decision {
                syscall,
                arguments,
                old,
                new,
            } => json!({
                "kind": "decision",
                "syscall": syscall,
                "arguments": arguments,
                "old": decision_json(*old),
                "new": decision_json(*new),
                "new_independent_of_caps": change.new_independent_of_caps,
            }),
        };
        value["where"] = json!(places);
        value
    }

    /// Returns the text of one change (without its places).
    fn change_text(&self, change: &Change) -> String {
        match &change.kind {
            ChangeKind::Seccomp {
                old_enabled,
                new_enabled,
            } => {
                let state = |on: bool| {
                    if on {
                        "enabled"
                    } else {
                        "disabled (no filter)"
                    }
                };
                format!("seccomp: {} → {}", state(*old_enabled), state(*new_enabled))
            }
            ChangeKind::AbiCoverage {
                abi,
                old_covered,
                bad_arch,
                ..
            } => {
                let outside = format!("outside the filter (every syscall {})", short(*bad_arch));
                let (a, b) = if *old_covered {
                    ("in the filter".to_string(), outside)
                } else {
                    (outside, "in the filter".to_string())
                };
                format!("{} ABI: {a} → {b}", abi.name())
            }
            ChangeKind::Decision {
                syscall,
                arguments,
                old,
                new,
            } => {
                let mut text = syscall.clone();
                if let Some(arguments) = arguments {
                    let _ = write!(text, " when {arguments}");
                }
                let _ = write!(text, ": {} → {}", short(*old), short(*new));
                text.push_str(&self.independence_note(change));
                text
            }
        }
    }

    fn independence_note(&self, change: &Change) -> String {
        let ChangeKind::Decision { new, arguments, .. } = &change.kind else {
            return String::new();
        };
        let used: BTreeSet<usize> = change.contexts.iter().map(|c| c.caps).collect();
        if !change.new_independent_of_caps || used.len() == self.cap_sets.len() {
            return String::new();
        }
        match arguments {
            None => format!(" (now {} with any capabilities)", short(*new)),
            Some(_) => " (now the same with any capabilities)".to_string(),
        }
    }
}

fn decision_json(decision: Decision) -> Value {
    json!({
        "action": decision.action.name(),
        "errno": decision.action.takes_errno().then_some(decision.data),
        "text": short(decision),
    })
}

/// Returns a decision without the `SCMP_ACT_` prefix: `ERRNO(1)`, `ALLOW`.
pub fn short(decision: Decision) -> String {
    let text = decision.to_string();
    text.strip_prefix("SCMP_ACT_").unwrap_or(&text).to_string()
}

/// Splits a set of (cap set, kernel) pairs into products.
fn products(pairs: &BTreeSet<(usize, usize)>) -> Vec<(Vec<usize>, Vec<usize>)> {
    let caps: BTreeSet<usize> = pairs.iter().map(|p| p.0).collect();
    let kernels: BTreeSet<usize> = pairs.iter().map(|p| p.1).collect();
    if caps.len() * kernels.len() == pairs.len() {
        return vec![(caps.into_iter().collect(), kernels.into_iter().collect())];
    }
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for kernel in kernels {
        let caps: Vec<usize> = pairs
            .iter()
            .filter(|p| p.1 == kernel)
            .map(|p| p.0)
            .collect();
        match out.iter_mut().find(|(c, _)| *c == caps) {
            Some((_, ks)) => ks.push(kernel),
            None => out.push((caps, vec![kernel])),
        }
    }
    out
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

impl fmt::Display for Diff {
    /// Writes one heading per place and the changes that apply there, with
    /// unconditional changes of equal decisions merged into one line. A diff
    /// without changes writes nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // heading -> lines, in order of first appearance.
        let mut sections: Vec<(String, Vec<Line>)> = Vec::new();
        for change in &self.changes {
            let text = self.change_text(change);
            // Lines that differ only in the syscall name are merged.
            let merge_key = match &change.kind {
                ChangeKind::Decision {
                    syscall,
                    arguments: None,
                    ..
                } => text.strip_prefix(syscall.as_str()).map(str::to_string),
                _ => None,
            };
            for place in &change.places {
                let heading = self.describe_place(place);
                let position = match sections.iter().position(|(h, _)| *h == heading) {
                    Some(p) => p,
                    None => {
                        sections.push((heading, Vec::new()));
                        sections.len() - 1
                    }
                };
                let lines = &mut sections[position].1;
                let existing = merge_key
                    .as_ref()
                    .and_then(|key| lines.iter_mut().find(|(_, k)| k.as_ref() == Some(key)));
                match (existing, change.syscall()) {
                    (Some((line, Some(key))), Some(name)) => {
                        let names = line.strip_suffix(key.as_str()).unwrap_or(line).to_string();
                        *line = format!("{names}, {name}{key}");
                    }
                    _ => lines.push((text.clone(), merge_key.clone())),
                }
            }
        }
        for (heading, lines) in sections {
            writeln!(f, "{heading}:")?;
            for (line, _) in lines {
                writeln!(f, "  {line}")?;
            }
        }
        Ok(())
    }
}
