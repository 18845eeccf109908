//! `seccomp-kit lint FILE`: checks a profile for mistakes. Exit code 1 when
//! a finding is a warning or an error, 0 otherwise, 2 for unreadable or
//! invalid input.

use clap::{Args, ValueEnum};
use seccomp_kit::analysis::lint::{lint_text, CHECKS};
use std::path::PathBuf;
use std::process::ExitCode;

/// Output formats of `lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Arguments of `seccomp-kit lint`.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// The profile to check (Docker/moby JSON). Not needed with --list-checks.
    #[arg(required_unless_present = "list_checks")]
    pub file: Option<PathBuf>,
    /// text: one line per finding; json: findings with path and line;
    /// sarif: a SARIF 2.1.0 log.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// Print the catalogue of checks (id, severity, name, explanation) and exit.
    #[arg(long)]
    pub list_checks: bool,
}

/// Runs `lint`; returns exit code 1 when a finding is a warning or an error.
pub fn run(args: &LintArgs) -> Result<ExitCode, String> {
    if args.list_checks {
        let mut text = String::new();
        for check in CHECKS {
            text.push_str(&format!(
                "{} {:<7} {}: {}\n",
                check.id, check.severity, check.name, check.summary
            ));
        }
        crate::emit(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = &args.file else {
        return Err("missing FILE: name the profile to check".to_string());
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let report = lint_text(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let name = file.display().to_string();
    match args.format {
        LintFormat::Text => crate::emit(&report.to_text(&name)),
        LintFormat::Json => crate::print_json(&report.to_json(&name)),
        LintFormat::Sarif => crate::print_json(&report.to_sarif(&name)),
    }
    Ok(if report.has_problems() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
