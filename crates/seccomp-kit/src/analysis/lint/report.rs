//! Counts of a lint report's findings, and the report as text lines, JSON
//! or a SARIF 2.1.0 log.

use super::{check, Report, Severity, CHECKS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

impl Report {
    /// Returns whether any finding is a warning or an error.
    pub fn has_problems(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity >= Severity::Warning)
    }

    /// Returns the number of findings of each severity.
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.severity).or_insert(0) += 1;
        }
        counts
    }

    /// Returns one line per finding, `FILE:LINE: severity[ID] message (at
    /// PATH)`, then a count line.
    pub fn to_text(&self, file: &str) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let line = f
                .location
                .map_or_else(String::new, |l| format!(":{}", l.line));
            let name = check(f.id).name;
            let _ = writeln!(
                out,
                "{file}{line}: {}[{} {name}] {} (at {})",
                f.severity, f.id, f.message, f.path
            );
        }
        let counts = self.counts();
        let count = |s: Severity, noun: &str| {
            let n = counts.get(&s).copied().unwrap_or(0);
            format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
        };
        let _ = writeln!(
            out,
            "{file}: {}, {}, {}",
            count(Severity::Error, "error"),
            count(Severity::Warning, "warning"),
            count(Severity::Info, "info")
        );
        out
    }

    /// Returns the findings as JSON: `file`, `findings` (each with `id`,
    /// `name`, `severity`, `message`, `path`, `line`, `column`) and `counts`.
    pub fn to_json(&self, file: &str) -> Value {
        let counts = self.counts();
        json!({
            "file": file,
            "findings": self.findings.iter().map(|f| json!({
                "id": f.id,
                "name": check(f.id).name,
                "severity": f.severity.name(),
                "message": f.message,
                "path": f.path,
                "line": f.location.map(|l| l.line),
                "column": f.location.map(|l| l.column),
            })).collect::<Vec<_>>(),
            "counts": {
                "error": counts.get(&Severity::Error).copied().unwrap_or(0),
                "warning": counts.get(&Severity::Warning).copied().unwrap_or(0),
                "info": counts.get(&Severity::Info).copied().unwrap_or(0),
            },
        })
    }

    /// Returns a SARIF 2.1.0 log with the whole catalogue as
    /// `runs[0].tool.driver.rules` and one result per finding, located in
    /// `artifact_uri` at the finding's line.
    pub fn to_sarif(&self, artifact_uri: &str) -> Value {
        let rules: Vec<Value> = CHECKS
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "shortDescription": {"text": c.summary},
                    "defaultConfiguration": {"level": c.severity.sarif_level()},
                })
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let mut physical = json!({"artifactLocation": {"uri": artifact_uri}});
                if let Some(location) = f.location {
                    physical["region"] =
                        json!({"startLine": location.line, "startColumn": location.column});
                }
                json!({
                    "ruleId": f.id,
                    "ruleIndex": CHECKS.iter().position(|c| c.id == f.id),
                    "level": f.severity.sarif_level(),
                    "message": {"text": f.message},
                    "locations": [{
                        "physicalLocation": physical,
                        "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "member"}],
                    }],
                })
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "seccomp-kit",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        })
    }
}
