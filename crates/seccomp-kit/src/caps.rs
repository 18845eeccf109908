//! Capability sets as moby computes them for a container.
//!
//! Names are normalised the way moby's `NormalizeLegacyCapabilities` does:
//! upper-case, `CAP_` prefixed, unknown names rejected. `ALL` stands for
//! every capability the `caps` crate knows (CAP_CHOWN … CAP_CHECKPOINT_RESTORE).
//!
//! ```
//! use seccomp_kit::caps::CapSet;
//!
//! let caps = CapSet::docker_default().with_changes(&["sys_admin".into()], &["CAP_CHOWN".into()]).unwrap();
//! assert!(caps.contains("CAP_SYS_ADMIN"));
//! assert!(!caps.contains("CAP_CHOWN"));
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Docker's default capability set (moby `daemon/pkg/oci/caps/defaults.go`).
pub const DOCKER_DEFAULT: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// A capability name that is not a Linux capability.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability {name:?}; use a Linux capability name such as SYS_ADMIN, CAP_SYS_ADMIN or sys_admin, or ALL")]
pub struct UnknownCapability {
    pub name: String,
}

/// Returns every capability name, ordered by capability number.
pub fn all_names() -> Vec<String> {
    let mut all: Vec<caps::Capability> = caps::all().into_iter().collect();
    all.sort_by_key(|c| c.index());
    all.iter().map(|c| c.to_string()).collect()
}

/// Normalises one capability name: `sys_admin`, `SYS_ADMIN` and
/// `CAP_SYS_ADMIN` all become `CAP_SYS_ADMIN`.
pub fn normalize(name: &str) -> Result<String, UnknownCapability> {
    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    caps::Capability::from_str(&full)
        .map(|c| c.to_string())
        .map_err(|_| UnknownCapability {
            name: name.to_string(),
        })
}

/// A container's capability bounding set, by normalised name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapSet(BTreeSet<String>);

impl CapSet {
    /// Docker's 14 default capabilities.
    pub fn docker_default() -> CapSet {
        CapSet(DOCKER_DEFAULT.iter().map(|c| c.to_string()).collect())
    }

    /// Every capability.
    pub fn all() -> CapSet {
        CapSet(all_names().into_iter().collect())
    }

    /// An exact set from a list of names; `ALL` adds every capability.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<CapSet, UnknownCapability> {
        let mut set = BTreeSet::new();
        for name in names {
            let name = name.as_ref().trim();
            if name.is_empty() {
                continue;
            }
            if name.eq_ignore_ascii_case("ALL") {
                set.extend(all_names());
            } else {
                set.insert(normalize(name)?);
            }
        }
        Ok(CapSet(set))
    }

    /// Applies `--cap-add`/`--cap-drop` as moby's `TweakCapabilities` does:
    /// `ALL` in adds gives every capability minus the drops, `ALL` in drops
    /// keeps only the adds, otherwise `self − drops + adds`.
    pub fn with_changes(
        &self,
        adds: &[String],
        drops: &[String],
    ) -> Result<CapSet, UnknownCapability> {
        let is_all = |list: &[String]| list.iter().any(|c| c.trim().eq_ignore_ascii_case("ALL"));
        let named = |list: &[String]| -> Result<BTreeSet<String>, UnknownCapability> {
            list.iter()
                .filter(|c| !c.trim().eq_ignore_ascii_case("ALL"))
                .map(|c| normalize(c))
                .collect()
        };
        let (adds_all, drops_all) = (is_all(adds), is_all(drops));
        let (adds, drops) = (named(adds)?, named(drops)?);
        let set = if adds_all {
            CapSet::all().0.difference(&drops).cloned().collect()
        } else if drops_all {
            adds
        } else {
            self.0.difference(&drops).cloned().chain(adds).collect()
        };
        Ok(CapSet(set))
    }

    /// Whether the set holds `name`, compared verbatim (moby compares profile
    /// cap names exactly, so `SYS_ADMIN` without `CAP_` never matches).
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns the capability numbers of the set, for `capset(2)`.
    pub fn indices(&self) -> Vec<u8> {
        self.0
            .iter()
            .filter_map(|n| caps::Capability::from_str(n).ok())
            .map(|c| c.index())
            .collect()
    }
}

impl fmt::Display for CapSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().collect();
        f.write_str(&names.join(","))
    }
}
