//! Renders the matrix as plain text, Markdown, JSON or a self-contained
//! HTML page, and writes the row notes that the text, Markdown and HTML
//! output show.

use super::{Cell, CellClass, Column, Matrix, Row};
use crate::analysis::summary::Summary;
use crate::caps::CapSet;
use serde_json::{json, Value};
use std::fmt::Write;

impl Matrix {
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

    #[test]
    fn html_escape_quotes() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
