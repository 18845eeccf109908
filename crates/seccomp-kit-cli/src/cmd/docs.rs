//! `seccomp-kit docs` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DocsArgs {}

pub fn run(_args: &DocsArgs) -> Result<ExitCode, String> {
    Err("not implemented yet".to_string())
}
