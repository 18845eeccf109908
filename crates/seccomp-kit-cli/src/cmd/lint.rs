//! `seccomp-kit lint` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct LintArgs {}

pub fn run(_args: &LintArgs) -> Result<ExitCode, String> {
    Err("not implemented yet".to_string())
}
