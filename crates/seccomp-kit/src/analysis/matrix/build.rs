//! Builds the matrix: the columns a profile can tell apart, and the
//! decisions of every column on every kernel range.

use super::{
    AbiDifference, ArchRule, Cell, Column, KernelDependence, KernelRange, Matrix, MatrixError,
    MatrixOptions, Row,
};
use crate::analysis::summary::summarize;
use crate::arch::Arch;
use crate::caps::{self, CapSet};
use crate::policy::{Decision, EnosysMode, Note, Policy, PolicyOptions, SyscallPolicy};
use crate::profile::{KernelVersion, Profile};
use crate::resolve::{resolve, Target};
use std::collections::{BTreeMap, BTreeSet};

/// The decisions of one capability set on one kernel, by syscall name.
pub(crate) struct Decisions {
    pub abis: Vec<Arch>,
    /// For every syscall name, its cell on each ABI that has it.
    pub cells: BTreeMap<&'static str, Vec<(Arch, Cell)>>,
    pub default_action: Option<Decision>,
    pub skipped_abis: Vec<Arch>,
    pub notes: Vec<Note>,
}

impl Decisions {
    /// Returns the cell of `name` on the first ABI that has it.
    pub fn first(&self, name: &str) -> Option<&Cell> {
        self.cells.get(name).and_then(|v| v.first()).map(|(_, c)| c)
    }
}

/// Resolves `profile` for `host` with `caps` on `kernel`, builds the policy
/// as runc would and summarises every syscall of every ABI of the filter.
pub(crate) fn decide(
    profile: &Profile,
    host: Arch,
    caps: &CapSet,
    kernel: KernelVersion,
    enosys: EnosysMode,
) -> Result<Decisions, MatrixError> {
    if !host.has_syscall_table() {
        return Err(MatrixError::NoSyscallTable(host));
    }
    let target = Target::new(host, caps.clone(), kernel);
    let Some(resolved) = resolve(profile, &target)? else {
        let cells = host
            .syscalls()
            .into_iter()
            .map(|(name, _)| (name, vec![(host, Cell::fixed(Decision::ALLOW))]))
            .collect();
        return Ok(Decisions {
            abis: vec![host],
            cells,
            default_action: None,
            skipped_abis: Vec::new(),
            notes: Vec::new(),
        });
    };
    let mut options = PolicyOptions::new(host);
    options.enosys = enosys;
    let policy = Policy::build(&resolved, &options)?;

    let mut abis = Vec::new();
    let mut skipped_abis = Vec::new();
    let mut cells: BTreeMap<&'static str, Vec<(Arch, Cell)>> = BTreeMap::new();
    for abi in &policy.abis {
        if !abi.arch.has_syscall_table() {
            skipped_abis.push(abi.arch);
            continue;
        }
        abis.push(abi.arch);
        for (name, summary) in summarize(&policy, abi.arch) {
            let rules = abi
                .arch
                .syscall_number(name)
                .map(|nr| deciding_rules(abi, nr))
                .unwrap_or_default();
            cells
                .entry(name)
                .or_default()
                .push((abi.arch, Cell { summary, rules }));
        }
    }
    Ok(Decisions {
        abis,
        cells,
        default_action: Some(policy.default),
        skipped_abis,
        notes: policy.notes,
    })
}

/// Returns the profile rules behind `nr`'s entry. runc's ENOSYS rule
/// decides first only for numbers that no rule names, so it has none.
fn deciding_rules(abi: &crate::policy::AbiPolicy, nr: u32) -> Vec<usize> {
    let enosys = abi.enosys_above.is_some_and(|max| nr > max) || (abi.enosys_zero && nr == 0);
    if enosys {
        return Vec::new();
    }
    let mut rules: Vec<usize> = match abi.syscalls.get(&nr) {
        None => Vec::new(),
        Some(SyscallPolicy::Always(_, origin)) => vec![origin.source_index],
        Some(SyscallPolicy::Conditional(list)) => {
            list.iter().map(|r| r.origin.source_index).collect()
        }
    };
    rules.dedup();
    rules
}

/// Summarises the model's notes about argument rules on calls that an ABI
/// also reaches through `socketcall` or `ipc`, one line per ABI and call.
fn multiplexed_notes(notes: &[Note]) -> Vec<String> {
    let mut by_call: BTreeMap<(Arch, &str), Vec<usize>> = BTreeMap::new();
    for note in notes {
        if let Note::MultiplexedConditions { arch, name, origin } = note {
            by_call
                .entry((*arch, name.as_str()))
                .or_default()
                .push(origin.source_index);
        }
    }
    by_call
        .into_iter()
        .map(|((arch, name), rules)| {
            let rules: Vec<String> = rules.iter().map(|r| format!("syscalls[{r}]")).collect();
            format!(
                "{name} on {arch} is also reachable through {}, where a filter cannot read its arguments; runc with libseccomp allows it that way without the conditions of {}, while the matrix shows the conditions",
                if crate::policy::build::is_ipc_call(name) { "ipc" } else { "socketcall" },
                rules.join(", ")
            )
        })
        .collect()
}

/// Derives the columns from the capability names of the profile, and notes
/// for names that no capability set can match.
fn columns_for(profile: &Profile, base: &CapSet) -> (Vec<Column>, Vec<String>) {
    let mut added = BTreeSet::new();
    let mut dropped = BTreeSet::new();
    let mut together = BTreeSet::new();
    let mut notes = Vec::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        for (field, list) in [
            ("includes", &rule.includes.caps),
            ("excludes", &rule.excludes.caps),
        ] {
            for name in list {
                match caps::normalize(name) {
                    Ok(normal) if normal == *name => {
                        if base.contains(name) {
                            dropped.insert(name.clone());
                        } else {
                            added.insert(name.clone());
                        }
                    }
                    Ok(normal) => notes.push(format!(
                        "syscalls[{index}] (line {}): {field}.caps names {name:?}, which never matches because moby compares capability names verbatim; write {normal:?}",
                        rule.location.line
                    )),
                    Err(_) => notes.push(format!(
                        "syscalls[{index}] (line {}): {field}.caps names {name:?}, which is not a Linux capability, so it never matches",
                        rule.location.line
                    )),
                }
            }
        }
        let missing: BTreeSet<String> = rule
            .includes
            .caps
            .iter()
            .filter(|c| caps::normalize(c).is_ok_and(|n| n == **c) && !base.contains(c))
            .cloned()
            .collect();
        if missing.len() > 1 {
            together.insert(missing.into_iter().collect::<Vec<_>>());
        }
    }
    let mut columns = vec![Column::Default];
    columns.extend(added.into_iter().map(Column::Add));
    columns.extend(dropped.into_iter().map(Column::Drop));
    columns.extend(together.into_iter().map(Column::AddAll));
    columns.push(Column::All);
    (columns, notes)
}

/// Returns every `minKernel` of the profile, sorted and without repeats.
fn kernel_thresholds(profile: &Profile) -> Vec<KernelVersion> {
    let set: BTreeSet<KernelVersion> = profile
        .syscalls
        .iter()
        .flat_map(|r| [r.includes.min_kernel, r.excludes.min_kernel])
        .flatten()
        .collect();
    set.into_iter().collect()
}

/// Returns the first kernel of every range between thresholds, starting
/// at 0.0.
fn range_starts(thresholds: &[KernelVersion]) -> Vec<KernelVersion> {
    let mut starts = vec![KernelVersion::new(0, 0)];
    starts.extend(
        thresholds
            .iter()
            .copied()
            .filter(|t| *t > KernelVersion::new(0, 0)),
    );
    starts
}

/// Merges neighbouring kernel ranges with equal outcomes.
fn merge_ranges(cells: Vec<(KernelVersion, Cell)>) -> Vec<KernelRange> {
    let mut ranges: Vec<KernelRange> = Vec::new();
    for (from, cell) in cells {
        match ranges.last() {
            Some(last) if last.cell.same_outcome(&cell) => {}
            _ => ranges.push(KernelRange { from, cell }),
        }
    }
    ranges
}

/// Returns the rule indices that name each syscall.
fn rules_by_name(profile: &Profile) -> BTreeMap<String, Vec<usize>> {
    let mut map: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        for name in rule.effective_names() {
            let entry = map.entry(name).or_default();
            if entry.last() != Some(&index) {
                entry.push(index);
            }
        }
    }
    map
}

impl Matrix {
    /// Builds the matrix of `profile` for `options`. Every row is kept; call
    /// [`Matrix::retain_notable`] for the default view.
    pub fn build(profile: &Profile, options: &MatrixOptions) -> Result<Matrix, MatrixError> {
        let host = options.host_arch;
        let (columns, mut notes) = columns_for(profile, &options.base_caps);
        let thresholds = kernel_thresholds(profile);
        let starts = range_starts(&thresholds);
        let current = starts
            .iter()
            .rposition(|s| *s <= options.kernel)
            .unwrap_or(0);

        // grid[range][column]
        let mut grid: Vec<Vec<Decisions>> = Vec::with_capacity(starts.len());
        for start in &starts {
            let mut per_column = Vec::with_capacity(columns.len());
            for column in &columns {
                let caps = column.caps(&options.base_caps);
                per_column.push(decide(profile, host, &caps, *start, options.enosys)?);
            }
            grid.push(per_column);
        }

        let now = &grid[current];
        let base = &now[0];
        if base.default_action.is_none() {
            notes.push("the profile disables seccomp (empty defaultAction and no rules), so every syscall is allowed".to_string());
        }
        for abi in &base.skipped_abis {
            notes.push(format!(
                "the filter also covers {abi}, which has no syscall table in seccomp-kit; its syscalls are not shown"
            ));
        }
        notes.extend(multiplexed_notes(&base.notes));

        let named = rules_by_name(profile);
        let native = host.moby_native().unwrap_or_default();
        let mut rows = Vec::with_capacity(base.cells.len());
        for (name, per_abi) in &base.cells {
            let default_cell = &per_abi[0].1;
            let cell_of = |decisions: &Decisions| {
                decisions
                    .first(name)
                    .cloned()
                    .unwrap_or_else(|| default_cell.clone())
            };
            let cells: Vec<Cell> = now.iter().map(cell_of).collect();

            let mut kernel = Vec::new();
            for (c, column) in columns.iter().enumerate() {
                let sequence = starts
                    .iter()
                    .zip(&grid)
                    .map(|(start, range)| (*start, cell_of(&range[c])))
                    .collect();
                let ranges = merge_ranges(sequence);
                if ranges.len() > 1 {
                    kernel.push(KernelDependence {
                        column: column.clone(),
                        ranges,
                    });
                }
            }

            let mut abi_differences = Vec::new();
            for (c, column) in columns.iter().enumerate() {
                let Some(list) = now[c].cells.get(name) else {
                    continue;
                };
                for (abi, cell) in list.iter().skip(1) {
                    if !cell.same_outcome(&cells[c]) {
                        abi_differences.push(AbiDifference {
                            abi: *abi,
                            column: column.clone(),
                            cell: cell.clone(),
                        });
                    }
                }
            }

            let named_by = named.get(*name).cloned().unwrap_or_default();
            let arch_rules = named_by
                .iter()
                .filter_map(|&index| {
                    let rule = &profile.syscalls[index];
                    let (only_on, not_on) = (&rule.includes.arches, &rule.excludes.arches);
                    if only_on.is_empty() && not_on.is_empty() {
                        return None;
                    }
                    let applies = (only_on.is_empty() || only_on.iter().any(|a| a == native))
                        && !not_on.iter().any(|a| a == native);
                    Some(ArchRule {
                        rule: index,
                        line: rule.location.line,
                        only_on: only_on.clone(),
                        not_on: not_on.clone(),
                        applies,
                    })
                })
                .collect();

            rows.push(Row {
                syscall: name.to_string(),
                abis: per_abi.iter().map(|(a, _)| *a).collect(),
                cells,
                kernel,
                arch_rules,
                abi_differences,
                named_by,
            });
        }

        Ok(Matrix {
            profile_name: options.profile_name.clone(),
            host_arch: host,
            abis: base.abis.clone(),
            kernel: options.kernel,
            base_caps: options.base_caps.clone(),
            default_action: base.default_action,
            columns,
            kernel_thresholds: thresholds,
            total_syscalls: rows.len(),
            rows,
            only_notable: false,
            notes,
        })
    }
}
