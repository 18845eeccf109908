//! Semantic diff of two profiles: the decisions that change between them.
//!
//! Both profiles are resolved and modelled in every evaluation context. A
//! context is a host architecture with a syscall table, a capability set and
//! a kernel. The capability sets are Docker's default, the default plus or
//! minus each capability either profile names in `includes`/`excludes`, and
//! all capabilities. The kernels are one from each range that the profiles'
//! `minKernel` values delimit. In each context every syscall of every ABI of
//! the filter is compared.
//! Argument-dependent decisions are compared on every class of argument
//! values that the conditions of either profile distinguish, so a change is
//! reported with the argument values it applies to.
//!
//! Identical changes are merged across contexts, and each merged change lists
//! where it applies ("every host, without CAP_SYS_ADMIN, all kernels").
//!
//! ```
//! use seccomp_kit::analysis::diff::{diff, DiffOptions};
//! use seccomp_kit::arch::Arch;
//! use seccomp_kit::profile::Profile;
//!
//! // futex_waitv, the highest number named, keeps runc's ENOSYS rule the
//! // same in both profiles.
//! let old = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
//!     {"names": ["getpid", "futex_waitv"], "action": "SCMP_ACT_ALLOW"},
//!     {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}}]}"#;
//! let new = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [
//!     {"names": ["getpid", "futex_waitv", "reboot"], "action": "SCMP_ACT_ALLOW"}]}"#;
//! let old = Profile::from_json(old).unwrap().profile;
//! let new = Profile::from_json(new).unwrap().profile;
//! let options = DiffOptions { hosts: vec![Arch::X86_64], ..DiffOptions::default() };
//! let result = diff(&old, &new, &options).unwrap();
//! assert_eq!(result.changes.len(), 1);
//! assert_eq!(result.changes[0].syscall(), Some("reboot"));
//! assert_eq!(result.cap_set_labels(&result.changes[0]), ["default"]);
//! assert_eq!(result.to_string(), "amd64, without CAP_SYS_BOOT, all kernels:\n  reboot: ERRNO(1) → ALLOW (now ALLOW with any capabilities)\n");
//! ```

mod arguments;
mod compare;
mod contexts;
mod report;

pub use compare::diff;
pub use contexts::{
    capability_sets, describe_cap_sets, describe_kernels, kernel_ranges, mentioned_capabilities,
    CapChange, CapabilitySet, KernelRange, MODERN_KERNEL,
};
pub use report::short;

use crate::arch::Arch;
use crate::policy::{Decision, EnosysMode};
use std::collections::BTreeMap;

/// Returns the host architectures a profile can be resolved for that have a
/// syscall table: every ABI a moby daemon can run as (all but x32).
pub fn host_arches() -> Vec<Arch> {
    Arch::ALL
        .into_iter()
        .filter(|a| a.moby_native().is_some() && a.has_syscall_table())
        .collect()
}

/// Settings of [`diff`].
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// Host architectures to resolve the profiles for.
    pub hosts: Vec<Arch>,
    /// Whether runc's ENOSYS rule is modelled.
    pub enosys: EnosysMode,
}

impl Default for DiffOptions {
    /// Returns options for every host with a syscall table, with runc's
    /// ENOSYS rule.
    fn default() -> DiffOptions {
        DiffOptions {
            hosts: host_arches(),
            enosys: EnosysMode::Runc,
        }
    }
}

/// One evaluation context of a change. `caps` and `kernel` index
/// [`Diff::cap_sets`] and [`Diff::kernels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Context {
    pub host: Arch,
    /// The ABI of the calling process, or `None` for changes of the whole
    /// filter.
    pub abi: Option<Arch>,
    pub caps: usize,
    pub kernel: usize,
}

/// What changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The profile enables or disables seccomp (empty `defaultAction` and no
    /// rules disable it).
    Seccomp {
        old_enabled: bool,
        new_enabled: bool,
    },
    /// The filter starts or stops covering an ABI. Syscalls of an ABI
    /// outside the filter get the bad-architecture action.
    AbiCoverage {
        abi: Arch,
        old_covered: bool,
        new_covered: bool,
        bad_arch: Decision,
    },
    /// The decision for a syscall changes, for the argument values that
    /// `arguments` describes (`None`: for every argument value).
    Decision {
        syscall: String,
        arguments: Option<String>,
        old: Decision,
        new: Decision,
    },
}

/// A set of contexts that is a product: these hosts (each with all of its
/// compared ABIs, or the listed ones), these capability sets and these kernel
/// ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub hosts: Vec<(Arch, Option<Vec<Arch>>)>,
    pub cap_sets: Vec<usize>,
    pub kernels: Vec<usize>,
}

/// One change and every context it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub contexts: Vec<Context>,
    /// `contexts` grouped into products, for short descriptions.
    pub places: Vec<Place>,
    /// Whether, in every context of the change, the new profile gives the
    /// syscall the same rules under every capability set evaluated.
    pub new_independent_of_caps: bool,
}

impl Change {
    /// Returns the syscall name of a decision change.
    pub fn syscall(&self) -> Option<&str> {
        match &self.kind {
            ChangeKind::Decision { syscall, .. } => Some(syscall),
            _ => None,
        }
    }
}

/// The result of [`diff`].
#[derive(Clone, Debug)]
pub struct Diff {
    pub hosts: Vec<Arch>,
    /// For each host, the ABIs both filters cover.
    pub host_abis: BTreeMap<Arch, Vec<Arch>>,
    pub cap_sets: Vec<CapabilitySet>,
    pub kernels: Vec<KernelRange>,
    /// Changes ordered by kind, then syscall name.
    pub changes: Vec<Change>,
}

/// A profile that cannot be evaluated in one of the contexts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error("the {side} profile cannot be evaluated on host {host} with capability set {caps} and {kernel}: {message}")]
    Evaluate {
        side: &'static str,
        host: Arch,
        caps: String,
        kernel: String,
        message: String,
    },
    #[error("{0} cannot be a host architecture because no daemon runs as it; use x86_64")]
    NoHost(Arch),
    #[error("there is no syscall table for {0}, so it cannot be compared; choose another --arch")]
    NoTable(Arch),
}
