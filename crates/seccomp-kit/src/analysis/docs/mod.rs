//! Documentation of what a profile blocks: [`generate`] writes "syscalls
//! blocked by the profile, and the capability that unlocks each" as
//! Markdown from the profile itself, and [`check`] compares an existing
//! Markdown table in Docker's documentation style with the profile.
//!
//! Generated sections follow the profile's rules. For seccomp-kit's
//! built-in profile (recognised by rule comments equal to a
//! [`default_groups`] reason) a section is one documented group with its
//! title and reason. For other profiles a section is one rule, with the
//! rule's `comment` as reason when it has one.
//!
//! [`check`] reads every table that has a header row and a delimiter row.
//! In each body row the first cell names one or more syscalls (in
//! backticks or bare) and the other cells describe them. A description
//! that names capabilities (`CAP_SYS_ADMIN`) claims that those
//! capabilities unlock the syscall ("gated by", "also gated by", "blocked
//! by dropping"), any one of them unless the description contains
//! "together", "both" or "all of". A description without capability names
//! claims that the syscall is blocked. A description that mentions
//! "kernel" or "Linux" may name a version `X.Y` that equals a `minKernel`
//! of a rule for the syscall. That version qualifies the claim, so the row
//! agrees with the profile if the claim is true on either side of it.
//!
//! ```
//! use seccomp_kit::analysis::docs::{check, DisagreementKind};
//! use seccomp_kit::analysis::matrix::MatrixOptions;
//! use seccomp_kit::{arch::Arch, profile::{default_profile, KernelVersion}};
//!
//! let table = "| Syscall | Description |\n\
//!              |---|---|\n\
//!              | `mount` | Deny mounting, already gated by `CAP_SYS_ADMIN`. |\n\
//!              | `clock_adjtime` | Time/date is not namespaced. |\n";
//! let options = MatrixOptions::new(Arch::X86_64, KernelVersion::new(6, 1));
//! let found = check(&default_profile(), table, &options).unwrap();
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].line, 4);
//! assert_eq!(found[0].kind, DisagreementKind::AllowedByDefault);
//! ```
//!
//! [`default_groups`]: crate::profile::default_groups

mod checker;
mod document;
mod table;

pub use checker::{check, check_rows, Disagreement, DisagreementKind};
pub use document::{generate, Document, Entry, Section};
pub use table::{parse_table, Claim, DocRow};

use crate::analysis::matrix::{Column, Matrix, Openness, Row};
use crate::profile::KernelVersion;

/// The capabilities that change a row's openness under one kernel.
struct Gates {
    open: Openness,
    /// Single capabilities whose column is more open than the default.
    singles: Vec<String>,
    /// Capability lists that unlock only together.
    combinations: Vec<Vec<String>>,
    /// Capabilities of the base set whose removal makes the row less open.
    required: Vec<String>,
    /// Whether the column with every capability is more open.
    all_unlocks: bool,
}

fn gates_on(matrix: &Matrix, row: &Row, kernel: KernelVersion) -> Gates {
    let columns = &matrix.columns;
    let default = matrix.cell_on_kernel(row, 0, kernel);
    let open = default.openness();
    let mut gates = Gates {
        open,
        singles: Vec::new(),
        combinations: Vec::new(),
        required: Vec::new(),
        all_unlocks: false,
    };
    for (index, column) in columns.iter().enumerate().skip(1) {
        let cell_open = matrix.cell_on_kernel(row, index, kernel).openness();
        match column {
            Column::Add(cap) if cell_open > open => gates.singles.push(cap.clone()),
            Column::Drop(cap) if cell_open < open => gates.required.push(cap.clone()),
            Column::AddAll(list) if cell_open > open => gates.combinations.push(list.clone()),
            Column::All if cell_open > open => gates.all_unlocks = true,
            _ => {}
        }
    }
    // A list that contains a capability unlocking on its own adds nothing.
    let singles = gates.singles.clone();
    gates
        .combinations
        .retain(|list| !list.iter().any(|c| singles.contains(c)));
    gates
}
