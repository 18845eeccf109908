//! The report of a diff: the places that group a change's contexts, and
//! the text and JSON output.

use super::{
    describe_cap_sets, describe_kernels, CapChange, Change, ChangeKind, Context, Diff, Place,
};
use crate::arch::Arch;
use crate::policy::Decision;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

/// (capability set, kernel range) index pairs.
type Pairs = BTreeSet<(usize, usize)>;

/// A host with all its compared ABIs (`None`) or the listed ones.
type HostAbis = (Arch, Option<Vec<Arch>>);

/// A line of the text report and the key that merges lines differing only in
/// the syscall name.
type Line = (String, Option<String>);

impl Diff {
    /// Returns whether no decision changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Returns the labels of the capability sets under which `change`
    /// applies in at least one context, in [`Diff::cap_sets`] order.
    pub fn cap_set_labels(&self, change: &Change) -> Vec<&str> {
        let used: BTreeSet<usize> = change.contexts.iter().map(|c| c.caps).collect();
        used.into_iter()
            .map(|i| self.cap_sets[i].label.as_str())
            .collect()
    }

    /// Groups contexts into products of hosts (with ABIs), capability sets
    /// and kernel ranges.
    pub(super) fn places(&self, contexts: &[Context]) -> Vec<Place> {
        let mut by_host: BTreeMap<Arch, BTreeMap<Option<Arch>, Pairs>> = BTreeMap::new();
        for c in contexts {
            by_host
                .entry(c.host)
                .or_default()
                .entry(c.abi)
                .or_default()
                .insert((c.caps, c.kernel));
        }
        // (cap sets, kernels) -> hosts with their ABIs, in host order.
        let mut groups: Vec<(Vec<usize>, Vec<usize>, Vec<HostAbis>)> = Vec::new();
        for &host in &self.hosts {
            let Some(abis) = by_host.get(&host) else {
                continue;
            };
            let mut abi_groups: Vec<(Pairs, Vec<Option<Arch>>)> = Vec::new();
            for (abi, pairs) in abis {
                match abi_groups.iter_mut().find(|(p, _)| p == pairs) {
                    Some((_, list)) => list.push(*abi),
                    None => abi_groups.push((pairs.clone(), vec![*abi])),
                }
            }
            for (pairs, abis) in abi_groups {
                let listed: Vec<Arch> = abis.iter().flatten().copied().collect();
                let all_abis = self.host_abis.get(&host).is_some_and(|a| *a == listed);
                let abis = (!listed.is_empty() && !all_abis).then_some(listed);
                for (caps, kernels) in products(&pairs) {
                    match groups
                        .iter_mut()
                        .find(|(c, k, _)| *c == caps && *k == kernels)
                    {
                        Some((_, _, hosts)) => hosts.push((host, abis.clone())),
                        None => groups.push((caps, kernels, vec![(host, abis.clone())])),
                    }
                }
            }
        }
        groups
            .into_iter()
            .map(|(cap_sets, kernels, hosts)| Place {
                hosts,
                cap_sets,
                kernels,
            })
            .collect()
    }

    /// Returns the text of a place: "every host, without CAP_SYS_ADMIN, all kernels".
    pub fn describe_place(&self, place: &Place) -> String {
        let hosts = self.describe_hosts(&place.hosts);
        let caps = describe_cap_sets(&self.cap_sets, &place.cap_sets);
        let kernels = describe_kernels(&self.kernels, &place.kernels);
        format!("{hosts}, {caps}, {kernels}")
    }

    /// Describes hosts, each with all its compared ABIs or the listed ones:
    /// "amd64 (x86 ABI), arm", or "every host except arm (amd64: x86_64 ABI)"
    /// when most hosts are covered.
    fn describe_hosts(&self, hosts: &[(Arch, Option<Vec<Arch>>)]) -> String {
        let host_name = |host: Arch| host.moby_native().unwrap_or(host.name());
        let abi_names = |abis: &[Arch]| {
            let names: Vec<&str> = abis.iter().map(|a| a.name()).collect();
            format!("{} ABI", names.join(", "))
        };
        let missing: Vec<&str> = self
            .hosts
            .iter()
            .filter(|h| !hosts.iter().any(|(p, _)| p == *h))
            .map(|h| host_name(*h))
            .collect();
        let partial: Vec<String> = hosts
            .iter()
            .filter_map(|(h, abis)| {
                abis.as_ref()
                    .map(|a| format!("{}: {}", host_name(*h), abi_names(a)))
            })
            .collect();
        let full = hosts.len() - partial.len();
        // "every host" only when every host with a table was compared.
        let every = if self.hosts.len() == super::host_arches().len() {
            "every host"
        } else {
            "every compared host"
        };
        // Every host, each with the same ABIs: "every host (x86 ABI)".
        if let [(_, Some(first)), ..] = hosts {
            let same = hosts.iter().all(|(_, abis)| abis.as_ref() == Some(first));
            if same && missing.is_empty() && self.hosts.len() > 1 {
                return format!("{every} ({})", abi_names(first));
            }
        }
        if self.hosts.len() > 1 && full > missing.len() + partial.len() {
            let mut text = every.to_string();
            if !missing.is_empty() {
                let _ = write!(text, " except {}", missing.join(", "));
            }
            if !partial.is_empty() {
                let _ = write!(text, " (only {})", partial.join("; "));
            }
            return text;
        }
        hosts
            .iter()
            .map(|(host, abis)| match abis {
                None => host_name(*host).to_string(),
                Some(abis) => format!("{} ({})", host_name(*host), abi_names(abis)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Returns the report as JSON: `changed`, the evaluated `hosts`,
    /// `capability_sets` and `kernels`, and `changes`, each with `kind`,
    /// `syscall`, `arguments`, `old`, `new` and `where` (places with text).
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self.changes.iter().map(|c| self.change_json(c)).collect();
        json!({
            "changed": !self.is_empty(),
            "hosts": self.hosts.iter().map(|h| json!({
                "host": h.moby_native(),
                "abis": self.host_abis.get(h).map(|a| a.iter().map(|x| x.name()).collect::<Vec<_>>()),
            })).collect::<Vec<_>>(),
            "capability_sets": self.cap_sets.iter().map(|s| match &s.change {
                CapChange::Base => json!({"label": s.label, "caps": s.caps.iter().collect::<Vec<_>>()}),
                CapChange::Add(cap) => json!({"label": s.label, "add": cap}),
                CapChange::Drop(cap) => json!({"label": s.label, "drop": cap}),
                CapChange::All => json!({"label": s.label, "all": true}),
            }).collect::<Vec<_>>(),
            "kernels": self.kernels.iter().map(|k| json!({
                "label": k.label(),
                "from": k.from.map(|v| v.to_string()),
                "below": k.below.map(|v| v.to_string()),
                "evaluated_with": k.representative.to_string(),
            })).collect::<Vec<_>>(),
            "changes": changes,
        })
    }

    fn change_json(&self, change: &Change) -> Value {
        let places: Vec<Value> = change
            .places
            .iter()
            .map(|p| {
                json!({
                    "text": self.describe_place(p),
                    "hosts": p.hosts.iter().map(|(h, abis)| json!({
                        "host": h.moby_native(),
                        "abis": abis.as_ref().map(|a| a.iter().map(|x| x.name()).collect::<Vec<_>>()),
                    })).collect::<Vec<_>>(),
                    "capability_sets": p.cap_sets.iter().map(|&i| &self.cap_sets[i].label).collect::<Vec<_>>(),
                    "kernels": p.kernels.iter().map(|&i| self.kernels[i].label()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut value = match &change.kind {
            ChangeKind::Seccomp {
                old_enabled,
                new_enabled,
            } => {
                json!({"kind": "seccomp", "old": {"enabled": old_enabled}, "new": {"enabled": new_enabled}})
            }
            ChangeKind::AbiCoverage {
                abi,
                old_covered,
                new_covered,
                bad_arch,
            } => json!({
                "kind": "abi",
                "abi": abi.name(),
                "old": {"covered": old_covered},
                "new": {"covered": new_covered},
                "bad_arch_action": bad_arch.action.name(),
            }),
            ChangeKind::Decision {
                syscall,
                arguments,
                old,
                new,
            } => json!({
                "kind": "decision",
                "syscall": syscall,
                "arguments": arguments,
                "old": decision_json(*old),
                "new": decision_json(*new),
                "new_independent_of_caps": change.new_independent_of_caps,
            }),
        };
        value["where"] = json!(places);
        value
    }

    /// Returns the text of one change (without its places).
    fn change_text(&self, change: &Change) -> String {
        match &change.kind {
            ChangeKind::Seccomp {
                old_enabled,
                new_enabled,
            } => {
                let state = |on: bool| {
                    if on {
                        "enabled"
                    } else {
                        "disabled (no filter)"
                    }
                };
                format!("seccomp: {} → {}", state(*old_enabled), state(*new_enabled))
            }
            ChangeKind::AbiCoverage {
                abi,
                old_covered,
                bad_arch,
                ..
            } => {
                let outside = format!("outside the filter (every syscall {})", short(*bad_arch));
                let (a, b) = if *old_covered {
                    ("in the filter".to_string(), outside)
                } else {
                    (outside, "in the filter".to_string())
                };
                format!("{} ABI: {a} → {b}", abi.name())
            }
            ChangeKind::Decision {
                syscall,
                arguments,
                old,
                new,
            } => {
                let mut text = syscall.clone();
                if let Some(arguments) = arguments {
                    let _ = write!(text, " when {arguments}");
                }
                let _ = write!(text, ": {} → {}", short(*old), short(*new));
                text.push_str(&self.independence_note(change));
                text
            }
        }
    }

    fn independence_note(&self, change: &Change) -> String {
        let ChangeKind::Decision { new, arguments, .. } = &change.kind else {
            return String::new();
        };
        let used: BTreeSet<usize> = change.contexts.iter().map(|c| c.caps).collect();
        if !change.new_independent_of_caps || used.len() == self.cap_sets.len() {
            return String::new();
        }
        match arguments {
            None => format!(" (now {} with any capabilities)", short(*new)),
            Some(_) => " (now the same with any capabilities)".to_string(),
        }
    }
}

fn decision_json(decision: Decision) -> Value {
    json!({
        "action": decision.action.name(),
        "errno": decision.action.takes_errno().then_some(decision.data),
        "text": short(decision),
    })
}

/// Returns a decision without the `SCMP_ACT_` prefix: `ERRNO(1)`, `ALLOW`.
pub fn short(decision: Decision) -> String {
    let text = decision.to_string();
    text.strip_prefix("SCMP_ACT_").unwrap_or(&text).to_string()
}

/// Splits a set of (cap set, kernel) pairs into products.
fn products(pairs: &BTreeSet<(usize, usize)>) -> Vec<(Vec<usize>, Vec<usize>)> {
    let caps: BTreeSet<usize> = pairs.iter().map(|p| p.0).collect();
    let kernels: BTreeSet<usize> = pairs.iter().map(|p| p.1).collect();
    if caps.len() * kernels.len() == pairs.len() {
        return vec![(caps.into_iter().collect(), kernels.into_iter().collect())];
    }
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for kernel in kernels {
        let caps: Vec<usize> = pairs
            .iter()
            .filter(|p| p.1 == kernel)
            .map(|p| p.0)
            .collect();
        match out.iter_mut().find(|(c, _)| *c == caps) {
            Some((_, ks)) => ks.push(kernel),
            None => out.push((caps, vec![kernel])),
        }
    }
    out
}

impl fmt::Display for Diff {
    /// Writes one heading per place and the changes that apply there, with
    /// unconditional changes of equal decisions merged into one line. A diff
    /// without changes writes nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // heading -> lines, in order of first appearance.
        let mut sections: Vec<(String, Vec<Line>)> = Vec::new();
        for change in &self.changes {
            let text = self.change_text(change);
            // Lines that differ only in the syscall name are merged.
            let merge_key = match &change.kind {
                ChangeKind::Decision {
                    syscall,
                    arguments: None,
                    ..
                } => text.strip_prefix(syscall.as_str()).map(str::to_string),
                _ => None,
            };
            for place in &change.places {
                let heading = self.describe_place(place);
                let position = match sections.iter().position(|(h, _)| *h == heading) {
                    Some(p) => p,
                    None => {
                        sections.push((heading, Vec::new()));
                        sections.len() - 1
                    }
                };
                let lines = &mut sections[position].1;
                let existing = merge_key
                    .as_ref()
                    .and_then(|key| lines.iter_mut().find(|(_, k)| k.as_ref() == Some(key)));
                match (existing, change.syscall()) {
                    (Some((line, Some(key))), Some(name)) => {
                        let names = line.strip_suffix(key.as_str()).unwrap_or(line).to_string();
                        *line = format!("{names}, {name}{key}");
                    }
                    _ => lines.push((text.clone(), merge_key.clone())),
                }
            }
        }
        for (heading, lines) in sections {
            writeln!(f, "{heading}:")?;
            for (line, _) in lines {
                writeln!(f, "  {line}")?;
            }
        }
        Ok(())
    }
}
