//! The capability matrix: for one host architecture, every syscall of the
//! host's ABIs with its decision under the base capabilities (Docker's
//! default set unless the options name another) and under each capability
//! set that the profile can tell apart.
//!
//! The columns come from the profile itself. Every capability named in an
//! `includes.caps` or `excludes.caps` list gets a column: "base plus the
//! capability" when the base set lacks it, "base minus the capability" when
//! the base set has it. Every `includes.caps` list that needs two or more
//! capabilities the base set lacks gets a column with all of them, and the
//! last column has every capability. Capabilities the profile never names
//! cannot change a decision, so they get no column.
//!
//! Kernel versions matter only at the `minKernel` values of the profile, so
//! the matrix evaluates one kernel per range between them and records, per
//! row and column, where the decision changes. Rows also list the rules that
//! name the syscall with an `includes.arches` or `excludes.arches` filter.
//!
//! ```
//! use seccomp_kit::analysis::matrix::{Column, Matrix, MatrixOptions};
//! use seccomp_kit::{arch::Arch, profile::{default_profile, KernelVersion}};
//!
//! let options = MatrixOptions::new(Arch::X86_64, KernelVersion::new(6, 1));
//! let matrix = Matrix::build(&default_profile(), &options).unwrap();
//! let mount = matrix.row("mount").unwrap();
//! assert_eq!(mount.default_cell().label(), "errno 1");
//! let with_admin = matrix.cell("mount", &Column::Add("CAP_SYS_ADMIN".into())).unwrap();
//! assert_eq!(with_admin.label(), "allow");
//! assert!(matrix.unlocked_by(&Column::Add("CAP_DAC_READ_SEARCH".into())).contains(&"open_by_handle_at"));
//! ```

use crate::analysis::summary::{summarize, Summary};
use crate::arch::Arch;
use crate::caps::{self, CapSet};
use crate::policy::{
    Decision, EnosysMode, Note, Policy, PolicyError, PolicyOptions, SyscallPolicy,
};
use crate::profile::{Action, ArgCondition, KernelVersion, Profile};
use crate::resolve::{resolve, ResolveError, Target};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Settings of [`Matrix::build`]: the host, kernel and base capabilities.
#[derive(Clone, Debug)]
pub struct MatrixOptions {
    /// The daemon's architecture: it selects the archMap entry and is
    /// matched against `includes.arches`. The matrix covers every ABI of the
    /// resulting filter.
    pub host_arch: Arch,
    /// The host kernel for the main cells. The rows still record the
    /// decisions on other kernels where the profile's `minKernel` values
    /// change them.
    pub kernel: KernelVersion,
    /// The capability set that the columns add to or drop from.
    pub base_caps: CapSet,
    /// Whether runc's ENOSYS rule applies (see [`EnosysMode`]).
    pub enosys: EnosysMode,
    /// A name for the profile in headings, such as its file name.
    pub profile_name: String,
}

impl MatrixOptions {
    /// Options for `host_arch` and `kernel` with Docker's default
    /// capabilities and runc's ENOSYS rule.
    pub fn new(host_arch: Arch, kernel: KernelVersion) -> MatrixOptions {
        MatrixOptions {
            host_arch,
            kernel,
            base_caps: CapSet::docker_default(),
            enosys: EnosysMode::Runc,
            profile_name: "profile".to_string(),
        }
    }
}

/// A profile the matrix cannot be built for.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    /// seccomp-kit has no syscall table for the host architecture.
    #[error("no syscall table for {0}; choose another host architecture")]
    NoSyscallTable(Arch),
    /// moby would reject the profile for this host.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// runc and libseccomp would reject the resolved profile.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// One capability set of the matrix, relative to the base set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// The base capabilities.
    Default,
    /// The base capabilities plus one the base set lacks.
    Add(String),
    /// The base capabilities minus one the base set has.
    Drop(String),
    /// The base capabilities plus several that one `includes.caps` list
    /// requires together.
    AddAll(Vec<String>),
    /// Every capability.
    All,
}

impl Column {
    /// Returns the short label used as column heading and JSON key:
    /// `default`, `+CAP_SYS_ADMIN`, `-CAP_SYS_CHROOT`, `+CAP_A+CAP_B`, `all`.
    pub fn label(&self) -> String {
        match self {
            Column::Default => "default".to_string(),
            Column::Add(cap) => format!("+{cap}"),
            Column::Drop(cap) => format!("-{cap}"),
            Column::AddAll(caps) => caps.iter().map(|c| format!("+{c}")).collect(),
            Column::All => "all".to_string(),
        }
    }

    /// Describes the capability set in words.
    pub fn describe(&self) -> String {
        match self {
            Column::Default => "the base capabilities".to_string(),
            Column::Add(cap) => format!("the base capabilities plus {cap}"),
            Column::Drop(cap) => format!("the base capabilities without {cap}"),
            Column::AddAll(caps) => format!("the base capabilities plus {}", caps.join(" and ")),
            Column::All => "every capability".to_string(),
        }
    }

    /// Returns the capability set of this column. A name that is not a
    /// capability leaves the base set unchanged.
    pub fn caps(&self, base: &CapSet) -> CapSet {
        let changed = match self {
            Column::Default => Ok(base.clone()),
            Column::Add(cap) => base.with_changes(std::slice::from_ref(cap), &[]),
            Column::Drop(cap) => base.with_changes(&[], std::slice::from_ref(cap)),
            Column::AddAll(caps) => base.with_changes(caps, &[]),
            Column::All => Ok(CapSet::all()),
        };
        // Matrix::build makes columns only of names that `caps::normalize`
        // returns unchanged, which `with_changes` accepts.
        changed.unwrap_or_else(|_| base.clone())
    }
}

/// The openness of a cell, ordered from closed to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Openness {
    /// No call is allowed (ERRNO, KILL, TRAP, TRACE or NOTIFY).
    Denied,
    /// Some argument values are allowed and others are not.
    Partial,
    /// Every call is allowed (ALLOW or LOG).
    Allowed,
}

/// The colour class of a cell in the rendered matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CellClass {
    /// ALLOW or LOG.
    Allow,
    /// ERRNO.
    Errno,
    /// KILL, KILL_THREAD or KILL_PROCESS.
    Kill,
    /// A decision that depends on the arguments.
    Conditional,
    /// TRAP, TRACE and NOTIFY.
    Other,
}

impl CellClass {
    /// Every class, in legend order.
    pub const ALL: [CellClass; 5] = [
        CellClass::Allow,
        CellClass::Errno,
        CellClass::Kill,
        CellClass::Conditional,
        CellClass::Other,
    ];

    /// Returns the class name used in JSON and as CSS class suffix.
    pub fn name(self) -> &'static str {
        match self {
            CellClass::Allow => "allow",
            CellClass::Errno => "errno",
            CellClass::Kill => "kill",
            CellClass::Conditional => "conditional",
            CellClass::Other => "other",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            CellClass::Allow => "allowed (ALLOW or LOG)",
            CellClass::Errno => "fails with an errno (ERRNO)",
            CellClass::Kill => "kills the thread or process",
            CellClass::Conditional => "depends on the arguments",
            CellClass::Other => "TRAP, TRACE or NOTIFY",
        }
    }
}

/// The decision for one syscall under one capability set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The decision, fixed or argument-dependent.
    pub summary: Summary,
    /// Indices in the profile's `syscalls` of the rules that decide the
    /// syscall (empty when the default action, runc's ENOSYS rule or the
    /// bad-architecture action decides).
    pub rules: Vec<usize>,
}

impl Cell {
    fn fixed(decision: Decision) -> Cell {
        Cell {
            summary: Summary::Fixed(decision),
            rules: Vec::new(),
        }
    }

    /// Returns whether two cells decide every call the same way, whichever
    /// rules decide them.
    pub fn same_outcome(&self, other: &Cell) -> bool {
        self.summary == other.summary
    }

    /// Returns how open the cell is.
    pub fn openness(&self) -> Openness {
        match &self.summary {
            Summary::Fixed(decision) if allows(*decision) => Openness::Allowed,
            Summary::Fixed(_) => Openness::Denied,
            Summary::Conditional { rules, otherwise } => {
                let decisions: Vec<Decision> = rules
                    .iter()
                    .map(|(_, d)| *d)
                    .chain(std::iter::once(*otherwise))
                    .collect();
                if decisions.iter().all(|d| allows(*d)) {
                    Openness::Allowed
                } else if decisions.iter().any(|d| allows(*d)) {
                    Openness::Partial
                } else {
                    Openness::Denied
                }
            }
        }
    }

    /// Returns the colour class.
    pub fn class(&self) -> CellClass {
        match &self.summary {
            Summary::Conditional { .. } => CellClass::Conditional,
            Summary::Fixed(decision) => match decision.action {
                Action::Allow | Action::Log => CellClass::Allow,
                Action::Errno => CellClass::Errno,
                Action::Kill | Action::KillThread | Action::KillProcess => CellClass::Kill,
                Action::Trap | Action::Trace | Action::Notify => CellClass::Other,
            },
        }
    }

    /// Returns a short label for a grid cell: `allow`, `errno 1`, `kill`,
    /// `cond.`, ….
    pub fn label(&self) -> String {
        match &self.summary {
            Summary::Fixed(decision) => decision_label(*decision),
            Summary::Conditional { .. } => "cond.".to_string(),
        }
    }

    /// Describes the decision in full, for example `allow if arg0 < 0x26 or
    /// arg0 > 0x28; otherwise errno 1`.
    pub fn describe(&self) -> String {
        match &self.summary {
            Summary::Fixed(decision) => decision_label(*decision),
            Summary::Conditional { rules, otherwise } => {
                // Consecutive rules with one decision read as one OR; the
                // first matching rule decides, so merging them keeps the
                // meaning.
                let mut parts: Vec<(Decision, Vec<String>)> = Vec::new();
                for (conditions, decision) in rules {
                    let text = conditions_text(conditions, rules.len() > 1);
                    match parts.last_mut() {
                        Some((last, texts)) if last == decision => texts.push(text),
                        _ => parts.push((*decision, vec![text])),
                    }
                }
                let mut out: Vec<String> = parts
                    .iter()
                    .map(|(d, texts)| format!("{} if {}", decision_label(*d), texts.join(" or ")))
                    .collect();
                out.push(format!("otherwise {}", decision_label(*otherwise)));
                out.join("; ")
            }
        }
    }

    /// Returns the cell as JSON: `class`, `label`, `text`, `rules` and, for
    /// fixed cells, `action` and `errno`, for conditional cells `branches`
    /// and `otherwise`.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "class": self.class().name(),
            "label": self.label(),
            "text": self.describe(),
            "rules": self.rules,
        });
        match &self.summary {
            Summary::Fixed(decision) => {
                value["action"] = json!(decision.action.name());
                value["errno"] = json!(errno_of(*decision));
            }
            Summary::Conditional { rules, otherwise } => {
                value["branches"] = rules
                    .iter()
                    .map(|(conditions, d)| {
                        json!({
                            "conditions": conditions.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                            "action": d.action.name(),
                            "errno": errno_of(*d),
                        })
                    })
                    .collect();
                value["otherwise"] =
                    json!({"action": otherwise.action.name(), "errno": errno_of(*otherwise)});
            }
        }
        value
    }
}

fn allows(decision: Decision) -> bool {
    matches!(decision.action, Action::Allow | Action::Log)
}

fn errno_of(decision: Decision) -> Option<u16> {
    (decision.action == Action::Errno).then_some(decision.data)
}

fn decision_label(decision: Decision) -> String {
    match decision.action {
        Action::Allow => "allow".to_string(),
        Action::Log => "log".to_string(),
        Action::Errno => format!("errno {}", decision.data),
        Action::Kill | Action::KillThread => "kill".to_string(),
        Action::KillProcess => "kill process".to_string(),
        Action::Trap => "trap".to_string(),
        Action::Trace => format!("trace {}", decision.data),
        Action::Notify => "notify".to_string(),
    }
}

fn conditions_text(conditions: &[ArgCondition], parenthesize: bool) -> String {
    let parts: Vec<String> = conditions.iter().map(|c| c.to_string()).collect();
    if parts.len() > 1 && parenthesize {
        format!("({})", parts.join(" and "))
    } else {
        parts.join(" and ")
    }
}

/// The cell of one column on one range of kernels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelRange {
    /// The first kernel of the range; the range ends where the next one
    /// starts. The first range starts at 0.0.
    pub from: KernelVersion,
    /// The column's cell on every kernel of the range.
    pub cell: Cell,
}

/// A column whose decision changes with the host kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelDependence {
    /// The column whose cell changes.
    pub column: Column,
    /// Oldest first, with neighbouring ranges of equal outcome merged.
    pub ranges: Vec<KernelRange>,
}

impl KernelDependence {
    /// Describes the ranges, for example `errno 1 before 4.8, allow from 4.8`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (i, range) in self.ranges.iter().enumerate() {
            let text = match (i, self.ranges.get(i + 1)) {
                (0, Some(next)) => format!("{} before {}", range.cell.describe(), next.from),
                (_, Some(next)) => format!(
                    "{} from {} to before {}",
                    range.cell.describe(),
                    range.from,
                    next.from
                ),
                (_, None) => format!("{} from {}", range.cell.describe(), range.from),
            };
            parts.push(text);
        }
        parts.join(", ")
    }
}

/// A rule naming the syscall with an architecture filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchRule {
    /// Index in the profile's `syscalls`.
    pub rule: usize,
    /// The rule's line in the profile text (0 for rules built in code).
    pub line: usize,
    /// `includes.arches`: the rule applies only on these hosts.
    pub only_on: Vec<String>,
    /// `excludes.arches`: the rule never applies on these hosts.
    pub not_on: Vec<String>,
    /// Whether the filters let the rule apply on the matrix's host.
    pub applies: bool,
}

impl ArchRule {
    /// Describes the rule, for example `syscalls[12] (line 640): only on
    /// amd64, x32 (applies here)`.
    pub fn describe(&self) -> String {
        let mut filters = Vec::new();
        if !self.only_on.is_empty() {
            filters.push(format!("only on {}", self.only_on.join(", ")));
        }
        if !self.not_on.is_empty() {
            filters.push(format!("not on {}", self.not_on.join(", ")));
        }
        let place = if self.line > 0 {
            format!("syscalls[{}] (line {})", self.rule, self.line)
        } else {
            format!("syscalls[{}]", self.rule)
        };
        let applies = if self.applies {
            "applies here"
        } else {
            "does not apply here"
        };
        format!("{place}: {} ({applies})", filters.join(", "))
    }
}

/// A cell that differs on another ABI of the host from the row's cell,
/// which comes from the first ABI that has the syscall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbiDifference {
    /// The ABI with the different cell.
    pub abi: Arch,
    /// The column of the cell.
    pub column: Column,
    /// The cell on `abi`.
    pub cell: Cell,
}

/// One syscall of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The syscall name, as the host's syscall tables spell it.
    pub syscall: String,
    /// The ABIs of the host's filter that have this syscall, in filter order.
    pub abis: Vec<Arch>,
    /// One cell per [`Matrix::columns`] entry, on the matrix's kernel and
    /// the first ABI in `abis`.
    pub cells: Vec<Cell>,
    /// The columns whose decision depends on the host kernel.
    pub kernel: Vec<KernelDependence>,
    /// The rules naming the syscall that have an architecture filter.
    pub arch_rules: Vec<ArchRule>,
    /// Cells that differ on the other ABIs in `abis`.
    pub abi_differences: Vec<AbiDifference>,
    /// Indices of every rule of the profile that names the syscall.
    pub named_by: Vec<usize>,
}

impl Row {
    /// Returns the cell under the base capabilities.
    pub fn default_cell(&self) -> &Cell {
        &self.cells[0]
    }

    /// Returns whether the default view shows the row: the syscall is denied or
    /// argument-dependent with the base capabilities, or some capability
    /// set, kernel version, host architecture or ABI changes its decision.
    pub fn is_notable(&self) -> bool {
        let default = self.default_cell();
        default.openness() != Openness::Allowed
            || self.cells.iter().any(|c| !c.same_outcome(default))
            || !self.kernel.is_empty()
            || !self.arch_rules.is_empty()
            || !self.abi_differences.is_empty()
    }
}

/// The effect of one column on the syscalls, compared with the default
/// column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnEffect<'a> {
    /// Syscalls the column makes more open (denied → conditional or
    /// allowed, conditional → allowed).
    pub unlocks: Vec<&'a str>,
    /// Syscalls the column makes less open.
    pub restricts: Vec<&'a str>,
    /// Syscalls whose decision changes without becoming more or less open,
    /// such as a different errno.
    pub changes: Vec<&'a str>,
}

/// The capability matrix of one profile on one host architecture.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// The name of the profile from [`MatrixOptions::profile_name`].
    pub profile_name: String,
    /// The host architecture the profile is resolved for.
    pub host_arch: Arch,
    /// The ABIs of the host's filter that have a syscall table, native first.
    pub abis: Vec<Arch>,
    /// The host kernel of the main cells.
    pub kernel: KernelVersion,
    /// The capability set of the default column.
    pub base_caps: CapSet,
    /// The default action; `None` when the profile disables seccomp.
    pub default_action: Option<Decision>,
    /// The columns; the first is always [`Column::Default`] and the last
    /// [`Column::All`].
    pub columns: Vec<Column>,
    /// Every `minKernel` value of the profile, in order.
    pub kernel_thresholds: Vec<KernelVersion>,
    /// The rows, ordered by syscall name.
    pub rows: Vec<Row>,
    /// How many syscalls the host's ABIs have, shown or not.
    pub total_syscalls: usize,
    /// Whether [`Matrix::retain_notable`] has left only the notable rows.
    pub only_notable: bool,
    /// Facts about the profile that the cells do not show, such as a
    /// capability name that never matches.
    pub notes: Vec<String>,
}

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

    /// Keeps only the rows of the default view (see [`Row::is_notable`]).
    pub fn retain_notable(&mut self) {
        self.rows.retain(Row::is_notable);
        self.only_notable = true;
    }

    /// Returns the row of `syscall`, if one of the host's ABIs has it and
    /// the row was kept.
    pub fn row(&self, syscall: &str) -> Option<&Row> {
        self.rows
            .binary_search_by(|r| r.syscall.as_str().cmp(syscall))
            .ok()
            .map(|i| &self.rows[i])
    }

    /// Returns the index of `column` in [`Matrix::columns`].
    pub fn column_index(&self, column: &Column) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// Returns the cell of `syscall` under `column`.
    pub fn cell(&self, syscall: &str, column: &Column) -> Option<&Cell> {
        let index = self.column_index(column)?;
        self.row(syscall).map(|r| &r.cells[index])
    }

    /// Returns the cell of `row` in column `index` on `kernel`: the main
    /// cell, or the cell of the kernel range that contains `kernel` where the
    /// column depends on the kernel.
    pub fn cell_on_kernel<'r>(
        &self,
        row: &'r Row,
        index: usize,
        kernel: KernelVersion,
    ) -> &'r Cell {
        let dependence = row.kernel.iter().find(|k| k.column == self.columns[index]);
        match dependence {
            Some(dependence) => dependence
                .ranges
                .iter()
                .rev()
                .find(|r| r.from <= kernel)
                .map_or(&row.cells[index], |r| &r.cell),
            None => &row.cells[index],
        }
    }

    /// Returns the columns under which `row` is more open than under the
    /// base capabilities.
    pub fn unlocking_columns(&self, row: &Row) -> Vec<&Column> {
        let default = row.default_cell().openness();
        self.columns
            .iter()
            .zip(&row.cells)
            .filter(|(_, cell)| cell.openness() > default)
            .map(|(column, _)| column)
            .collect()
    }

    /// Returns the syscalls that `column` makes more open than the base
    /// capabilities do.
    pub fn unlocked_by(&self, column: &Column) -> Vec<&str> {
        self.column_effect(column).unlocks
    }

    /// Compares `column` with the default column for every kept row.
    pub fn column_effect(&self, column: &Column) -> ColumnEffect<'_> {
        let mut effect = ColumnEffect::default();
        let Some(index) = self.column_index(column) else {
            return effect;
        };
        for row in &self.rows {
            let (default, cell) = (row.default_cell(), &row.cells[index]);
            if cell.same_outcome(default) {
                continue;
            }
            let name = row.syscall.as_str();
            match cell.openness().cmp(&default.openness()) {
                std::cmp::Ordering::Greater => effect.unlocks.push(name),
                std::cmp::Ordering::Less => effect.restricts.push(name),
                std::cmp::Ordering::Equal => effect.changes.push(name),
            }
        }
        effect
    }

    fn base_caps_text(&self) -> String {
        if self.base_caps == CapSet::docker_default() {
            format!(
                "Docker's default set ({})",
                self.base_caps.iter().collect::<Vec<_>>().join(", ")
            )
        } else if self.base_caps.is_empty() {
            "none".to_string()
        } else {
            self.base_caps.iter().collect::<Vec<_>>().join(", ")
        }
    }

    fn default_action_text(&self) -> String {
        match self.default_action {
            Some(decision) => decision.to_string(),
            None => "none: the profile disables seccomp".to_string(),
        }
    }

    fn shown_text(&self) -> String {
        if self.only_notable {
            format!(
                "{} of {} syscalls: those denied or argument-dependent with the base capabilities, and those a capability, kernel version, host architecture or ABI changes",
                self.rows.len(),
                self.total_syscalls
            )
        } else {
            format!("all {} syscalls", self.total_syscalls)
        }
    }

    fn thresholds_text(&self) -> String {
        if self.kernel_thresholds.is_empty() {
            "none".to_string()
        } else {
            let list: Vec<String> = self
                .kernel_thresholds
                .iter()
                .map(|k| k.to_string())
                .collect();
            list.join(", ")
        }
    }

    /// Returns the notes of a row: argument conditions, kernel dependence,
    /// architecture rules and ABIs, one string each.
    pub fn row_notes(&self, row: &Row) -> Vec<String> {
        let mut notes = Vec::new();
        for (column, cell) in self.columns.iter().zip(&row.cells) {
            if let Summary::Conditional { .. } = cell.summary {
                let first = self
                    .columns
                    .iter()
                    .zip(&row.cells)
                    .find(|(_, c)| c.same_outcome(cell))
                    .map(|(col, _)| col);
                if first == Some(column) {
                    notes.push(format!("{}: {}", column.label(), cell.describe()));
                }
            }
        }
        let kernel: Vec<(String, &Column)> = row
            .kernel
            .iter()
            .map(|k| (k.describe(), &k.column))
            .collect();
        for (text, columns) in group_by_text(kernel) {
            notes.push(format!(
                "kernel: {text} ({})",
                self.columns_phrase(&columns)
            ));
        }
        for rule in &row.arch_rules {
            notes.push(rule.describe());
        }
        if row.abis.len() == 1 && self.abis.len() > 1 {
            notes.push(format!("only on the {} ABI", row.abis[0]));
        } else if row.abis.len() < self.abis.len() {
            let missing: Vec<&str> = self
                .abis
                .iter()
                .filter(|a| !row.abis.contains(a))
                .map(|a| a.name())
                .collect();
            notes.push(format!("not on the {} ABI", missing.join(" and ")));
        }
        let differences: Vec<(String, &Column)> = row
            .abi_differences
            .iter()
            .map(|d| (format!("on {}: {}", d.abi, d.cell.describe()), &d.column))
            .collect();
        for (text, columns) in group_by_text(differences) {
            notes.push(format!("{text} ({})", self.columns_phrase(&columns)));
        }
        notes
    }

    /// Names a set of columns: `every column`, `every column except
    /// +CAP_SYS_PTRACE, all`, or the list itself.
    fn columns_phrase(&self, columns: &[&Column]) -> String {
        let labels = |list: Vec<&Column>| {
            list.iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if columns.len() == self.columns.len() {
            return "every column".to_string();
        }
        if columns.len() * 2 > self.columns.len() {
            let others = self
                .columns
                .iter()
                .filter(|c| !columns.contains(c))
                .collect();
            return format!("every column except {}", labels(others));
        }
        labels(columns.to_vec())
    }

    /// Returns the cells that differ from the default cell as
    /// `(column label, cell)` pairs.
    fn changes<'a>(&'a self, row: &'a Row) -> Vec<(String, &'a Cell)> {
        let default = row.default_cell();
        self.columns
            .iter()
            .zip(&row.cells)
            .skip(1)
            .filter(|(_, cell)| !cell.same_outcome(default))
            .map(|(column, cell)| (column.label(), cell))
            .collect()
    }

    /// Renders the matrix as a plain-text report: a header, what each
    /// column unlocks, and one line per row with the columns that change
    /// it, followed by indented notes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let abis: Vec<&str> = self.abis.iter().map(|a| a.name()).collect();
        let _ = writeln!(
            out,
            "Capability matrix of {} on {} hosts (ABIs {}), kernel {}",
            self.profile_name,
            self.host_arch,
            abis.join(", "),
            self.kernel
        );
        let _ = writeln!(out, "Base capabilities: {}", self.base_caps_text());
        let _ = writeln!(out, "Default action: {}", self.default_action_text());
        let _ = writeln!(
            out,
            "minKernel values in the profile: {}",
            self.thresholds_text()
        );
        let _ = writeln!(out, "Showing {}.", self.shown_text());
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }

        out.push_str("\nBy capability set:\n");
        let width = self
            .columns
            .iter()
            .map(|c| c.label().len())
            .max()
            .unwrap_or(0);
        for column in self.columns.iter().skip(1) {
            let _ = writeln!(
                out,
                "  {:width$}  {}",
                column.label(),
                self.effect_text(column)
            );
        }

        out.push_str("\nBy syscall (changes list the capability sets that differ from the default column):\n");
        let name_width = self
            .rows
            .iter()
            .map(|r| r.syscall.len())
            .max()
            .unwrap_or(7)
            .max(7);
        let _ = writeln!(out, "{:name_width$}  {:12}  CHANGES", "SYSCALL", "DEFAULT");
        for row in &self.rows {
            let changes: Vec<String> = self
                .changes(row)
                .iter()
                .map(|(label, cell)| format!("{label}: {}", cell.label()))
                .collect();
            let line = format!(
                "{:name_width$}  {:12}  {}",
                row.syscall,
                row.default_cell().label(),
                changes.join(", ")
            );
            let _ = writeln!(out, "{}", line.trim_end());
            for note in self.row_notes(row) {
                let _ = writeln!(out, "{:name_width$}    {note}", "");
            }
        }
        out
    }

    fn effect_text(&self, column: &Column) -> String {
        let effect = self.column_effect(column);
        let mut parts = Vec::new();
        if !effect.unlocks.is_empty() {
            parts.push(format!("unlocks {}", effect.unlocks.join(", ")));
        }
        if !effect.restricts.is_empty() {
            parts.push(format!("restricts {}", effect.restricts.join(", ")));
        }
        if !effect.changes.is_empty() {
            parts.push(format!("changes {}", effect.changes.join(", ")));
        }
        if parts.is_empty() {
            "changes nothing".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// Renders the matrix as Markdown: a header list, a table of what each
    /// capability set unlocks and a table of the rows.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let abis: Vec<&str> = self.abis.iter().map(|a| a.name()).collect();
        let _ = writeln!(
            out,
            "# Capability matrix: {} on {} hosts\n",
            md_escape(&self.profile_name),
            self.host_arch
        );
        let _ = writeln!(out, "- ABIs: {}", abis.join(", "));
        let _ = writeln!(
            out,
            "- Kernel: {} (minKernel values in the profile: {})",
            self.kernel,
            self.thresholds_text()
        );
        let _ = writeln!(out, "- Base capabilities: {}", self.base_caps_text());
        let _ = writeln!(out, "- Default action: `{}`", self.default_action_text());
        let _ = writeln!(out, "- Showing {}.", self.shown_text());
        for note in &self.notes {
            let _ = writeln!(out, "- Note: {}", md_escape(note));
        }

        out.push_str("\n## By capability set\n\n| Capability set | Unlocks | Restricts | Other changes |\n|---|---|---|---|\n");
        for column in self.columns.iter().skip(1) {
            let effect = self.column_effect(column);
            let list = |names: &[&str]| {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                column.label(),
                list(&effect.unlocks),
                list(&effect.restricts),
                list(&effect.changes)
            );
        }

        out.push_str(
            "\n## By syscall\n\n| Syscall | Default | Changed by | Notes |\n|---|---|---|---|\n",
        );
        for row in &self.rows {
            let changes: Vec<String> = self
                .changes(row)
                .iter()
                .map(|(label, cell)| format!("`{label}`: {}", cell.label()))
                .collect();
            let notes: Vec<String> = self.row_notes(row).iter().map(|n| md_escape(n)).collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                row.syscall,
                row.default_cell().label(),
                changes.join(", "),
                notes.join("<br>")
            );
        }
        out
    }

    /// Returns the matrix as JSON: the header fields, `columns` (label and
    /// description), `capabilities` (what each column unlocks, restricts and
    /// changes), `rows` (each with `cells` keyed by column label) and `notes`.
    pub fn to_json(&self) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .map(|c| json!({"label": c.label(), "description": c.describe()}))
            .collect();
        let capabilities: serde_json::Map<String, Value> = self
            .columns
            .iter()
            .skip(1)
            .map(|column| {
                let effect = self.column_effect(column);
                (
                    column.label(),
                    json!({"unlocks": effect.unlocks, "restricts": effect.restricts, "changes": effect.changes}),
                )
            })
            .collect();
        let rows: Vec<Value> = self.rows.iter().map(|row| self.row_json(row)).collect();
        json!({
            "profile": self.profile_name,
            "host_arch": self.host_arch.name(),
            "abis": self.abis.iter().map(|a| a.name()).collect::<Vec<_>>(),
            "kernel": self.kernel.to_string(),
            "kernel_thresholds": self.kernel_thresholds.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            "base_caps": self.base_caps.iter().collect::<Vec<_>>(),
            "default_action": self.default_action.map(|d| d.to_string()),
            "columns": columns,
            "capabilities": capabilities,
            "rows_shown": self.rows.len(),
            "total_syscalls": self.total_syscalls,
            "only_notable": self.only_notable,
            "rows": rows,
            "notes": self.notes,
        })
    }

    fn row_json(&self, row: &Row) -> Value {
        let cells: serde_json::Map<String, Value> = self
            .columns
            .iter()
            .zip(&row.cells)
            .map(|(column, cell)| (column.label(), cell.to_json()))
            .collect();
        let kernel: Vec<Value> = row
            .kernel
            .iter()
            .map(|k| {
                json!({
                    "column": k.column.label(),
                    "ranges": k.ranges.iter().map(|r| json!({"from": r.from.to_string(), "cell": r.cell.to_json()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let arch_rules: Vec<Value> = row
            .arch_rules
            .iter()
            .map(|r| json!({"rule": r.rule, "line": r.line, "only_on": r.only_on, "not_on": r.not_on, "applies": r.applies}))
            .collect();
        let abi_differences: Vec<Value> = row
            .abi_differences
            .iter()
            .map(|d| json!({"abi": d.abi.name(), "column": d.column.label(), "cell": d.cell.to_json()}))
            .collect();
        let unlocked_by: Vec<String> = self
            .unlocking_columns(row)
            .iter()
            .map(|c| c.label())
            .collect();
        json!({
            "syscall": row.syscall,
            "abis": row.abis.iter().map(|a| a.name()).collect::<Vec<_>>(),
            "cells": cells,
            "unlocked_by": unlocked_by,
            "kernel": kernel,
            "arch_rules": arch_rules,
            "abi_differences": abi_differences,
            "named_by": row.named_by,
        })
    }

    /// Renders a self-contained HTML page: a syscalls × capability sets
    /// grid coloured by action, a legend, a table of what each capability
    /// set unlocks, and a search box. The page loads nothing from outside.
    ///
    /// The search box filters rows by syscall name and by the labels of
    /// the columns that change a row, such as `mount` or `CAP_SYS_ADMIN`.
    /// With several words, a row must contain all of them. A query in the
    /// URL fragment (`#q=mount`) or query string (`?q=mount`) fills the box
    /// when the page loads.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let abis: Vec<&str> = self.abis.iter().map(|a| a.name()).collect();
        let title = format!(
            "Capability matrix: {} on {} hosts",
            self.profile_name, self.host_arch
        );
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        let _ = writeln!(out, "<title>{}</title>", html_escape(&title));
        out.push_str(HTML_STYLE);
        out.push_str("</head>\n<body>\n");
        let _ = writeln!(out, "<h1>{}</h1>", html_escape(&title));
        out.push_str("<ul class=\"meta\">\n");
        let _ = writeln!(out, "<li>ABIs: {}</li>", html_escape(&abis.join(", ")));
        let _ = writeln!(
            out,
            "<li>Kernel: {} (minKernel values in the profile: {})</li>",
            self.kernel,
            html_escape(&self.thresholds_text())
        );
        let _ = writeln!(
            out,
            "<li>Base capabilities: {}</li>",
            html_escape(&self.base_caps_text())
        );
        let _ = writeln!(
            out,
            "<li>Default action: <code>{}</code></li>",
            html_escape(&self.default_action_text())
        );
        let _ = writeln!(out, "<li>Showing {}.</li>", html_escape(&self.shown_text()));
        for note in &self.notes {
            let _ = writeln!(out, "<li>Note: {}</li>", html_escape(note));
        }
        out.push_str("</ul>\n<p class=\"legend\">");
        for class in CellClass::ALL {
            let _ = write!(
                out,
                "<span class=\"c-{}\">{}</span>",
                class.name(),
                html_escape(class.legend())
            );
        }
        out.push_str("<span class=\"c-allow same\">faded: same as the default column</span></p>\n");
        out.push_str("<p><label for=\"q\">Search</label> <input id=\"q\" type=\"search\" placeholder=\"syscall or capability, e.g. mount or CAP_SYS_ADMIN\" autocomplete=\"off\"> <span id=\"shown\"></span></p>\n");

        out.push_str(
            "<table id=\"matrix\">\n<thead><tr><th scope=\"col\" class=\"name\">syscall</th>",
        );
        for column in &self.columns {
            let _ = write!(
                out,
                "<th scope=\"col\" class=\"col\" title=\"{}\">{}</th>",
                html_escape(&column.describe()),
                html_escape(&column.label())
            );
        }
        out.push_str("<th scope=\"col\" class=\"notes\">notes</th></tr></thead>\n<tbody>\n");
        for row in &self.rows {
            self.html_row(&mut out, row);
        }
        out.push_str("</tbody>\n</table>\n");

        out.push_str("<h2>By capability set</h2>\n<table id=\"effects\">\n<thead><tr><th scope=\"col\">capability set</th><th scope=\"col\">unlocks</th><th scope=\"col\">restricts</th><th scope=\"col\">other changes</th></tr></thead>\n<tbody>\n");
        for column in self.columns.iter().skip(1) {
            let effect = self.column_effect(column);
            let _ = writeln!(
                out,
                "<tr data-column=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(&column.label()),
                html_escape(&column.label()),
                html_escape(&effect.unlocks.join(", ")),
                html_escape(&effect.restricts.join(", ")),
                html_escape(&effect.changes.join(", "))
            );
        }
        out.push_str("</tbody>\n</table>\n");
        out.push_str(HTML_SCRIPT);
        out.push_str("</body>\n</html>\n");
        out
    }

    fn html_row(&self, out: &mut String, row: &Row) {
        let default = row.default_cell();
        let mut search = vec![row.syscall.to_lowercase()];
        for (label, _) in self.changes(row) {
            search.push(label.to_lowercase());
        }
        let _ = write!(
            out,
            "<tr data-syscall=\"{}\" data-search=\"{}\"><th scope=\"row\">{}</th>",
            html_escape(&row.syscall),
            html_escape(&search.join(" ")),
            html_escape(&row.syscall)
        );
        for (i, (column, cell)) in self.columns.iter().zip(&row.cells).enumerate() {
            let same = if i > 0 && cell.same_outcome(default) {
                " same"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<td class=\"c-{}{same}\" data-column=\"{}\" title=\"{}: {}\">{}</td>",
                cell.class().name(),
                html_escape(&column.label()),
                html_escape(&column.label()),
                html_escape(&cell.describe()),
                html_escape(&cell.label())
            );
        }
        let notes: Vec<String> = self.row_notes(row).iter().map(|n| html_escape(n)).collect();
        let _ = writeln!(out, "<td class=\"notes\">{}</td></tr>", notes.join("<br>"));
    }
}

/// Groups `(text, column)` pairs by text, keeping the order of first
/// appearance.
fn group_by_text(pairs: Vec<(String, &Column)>) -> Vec<(String, Vec<&Column>)> {
    let mut groups: Vec<(String, Vec<&Column>)> = Vec::new();
    for (text, column) in pairs {
        match groups.iter_mut().find(|(t, _)| *t == text) {
            Some((_, columns)) => columns.push(column),
            None => groups.push((text, vec![column])),
        }
    }
    groups
}

/// Escapes text for HTML element content and quoted attribute values.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Escapes the characters that break a Markdown table cell.
fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

const HTML_STYLE: &str = r#"<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; }
#matrix td { text-align: center; white-space: nowrap; }
#matrix thead th { position: sticky; top: 0; background: #f4f4f4; z-index: 2; }
#matrix th.col { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; font-family: monospace; }
#matrix tbody th { text-align: left; font-family: monospace; position: sticky; left: 0; background: #fff; z-index: 1; }
#matrix td.notes { text-align: left; white-space: normal; min-width: 24em; font-size: 12px; }
#effects td { font-family: monospace; font-size: 12px; }
.c-allow { background: #c8e6c9; }
.c-errno { background: #ffcdd2; }
.c-kill { background: #8e1b1b; color: #fff; }
.c-conditional { background: #fff59d; }
.c-other { background: #d1c4e9; }
.same { opacity: 0.45; }
.legend span { display: inline-block; padding: 2px 8px; margin: 0 6px 4px 0; border: 1px solid #ccc; }
#q { width: 28em; }
</style>
"#;

/// Filters the rows by the words in the search box; every word must occur
/// in a row's `data-search` text. The box starts from `q` in the URL
/// fragment or query string.
const HTML_SCRIPT: &str = r#"<script>
(function () {
  var input = document.getElementById('q');
  var shown = document.getElementById('shown');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#matrix tbody tr'));
  function apply(query) {
    var words = query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute('data-search');
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = count + ' of ' + rows.length + ' rows shown';
  }
  function queryFromLocation() {
    var fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    var search = new URLSearchParams(location.search);
    return fragment.get('q') || search.get('q') || '';
  }
  input.value = queryFromLocation();
  apply(input.value);
  input.addEventListener('input', function () {
    apply(input.value);
    try {
      history.replaceState(null, '', input.value ? '#q=' + encodeURIComponent(input.value) : location.pathname + location.search);
    } catch (e) {
      // Some browsers reject history changes on file: URLs. The filter still works.
    }
  });
  window.addEventListener('hashchange', function () {
    input.value = queryFromLocation();
    apply(input.value);
  });
})();
</script>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::default_profile;

    fn matrix(kernel: KernelVersion) -> Matrix {
        let options = MatrixOptions::new(Arch::X86_64, kernel);
        Matrix::build(&default_profile(), &options).unwrap()
    }

    #[test]
    fn columns_default_profile() {
        let m = matrix(KernelVersion::new(6, 1));
        assert_eq!(m.columns.first(), Some(&Column::Default));
        assert_eq!(m.columns.last(), Some(&Column::All));
        assert!(m.columns.contains(&Column::Add("CAP_SYS_ADMIN".into())));
        assert!(m.columns.contains(&Column::Drop("CAP_SYS_CHROOT".into())));
    }

    #[test]
    fn chroot_needs_default_cap() {
        let m = matrix(KernelVersion::new(6, 1));
        let effect = m.column_effect(&Column::Drop("CAP_SYS_CHROOT".into()));
        assert_eq!(effect.restricts, ["chroot"]);
    }

    #[test]
    fn conditional_describe_merges() {
        let m = matrix(KernelVersion::new(6, 1));
        let socket = m.row("socket").unwrap().default_cell();
        assert_eq!(
            socket.describe(),
            "allow if arg0 == 0x27 or arg0 < 0x26 or arg0 > 0x28; otherwise errno 1"
        );
        assert_eq!(socket.openness(), Openness::Partial);
    }

    #[test]
    fn kernel_dependence_ptrace() {
        let m = matrix(KernelVersion::new(6, 1));
        let ptrace = m.row("ptrace").unwrap();
        let default = ptrace
            .kernel
            .iter()
            .find(|k| k.column == Column::Default)
            .unwrap();
        assert_eq!(default.describe(), "errno 1 before 4.8, allow from 4.8");
        let old = m.cell_on_kernel(ptrace, 0, KernelVersion::new(4, 4));
        assert_eq!(old.label(), "errno 1");
    }

    #[test]
    fn html_escape_quotes() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
