//! Generates the compile-time checked message keys from `locales/*.json`.
//!
//! Every locale file is a flat JSON object of `snake_case` keys to text. English is the
//! reference: the build fails when another language lacks a key or has one English does not,
//! so a missing translation can never reach users. The generated `Key` enum makes a misspelt
//! key a compile error. Placeholders are written `{name}` and filled at run time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The languages, in the order of the generated `Lang` enum: (code, variant, file).
const LANGUAGES: [(&str, &str); 2] = [("en", "En"), ("nl", "Nl")];

fn main() {
    println!("cargo::rerun-if-changed=locales");
    let mut tables: Vec<BTreeMap<String, String>> = Vec::new();
    for (code, _) in LANGUAGES {
        let path = Path::new("locales").join(format!("{code}.json"));
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let table: BTreeMap<String, String> = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{} is not a flat JSON object of strings: {e}",
                path.display()
            )
        });
        tables.push(table);
    }
    let reference = &tables[0];
    let mut problems = Vec::new();
    for ((code, _), table) in LANGUAGES.iter().zip(&tables).skip(1) {
        for key in reference.keys().filter(|k| !table.contains_key(*k)) {
            problems.push(format!("locales/{code}.json lacks \"{key}\""));
        }
        for key in table.keys().filter(|k| !reference.contains_key(*k)) {
            problems.push(format!(
                "locales/{code}.json has \"{key}\", which en.json lacks"
            ));
        }
        for (key, text) in table {
            if text.trim().is_empty() {
                problems.push(format!("locales/{code}.json: \"{key}\" is empty"));
            }
            if let Some(english) = reference.get(key)
                && placeholders(english) != placeholders(text)
            {
                problems.push(format!(
                    "locales/{code}.json: \"{key}\" has other placeholders than en.json"
                ));
            }
        }
    }
    for key in reference.keys() {
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            problems.push(format!("locale key \"{key}\" is not snake_case"));
        }
    }
    assert!(
        problems.is_empty(),
        "locale files disagree:\n{}",
        problems.join("\n")
    );

    let mut out = String::new();
    out.push_str("/// Every user-visible message, one variant per key of `locales/en.json`.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Key {\n");
    for (key, text) in reference {
        let _ = writeln!(out, "    /// {}", text.replace('\n', " "));
        let _ = writeln!(out, "    {},", variant(key));
    }
    out.push_str("}\n\nimpl Key {\n");
    out.push_str("    /// The text of this key in `lang`, placeholders unfilled.\n");
    out.push_str("    pub fn text(self, lang: Lang) -> &'static str {\n        match lang {\n");
    for (_, lang_variant) in LANGUAGES {
        let _ = writeln!(
            out,
            "            Lang::{lang_variant} => self.{}(),",
            lang_variant.to_lowercase()
        );
    }
    out.push_str("        }\n    }\n\n    /// The locale file's key.\n    pub fn name(self) -> &'static str {\n        match self {\n");
    for key in reference.keys() {
        let _ = writeln!(out, "            Key::{} => {key:?},", variant(key));
    }
    out.push_str("        }\n    }\n");
    for ((_, lang_variant), table) in LANGUAGES.iter().zip(&tables) {
        let _ = writeln!(
            out,
            "\n    fn {}(self) -> &'static str {{\n        match self {{",
            lang_variant.to_lowercase()
        );
        for (key, text) in table {
            let _ = writeln!(out, "            Key::{} => {text:?},", variant(key));
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str(
        "}\n\n/// Every key, for tests that check the tables.\npub const ALL_KEYS: &[Key] = &[\n",
    );
    for key in reference.keys() {
        let _ = writeln!(out, "    Key::{},", variant(key));
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("messages.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// `code_sent` -> `CodeSent`.
fn variant(key: &str) -> String {
    key.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The sorted `{name}` placeholders of a text.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    found.sort_unstable();
    found
}
