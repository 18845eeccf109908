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

mod build;
mod cell;
mod render;

pub(crate) use build::decide;
pub use cell::{Cell, CellClass, Openness};

use crate::arch::Arch;
use crate::caps::CapSet;
use crate::policy::{Decision, EnosysMode, PolicyError};
use crate::profile::KernelVersion;
use crate::resolve::ResolveError;

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

impl Matrix {
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
}

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
}
