//! `seccomp-kit matrix` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct MatrixArgs {}

pub fn run(_args: &MatrixArgs) -> Result<ExitCode, String> {
    Err("not implemented yet".to_string())
}
