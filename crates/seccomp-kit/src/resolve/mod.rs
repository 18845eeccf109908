//! Resolution: a profile, the container's capabilities, the host architecture
//! and the host kernel give the OCI `linux.seccomp` section, exactly as moby's
//! `setupSeccomp` computes it (moby/profiles `seccomp/seccomp_linux.go`).
//!
//! ```
//! use seccomp_kit::{arch::Arch, caps::CapSet, profile::{KernelVersion, default_profile}};
//! use seccomp_kit::resolve::{resolve, Target};
//!
//! let target = Target::new(Arch::X86_64, CapSet::docker_default(), KernelVersion::new(6, 8));
//! let resolved = resolve(&default_profile(), &target).unwrap().unwrap();
//! assert!(resolved.rules.iter().any(|r| r.names.iter().any(|n| n == "name_to_handle_at")));
//! ```

mod oci;

use crate::arch::Arch;
use crate::caps::CapSet;
use crate::profile::{Action, ArgCondition, FilterFlag, KernelVersion, Location, Profile, Rule};
use std::fmt;

/// The target a profile is resolved for: host, capabilities and kernel.
#[derive(Clone, Debug)]
pub struct Target {
    /// The architecture of the daemon (moby's "native" arch): it selects the
    /// archMap entry and is matched against `includes.arches`.
    pub host_arch: Arch,
    /// The container's capability bounding set.
    pub caps: CapSet,
    /// The host kernel, compared with `minKernel`.
    pub kernel: KernelVersion,
}

impl Target {
    pub fn new(host_arch: Arch, caps: CapSet, kernel: KernelVersion) -> Target {
        Target {
            host_arch,
            caps,
            kernel,
        }
    }
}

/// One rule of the resolved section, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRule {
    pub names: Vec<String>,
    pub action: Action,
    pub errno_ret: Option<u32>,
    pub args: Vec<ArgCondition>,
    /// Index of the rule in the profile's `syscalls`.
    pub source_index: usize,
    pub location: Location,
}

/// The reason resolution left a rule out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// `excludes.arches` names the host.
    ExcludedArch(String),
    /// The bounding set has a capability from `excludes.caps`.
    ExcludedCap(String),
    /// The kernel is at least `excludes.minKernel`.
    ExcludedKernel(KernelVersion),
    /// `includes.arches` does not name the host.
    NotIncludedArch(Vec<String>),
    /// The bounding set lacks a capability from `includes.caps`.
    MissingCap(String),
    /// The kernel is older than `includes.minKernel`.
    KernelTooOld(KernelVersion),
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::ExcludedArch(a) => write!(f, "excluded on architecture {a}"),
            DropReason::ExcludedCap(c) => write!(f, "excluded because the container has {c}"),
            DropReason::ExcludedKernel(k) => write!(f, "excluded on kernel {k} or newer"),
            DropReason::NotIncludedArch(a) => write!(f, "only for architectures {}", a.join(", ")),
            DropReason::MissingCap(c) => write!(f, "needs {c}"),
            DropReason::KernelTooOld(k) => write!(f, "needs kernel {k} or newer"),
        }
    }
}

/// A profile rule that resolution left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedRule {
    pub source_index: usize,
    pub reason: DropReason,
}

/// The resolved `linux.seccomp` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub default_action: Action,
    pub default_errno_ret: Option<u32>,
    pub architectures: Vec<Arch>,
    pub flags: Option<Vec<FilterFlag>>,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
    pub rules: Vec<ResolvedRule>,
    pub dropped: Vec<DroppedRule>,
}

/// A profile moby would refuse to resolve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("both 'architectures' and 'archMap' are set; keep only one of them")]
    ArchitecturesAndArchMap,
    #[error("syscalls[{index}] ({location}): both 'name' and 'names' are set; move the name into \"names\"")]
    NameAndNames { index: usize, location: Location },
    #[error("$.defaultAction is missing or empty, but the profile has {rules} rules; set \"defaultAction\" (runc rejects an empty action, and without rules moby would turn seccomp off)")]
    MissingDefaultAction { rules: usize },
    #[error("architecture {0} cannot be a host architecture (no daemon runs as it); use x86_64")]
    NoHostArch(Arch),
}

/// Resolves `profile` for `target`. Returns `Ok(None)` when the profile
/// disables seccomp (empty `defaultAction` and no rules), as moby does.
pub fn resolve(profile: &Profile, target: &Target) -> Result<Option<Resolved>, ResolveError> {
    let native = target
        .host_arch
        .moby_native()
        .ok_or(ResolveError::NoHostArch(target.host_arch))?;
    let Some(default_action) = profile.default_action else {
        if profile.syscalls.is_empty() {
            return Ok(None);
        }
        return Err(ResolveError::MissingDefaultAction {
            rules: profile.syscalls.len(),
        });
    };
    if !profile.architectures.is_empty() && !profile.arch_map.is_empty() {
        return Err(ResolveError::ArchitecturesAndArchMap);
    }

    let mut architectures = profile.architectures.clone();
    if target.host_arch.moby_maps_native() {
        if let Some(entry) = profile
            .arch_map
            .iter()
            .find(|e| e.architecture == target.host_arch)
        {
            architectures.push(entry.architecture);
            architectures.extend(&entry.sub_architectures);
        }
    }

    let mut rules = Vec::new();
    let mut dropped = Vec::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        if rule.name.is_some() && !rule.names.is_empty() {
            return Err(ResolveError::NameAndNames {
                index,
                location: rule.location,
            });
        }
        match drop_reason(rule, native, target) {
            Some(reason) => dropped.push(DroppedRule {
                source_index: index,
                reason,
            }),
            None => rules.push(ResolvedRule {
                names: rule.effective_names(),
                action: rule.action,
                errno_ret: rule.errno_ret,
                args: rule.args.clone(),
                source_index: index,
                location: rule.location,
            }),
        }
    }

    Ok(Some(Resolved {
        default_action,
        default_errno_ret: profile.default_errno_ret,
        architectures,
        flags: profile.flags.clone(),
        listener_path: profile.listener_path.clone(),
        listener_metadata: profile.listener_metadata.clone(),
        rules,
        dropped,
    }))
}

/// moby's keep test, evaluated in moby's order (excludes, then includes).
pub fn drop_reason(rule: &Rule, native: &str, target: &Target) -> Option<DropReason> {
    let excludes = &rule.excludes;
    if excludes.arches.iter().any(|a| a == native) {
        return Some(DropReason::ExcludedArch(native.to_string()));
    }
    if let Some(cap) = excludes.caps.iter().find(|c| target.caps.contains(c)) {
        return Some(DropReason::ExcludedCap(cap.clone()));
    }
    if let Some(min) = excludes.min_kernel {
        if target.kernel >= min {
            return Some(DropReason::ExcludedKernel(min));
        }
    }
    let includes = &rule.includes;
    if !includes.arches.is_empty() && !includes.arches.iter().any(|a| a == native) {
        return Some(DropReason::NotIncludedArch(includes.arches.clone()));
    }
    if let Some(cap) = includes.caps.iter().find(|c| !target.caps.contains(c)) {
        return Some(DropReason::MissingCap(cap.clone()));
    }
    if let Some(min) = includes.min_kernel {
        if target.kernel < min {
            return Some(DropReason::KernelTooOld(min));
        }
    }
    None
}
