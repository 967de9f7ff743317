//! The postMessage contract v1 (`docs/embedding.md`) as plain types: what the app sends, and
//! the exact-shape check of what a host sends. No browser here, so every rule has a native
//! unit test; [`super::host`] only moves these values across `postMessage`.

use serde::Serialize;
use serde_json::{Map, Value};

/// The `protocol` field of every message.
pub const PROTOCOL: &str = "security-info";
/// The contract version this app speaks.
pub const VERSION: u64 = 1;
/// The longest token the app accepts from a host.
pub const MAX_TOKEN_LEN: usize = 8192;
/// The longest theme value the app accepts.
pub const MAX_THEME_VALUE_LEN: usize = 100;

/// The design tokens a host may set (the custom properties of `style/main.css`).
pub const THEME_TOKENS: [&str; 28] = [
    "--si-accent",
    "--si-accent-hover",
    "--si-accent-soft",
    "--si-backdrop",
    "--si-bg",
    "--si-border",
    "--si-danger",
    "--si-danger-hover",
    "--si-error",
    "--si-error-bg",
    "--si-fg",
    "--si-field-border",
    "--si-focus",
    "--si-font",
    "--si-font-size",
    "--si-muted",
    "--si-on-accent",
    "--si-on-danger",
    "--si-radius",
    "--si-radius-large",
    "--si-shadow",
    "--si-space",
    "--si-success-bg",
    "--si-success-fg",
    "--si-surface",
    "--si-topbar-bg",
    "--si-topbar-fg",
    "--si-warning",
];

/// Why the app asks its host for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenReason {
    /// The API accepts tokens and the app has none.
    Missing,
    /// The token expires within a minute.
    Expiring,
    /// The API answered 401 `unauthenticated` to the token.
    Rejected,
}

/// What happened to a method, for `methods-changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// A method was registered (verify answered 201).
    Added,
    /// A method was deleted (204).
    Deleted,
}

/// A message from the app to its host. The serde attributes are the contract's names: the
/// variant is the `type` field, fields in camelCase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Outgoing {
    /// The app listens; the host may answer with `locale`, `theme` and `token`.
    Ready {
        /// The app's language (`en`, `nl`).
        locale: String,
        /// Whether the API accepts bearer tokens.
        bearer_tokens: bool,
    },
    /// The document's full content height changed.
    Resize {
        /// CSS pixels.
        height: u32,
    },
    /// A method was added or deleted (no personal data).
    MethodsChanged {
        /// Added or deleted.
        change: Change,
        /// The method type's wire name ([`security_info_api::MethodType::as_str`]).
        method_type: String,
    },
    /// The app needs a (new) token.
    TokenRequest {
        /// Why.
        reason: TokenReason,
    },
    /// A change needs a recent authentication: the host re-authenticates and sends a token.
    ReauthenticationRequired {
        /// The server's step-up window: the token's `auth_time` must be at most this old.
        max_age_seconds: u64,
    },
}

/// What is posted: the contract's `protocol` and `version`, then the message's own fields.
#[derive(Serialize)]
struct Envelope<'a> {
    protocol: &'static str,
    version: u64,
    #[serde(flatten)]
    message: &'a Outgoing,
}

impl Outgoing {
    /// The message as the JSON text of the object posted to the host.
    ///
    /// Derived rather than built as a `serde_json::Value`: writing a `Value` links its generic
    /// writer and the float formatter (about 5 KB of wasm) though every number here is an integer.
    pub fn to_json(&self) -> String {
        let envelope = Envelope {
            protocol: PROTOCOL,
            version: VERSION,
            message: self,
        };
        // Plain strings, integers and booleans: serializing them cannot fail.
        serde_json::to_string(&envelope).unwrap_or_default()
    }
}

/// A message from the host, in the documented shape. Its `Debug` and `Display` never show a
/// token.
#[derive(Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A bearer token for the API (kept in memory only).
    Token(String),
    /// The language the portal shows (a BCP 47 tag).
    Locale(String),
    /// Design tokens to apply, in the order given.
    Theme(Vec<(String, String)>),
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for Incoming {
    /// A description for debugging that never contains the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Incoming::Token(_) => f.write_str("token"),
            Incoming::Locale(tag) => write!(f, "locale {tag}"),
            Incoming::Theme(tokens) => write!(f, "theme ({} tokens)", tokens.len()),
        }
    }
}

/// Reads a host's message; `None` for anything that is not exactly a documented v1 message
/// (wrong protocol or version, unknown type, a missing, mistyped or extra field, or a value
/// outside the documented limits).
pub fn parse_incoming(data: &Value) -> Option<Incoming> {
    let object = data.as_object()?;
    if object.get("protocol")?.as_str()? != PROTOCOL || object.get("version")?.as_u64()? != VERSION
    {
        return None;
    }
    let kind = object.get("type")?.as_str()?;
    let field = match kind {
        "token" => "token",
        "locale" => "locale",
        "theme" => "tokens",
        _ => return None,
    };
    if object.len() != 4 {
        return None;
    }
    let value = object.get(field)?;
    match kind {
        "token" => {
            let token = value.as_str()?;
            valid_token(token).then(|| Incoming::Token(token.to_owned()))
        }
        "locale" => {
            let tag = value.as_str()?;
            valid_tag(tag).then(|| Incoming::Locale(tag.to_owned()))
        }
        _ => theme(value.as_object()?).map(Incoming::Theme),
    }
}

/// A compact JWS: three non-empty base64url parts joined by `.`, at most 8192 characters.
fn valid_token(token: &str) -> bool {
    let base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    token.len() <= MAX_TOKEN_LEN && token.split('.').count() == 3 && token.split('.').all(base64url)
}

/// A language tag's shape: 1 to 35 letters, digits and hyphens.
fn valid_tag(tag: &str) -> bool {
    (1..=35).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Every entry a known token with a safe value, or nothing at all.
fn theme(tokens: &Map<String, Value>) -> Option<Vec<(String, String)>> {
    tokens
        .iter()
        .map(|(name, value)| {
            let value = value.as_str()?;
            (THEME_TOKENS.contains(&name.as_str()) && safe_theme_value(value))
                .then(|| (name.clone(), value.to_owned()))
        })
        .collect()
}

/// A value that can only be a value: short, no way out of the declaration, no URLs or
/// scripts, no control characters.
pub fn safe_theme_value(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.chars().count() <= MAX_THEME_VALUE_LEN
        && !value
            .chars()
            .any(|c| matches!(c, ';' | '{' | '}' | '<' | '>' | '\\') || c.is_control())
        && !lower.contains("url(")
        && !lower.contains("expression(")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The message as posted, parsed back for comparison.
    fn posted(message: &Outgoing) -> Value {
        serde_json::from_str(&message.to_json()).expect("to_json writes JSON")
    }

    fn message(kind: &str, field: &str, value: Value) -> Value {
        json!({ "protocol": "security-info", "version": 1, "type": kind, field: value })
    }

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";

    #[test]
    fn documented_host_messages_are_read() {
        assert_eq!(
            parse_incoming(&message("token", "token", json!(TOKEN))),
            Some(Incoming::Token(TOKEN.into()))
        );
        assert_eq!(
            parse_incoming(&message("locale", "locale", json!("nl-NL"))),
            Some(Incoming::Locale("nl-NL".into()))
        );
        assert_eq!(
            parse_incoming(&message(
                "theme",
                "tokens",
                json!({ "--si-accent": "#8a2be2", "--si-radius": "0" })
            )),
            Some(Incoming::Theme(vec![
                ("--si-accent".into(), "#8a2be2".into()),
                ("--si-radius".into(), "0".into()),
            ]))
        );
    }

    #[test]
    fn a_wrong_envelope_is_ignored() {
        let good = message("locale", "locale", json!("nl"));
        for (key, value) in [
            ("protocol", json!("other")),
            ("protocol", json!(null)),
            ("version", json!(2)),
            ("version", json!("1")),
            ("type", json!("ready")),
            ("type", json!("Locale")),
        ] {
            let mut bad = good.clone();
            bad[key] = value;
            assert_eq!(parse_incoming(&bad), None, "{key}");
        }
        for data in [json!("nl"), json!(null), json!([good.clone()]), json!(1)] {
            assert_eq!(parse_incoming(&data), None);
        }
    }

    #[test]
    fn a_missing_mistyped_or_extra_field_is_ignored() {
        let mut extra = message("locale", "locale", json!("nl"));
        extra["theme"] = json!({});
        assert_eq!(parse_incoming(&extra), None);
        assert_eq!(
            parse_incoming(&json!({ "protocol": "security-info", "version": 1, "type": "token" })),
            None
        );
        assert_eq!(
            parse_incoming(&message("token", "locale", json!("nl"))),
            None
        );
        assert_eq!(
            parse_incoming(&message("locale", "locale", json!(["nl"]))),
            None
        );
        assert_eq!(parse_incoming(&message("token", "token", json!(42))), None);
        assert_eq!(
            parse_incoming(&message("theme", "tokens", json!("--si-bg: red"))),
            None
        );
    }

    #[test]
    fn only_compact_tokens_within_the_limit_are_taken() {
        for bad in [
            "", "abc", "a.b", "a.b.c.d", "a..c", "a.b.", "a b.c.d", "a.b.c=", "a+b.c.d",
        ] {
            assert_eq!(
                parse_incoming(&message("token", "token", json!(bad))),
                None,
                "{bad}"
            );
        }
        let long = format!("{}.b.c", "a".repeat(MAX_TOKEN_LEN));
        assert_eq!(
            parse_incoming(&message("token", "token", json!(long))),
            None
        );
    }

    #[test]
    fn locale_tags_are_shaped_like_tags() {
        for bad in ["", "nl NL", "nl;q=1", "<script>", &"a".repeat(36)] {
            assert_eq!(
                parse_incoming(&message("locale", "locale", json!(bad))),
                None,
                "{bad}"
            );
        }
        // Unsupported but well-shaped tags are read; the app then changes nothing.
        assert_eq!(
            parse_incoming(&message("locale", "locale", json!("fr-FR"))),
            Some(Incoming::Locale("fr-FR".into()))
        );
    }

    #[test]
    fn a_theme_with_any_unknown_name_or_unsafe_value_is_ignored_whole() {
        for tokens in [
            json!({ "--si-accent": "red", "color": "red" }),
            json!({ "--si-accent": "red", "--si-bg": "red; background: url(x)" }),
            json!({ "--si-bg": "url(https://evil.example/x.png)" }),
            json!({ "--si-bg": "URL(x)" }),
            json!({ "--si-bg": "expression(alert(1))" }),
            json!({ "--si-bg": "red}body{display:none" }),
            json!({ "--si-bg": "</style>" }),
            json!({ "--si-bg": "\\75rl(x)" }),
            json!({ "--si-bg": "red\n" }),
            json!({ "--si-bg": 1 }),
            json!({ "--si-bg": "x".repeat(MAX_THEME_VALUE_LEN + 1) }),
            json!({ "--si-unknown": "red" }),
        ] {
            assert_eq!(
                parse_incoming(&message("theme", "tokens", tokens.clone())),
                None,
                "{tokens}"
            );
        }
        assert!(safe_theme_value("system-ui, \"Segoe UI\", sans-serif"));
        assert!(safe_theme_value("0 1px 2px rgb(0 0 0 / 0.06)"));
    }

    #[test]
    fn outgoing_messages_have_the_documented_shape() {
        assert_eq!(
            posted(&Outgoing::Ready {
                locale: "en".into(),
                bearer_tokens: true
            }),
            json!({ "protocol": "security-info", "version": 1, "type": "ready", "locale": "en", "bearerTokens": true })
        );
        assert_eq!(
            posted(&Outgoing::Resize { height: 812 }),
            json!({ "protocol": "security-info", "version": 1, "type": "resize", "height": 812 })
        );
        assert_eq!(
            posted(&Outgoing::MethodsChanged {
                change: Change::Deleted,
                method_type: "securityKey".into()
            }),
            json!({ "protocol": "security-info", "version": 1, "type": "methods-changed", "change": "deleted", "methodType": "securityKey" })
        );
        assert_eq!(
            posted(&Outgoing::TokenRequest {
                reason: TokenReason::Expiring
            }),
            json!({ "protocol": "security-info", "version": 1, "type": "token-request", "reason": "expiring" })
        );
        assert_eq!(
            posted(&Outgoing::ReauthenticationRequired {
                max_age_seconds: 600
            }),
            json!({ "protocol": "security-info", "version": 1, "type": "reauthentication-required", "maxAgeSeconds": 600 })
        );
    }

    #[test]
    fn a_token_never_shows_in_debug_text() {
        assert_eq!(Incoming::Token(TOKEN.into()).to_string(), "token");
        assert_eq!(format!("{:?}", Incoming::Token(TOKEN.into())), "token");
    }
}

/// Whatever a host posts, the parser answers without a panic, and what it accepts keeps the
/// documented limits: a theme only known tokens with safe values, a token only a JWS's shape.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// Theme values as a hostile host might send them: safe ones and ways out of a declaration.
    fn theme_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("#0b5cad".to_owned()),
            Just("red; background: url(https://evil.example)".to_owned()),
            Just("expression(alert(1))".to_owned()),
            Just("</style><script>".to_owned()),
            ".{0,120}",
        ]
    }

    /// Messages shaped like the contract's, each part right or a little wrong.
    fn message() -> impl Strategy<Value = Value> {
        let protocol = prop_oneof![Just(PROTOCOL.to_owned()), ".{0,16}"];
        let version = prop_oneof![Just(json!(VERSION)), Just(json!(2)), Just(json!("1"))];
        let kind = prop_oneof![Just("token"), Just("locale"), Just("theme"), Just("other")];
        let names = prop_oneof![
            proptest::sample::select(THEME_TOKENS.to_vec()).prop_map(str::to_owned),
            "[a-z-]{1,20}",
        ];
        let tokens = proptest::collection::btree_map(names, theme_value(), 0..4);
        let text = prop_oneof![
            "[A-Za-z0-9_-]{1,20}\\.[A-Za-z0-9_-]{1,20}\\.[A-Za-z0-9_-]{1,20}",
            ".{0,40}"
        ];
        (protocol, version, kind, tokens, text, any::<bool>()).prop_map(
            |(protocol, version, kind, tokens, text, extra)| {
                let mut message = json!({"protocol": protocol, "version": version, "type": kind});
                match kind {
                    "token" => message["token"] = json!(text),
                    "locale" => message["locale"] = json!(text),
                    _ => message["tokens"] = json!(tokens),
                }
                if extra {
                    message["extra"] = json!(true);
                }
                message
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn what_is_accepted_keeps_the_documented_limits(
            message in prop_oneof![message(), any::<String>().prop_map(Value::String)],
        ) {
            match parse_incoming(&message) {
                None => {}
                Some(Incoming::Token(token)) => prop_assert!(valid_token(&token)),
                Some(Incoming::Locale(tag)) => prop_assert!(valid_tag(&tag)),
                Some(Incoming::Theme(tokens)) => {
                    for (name, value) in tokens {
                        prop_assert!(THEME_TOKENS.contains(&name.as_str()), "{name}");
                        prop_assert!(safe_theme_value(&value), "{value}");
                        prop_assert!(!value.contains(';') && !value.to_ascii_lowercase().contains("url("));
                    }
                }
            }
            if message.get("extra").is_some() {
                prop_assert!(parse_incoming(&message).is_none(), "an extra field is refused");
            }
        }
    }
}
