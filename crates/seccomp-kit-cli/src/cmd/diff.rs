//! `seccomp-kit diff` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DiffArgs {}

pub fn run(_args: &DiffArgs) -> Result<ExitCode, String> {
    Err("not implemented yet".to_string())
}
