//! `seccomp-kit matrix`: which syscalls each capability unlocks on one host
//! architecture, as text, Markdown, JSON or a self-contained HTML page.

use crate::options::{Common, Loaded};
use clap::{Args, ValueEnum};
use seccomp_kit::analysis::matrix::{Matrix, MatrixOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Output formats of `seccomp-kit matrix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// A plain-text report.
    Text,
    /// Markdown tables.
    Markdown,
    /// The matrix as one JSON object.
    Json,
    /// A self-contained HTML page with a search box.
    Html,
}

#[derive(Args, Debug)]
pub struct MatrixArgs {
    /// --profile, --kernel and the base capability set (--caps, --cap-add,
    /// --cap-drop) as for `explain`. The matrix covers every ABI of the
    /// host given by --host-arch, or by --arch when --host-arch is absent.
    #[command(flatten)]
    pub common: Common,
    /// Output format. html is one self-contained page with a search box.
    #[arg(long, value_enum, default_value = "text")]
    pub format: MatrixFormat,
    /// Show every syscall, not only those that are denied or
    /// argument-dependent with the base capabilities or that a capability,
    /// kernel version or architecture changes.
    #[arg(long)]
    pub all: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Builds the matrix options from the loaded common options.
pub fn matrix_options(loaded: &Loaded) -> MatrixOptions {
    MatrixOptions {
        host_arch: loaded.target.host_arch,
        kernel: loaded.target.kernel,
        base_caps: loaded.target.caps.clone(),
        enosys: loaded.policy_options.enosys,
        profile_name: loaded.source.clone(),
    }
}

/// Writes `text` to `output`, or to standard output when there is none.
pub fn write_output(output: Option<&PathBuf>, text: &str) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            format!(
                "cannot write {}: {e}; check that the directory exists and is writable",
                path.display()
            )
        }),
        None => {
            crate::emit(text);
            Ok(())
        }
    }
}

/// Runs `seccomp-kit matrix`.
pub fn run(args: &MatrixArgs) -> Result<ExitCode, String> {
    let loaded = args.common.load()?;
    let options = matrix_options(&loaded);
    let mut matrix =
        Matrix::build(&loaded.profile, &options).map_err(|e| format!("{}: {e}", loaded.source))?;
    if !args.all {
        matrix.retain_notable();
    }
    let text = match args.format {
        MatrixFormat::Text => matrix.to_text(),
        MatrixFormat::Markdown => matrix.to_markdown(),
        MatrixFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&matrix.to_json()).map_err(|e| e.to_string())?;
            text.push('\n');
            text
        }
        MatrixFormat::Html => matrix.to_html(),
    };
    write_output(args.output.as_ref(), &text)?;
    if let Some(path) = &args.output {
        eprintln!(
            "wrote the matrix of {} ({} rows) to {}",
            loaded.source,
            matrix.rows.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
