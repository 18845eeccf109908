//! Compares documentation rows with the profile and reports each
//! disagreement.

use super::{gates_on, parse_table, Claim, DocRow, Gates};
use crate::analysis::matrix::{
    decide, Cell, Column, Matrix, MatrixError, MatrixOptions, Openness, Row,
};
use crate::caps;
use crate::profile::{KernelVersion, Profile};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The kind of difference between a table row and the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DisagreementKind {
    /// The row claims blocked or gated, but the base capabilities allow
    /// the syscall.
    AllowedByDefault,
    /// A capability the row names does not unlock the syscall, while
    /// another capability does.
    WrongCapability,
    /// The row names a capability, but no capability unlocks the syscall.
    NoCapabilityUnlocks,
    /// A capability the row does not name unlocks the syscall.
    UnmentionedCapability,
    /// The row names something that is not a Linux capability.
    UnknownCapability,
    /// The name is not a syscall on any ABI of the host.
    NotASyscall,
}

impl DisagreementKind {
    /// Returns the snake_case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            DisagreementKind::AllowedByDefault => "allowed_by_default",
            DisagreementKind::WrongCapability => "wrong_capability",
            DisagreementKind::NoCapabilityUnlocks => "no_capability_unlocks",
            DisagreementKind::UnmentionedCapability => "unmentioned_capability",
            DisagreementKind::UnknownCapability => "unknown_capability",
            DisagreementKind::NotASyscall => "not_a_syscall",
        }
    }
}

/// One difference between a documentation row and the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// 1-based line of the row in the Markdown text.
    pub line: usize,
    /// The syscall of the row that disagrees.
    pub syscall: String,
    /// The kind of difference.
    pub kind: DisagreementKind,
    /// The row's claim, for example `gated by CAP_DAC_READ_SEARCH`.
    pub document: String,
    /// The profile's decision in words, for example `allows it to
    /// everyone: allow with the base capabilities`.
    pub profile: String,
}

impl fmt::Display for Disagreement {
    /// Writes `line N: ` and [`Disagreement::message`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}

impl Disagreement {
    /// Returns the disagreement without its line: `syscall: the document
    /// says …, but the profile …`.
    pub fn message(&self) -> String {
        format!(
            "{}: the document says {}, but the profile {}",
            self.syscall, self.document, self.profile
        )
    }

    /// Returns the disagreement as JSON: `line`, `syscall`, `kind`,
    /// `document` and `profile`.
    pub fn to_json(&self) -> Value {
        json!({
            "line": self.line,
            "syscall": self.syscall,
            "kind": self.kind.name(),
            "document": self.document,
            "profile": self.profile,
        })
    }
}

/// Compares every table row of `markdown` with `profile` on the host, base
/// capabilities and kernel of `options`, and lists each disagreement in
/// row order.
pub fn check(
    profile: &Profile,
    markdown: &str,
    options: &MatrixOptions,
) -> Result<Vec<Disagreement>, MatrixError> {
    check_rows(profile, &parse_table(markdown), options)
}

/// Compares already parsed rows with `profile` (see [`check`]).
pub fn check_rows(
    profile: &Profile,
    rows: &[DocRow],
    options: &MatrixOptions,
) -> Result<Vec<Disagreement>, MatrixError> {
    let mut checker = Checker::new(profile, options)?;
    let mut found = Vec::new();
    for row in rows {
        for syscall in &row.syscalls {
            found.extend(checker.check_one(row, syscall)?);
        }
    }
    Ok(found)
}

/// Matrices on the kernels a check needs, built on first use.
struct Checker<'a> {
    profile: &'a Profile,
    options: &'a MatrixOptions,
    main: Matrix,
    by_kernel: BTreeMap<KernelVersion, Matrix>,
}

impl<'a> Checker<'a> {
    fn new(profile: &'a Profile, options: &'a MatrixOptions) -> Result<Checker<'a>, MatrixError> {
        Ok(Checker {
            profile,
            options,
            main: Matrix::build(profile, options)?,
            by_kernel: BTreeMap::new(),
        })
    }

    fn matrix_on(&mut self, kernel: KernelVersion) -> Result<&Matrix, MatrixError> {
        if !self.by_kernel.contains_key(&kernel) {
            let mut options = self.options.clone();
            options.kernel = kernel;
            let matrix = Matrix::build(self.profile, &options)?;
            self.by_kernel.insert(kernel, matrix);
        }
        Ok(&self.by_kernel[&kernel])
    }

    fn check_one(&mut self, row: &DocRow, syscall: &str) -> Result<Vec<Disagreement>, MatrixError> {
        let disagreement = |kind, profile: String| Disagreement {
            line: row.line,
            syscall: syscall.to_string(),
            kind,
            document: row.claim.describe(),
            profile,
        };
        let Some(matrix_row) = self.main.row(syscall) else {
            let abis: Vec<&str> = self.main.abis.iter().map(|a| a.name()).collect();
            return Ok(vec![disagreement(
                DisagreementKind::NotASyscall,
                format!("has no syscall {syscall:?} to decide: it is not a syscall on the {} ABI; check the spelling or pass the host architecture with --arch", abis.join(" or ")),
            )]);
        };

        let mut found = Vec::new();
        let mut claim = row.claim.clone();
        let unknown: Vec<String> = claim
            .caps
            .iter()
            .filter(|c| !caps::normalize(c).is_ok_and(|n| n == **c))
            .cloned()
            .collect();
        for name in &unknown {
            found.push(disagreement(
                DisagreementKind::UnknownCapability,
                unknown_cap_text(name),
            ));
        }
        if !unknown.is_empty() {
            claim.caps.retain(|c| !unknown.contains(c));
            if claim.caps.is_empty() {
                return Ok(found);
            }
        }

        // A kernel version that is a minKernel of a rule for this syscall
        // qualifies the claim, so it may hold on either side of it.
        let named_by = matrix_row.named_by.clone();
        let thresholds: Vec<KernelVersion> = named_by
            .iter()
            .flat_map(|&i| {
                let rule = &self.profile.syscalls[i];
                [rule.includes.min_kernel, rule.excludes.min_kernel]
            })
            .flatten()
            .filter(|k| claim.kernels.contains(k))
            .collect();
        let mut kernels = Vec::new();
        for threshold in thresholds {
            let before = self
                .main
                .kernel_thresholds
                .iter()
                .copied()
                .filter(|t| *t < threshold)
                .max()
                .unwrap_or_default();
            kernels.push(before);
            kernels.push(threshold);
        }
        for kernel in kernels {
            let together_cell = self.together_cell(&claim, syscall, kernel)?;
            let matrix = self.matrix_on(kernel)?;
            if let Some(row_there) = matrix.row(syscall) {
                if judge(matrix, row_there, &claim, together_cell.as_ref()).is_none() {
                    return Ok(found);
                }
            }
        }

        let together_cell = self.together_cell(&claim, syscall, self.options.kernel)?;
        let Some(matrix_row) = self.main.row(syscall) else {
            return Ok(found);
        };
        if let Some((kind, text)) = judge(&self.main, matrix_row, &claim, together_cell.as_ref()) {
            found.push(disagreement(kind, text));
        }
        Ok(found)
    }

    /// For a "together" claim, the cell of `syscall` with all of the
    /// claim's capabilities added to the base set.
    fn together_cell(
        &self,
        claim: &Claim,
        syscall: &str,
        kernel: KernelVersion,
    ) -> Result<Option<Cell>, MatrixError> {
        if !claim.together || claim.caps.is_empty() {
            return Ok(None);
        }
        let caps = self
            .options
            .base_caps
            .with_changes(&claim.caps, &[])
            .unwrap_or_else(|_| self.options.base_caps.clone());
        let decisions = decide(
            self.profile,
            self.options.host_arch,
            &caps,
            kernel,
            self.options.enosys,
        )?;
        Ok(decisions.first(syscall).cloned())
    }
}

fn unknown_cap_text(name: &str) -> String {
    let suggestion = name
        .strip_prefix("CAP_")
        .map(|rest| format!("CAP_SYS_{rest}"))
        .filter(|guess| caps::normalize(guess).is_ok());
    match suggestion {
        Some(guess) => {
            format!("cannot check {name}: it is not a Linux capability; did you mean {guess}?")
        }
        None => format!("cannot check {name}: it is not a Linux capability"),
    }
}

/// Compares one claim with one row of the matrix; `None` when they agree,
/// otherwise the kind and what the profile does.
fn judge(
    matrix: &Matrix,
    row: &Row,
    claim: &Claim,
    together_cell: Option<&Cell>,
) -> Option<(DisagreementKind, String)> {
    let gates = gates_on(matrix, row, matrix.kernel);
    let default = row.default_cell();
    let base_text = format!("{} with the base capabilities", default.describe());
    let kernel_text = kernel_suffix(matrix, row);
    let unlockers = unlockers_text(&gates);

    if claim.caps.is_empty() {
        if gates.open == Openness::Allowed {
            return Some((
                DisagreementKind::AllowedByDefault,
                format!("allows it to everyone: {base_text}{kernel_text}"),
            ));
        }
        if !unlockers.is_empty() {
            return Some((
                DisagreementKind::UnmentionedCapability,
                format!("unlocks it with {unlockers} ({base_text})"),
            ));
        }
        return None;
    }

    let holds: Vec<&String>;
    let fails: Vec<&String>;
    if claim.together {
        let unlocks = together_cell.is_some_and(|cell| cell.openness() > gates.open);
        if unlocks {
            return None;
        }
        holds = Vec::new();
        fails = claim.caps.iter().collect();
    } else {
        (holds, fails) = claim.caps.iter().partition(|cap| {
            if matrix.base_caps.contains(cap) {
                gates.required.contains(cap)
            } else {
                gates.singles.contains(cap)
            }
        });
    }

    if fails.is_empty() {
        let unmentioned: Vec<String> = gates
            .singles
            .iter()
            .filter(|c| !claim.caps.contains(c))
            .cloned()
            .collect();
        if unmentioned.is_empty() {
            return None;
        }
        return Some((
            DisagreementKind::UnmentionedCapability,
            format!("also unlocks it with {}", unmentioned.join(" or ")),
        ));
    }

    let nothing: Vec<String> = fails
        .iter()
        .map(|cap| {
            if matrix.base_caps.contains(cap) {
                format!("the base capabilities already include {cap}")
            } else {
                format!("adding {cap} changes nothing")
            }
        })
        .collect();
    let nothing = nothing.join(", and ");
    if gates.open == Openness::Allowed && holds.is_empty() {
        return Some((
            DisagreementKind::AllowedByDefault,
            format!("allows it to everyone: {base_text}{kernel_text}; {nothing}"),
        ));
    }
    if !unlockers.is_empty() {
        return Some((
            DisagreementKind::WrongCapability,
            format!("gates it on {unlockers} ({base_text}); {nothing}"),
        ));
    }
    let all = row.cells.last().map_or_else(String::new, |c| c.describe());
    Some((
        DisagreementKind::NoCapabilityUnlocks,
        format!(
            "lets no capability unlock it ({base_text}, {all} with every capability); {nothing}"
        ),
    ))
}

/// Names the capabilities that unlock a row: `CAP_A or CAP_B`, with lists
/// that unlock only together written `CAP_C and CAP_D together`.
fn unlockers_text(gates: &Gates) -> String {
    let mut parts: Vec<String> = gates.singles.clone();
    parts.extend(
        gates
            .combinations
            .iter()
            .map(|list| format!("{} together", list.join(" and "))),
    );
    parts.join(" or ")
}

/// Describes how the default column changes with the kernel, if it does:
/// ` on kernel 6.1 (errno 1 before 4.8, allow from 4.8)`.
fn kernel_suffix(matrix: &Matrix, row: &Row) -> String {
    row.kernel
        .iter()
        .find(|k| k.column == Column::Default)
        .map_or_else(String::new, |k| {
            format!(" on kernel {} ({})", matrix.kernel, k.describe())
        })
}
