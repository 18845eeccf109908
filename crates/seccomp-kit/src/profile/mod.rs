//! The Docker/moby seccomp profile format: types, a position-aware JSON reader
//! and a writer that emits moby's field order.
//!
//! The reader follows moby's Go loader (`encoding/json` into moby's `Seccomp`
//! type, moby/profiles `seccomp/seccomp.go`): keys match case-insensitively,
//! the last duplicate key wins, unknown keys are ignored (we report them as
//! warnings), and numbers are unsigned integers that must fit their Go type.
//! On top of that it validates what runc would reject later (actions,
//! operators, flags, architectures) and what would silently change meaning
//! (argument index above 5), so every error surfaces at load time with its
//! JSON path and position.
//!
//! ```
//! use seccomp_kit::profile::{Action, Profile};
//!
//! let text = r#"{"defaultAction": "SCMP_ACT_ERRNO",
//!               "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#;
//! let loaded = Profile::from_json(text).unwrap();
//! assert_eq!(loaded.profile.default_action, Some(Action::Errno));
//! assert_eq!(loaded.profile.syscalls[0].names, ["read"]);
//! ```

mod default;
mod parse;
mod write;

pub use default::{default_groups, default_profile, Gate, Group, Verdict};
pub use parse::{LoadedProfile, ProfileError, Warning};

use crate::arch::Arch;
use std::fmt;

/// A seccomp action as written in a profile (`SCMP_ACT_*`).
///
/// `Kill` and `KillThread` behave the same (runc maps `SCMP_ACT_KILL` to
/// KILL_THREAD); both are kept so a profile is written back as it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Kill,
    KillThread,
    KillProcess,
    Trap,
    Errno,
    Trace,
    Allow,
    Log,
    Notify,
}

impl Action {
    /// Every action, in the order of [`Action::name`]'s table.
    pub const ALL: [Action; 9] = [
        Action::Kill,
        Action::KillThread,
        Action::KillProcess,
        Action::Trap,
        Action::Errno,
        Action::Trace,
        Action::Allow,
        Action::Log,
        Action::Notify,
    ];

    /// Returns the profile spelling, for example `SCMP_ACT_ALLOW`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Kill => "SCMP_ACT_KILL",
            Action::KillThread => "SCMP_ACT_KILL_THREAD",
            Action::KillProcess => "SCMP_ACT_KILL_PROCESS",
            Action::Trap => "SCMP_ACT_TRAP",
            Action::Errno => "SCMP_ACT_ERRNO",
            Action::Trace => "SCMP_ACT_TRACE",
            Action::Allow => "SCMP_ACT_ALLOW",
            Action::Log => "SCMP_ACT_LOG",
            Action::Notify => "SCMP_ACT_NOTIFY",
        }
    }

    /// Parses a profile spelling; the match is exact, as in runc.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the action carries an errno (`errnoRet`) in runc: ERRNO and TRACE.
    pub fn takes_errno(self) -> bool {
        matches!(self, Action::Errno | Action::Trace)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An argument comparison operator (`SCMP_CMP_*`). All comparisons are
/// unsigned 64-bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    NotEqual,
    LessThan,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    GreaterThan,
    /// `(arg & value) == valueTwo`: `value` is the mask.
    MaskedEqual,
}

impl Operator {
    /// Every operator, in libseccomp's numbering order (1–7).
    pub const ALL: [Operator; 7] = [
        Operator::NotEqual,
        Operator::LessThan,
        Operator::LessOrEqual,
        Operator::Equal,
        Operator::GreaterOrEqual,
        Operator::GreaterThan,
        Operator::MaskedEqual,
    ];

    /// Returns the profile spelling, for example `SCMP_CMP_MASKED_EQ`.
    pub fn name(self) -> &'static str {
        match self {
            Operator::NotEqual => "SCMP_CMP_NE",
            Operator::LessThan => "SCMP_CMP_LT",
            Operator::LessOrEqual => "SCMP_CMP_LE",
            Operator::Equal => "SCMP_CMP_EQ",
            Operator::GreaterOrEqual => "SCMP_CMP_GE",
            Operator::GreaterThan => "SCMP_CMP_GT",
            Operator::MaskedEqual => "SCMP_CMP_MASKED_EQ",
        }
    }

    /// Parses a profile spelling; the match is exact, as in runc.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Returns the C-like symbol used in human-readable output.
    pub fn symbol(self) -> &'static str {
        match self {
            Operator::NotEqual => "!=",
            Operator::LessThan => "<",
            Operator::LessOrEqual => "<=",
            Operator::Equal => "==",
            Operator::GreaterOrEqual => ">=",
            Operator::GreaterThan => ">",
            Operator::MaskedEqual => "&",
        }
    }
}

/// A seccomp filter flag accepted in `flags` (runtime-spec `LinuxSeccompFlag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterFlag {
    Tsync,
    Log,
    SpecAllow,
    WaitKillableRecv,
}

impl FilterFlag {
    pub const ALL: [FilterFlag; 4] = [
        FilterFlag::Tsync,
        FilterFlag::Log,
        FilterFlag::SpecAllow,
        FilterFlag::WaitKillableRecv,
    ];

    /// Returns the profile spelling, for example `SECCOMP_FILTER_FLAG_LOG`.
    pub fn name(self) -> &'static str {
        match self {
            FilterFlag::Tsync => "SECCOMP_FILTER_FLAG_TSYNC",
            FilterFlag::Log => "SECCOMP_FILTER_FLAG_LOG",
            FilterFlag::SpecAllow => "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
            FilterFlag::WaitKillableRecv => "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        }
    }

    /// Returns the kernel's bit for `seccomp(SECCOMP_SET_MODE_FILTER, flags, …)`.
    pub fn bit(self) -> u32 {
        match self {
            FilterFlag::Tsync => 1 << 0,
            FilterFlag::Log => 1 << 1,
            FilterFlag::SpecAllow => 1 << 2,
            FilterFlag::WaitKillableRecv => 1 << 5,
        }
    }

    pub fn from_name(name: &str) -> Option<FilterFlag> {
        FilterFlag::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A kernel version `<kernel>.<major>` as moby compares it: the patch level
/// never matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct KernelVersion {
    pub kernel: u64,
    pub major: u64,
}

impl KernelVersion {
    pub const fn new(kernel: u64, major: u64) -> KernelVersion {
        KernelVersion { kernel, major }
    }

    /// Parses a host release the way moby does (`kernel_linux.go`): two leading
    /// decimals separated by a dot, anything after them ignored
    /// (`6.18.44-fc-v1252`, `3.10.0-862.el7`, `3.12foobar`).
    pub fn parse_release(release: &str) -> Option<KernelVersion> {
        let (kernel, rest) = leading_decimal(release)?;
        let rest = rest.strip_prefix('.')?;
        let (major, _) = leading_decimal(rest)?;
        Some(KernelVersion { kernel, major })
    }

    /// Reads the running kernel's release with `uname(2)`.
    pub fn running() -> Option<KernelVersion> {
        // SAFETY: utsname is plain old data; uname fills it or fails.
        let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
        if unsafe { libc::uname(&mut uts) } != 0 {
            return None;
        }
        // SAFETY: the kernel NUL-terminates `release`.
        let release = unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) };
        KernelVersion::parse_release(&release.to_string_lossy())
    }
}

fn leading_decimal(text: &str) -> Option<(u64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let value = text[..digits].parse().ok()?;
    Some((value, &text[digits..]))
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kernel, self.major)
    }
}

/// One argument condition of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgCondition {
    /// Argument number, 0–5.
    pub index: u8,
    /// The comparison value; for `SCMP_CMP_MASKED_EQ` the mask.
    pub value: u64,
    /// For `SCMP_CMP_MASKED_EQ` the expected masked value; unused otherwise.
    pub value_two: u64,
    pub op: Operator,
}

impl fmt::Display for ArgCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            Operator::MaskedEqual => write!(
                f,
                "(arg{} & {:#x}) == {:#x}",
                self.index, self.value, self.value_two
            ),
            op => write!(f, "arg{} {} {:#x}", self.index, op.symbol(), self.value),
        }
    }
}

/// An `includes` or `excludes` filter of a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Capability names, compared verbatim with the bounding set.
    pub caps: Vec<String>,
    /// moby native architecture names (`amd64`, `arm64`, `x86`, …).
    pub arches: Vec<String>,
    /// Minimum host kernel. `Some(0.0)` stands for `"minKernel": ""`, which moby
    /// accepts and treats as version 0.0 (`"0.0"` itself is rejected).
    pub min_kernel: Option<KernelVersion>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.arches.is_empty() && self.min_kernel.is_none()
    }
}

/// A position in the profile text, 1-based.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One entry of `syscalls`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub names: Vec<String>,
    /// The pre-2016 single `name` field; resolution turns it into `names`.
    pub name: Option<String>,
    pub action: Action,
    pub errno_ret: Option<u32>,
    pub args: Vec<ArgCondition>,
    pub comment: Option<String>,
    pub includes: Filter,
    pub excludes: Filter,
    /// Where the rule's object starts in the source text (default for rules
    /// built in code).
    pub location: Location,
}

impl Rule {
    /// Creates an unconditional rule for `names`.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>, action: Action) -> Rule {
        Rule {
            names: names.into_iter().map(Into::into).collect(),
            name: None,
            action,
            errno_ret: None,
            args: Vec::new(),
            comment: None,
            includes: Filter::default(),
            excludes: Filter::default(),
            location: Location::default(),
        }
    }

    /// The names this rule applies to: `names`, or `[name]` for legacy rules.
    pub fn effective_names(&self) -> Vec<String> {
        match (&self.name, self.names.is_empty()) {
            (Some(name), true) => vec![name.clone()],
            _ => self.names.clone(),
        }
    }
}

/// One `archMap` entry: a native architecture and the ABIs it also runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchMapEntry {
    pub architecture: Arch,
    pub sub_architectures: Vec<Arch>,
}

/// A Docker/moby seccomp profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// `None` when the key is missing or `""`: with no rules that disables
    /// seccomp in moby.
    pub default_action: Option<Action>,
    pub default_errno_ret: Option<u32>,
    pub architectures: Vec<Arch>,
    pub arch_map: Vec<ArchMapEntry>,
    /// `None` when the key is absent: runc then adds SPEC_ALLOW where it can,
    /// while `Some(vec![])` means no flags at all.
    pub flags: Option<Vec<FilterFlag>>,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
    pub syscalls: Vec<Rule>,
}

impl Profile {
    /// Parses a profile from Docker/moby JSON. See [`LoadedProfile`] for the
    /// warnings that come with it.
    pub fn from_json(text: &str) -> Result<LoadedProfile, ProfileError> {
        parse::parse_profile(text)
    }

    /// Writes the profile as Docker/moby JSON, in moby's field order, with
    /// tab indentation like moby's generated `default.json`.
    pub fn to_json(&self) -> String {
        write::profile_to_json(self)
    }
}
