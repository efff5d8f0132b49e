//! Rust identifiers for BPF names.
//!
//! A map or program becomes a field named after its symbol. Names that are
//! not Rust identifiers are made valid deterministically:
//! - a leading `.` is dropped (`.rodata` -> `rodata`);
//! - every character other than ASCII letters, digits and `_` becomes `_`
//!   (`.data.custom` -> `data_custom`, `.rodata.str1.1` -> `rodata_str1_1`);
//! - a leading digit gets a `_` prefix; an empty name becomes `unnamed`;
//! - a Rust keyword gets a `_` suffix (`type` -> `type_`);
//! - if two names still clash, later ones (in object order) get `_2`,
//!   `_3`, ... suffixes.

use std::collections::BTreeSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union", "_",
];

/// The field name for one BPF name, before de-duplication.
pub fn field_name(name: &str) -> String {
    let mut s: String = name
        .strip_prefix('.')
        .unwrap_or(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        s = "unnamed".to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// Field names for a list of BPF names, unique within the list.
pub fn field_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut used = BTreeSet::new();
    names
        .map(|n| {
            let base = field_name(n);
            let mut candidate = base.clone();
            let mut k = 2;
            while !used.insert(candidate.clone()) {
                candidate = format!("{base}_{k}");
                k += 1;
            }
            candidate
        })
        .collect()
}

/// A C name in `snake_case` (`pktLen` -> `pkt_len`), made of ASCII
/// letters, digits and `_`, not starting with a digit; keywords allowed.
pub fn snake_raw(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    if out.is_empty() {
        out = "unnamed".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A struct field or accessor name for a C member: snake case, with a `_`
/// suffix on Rust keywords (`type` -> `type_`).
pub fn snake_field(name: &str) -> String {
    let mut s = snake_raw(name);
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A type name for a C name: `event_t` -> `EventT`, `__sk_buff` ->
/// `SkBuff`, `XDPStats` stays.
pub fn camel_case(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() {
        out = "Anon".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// `CamelCase` to `snake_case`, for the skeleton's module name.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `n` and `what`, plural unless `n` is 1 ("1 entry", "2 entries").
pub fn plural(n: u64, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {what}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name(".rodata"), "rodata");
        assert_eq!(field_name(".data.custom"), "data_custom");
        assert_eq!(field_name(".rodata.str1.1"), "rodata_str1_1");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("1x"), "_1x");
        assert_eq!(field_name(""), "unnamed");
        assert_eq!(
            field_names(["a.b", "a_b", ".a.b"].into_iter()),
            ["a_b", "a_b_2", "a_b_3"]
        );
        assert_eq!(snake_case("Counter"), "counter");
        assert_eq!(snake_field("pktLen"), "pkt_len");
        assert_eq!(snake_field("type"), "type_");
        assert_eq!(snake_field("a.b"), "a_b");
        assert_eq!(camel_case("event_t"), "EventT");
        assert_eq!(camel_case("__sk_buff"), "SkBuff");
        assert_eq!(camel_case("XDPStats"), "XDPStats");
        assert_eq!(camel_case(".data.custom"), "DataCustom");
        assert_eq!(snake_case("XdpCounter"), "xdp_counter");
    }

    #[test]
    fn plurals_agree_with_their_count() {
        assert_eq!(plural(1, "entry"), "1 entry");
        assert_eq!(plural(4, "entry"), "4 entries");
        assert_eq!(plural(0, "byte"), "0 bytes");
        assert_eq!(plural(1, "instruction"), "1 instruction");
    }
}
