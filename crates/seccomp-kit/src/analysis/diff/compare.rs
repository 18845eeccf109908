//! Evaluates both profiles in every context and collects the decisions
//! that change.

use super::arguments::summary_changes;
use super::{
    capability_sets, kernel_ranges, mentioned_capabilities, CapabilitySet, Change, ChangeKind,
    Context, Diff, DiffError, DiffOptions, KernelRange,
};
use crate::analysis::summary::Summary;
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::policy::{
    AbiPolicy, ConditionalRule, Decision, EnosysMode, Policy, PolicyOptions, SyscallPolicy, ENOSYS,
};
use crate::profile::{Action, ArgCondition, Profile};
use crate::resolve::{resolve, Resolved, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

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
