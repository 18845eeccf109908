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

use crate::analysis::matrix::{
    decide, Cell, Column, Matrix, MatrixError, MatrixOptions, Openness, Row,
};
use crate::analysis::summary::Summary;
use crate::arch::Arch;
use crate::caps::{self, CapSet};
use crate::policy::Decision;
use crate::profile::{default_groups, KernelVersion, Profile, Rule};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

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

/// Describes what the row gets on `kernel`, as a sentence that [`check`]
/// reads back as the same claim.
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

/// One body row of a Markdown table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocRow {
    /// 1-based line of the row in the Markdown text.
    pub line: usize,
    /// The syscall names of the first cell.
    pub syscalls: Vec<String>,
    /// The other cells, joined with spaces.
    pub description: String,
    /// The claim read from `description`.
    pub claim: Claim,
}

/// The claim of a table row about its syscalls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    /// Capability names in the description, upper-case. Empty means the
    /// row claims that the syscall is blocked.
    pub caps: Vec<String>,
    /// Whether the capabilities are needed together instead of any one.
    pub together: bool,
    /// Versions `X.Y` in a description that mentions "kernel" or "Linux".
    pub kernels: Vec<KernelVersion>,
}

impl Claim {
    /// Reads the claim of a row description.
    ///
    /// ```
    /// use seccomp_kit::analysis::docs::Claim;
    ///
    /// let claim = Claim::parse("Blocked in Linux kernel versions before 4.8. Already blocked by dropping `CAP_SYS_PTRACE`.");
    /// assert_eq!(claim.caps, ["CAP_SYS_PTRACE"]);
    /// assert_eq!(claim.kernels[0].to_string(), "4.8");
    /// ```
    pub fn parse(description: &str) -> Claim {
        let lower = description.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect();
        let caps = capability_names(description);
        let together = caps.len() > 1
            && (words.contains(&"together")
                || words.contains(&"both")
                || words.windows(2).any(|pair| pair == ["all", "of"]));
        let kernels = if lower.contains("kernel") || lower.contains("linux") {
            kernel_versions(description)
        } else {
            Vec::new()
        };
        Claim {
            caps,
            together,
            kernels,
        }
    }

    /// Describes the claim, for example `gated by CAP_SYS_ADMIN` or `blocked`.
    pub fn describe(&self) -> String {
        let mut text = if self.caps.is_empty() {
            "blocked".to_string()
        } else if self.together {
            format!("gated by {} together", self.caps.join(" and "))
        } else {
            format!("gated by {}", self.caps.join(" or "))
        };
        if !self.kernels.is_empty() {
            let list: Vec<String> = self.kernels.iter().map(|k| k.to_string()).collect();
            let _ = write!(text, " (mentions kernel {})", list.join(", "));
        }
        text
    }
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Finds `CAP_*` words, case-insensitively, and returns them upper-case in
/// order of first appearance.
fn capability_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let starts_word = i == 0 || !is_word_char(bytes[i - 1]);
        if starts_word && bytes[i..i + 4].eq_ignore_ascii_case(b"CAP_") {
            let end = (i..bytes.len())
                .find(|&j| !is_word_char(bytes[j]))
                .unwrap_or(bytes.len());
            let name = text[i..end].trim_end_matches('_').to_ascii_uppercase();
            if name.len() > 4 && !names.contains(&name) {
                names.push(name);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    names
}

/// Finds `X.Y` version numbers that stand alone (not part of a longer
/// number such as `1.2.3` or `0x1.2`).
fn kernel_versions(text: &str) -> Vec<KernelVersion> {
    let bytes = text.as_bytes();
    let mut versions = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0 || !(is_word_char(bytes[i - 1]) || bytes[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let end = (i..bytes.len())
            .find(|&j| !(bytes[j].is_ascii_digit() || bytes[j] == b'.'))
            .unwrap_or(bytes.len());
        let token = text[i..end].trim_end_matches('.');
        let parts: Vec<&str> = token.split('.').collect();
        let standalone = end == bytes.len() || !is_word_char(bytes[end]);
        if parts.len() == 2 && standalone {
            if let Some(version) = KernelVersion::parse_release(token) {
                if !versions.contains(&version) {
                    versions.push(version);
                }
            }
        }
        i = end;
    }
    versions
}

/// Splits a table line into its cells: GitHub Flavored Markdown rules,
/// with optional outer pipes and `\|` as an escaped pipe.
fn split_cells(line: &str) -> Vec<String> {
    let trimmed = line.trim();
    let inner = trimmed.strip_prefix('|').unwrap_or(trimmed);
    let inner = match inner.strip_suffix('|') {
        Some(rest) if !rest.ends_with('\\') => rest,
        _ => inner,
    };
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    cells.push(current);
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

fn is_delimiter_row(line: &str) -> bool {
    if !line.contains('-')
        || !line.contains('|')
            && !line.trim_start().starts_with(':')
            && !line.trim_start().starts_with('-')
    {
        return false;
    }
    split_cells(line).iter().all(|cell| {
        let core = cell.trim_start_matches(':').trim_end_matches(':');
        !core.is_empty() && core.bytes().all(|b| b == b'-')
    })
}

fn is_identifier(token: &str) -> bool {
    let mut bytes = token.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Returns the syscall names of a first cell: every identifier in
/// backticks, or, without backticks, the cell's words when all of them
/// are identifiers (separated by commas, slashes, spaces, "and" or "or").
fn syscall_names(cell: &str) -> Vec<String> {
    if cell.contains('`') {
        return cell
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::trim)
            .filter(|t| is_identifier(t))
            .map(str::to_string)
            .collect();
    }
    let plain: String = cell
        .chars()
        .filter(|c| !matches!(c, '*' | '[' | ']'))
        .collect();
    let plain = match plain.find("](") {
        Some(index) => plain[..index].to_string(),
        None => plain,
    };
    let tokens: Vec<&str> = plain
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|t| !t.is_empty() && *t != "and" && *t != "or")
        .collect();
    if tokens.is_empty() || !tokens.iter().all(|t| is_identifier(t)) {
        return Vec::new();
    }
    tokens.into_iter().map(str::to_string).collect()
}

/// Reads the body rows of every Markdown table in `markdown` whose first
/// cell names a syscall. Header rows, delimiter rows and rows whose first
/// cell is not a syscall name are skipped.
///
/// ```
/// use seccomp_kit::analysis::docs::parse_table;
///
/// let rows = parse_table("| Syscall | Description |\n|---|---|\n| `kexec_load` | Also gated by `CAP_SYS_BOOT`. |\n");
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].line, 3);
/// assert_eq!(rows[0].syscalls, ["kexec_load"]);
/// assert_eq!(rows[0].claim.caps, ["CAP_SYS_BOOT"]);
/// ```
pub fn parse_table(markdown: &str) -> Vec<DocRow> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut rows = Vec::new();
    let mut in_table = false;
    for (index, line) in lines.iter().enumerate() {
        if !line.contains('|') {
            in_table = false;
            continue;
        }
        if !in_table {
            // A table starts with a header row followed by a delimiter row.
            let next = lines.get(index + 1);
            in_table = next.is_some_and(|n| is_delimiter_row(n));
            continue;
        }
        if is_delimiter_row(line) {
            continue;
        }
        let cells = split_cells(line);
        let Some((first, rest)) = cells.split_first() else {
            continue;
        };
        let syscalls = syscall_names(first);
        if syscalls.is_empty() {
            continue;
        }
        let description = rest.join(" ").trim().to_string();
        rows.push(DocRow {
            line: index + 1,
            syscalls,
            claim: Claim::parse(&description),
            description,
        });
    }
    rows
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_found() {
        assert_eq!(
            capability_names(
                "Also gated by `CAP_SYS_ADMIN` for CLONE_* flags, except `CLONE_USERNS`."
            ),
            ["CAP_SYS_ADMIN"]
        );
        assert_eq!(
            capability_names("needs cap_sys_boot and CAP_BPF."),
            ["CAP_SYS_BOOT", "CAP_BPF"]
        );
        assert!(capability_names("ESCAPE_ROOM").is_empty());
    }

    #[test]
    fn kernel_versions_found() {
        let found = kernel_versions("Blocked before 4.8; see 1.2.3, 0x1.2 and Linux 5.10.");
        assert_eq!(found, [KernelVersion::new(4, 8), KernelVersion::new(5, 10)]);
    }

    #[test]
    fn split_cells_escaped_pipe() {
        assert_eq!(split_cells("| `a` | x \\| y |"), ["`a`", "x | y"]);
        assert_eq!(split_cells("kexec_load|\tDeny."), ["kexec_load", "Deny."]);
    }

    #[test]
    fn syscall_names_forms() {
        assert_eq!(
            syscall_names("`process_vm_readv`, `process_vm_writev`"),
            ["process_vm_readv", "process_vm_writev"]
        );
        assert_eq!(syscall_names("kexec_load"), ["kexec_load"]);
        assert!(syscall_names("Syscall name").is_empty());
    }

    #[test]
    fn parse_table_skips_header() {
        let text = "intro | not a table\n\nSyscall | Description\n--- | ---\nkexec_load | Deny.\n\n| a |\n| b |\n";
        let rows = parse_table(text);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 5);
    }
}
