//! `seccomp-kit diff OLD NEW`: the decisions that change between two
//! profiles, for CI. Exit code 0 when nothing changes, 1 when something does,
//! 2 for unreadable or invalid input.

use clap::{Args, ValueEnum};
use seccomp_kit::analysis::diff::{diff, DiffOptions};
use seccomp_kit::arch::Arch;
use seccomp_kit::policy::EnosysMode;
use seccomp_kit::profile::Profile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

/// Arguments of `seccomp-kit diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The old profile (Docker/moby JSON).
    pub old: PathBuf,
    /// The new profile (Docker/moby JSON).
    pub new: PathBuf,
    /// Host architectures to compare on, comma-separated or repeated
    /// (amd64, arm64, ppc64le, …). Default: every host with a syscall table.
    #[arg(long, value_delimiter = ',')]
    pub arch: Vec<String>,
    /// Leave out runc's ENOSYS rule (as crun and youki do).
    #[arg(long)]
    pub no_enosys: bool,
    /// text: one heading per place and the changes there; json: every change
    /// with where it applies.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
}

fn load(path: &Path) -> Result<Profile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let loaded = Profile::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for warning in &loaded.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(loaded.profile)
}

/// Runs `diff`; returns exit code 1 when a decision changes.
pub fn run(args: &DiffArgs) -> Result<ExitCode, String> {
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let mut options = DiffOptions::default();
    if !args.arch.is_empty() {
        options.hosts = args
            .arch
            .iter()
            .map(|name| name.parse::<Arch>().map_err(|e| format!("--arch: {e}")))
            .collect::<Result<_, _>>()?;
    }
    if args.no_enosys {
        options.enosys = EnosysMode::Off;
    }
    let result = diff(&old, &new, &options).map_err(|e| {
        format!(
            "{e} (old: {}, new: {})",
            args.old.display(),
            args.new.display()
        )
    })?;
    match args.format {
        DiffFormat::Text => crate::emit(&result.to_string()),
        DiffFormat::Json => crate::print_json(&result.to_json()),
    }
    Ok(if result.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
