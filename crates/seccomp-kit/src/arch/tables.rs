//! Syscall tables: x86_64 and x86 from the `syscalls` crate, x32 our own.

use super::{Arch, X32_SYSCALL_BIT};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One ABI's syscall table, indexed both ways.
pub(crate) struct Table {
    by_name: HashMap<&'static str, u32>,
    by_number: Vec<(&'static str, u32)>,
}

impl Table {
    fn new(entries: impl IntoIterator<Item = (&'static str, u32)>) -> Table {
        let mut by_number: Vec<_> = entries.into_iter().collect();
        by_number.sort_by_key(|&(_, nr)| nr);
        let by_name = by_number.iter().copied().collect();
        Table { by_name, by_number }
    }

    pub(crate) fn number(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn name(&self, nr: u32) -> Option<&'static str> {
        let index = self.by_number.binary_search_by_key(&nr, |&(_, n)| n).ok()?;
        Some(self.by_number[index].0)
    }

    pub(crate) fn entries(&self) -> Vec<(&'static str, u32)> {
        self.by_number.clone()
    }
}

/// Syscalls newer than the `syscalls` crate's tables (0.8.1 ends at Linux
/// 6.18), with the same number on x86 and x86_64 (Linux 7.0).
const NEWER_THAN_CRATE: [(&str, u32); 2] = [("listns", 470), ("rseq_slice_yield", 471)];

/// Lists a `syscalls` crate table. `Sysno::iter()` (0.8.1) stops before the
/// last syscall, so this walks the numbers instead; raw identifiers such as
/// x86's `r#break` lose their prefix.
macro_rules! crate_table {
    ($sysno:ty) => {{
        let last = <$sysno>::last().id() as usize;
        let entries = (0..=last)
            .filter_map(<$sysno>::new)
            .map(|s| (s.name().trim_start_matches("r#"), s.id() as u32));
        Table::new(entries.chain(NEWER_THAN_CRATE))
    }};
}

pub(crate) fn table(arch: Arch) -> Option<&'static Table> {
    static X86_64: OnceLock<Table> = OnceLock::new();
    static X86: OnceLock<Table> = OnceLock::new();
    static X32: OnceLock<Table> = OnceLock::new();
    match arch {
        Arch::X86_64 => Some(X86_64.get_or_init(|| crate_table!(syscalls::x86_64::Sysno))),
        Arch::X86 => Some(X86.get_or_init(|| crate_table!(syscalls::x86::Sysno))),
        Arch::X32 => Some(X32.get_or_init(|| {
            Table::new(
                super::x32::SYSCALLS
                    .iter()
                    .map(|&(name, nr)| (name, nr | X32_SYSCALL_BIT)),
            )
        })),
        _ => None,
    }
}
