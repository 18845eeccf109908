//! Analyses built on the pipeline: [`explain`] shows why one syscall gets
//! its decision; [`matrix`] shows what each capability unlocks; [`diff`]
//! compares the decisions of two profiles; [`lint`] finds mistakes;
//! [`docs`] generates and checks documentation of a profile.

pub mod diff;
pub mod docs;
pub mod explain;
pub mod lint;
pub mod matrix;
pub mod summary;
