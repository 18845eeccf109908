//! Reads Markdown tables in Docker's documentation style: the rows, their
//! syscall names and the claims of their descriptions.

use crate::profile::KernelVersion;
use std::fmt::Write;

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
