//! `seccomp-kit docs`: generate the Markdown documentation of what a
//! profile blocks, or check an existing Markdown table against the profile.

use crate::cmd::matrix::{matrix_options, write_output};
use crate::options::Common;
use clap::{Args, ValueEnum};
use seccomp_kit::analysis::docs::{check_rows, generate, parse_table};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when `--check` finds disagreements.
const EXIT_DISAGREEMENTS: u8 = 1;

/// Output formats of `seccomp-kit docs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocsFormat {
    /// The documentation as Markdown; with --check, one line per
    /// disagreement.
    Markdown,
    /// The documentation, or with --check the disagreements, as JSON.
    Json,
}

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// --profile, --kernel and the base capability set (--caps, --cap-add,
    /// --cap-drop) as for `explain`. The documentation covers every ABI of
    /// the host given by --host-arch, or by --arch when --host-arch is
    /// absent.
    #[command(flatten)]
    pub common: Common,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: DocsFormat,
    /// Compare the Markdown tables of FILE with the profile instead of
    /// generating documentation. Exits with 1 when a row disagrees.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Write the generated documentation to this file instead of standard
    /// output.
    #[arg(long, short, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
}

/// Runs `seccomp-kit docs`: generates the documentation, or with
/// `--check` compares a Markdown file with the profile.
pub fn run(args: &DocsArgs) -> Result<ExitCode, String> {
    let loaded = args.common.load()?;
    let options = matrix_options(&loaded);
    let Some(file) = &args.check else {
        let document =
            generate(&loaded.profile, &options).map_err(|e| format!("{}: {e}", loaded.source))?;
        let text = match args.format {
            DocsFormat::Markdown => document.to_markdown(),
            DocsFormat::Json => json_text(&document.to_json())?,
        };
        write_output(args.output.as_ref(), &text)?;
        return Ok(ExitCode::SUCCESS);
    };

    let markdown = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let rows = parse_table(&markdown);
    if rows.is_empty() {
        return Err(format!(
            "{} has no Markdown table row that names a syscall; --check expects a table with a header row, a delimiter row and rows such as \"| `mount` | Gated by `CAP_SYS_ADMIN`. |\"",
            file.display()
        ));
    }
    let found = check_rows(&loaded.profile, &rows, &options)
        .map_err(|e| format!("{}: {e}", loaded.source))?;
    let context = format!(
        "{} on {} hosts, kernel {}",
        loaded.source, options.host_arch, options.kernel
    );
    match args.format {
        DocsFormat::Json => {
            let value = serde_json::json!({
                "file": file.display().to_string(),
                "profile": loaded.source,
                "host_arch": options.host_arch.name(),
                "kernel": options.kernel.to_string(),
                "rows_checked": rows.len(),
                "disagreements": found.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
            });
            crate::emit(&json_text(&value)?);
        }
        DocsFormat::Markdown => {
            let mut text = String::new();
            for disagreement in &found {
                text.push_str(&format!(
                    "{}:{}: {}\n",
                    file.display(),
                    disagreement.line,
                    disagreement.message()
                ));
            }
            if found.is_empty() {
                text.push_str(&format!(
                    "{}: all {} rows agree with {context}\n",
                    file.display(),
                    rows.len()
                ));
            } else {
                text.push_str(&format!(
                    "{}: {} disagreement{} in {} rows, compared with {context}\n",
                    file.display(),
                    found.len(),
                    if found.len() == 1 { "" } else { "s" },
                    rows.len()
                ));
            }
            crate::emit(&text);
        }
    }
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_DISAGREEMENTS)
    })
}

fn json_text(value: &serde_json::Value) -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}
