//! Subcommands that live in their own files.

pub mod diff;
pub mod docs;
pub mod lint;
pub mod matrix;
