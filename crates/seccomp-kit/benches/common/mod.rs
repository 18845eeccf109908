//! Helpers of the comparison benchmark; `kernel_cache` is also used by the
//! `kernel_cache` test.

pub mod executed;
pub mod kernel_cache;
pub mod libseccomp_filter;
pub mod wall_time;
