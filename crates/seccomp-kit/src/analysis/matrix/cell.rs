//! The cells of the matrix: the decision for one syscall under one
//! capability set, with its openness, colour class and descriptions.

use crate::analysis::summary::Summary;
use crate::policy::Decision;
use crate::profile::{Action, ArgCondition};
use serde_json::{json, Value};

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

    pub(super) fn legend(self) -> &'static str {
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
    pub(super) fn fixed(decision: Decision) -> Cell {
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
