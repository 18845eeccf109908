//! Analyses built on the pipeline: [`explain`] tells why one syscall gets
//! its decision.

pub mod explain;
