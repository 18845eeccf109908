//! Writes a profile as moby's `json.MarshalIndent(…, "", "\t")` does, with
//! moby's field order and its `omitempty` rules.

use super::{Filter, Profile, Rule};
use std::fmt::Write;

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("strings always serialise")
}

fn string_list(items: impl IntoIterator<Item = String>, indent: &str) -> String {
    let items: Vec<String> = items.into_iter().collect();
    if items.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for (i, item) in items.iter().enumerate() {
        let comma = if i + 1 < items.len() { "," } else { "" };
        let _ = writeln!(out, "{indent}\t{item}{comma}");
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// An object written field by field; `None` values are omitted.
struct Object {
    fields: Vec<(&'static str, String)>,
}

impl Object {
    fn new() -> Object {
        Object { fields: Vec::new() }
    }

    fn field(&mut self, key: &'static str, value: Option<String>) {
        if let Some(value) = value {
            self.fields.push((key, value));
        }
    }

    fn render(&self, indent: &str) -> String {
        if self.fields.is_empty() {
            return "{}".to_string();
        }
        let mut out = String::from("{\n");
        for (i, (key, value)) in self.fields.iter().enumerate() {
            let comma = if i + 1 < self.fields.len() { "," } else { "" };
            let _ = writeln!(out, "{indent}\t{}: {value}{comma}", quote(key));
        }
        out.push_str(indent);
        out.push('}');
        out
    }
}

fn filter_json(filter: &Filter, indent: &str) -> Option<String> {
    if filter.is_empty() {
        return None;
    }
    let inner = format!("{indent}\t");
    let mut object = Object::new();
    if !filter.caps.is_empty() {
        object.field(
            "caps",
            Some(string_list(filter.caps.iter().map(|c| quote(c)), &inner)),
        );
    }
    if !filter.arches.is_empty() {
        object.field(
            "arches",
            Some(string_list(filter.arches.iter().map(|a| quote(a)), &inner)),
        );
    }
    if let Some(version) = filter.min_kernel {
        let text = if version.kernel == 0 && version.major == 0 {
            String::new()
        } else {
            version.to_string()
        };
        object.field("minKernel", Some(quote(&text)));
    }
    Some(object.render(indent))
}

fn rule_json(rule: &Rule, indent: &str) -> String {
    let inner = format!("{indent}\t");
    let mut object = Object::new();
    if let Some(name) = &rule.name {
        object.field("name", Some(quote(name)));
    }
    if !rule.names.is_empty() || rule.name.is_none() {
        object.field(
            "names",
            Some(string_list(rule.names.iter().map(|n| quote(n)), &inner)),
        );
    }
    object.field("action", Some(quote(rule.action.name())));
    object.field("errnoRet", rule.errno_ret.map(|e| e.to_string()));
    if !rule.args.is_empty() {
        let args = rule.args.iter().map(|arg| {
            let arg_indent = format!("{inner}\t");
            let mut a = Object::new();
            a.field("index", Some(arg.index.to_string()));
            a.field("value", Some(arg.value.to_string()));
            a.field(
                "valueTwo",
                (arg.value_two != 0).then(|| arg.value_two.to_string()),
            );
            a.field("op", Some(quote(arg.op.name())));
            a.render(&arg_indent)
        });
        object.field("args", Some(string_list(args, &inner)));
    }
    object.field(
        "comment",
        rule.comment
            .as_ref()
            .filter(|c| !c.is_empty())
            .map(|c| quote(c)),
    );
    object.field("includes", filter_json(&rule.includes, &inner));
    object.field("excludes", filter_json(&rule.excludes, &inner));
    object.render(indent)
}

pub(super) fn profile_to_json(profile: &Profile) -> String {
    let mut object = Object::new();
    let action = profile.default_action.map_or("", |a| a.name());
    object.field("defaultAction", Some(quote(action)));
    object.field(
        "defaultErrnoRet",
        profile.default_errno_ret.map(|e| e.to_string()),
    );
    if !profile.architectures.is_empty() {
        let arches = profile.architectures.iter().map(|a| quote(&a.scmp_name()));
        object.field("architectures", Some(string_list(arches, "\t")));
    }
    if let Some(flags) = &profile.flags {
        object.field(
            "flags",
            Some(string_list(flags.iter().map(|f| quote(f.name())), "\t")),
        );
    }
    object.field(
        "listenerPath",
        profile.listener_path.as_ref().map(|p| quote(p)),
    );
    object.field(
        "listenerMetadata",
        profile.listener_metadata.as_ref().map(|m| quote(m)),
    );
    if !profile.arch_map.is_empty() {
        let entries = profile.arch_map.iter().map(|entry| {
            let mut e = Object::new();
            e.field("architecture", Some(quote(&entry.architecture.scmp_name())));
            let subs = entry
                .sub_architectures
                .iter()
                .map(|a| quote(&a.scmp_name()));
            let subs = string_list(subs, "\t\t\t");
            e.field(
                "subArchitectures",
                Some(if entry.sub_architectures.is_empty() {
                    "null".to_string()
                } else {
                    subs
                }),
            );
            e.render("\t\t")
        });
        object.field("archMap", Some(string_list(entries, "\t")));
    }
    let rules = profile.syscalls.iter().map(|r| rule_json(r, "\t\t"));
    object.field("syscalls", Some(string_list(rules, "\t")));
    object.render("")
}
