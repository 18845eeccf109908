//! seccomp-kit: read, resolve, compile, check and apply container seccomp
//! profiles.
//!
//! The pipeline has one module per stage, each usable alone:
//!
//! 1. [`profile`]: the Docker/moby JSON format and our default profile;
//! 2. [`resolve`]: profile + capabilities + architecture + kernel → the OCI
//!    `linux.seccomp` section, exactly as moby computes it;
//! 3. [`policy`]: the per-architecture decision model of runc + libseccomp,
//!    the source of truth every compiled filter is checked against;
//! 4. [`bpf`]: classic BPF instructions, the compiler, an emulator and a
//!    disassembler;
//! 5. [`apply`]: capabilities, no_new_privs, filter installation and exec;
//! 6. [`analysis`]: explanations of single decisions.

pub mod analysis;
pub mod apply;
pub mod arch;
pub mod bpf;
pub mod caps;
pub mod policy;
pub mod profile;
pub mod resolve;
