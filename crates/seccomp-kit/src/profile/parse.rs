//! Position-aware reader for Docker/moby profile JSON.
//!
//! serde_json validates the syntax and hands out each value as a borrowed
//! [`RawValue`]; since a raw value is a slice of the input, its offset gives
//! the line and column of every field, so errors and rules carry positions.

use super::{
    Action, ArchMapEntry, ArgCondition, FilterFlag, KernelVersion, Location, Operator, Profile,
    Rule,
};
use crate::arch::Arch;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// A profile together with what the reader noticed but accepted.
#[derive(Clone, Debug)]
pub struct LoadedProfile {
    pub profile: Profile,
    pub warnings: Vec<Warning>,
}

/// Something moby accepts silently but a user should hear about, such as an
/// unknown key that moby ignores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub path: String,
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.path, self.location, self.message)
    }
}

/// A profile that cannot be loaded: what is wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path} ({location}): {message}; {hint}")]
pub struct ProfileError {
    /// JSON path of the offending value, for example `$.syscalls[3].action`.
    pub path: String,
    pub location: Location,
    pub message: String,
    pub hint: String,
}

pub(super) fn parse_profile(text: &str) -> Result<LoadedProfile, ProfileError> {
    let reader = Reader {
        text,
        warnings: Vec::new(),
        cursor: std::cell::Cell::new((0, Location { line: 1, column: 1 })),
    };
    reader.profile()
}

struct Reader<'a> {
    text: &'a str,
    warnings: Vec<Warning>,
    /// The last position computed, as (byte offset, location): values are
    /// visited mostly in text order, so each lookup scans forward from here
    /// and reading stays linear in the size of the text.
    cursor: std::cell::Cell<(usize, Location)>,
}

/// The fields of one JSON object, in source order, keys unescaped.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// The elements of one JSON array.
struct Elements<'a>(Vec<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Elements<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementsVisitor;
        impl<'de> Visitor<'de> for ElementsVisitor {
            type Value = Elements<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut elements = Vec::new();
                while let Some(element) = seq.next_element::<&'de RawValue>()? {
                    elements.push(element);
                }
                Ok(Elements(elements))
            }
        }
        deserializer.deserialize_seq(ElementsVisitor)
    }
}

/// Short description of a JSON value for "found …" in messages.
fn describe(raw: &RawValue) -> String {
    let text = raw.get();
    let kind = match text.as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    };
    let shown: String = text.chars().take(40).collect();
    let ellipsis = if text.chars().count() > 40 { "…" } else { "" };
    format!("{kind} {shown}{ellipsis}")
}

fn is_null(raw: &RawValue) -> bool {
    raw.get() == "null"
}

/// Expected field names of an object, for the case-insensitive key match Go's
/// `encoding/json` does (an exact match wins over a case-folded one).
fn match_key<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .find(|k| **k == key)
        .or_else(|| known.iter().find(|k| equal_fold(k, key)))
        .copied()
}

/// Case-insensitive comparison with Unicode simple case folding, as Go's
/// `strings.EqualFold` (so `ſ` matches `s`, and the Kelvin sign matches `k`).
fn equal_fold(a: &str, b: &str) -> bool {
    let fold = |c: char| -> (char, char) {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c.to_uppercase().next().unwrap_or(c);
        (lower, upper)
    };
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            let (xl, xu) = fold(x);
            let (yl, yu) = fold(y);
            x == y || xl == yl || xu == yu
        })
}

impl<'a> Reader<'a> {
    fn location_of_offset(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let (mut from, mut location) = self.cursor.get();
        if offset < from {
            (from, location) = (0, Location { line: 1, column: 1 });
        }
        for c in self.text[from..offset].chars() {
            if c == '\n' {
                location.line += 1;
                location.column = 1;
            } else {
                location.column += 1;
            }
        }
        self.cursor.set((offset, location));
        location
    }

    fn location(&self, raw: &RawValue) -> Location {
        let offset = raw.get().as_ptr() as usize - self.text.as_ptr() as usize;
        self.location_of_offset(offset)
    }

    fn error(&self, path: &str, raw: &RawValue, message: String, hint: &str) -> ProfileError {
        ProfileError {
            path: path.to_string(),
            location: self.location(raw),
            message,
            hint: hint.to_string(),
        }
    }

    fn type_error(&self, path: &str, raw: &RawValue, expected: &str) -> ProfileError {
        self.error(
            path,
            raw,
            format!("expected {expected}, found {}", describe(raw)),
            &format!("write {expected} here"),
        )
    }

    fn warn(&mut self, path: String, raw: &RawValue, message: String) {
        let location = self.location(raw);
        self.warnings.push(Warning {
            path,
            location,
            message,
        });
    }

    fn object(
        &self,
        path: &str,
        raw: &'a RawValue,
    ) -> Result<Vec<(String, &'a RawValue)>, ProfileError> {
        serde_json::from_str::<Entries<'a>>(raw.get())
            .map(|e| e.0)
            .map_err(|_| self.type_error(path, raw, "an object"))
    }

    /// Reads an array; `null` is an empty array, as in Go.
    fn array(&self, path: &str, raw: &'a RawValue) -> Result<Vec<&'a RawValue>, ProfileError> {
        if is_null(raw) {
            return Ok(Vec::new());
        }
        serde_json::from_str::<Elements<'a>>(raw.get())
            .map(|e| e.0)
            .map_err(|_| self.type_error(path, raw, "an array"))
    }

    /// Reads a string; `null` is `None`.
    fn string(&self, path: &str, raw: &RawValue) -> Result<Option<String>, ProfileError> {
        if is_null(raw) {
            return Ok(None);
        }
        serde_json::from_str::<String>(raw.get())
            .map(Some)
            .map_err(|_| self.type_error(path, raw, "a string"))
    }

    fn strings(&self, path: &str, raw: &'a RawValue) -> Result<Vec<String>, ProfileError> {
        Ok(self
            .strings_with_values(path, raw)?
            .into_iter()
            .map(|(s, _)| s)
            .collect())
    }

    /// Reads an array of strings, keeping each element's raw value for
    /// error positions.
    fn strings_with_values(
        &self,
        path: &str,
        raw: &'a RawValue,
    ) -> Result<Vec<(String, &'a RawValue)>, ProfileError> {
        let mut out = Vec::new();
        for (i, element) in self.array(path, raw)?.into_iter().enumerate() {
            let element_path = format!("{path}[{i}]");
            match self.string(&element_path, element)? {
                Some(s) => out.push((s, element)),
                None => return Err(self.type_error(&element_path, element, "a string")),
            }
        }
        Ok(out)
    }

    /// Reads an unsigned integer of at most `max`; `null` is `None`. Negative
    /// numbers, fractions and exponents are decode errors in Go too.
    fn unsigned(
        &self,
        path: &str,
        raw: &RawValue,
        max: u64,
        what: &str,
    ) -> Result<Option<u64>, ProfileError> {
        if is_null(raw) {
            return Ok(None);
        }
        let text = raw.get();
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(
                path,
                raw,
                format!("expected {what}, found {}", describe(raw)),
                &format!("write a non-negative integer no larger than {max}, without quotes, sign, fraction or exponent"),
            ));
        }
        match text.parse::<u64>() {
            Ok(value) if value <= max => Ok(Some(value)),
            _ => Err(self.error(
                path,
                raw,
                format!("{text} is out of range for {what}"),
                &format!("use a value from 0 to {max}"),
            )),
        }
    }

    fn profile(mut self) -> Result<LoadedProfile, ProfileError> {
        let root: &'a RawValue = match serde_json::from_str(self.text) {
            Ok(root) => root,
            Err(err) => {
                return Err(ProfileError {
                    path: "$".to_string(),
                    location: Location {
                        line: err.line().max(1),
                        column: char_column(self.text, err.line(), err.column()),
                    },
                    message: format!("invalid JSON: {}", strip_position(&err)),
                    hint: "fix the JSON syntax at this position (a profile is one JSON object)"
                        .to_string(),
                })
            }
        };
        const KEYS: [&str; 8] = [
            "defaultAction",
            "defaultErrnoRet",
            "architectures",
            "archMap",
            "flags",
            "listenerPath",
            "listenerMetadata",
            "syscalls",
        ];
        let mut profile = Profile::default();
        let mut arch_map_raw = None;
        for (key, value) in self.object("$", root)? {
            let path = format!("$.{key}");
            match match_key(&key, &KEYS) {
                Some("defaultAction") => {
                    profile.default_action = match self.string(&path, value)? {
                        None => None,
                        Some(s) if s.is_empty() => None,
                        Some(s) => Some(self.action(&path, value, &s)?),
                    }
                }
                Some("defaultErrnoRet") => {
                    profile.default_errno_ret = self
                        .unsigned(&path, value, u32::MAX.into(), "an errno")?
                        .map(|v| v as u32)
                }
                Some("architectures") => {
                    profile.architectures = self.arches(&path, value)?;
                }
                Some("archMap") => {
                    profile.arch_map = self.arch_map(&path, value)?;
                    arch_map_raw = Some(value);
                }
                Some("flags") => profile.flags = self.flags(&path, value)?,
                Some("listenerPath") => profile.listener_path = self.string(&path, value)?,
                Some("listenerMetadata") => {
                    profile.listener_metadata = self.string(&path, value)?
                }
                Some("syscalls") => {
                    profile.syscalls = Vec::new();
                    for (i, rule) in self.array(&path, value)?.into_iter().enumerate() {
                        let rule = self.rule(&format!("{path}[{i}]"), rule)?;
                        profile.syscalls.push(rule);
                    }
                }
                _ => {
                    let message = format!(
                        "unknown key {key:?} is ignored (moby ignores it too){}",
                        podman_note(&key)
                    );
                    self.warn(path, value, message);
                }
            }
        }
        if let Some(raw) = arch_map_raw {
            if !profile.architectures.is_empty() && !profile.arch_map.is_empty() {
                return Err(self.error(
                    "$.archMap",
                    raw,
                    "both 'architectures' and 'archMap' are set".to_string(),
                    "keep only one of them: moby rejects a profile with both",
                ));
            }
        }
        Ok(LoadedProfile {
            profile,
            warnings: self.warnings,
        })
    }

    fn action(&self, path: &str, raw: &RawValue, name: &str) -> Result<Action, ProfileError> {
        Action::from_name(name).ok_or_else(|| {
            let valid: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
            self.error(
                path,
                raw,
                format!("unknown action {name:?}"),
                &format!("use one of {}", valid.join(", ")),
            )
        })
    }

    fn scmp_arch(&self, path: &str, raw: &'a RawValue) -> Result<Arch, ProfileError> {
        let name = self.string(path, raw)?.unwrap_or_default();
        Arch::from_scmp_name(&name).ok_or_else(|| {
            self.error(
                path,
                raw,
                format!("unknown architecture {name:?}"),
                "use an SCMP_ARCH_* name runc supports: SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_MIPS, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64",
            )
        })
    }

    fn arches(&self, path: &str, raw: &'a RawValue) -> Result<Vec<Arch>, ProfileError> {
        let mut out = Vec::new();
        for (i, element) in self.array(path, raw)?.into_iter().enumerate() {
            out.push(self.scmp_arch(&format!("{path}[{i}]"), element)?);
        }
        Ok(out)
    }

    fn arch_map(
        &mut self,
        path: &str,
        raw: &'a RawValue,
    ) -> Result<Vec<ArchMapEntry>, ProfileError> {
        const KEYS: [&str; 2] = ["architecture", "subArchitectures"];
        let mut out = Vec::new();
        for (i, element) in self.array(path, raw)?.into_iter().enumerate() {
            let entry_path = format!("{path}[{i}]");
            let mut architecture = None;
            let mut sub_architectures = Vec::new();
            for (key, value) in self.object(&entry_path, element)? {
                let field_path = format!("{entry_path}.{key}");
                match match_key(&key, &KEYS) {
                    Some("architecture") => {
                        architecture = Some(self.scmp_arch(&field_path, value)?)
                    }
                    Some(_) => sub_architectures = self.arches(&field_path, value)?,
                    None => self.warn(field_path, value, format!("unknown key {key:?} is ignored")),
                }
            }
            let architecture = architecture.ok_or_else(|| {
                self.error(
                    &entry_path,
                    element,
                    "archMap entry without \"architecture\"".to_string(),
                    "add \"architecture\": \"SCMP_ARCH_…\" naming the native architecture",
                )
            })?;
            out.push(ArchMapEntry {
                architecture,
                sub_architectures,
            });
        }
        Ok(out)
    }

    fn flags(
        &self,
        path: &str,
        raw: &'a RawValue,
    ) -> Result<Option<Vec<FilterFlag>>, ProfileError> {
        if is_null(raw) {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (i, element) in self.array(path, raw)?.into_iter().enumerate() {
            let element_path = format!("{path}[{i}]");
            let name = self.string(&element_path, element)?.unwrap_or_default();
            let flag = FilterFlag::from_name(&name).ok_or_else(|| {
                let valid: Vec<_> = FilterFlag::ALL.iter().map(|f| f.name()).collect();
                self.error(
                    &element_path,
                    element,
                    format!("unknown filter flag {name:?}"),
                    &format!("use one of {}", valid.join(", ")),
                )
            })?;
            out.push(flag);
        }
        Ok(Some(out))
    }

    fn rule(&mut self, path: &str, raw: &'a RawValue) -> Result<Rule, ProfileError> {
        const KEYS: [&str; 8] = [
            "names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes",
        ];
        let mut rule = Rule::new(Vec::<String>::new(), Action::Allow);
        rule.location = self.location(raw);
        let mut action = None;
        let mut name_raw = None;
        for (key, value) in self.object(path, raw)? {
            let field_path = format!("{path}.{key}");
            match match_key(&key, &KEYS) {
                Some("names") => {
                    let names = self.strings_with_values(&field_path, value)?;
                    if let Some(i) = names.iter().position(|(name, _)| name.is_empty()) {
                        return Err(self.error(
                            &format!("{field_path}[{i}]"),
                            names[i].1,
                            "empty syscall name".to_string(),
                            "remove the empty string (runc rejects it)",
                        ));
                    }
                    rule.names = names.into_iter().map(|(name, _)| name).collect();
                }
                Some("name") => {
                    rule.name = self.string(&field_path, value)?;
                    name_raw = Some(value);
                }
                Some("action") => {
                    let name = self.string(&field_path, value)?.unwrap_or_default();
                    action = Some(self.action(&field_path, value, &name)?);
                }
                Some("errnoRet") => {
                    rule.errno_ret = self
                        .unsigned(&field_path, value, u32::MAX.into(), "an errno")?
                        .map(|v| v as u32)
                }
                Some("args") => {
                    rule.args = Vec::new();
                    for (i, arg) in self.array(&field_path, value)?.into_iter().enumerate() {
                        let arg = self.arg(&format!("{field_path}[{i}]"), arg)?;
                        rule.args.push(arg);
                    }
                }
                // Go has no difference between "" and a missing comment.
                Some("comment") => {
                    rule.comment = self.string(&field_path, value)?.filter(|c| !c.is_empty())
                }
                // A repeated filter key updates the same object in Go, so
                // its fields merge.
                Some("includes") => self.filter(&field_path, value, &mut rule.includes)?,
                Some(_) => self.filter(&field_path, value, &mut rule.excludes)?,
                None => {
                    let message = format!(
                        "unknown key {key:?} is ignored (moby ignores it too){}",
                        podman_note(&key)
                    );
                    self.warn(field_path, value, message);
                }
            }
        }
        rule.action = action.ok_or_else(|| {
            self.error(
                path,
                raw,
                "rule without \"action\"".to_string(),
                "add \"action\": \"SCMP_ACT_…\" (runc rejects an empty action)",
            )
        })?;
        if let (Some(name), false) = (&rule.name, rule.names.is_empty()) {
            return Err(self.error(
                &format!("{path}.name"),
                name_raw.unwrap_or(raw),
                format!("both 'name' ({name:?}) and 'names' are set"),
                "move the name into \"names\" and delete \"name\" (moby rejects both on one rule)",
            ));
        }
        if rule.name.as_deref() == Some("") {
            return Err(self.error(
                &format!("{path}.name"),
                name_raw.unwrap_or(raw),
                "empty syscall name".to_string(),
                "write the syscall name, or use \"names\"",
            ));
        }
        Ok(rule)
    }

    fn arg(&mut self, path: &str, raw: &'a RawValue) -> Result<ArgCondition, ProfileError> {
        const KEYS: [&str; 4] = ["index", "value", "valueTwo", "op"];
        let mut index = None;
        let mut value = 0;
        let mut value_two = 0;
        let mut op = None;
        for (key, field) in self.object(path, raw)? {
            let field_path = format!("{path}.{key}");
            match match_key(&key, &KEYS) {
                Some("index") => {
                    let n = self.unsigned(&field_path, field, u64::MAX, "an argument index")?;
                    if let Some(n) = n {
                        if n > 5 {
                            return Err(self.error(
                                &field_path,
                                field,
                                format!("argument index {n} is out of range"),
                                "syscalls have six arguments: use an index from 0 to 5",
                            ));
                        }
                    }
                    index = n.map(|n| n as u8);
                }
                Some("value") => {
                    value = self
                        .unsigned(&field_path, field, u64::MAX, "a 64-bit unsigned value")?
                        .unwrap_or(0)
                }
                Some("valueTwo") => {
                    value_two = self
                        .unsigned(&field_path, field, u64::MAX, "a 64-bit unsigned value")?
                        .unwrap_or(0)
                }
                Some(_) => {
                    let name = self.string(&field_path, field)?.unwrap_or_default();
                    op = Some(Operator::from_name(&name).ok_or_else(|| {
                        let valid: Vec<_> = Operator::ALL.iter().map(|o| o.name()).collect();
                        self.error(
                            &field_path,
                            field,
                            format!("unknown operator {name:?}"),
                            &format!("use one of {}", valid.join(", ")),
                        )
                    })?);
                }
                None => self.warn(field_path, field, format!("unknown key {key:?} is ignored")),
            }
        }
        let op = op.ok_or_else(|| {
            self.error(
                path,
                raw,
                "argument condition without \"op\"".to_string(),
                "add \"op\": \"SCMP_CMP_…\" (runc rejects a missing operator)",
            )
        })?;
        // Go decodes a missing index as 0; we follow, since moby does.
        Ok(ArgCondition {
            index: index.unwrap_or(0),
            value,
            value_two,
            op,
        })
    }

    /// Reads a filter object into `filter`, overwriting only the keys it has.
    fn filter(
        &mut self,
        path: &str,
        raw: &'a RawValue,
        filter: &mut super::Filter,
    ) -> Result<(), ProfileError> {
        const KEYS: [&str; 3] = ["caps", "arches", "minKernel"];
        if is_null(raw) {
            return Ok(());
        }
        for (key, value) in self.object(path, raw)? {
            let field_path = format!("{path}.{key}");
            match match_key(&key, &KEYS) {
                Some("caps") => filter.caps = self.strings(&field_path, value)?,
                Some("arches") => filter.arches = self.strings(&field_path, value)?,
                Some(_) => filter.min_kernel = self.min_kernel(&field_path, value)?,
                None => {
                    let message = format!("unknown key {key:?} is ignored (moby ignores it too)");
                    self.warn(field_path, value, message);
                }
            }
        }
        Ok(())
    }

    /// Parses `minKernel` with moby's grammar (`KernelVersion.UnmarshalJSON`).
    fn min_kernel(
        &self,
        path: &str,
        raw: &RawValue,
    ) -> Result<Option<KernelVersion>, ProfileError> {
        let hint =
            "write the kernel as a string \"X.Y\" with X and Y from 0 to 255, for example \"4.8\"";
        if is_null(raw) {
            return Ok(None);
        }
        let Ok(text) = serde_json::from_str::<String>(raw.get()) else {
            return Err(self.error(
                path,
                raw,
                format!(
                    "invalid kernel version: expected a string, found {}",
                    describe(raw)
                ),
                hint,
            ));
        };
        if text.is_empty() {
            return Ok(Some(KernelVersion::new(0, 0)));
        }
        let invalid = |why: &str| {
            self.error(
                path,
                raw,
                format!("invalid kernel version {text:?}: {why}"),
                hint,
            )
        };
        let parts: Vec<&str> = text.splitn(3, '.').collect();
        if parts.len() != 2 {
            return Err(invalid("it needs exactly two parts"));
        }
        let mut numbers = [0u64; 2];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = match part.parse::<u8>() {
                Ok(n) if !part.starts_with('+') => n.into(),
                _ => return Err(invalid("each part must be a decimal number from 0 to 255")),
            };
        }
        if numbers == [0, 0] {
            return Err(invalid("0.0 is not a kernel version"));
        }
        Ok(Some(KernelVersion::new(numbers[0], numbers[1])))
    }
}

/// Converts serde_json's byte column on `line` (both 1-based) to a
/// character column, as every other position here counts characters.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column.max(1);
    };
    let mut end = byte_column.saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    line_text[..end].chars().count() + 1
}

fn podman_note(key: &str) -> &'static str {
    match key {
        "defaultErrno" | "errno" => {
            "; this is Podman's errno-by-name field, use defaultErrnoRet or errnoRet with a number"
        }
        _ => "",
    }
}

/// serde_json appends " at line L column C"; we report the position ourselves.
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
