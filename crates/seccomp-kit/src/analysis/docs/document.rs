//! Generates the documentation: sections of blocked syscalls with the
//! capabilities that unlock each, as Markdown or JSON.

use super::gates_on;
use crate::analysis::matrix::{Cell, Column, Matrix, MatrixError, MatrixOptions, Openness, Row};
use crate::analysis::summary::Summary;
use crate::arch::Arch;
use crate::caps::CapSet;
use crate::policy::Decision;
use crate::profile::{default_groups, KernelVersion, Profile, Rule};
use serde_json::{json, Value};
use std::fmt::Write;

/// Generated documentation of one profile on one host architecture.
#[derive(Clone, Debug)]
pub struct Document {
    /// The name of the profile from [`MatrixOptions::profile_name`].
    pub profile_name: String,
    /// The host architecture the profile is resolved for.
    pub host_arch: Arch,
    /// The ABIs of the host's filter.
    pub abis: Vec<Arch>,
    /// The host kernel of the main statements of each row.
    pub kernel: KernelVersion,
    /// The capability set that "gated by" adds to.
    pub base_caps: CapSet,
    /// `None` when the profile disables seccomp.
    pub default_action: Option<Decision>,
    /// The sections in profile rule order, with syscalls that no rule
    /// decides last.
    pub sections: Vec<Section>,
}

/// A group of syscalls that the same rule or documented group decides.
#[derive(Clone, Debug)]
pub struct Section {
    /// The heading: a documented group's title or the rules' indices.
    pub title: String,
    /// Why the syscalls get their decision: a [`default_groups`] reason or
    /// a rule's comment.
    pub reason: Option<String>,
    /// Indices of the profile rules behind the section; empty for syscalls
    /// that only the default action decides.
    pub rules: Vec<usize>,
    /// The syscalls of the section, by name.
    pub entries: Vec<Entry>,
}

/// One documented syscall.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The syscall name.
    pub syscall: String,
    /// The sentence of the table row, such as "Gated by `CAP_SYS_ADMIN`.".
    pub description: String,
    /// The decision with the base capabilities on the document's kernel.
    pub default: Cell,
    /// Labels of the matrix columns that unlock the syscall.
    pub unlocked_by: Vec<String>,
}

/// Generates the documentation of `profile` for `options`: every syscall
/// of the host's ABIs that the base capabilities do not fully allow on
/// `options.kernel`, that needs a capability of the base set, or that an
/// older or newer kernel blocks.
///
/// ```
/// use seccomp_kit::analysis::docs::generate;
/// use seccomp_kit::analysis::matrix::MatrixOptions;
/// use seccomp_kit::{arch::Arch, profile::{default_profile, KernelVersion}};
///
/// let options = MatrixOptions::new(Arch::X86_64, KernelVersion::new(6, 1));
/// let document = generate(&default_profile(), &options).unwrap();
/// let markdown = document.to_markdown();
/// assert!(markdown.contains("| `open_by_handle_at` | Gated by `CAP_DAC_READ_SEARCH`. |"));
/// assert!(markdown.contains("## Namespaces"));
/// ```
pub fn generate(profile: &Profile, options: &MatrixOptions) -> Result<Document, MatrixError> {
    let matrix = Matrix::build(profile, options)?;
    // Rules with one comment share a section, so a documented group with
    // several gates reads as one; rules without a comment get their own.
    let mut keyed: Vec<(SectionKey, Section)> = Vec::new();
    let mut unruled: Vec<Entry> = Vec::new();

    for row in &matrix.rows {
        if !is_documented(&matrix, row) {
            continue;
        }
        let entry = Entry {
            syscall: row.syscall.clone(),
            description: describe_row(&matrix, row),
            default: row.default_cell().clone(),
            unlocked_by: matrix
                .unlocking_columns(row)
                .iter()
                .map(|c| c.label())
                .collect(),
        };
        let rules = responsible_rules(&matrix, row);
        if rules.is_empty() {
            unruled.push(entry);
            continue;
        }
        let comment = rules.iter().find_map(|&i| {
            profile.syscalls[i]
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
        });
        let key = match comment {
            Some(text) => SectionKey::Comment(text.to_string()),
            None => SectionKey::Rules(rules.clone()),
        };
        match keyed.iter_mut().find(|(k, _)| *k == key) {
            Some((_, section)) => {
                for index in rules {
                    if !section.rules.contains(&index) {
                        section.rules.push(index);
                    }
                }
                section.entries.push(entry);
            }
            None => keyed.push((
                key,
                Section {
                    title: section_title(profile, &rules, comment),
                    reason: comment.map(str::to_string),
                    rules,
                    entries: vec![entry],
                },
            )),
        }
    }
    let mut sections: Vec<Section> = keyed.into_iter().map(|(_, s)| s).collect();
    sections.sort_by_key(|s| s.rules.iter().min().copied());
    if !unruled.is_empty() {
        sections.push(Section {
            title: "Not allowed by any rule".to_string(),
            reason: Some(unruled_reason(&matrix, &unruled)),
            rules: Vec::new(),
            entries: unruled,
        });
    }

    Ok(Document {
        profile_name: matrix.profile_name.clone(),
        host_arch: matrix.host_arch,
        abis: matrix.abis.clone(),
        kernel: matrix.kernel,
        base_caps: matrix.base_caps.clone(),
        default_action: matrix.default_action,
        sections,
    })
}

/// The key that makes syscalls share a section: a rule comment, or the set
/// of rules when they have no comment.
#[derive(PartialEq, Eq)]
enum SectionKey {
    Comment(String),
    Rules(Vec<usize>),
}

/// Explains the section of syscalls that no rule decides.
fn unruled_reason(matrix: &Matrix, entries: &[Entry]) -> String {
    let default = matrix
        .default_action
        .map_or_else(|| "allow".to_string(), |d| d.to_string());
    let mut text = format!(
        "No rule of the profile allows these syscalls on {} hosts, so they get the default action {default} whatever the capabilities.",
        matrix.host_arch
    );
    let enosys = entries.iter().any(|e| match e.default.summary {
        Summary::Fixed(decision) => Some(decision) != matrix.default_action,
        Summary::Conditional { .. } => false,
    });
    if enosys {
        text.push_str(
            " Syscalls numbered above every syscall the profile names on an ABI get ENOSYS instead, from runc's ENOSYS rule.",
        );
    }
    text
}

/// Returns whether a row belongs in the documentation of blocked syscalls.
fn is_documented(matrix: &Matrix, row: &Row) -> bool {
    let default = row.default_cell();
    if default.openness() != Openness::Allowed {
        return true;
    }
    let needs_base_cap = matrix
        .columns
        .iter()
        .zip(&row.cells)
        .any(|(column, cell)| matches!(column, Column::Drop(_)) && !cell.same_outcome(default));
    let blocked_on_other_kernel = row.kernel.iter().any(|k| {
        k.column == Column::Default
            && k.ranges
                .iter()
                .any(|r| r.cell.openness() != Openness::Allowed)
    });
    needs_base_cap || blocked_on_other_kernel
}

/// Returns the rules that a reader should see as the reason for the row,
/// in profile order: the rules that unlock it, else the rules that decide
/// it with the base capabilities.
fn responsible_rules(matrix: &Matrix, row: &Row) -> Vec<usize> {
    let default = row.default_cell();
    let open = default.openness();
    let unlocking = matrix
        .columns
        .iter()
        .zip(&row.cells)
        .find(|(column, cell)| {
            matches!(column, Column::Add(_) | Column::AddAll(_)) && cell.openness() > open
        })
        .map(|(_, cell)| cell);
    let mut rules = unlocking.unwrap_or(default).rules.clone();
    rules.sort_unstable();
    rules.dedup();
    rules
}

/// Titles a section: the documented group's title for the built-in
/// profile, otherwise the rules with their action and requirements.
fn section_title(profile: &Profile, rules: &[usize], comment: Option<&str>) -> String {
    if let Some(group) = default_groups().iter().find(|g| comment == Some(g.reason)) {
        let mut title = group.title.to_string();
        if let Some(first) = title.get(..1) {
            title.replace_range(..1, &first.to_uppercase());
        }
        return title;
    }
    if let [index] = rules {
        return rule_title(*index, &profile.syscalls[*index]);
    }
    let names: Vec<String> = rules.iter().map(|i| format!("syscalls[{i}]")).collect();
    let lines: Vec<String> = rules
        .iter()
        .map(|&i| profile.syscalls[i].location.line)
        .filter(|&line| line > 0)
        .map(|line| line.to_string())
        .collect();
    if lines.is_empty() {
        format!("Rules {}", names.join(", "))
    } else {
        format!("Rules {} (lines {})", names.join(", "), lines.join(", "))
    }
}

/// Titles a one-rule section with the rule's action and requirements.
fn rule_title(index: usize, rule: &Rule) -> String {
    let mut requirements = Vec::new();
    if !rule.includes.caps.is_empty() {
        requirements.push(format!("with {}", rule.includes.caps.join(" and ")));
    }
    if !rule.excludes.caps.is_empty() {
        requirements.push(format!("without {}", rule.excludes.caps.join(" or ")));
    }
    if let Some(kernel) = rule.includes.min_kernel {
        requirements.push(format!("on kernel {kernel} and newer"));
    }
    if let Some(kernel) = rule.excludes.min_kernel {
        requirements.push(format!("on kernels before {kernel}"));
    }
    if !rule.args.is_empty() {
        let conditions: Vec<String> = rule.args.iter().map(|a| a.to_string()).collect();
        requirements.push(format!("if {}", conditions.join(" and ")));
    }
    let line = if rule.location.line > 0 {
        format!(" (line {})", rule.location.line)
    } else {
        String::new()
    };
    let action = match rule.errno_ret {
        Some(errno) if rule.action.takes_errno() => format!("{}({errno})", rule.action),
        _ => rule.action.to_string(),
    };
    let mut title = format!("Rule syscalls[{index}]{line}: {action}");
    if !requirements.is_empty() {
        title.push(' ');
        title.push_str(&requirements.join(", "));
    }
    title
}

/// Names the decision without the unlocking capabilities when it is not
/// the profile's default action, such as clone3's ENOSYS.
fn otherwise_text(matrix: &Matrix, default: &Cell) -> String {
    match default.summary {
        Summary::Fixed(decision) if Some(decision) != matrix.default_action => {
            format!("; otherwise {}", default.describe())
        }
        _ => String::new(),
    }
}

fn code_list(caps: &[String], joiner: &str) -> String {
    caps.iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// Describes what the row gets on `kernel`, as a sentence that
/// [`check`](super::check) reads back as the same claim.
fn status_sentence(matrix: &Matrix, row: &Row, kernel: KernelVersion) -> String {
    let gates = gates_on(matrix, row, kernel);
    let default = matrix.cell_on_kernel(row, 0, kernel);
    match gates.open {
        Openness::Denied if !gates.singles.is_empty() => format!(
            "Gated by {}{}.",
            code_list(&gates.singles, " or "),
            otherwise_text(matrix, default)
        ),
        Openness::Denied if !gates.combinations.is_empty() => {
            let lists: Vec<String> = gates
                .combinations
                .iter()
                .map(|l| code_list(l, " and "))
                .collect();
            format!(
                "Gated by {} together{}.",
                lists.join("; or by "),
                otherwise_text(matrix, default)
            )
        }
        Openness::Denied if gates.all_unlocks => format!(
            "Blocked ({}) unless the container has every capability.",
            default.describe()
        ),
        Openness::Denied => format!(
            "Blocked ({}) whatever the capabilities.",
            default.describe()
        ),
        Openness::Partial => {
            let mut text = format!("Partly blocked: {}.", default.describe());
            for (index, column) in matrix.columns.iter().enumerate() {
                if let Column::Add(cap) = column {
                    if gates.singles.contains(cap) {
                        let cell = matrix.cell_on_kernel(row, index, kernel);
                        let _ = write!(text, " With `{cap}`: {}.", cell.describe());
                    }
                }
            }
            if !gates.required.is_empty() {
                let _ = write!(
                    text,
                    " Dropping {} blocks more calls.",
                    code_list(&gates.required, " or ")
                );
            }
            text
        }
        Openness::Allowed if !gates.required.is_empty() => format!(
            "Gated by {}, which the base capabilities include.",
            code_list(&gates.required, " and ")
        ),
        Openness::Allowed => "Allowed with the base capabilities.".to_string(),
    }
}

/// Writes the table row's description: the status on the document's
/// kernel, the status on other kernel ranges where it differs, and the
/// ABIs that lack the syscall.
fn describe_row(matrix: &Matrix, row: &Row) -> String {
    let main = status_sentence(matrix, row, matrix.kernel);
    let mut text = main.clone();

    let mut starts: Vec<KernelVersion> = row
        .kernel
        .iter()
        .flat_map(|k| k.ranges.iter().map(|r| r.from))
        .collect();
    starts.sort();
    starts.dedup();
    for (i, start) in starts.iter().enumerate() {
        let next = starts.get(i + 1).copied();
        let contains_kernel = *start <= matrix.kernel && next.is_none_or(|n| matrix.kernel < n);
        if contains_kernel {
            continue;
        }
        let sentence = status_sentence(matrix, row, *start);
        if sentence == main {
            continue;
        }
        let range = match (i, next) {
            (0, Some(next)) => format!("Before kernel {next}"),
            (_, Some(next)) => format!("On kernels {start} to before {next}"),
            (_, None) => format!("On kernel {start} and newer"),
        };
        let _ = write!(text, " {range}: {}", lowercase_first(&sentence));
    }

    if row.abis.len() == 1 && matrix.abis.len() > 1 {
        let _ = write!(text, " Only on the {} ABI.", row.abis[0]);
    } else if row.abis.len() < matrix.abis.len() {
        let missing: Vec<&str> = matrix
            .abis
            .iter()
            .filter(|a| !row.abis.contains(a))
            .map(|a| a.name())
            .collect();
        let _ = write!(text, " Not on the {} ABI.", missing.join(" and "));
    }
    text
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Document {
    /// Renders the documentation as Markdown: a heading, an introduction
    /// that explains its phrases, and one section per group with its reason
    /// and a `| Syscall | Description |` table.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let abis: Vec<&str> = self.abis.iter().map(|a| a.name()).collect();
        out.push_str("# Syscalls blocked by the profile, and the capability that unlocks each\n\n");
        let default = match self.default_action {
            Some(decision) => format!("The default action is `{decision}`."),
            None => "The profile disables seccomp, so nothing is blocked.".to_string(),
        };
        let _ = writeln!(
            out,
            "Generated by `seccomp-kit docs` from {} for {} hosts (ABIs {}) on kernel {}, starting from {}. {default}\n",
            self.profile_name,
            self.host_arch,
            abis.join(", "),
            self.kernel,
            base_caps_text(&self.base_caps)
        );
        out.push_str(
            "\"Gated by `CAP_X`\" means that adding the capability to the container \
             (for example `docker run --cap-add X`) unlocks the syscall. \"Blocked whatever \
             the capabilities\" means that no capability set unlocks it. Syscalls that every \
             container may call are not listed.\n",
        );
        if self.sections.is_empty() {
            let _ = writeln!(
                out,
                "\nThe profile blocks no syscall on {} hosts with these capabilities.",
                self.host_arch
            );
        }
        for section in &self.sections {
            let _ = writeln!(out, "\n## {}\n", section.title);
            if let Some(reason) = &section.reason {
                let _ = writeln!(out, "{reason}\n");
            }
            out.push_str("| Syscall | Description |\n|---|---|\n");
            for entry in &section.entries {
                let _ = writeln!(
                    out,
                    "| `{}` | {} |",
                    entry.syscall,
                    entry.description.replace('|', "\\|")
                );
            }
        }
        out
    }

    /// Returns the documentation as JSON: the header fields and `sections`,
    /// each with `title`, `reason`, `rules` and `entries` (`syscall`,
    /// `description`, `default` cell, `unlocked_by`).
    pub fn to_json(&self) -> Value {
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|s| {
                json!({
                    "title": s.title,
                    "reason": s.reason,
                    "rules": s.rules,
                    "entries": s.entries.iter().map(|e| json!({
                        "syscall": e.syscall,
                        "description": e.description,
                        "default": e.default.to_json(),
                        "unlocked_by": e.unlocked_by,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "profile": self.profile_name,
            "host_arch": self.host_arch.name(),
            "abis": self.abis.iter().map(|a| a.name()).collect::<Vec<_>>(),
            "kernel": self.kernel.to_string(),
            "base_caps": self.base_caps.iter().collect::<Vec<_>>(),
            "default_action": self.default_action.map(|d| d.to_string()),
            "sections": sections,
        })
    }
}

fn base_caps_text(caps: &CapSet) -> String {
    if *caps == CapSet::docker_default() {
        "Docker's default capabilities".to_string()
    } else if caps.is_empty() {
        "no capabilities".to_string()
    } else {
        format!("the capabilities {caps}")
    }
}
