//! Registered methods on the wire: the types, what each serves (the help article's table), and
//! one `Method` shape for every type, whose type-specific part is a tagged [`MethodDetail`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A kind of verification method. The wire names are also the names operators write in
/// `SECURITY_INFO_ALLOWED_METHODS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MethodType {
    /// An app that shows time-based one-time codes (TOTP).
    AuthenticatorApp,
    /// A phone that receives a code by text message or call.
    Phone,
    /// A FIDO2 security key or passkey (WebAuthn).
    SecurityKey,
    /// An email address outside the organization (password reset only).
    Email,
    /// Answers to security questions (password reset only).
    SecurityQuestions,
}

impl MethodType {
    /// Every type of the help article's table, in its order.
    pub const ALL: [MethodType; 5] = [
        MethodType::AuthenticatorApp,
        MethodType::Phone,
        MethodType::SecurityKey,
        MethodType::Email,
        MethodType::SecurityQuestions,
    ];

    /// What a method of this type may be used for (the help article's table).
    pub fn usable_for(self) -> Vec<Usage> {
        match self {
            // NIST SP 800-63B 5.1.3.1: email is not an authenticator, so never a second factor;
            // knowledge-based answers are not one either (5.1.1.2).
            MethodType::Email | MethodType::SecurityQuestions => vec![Usage::PasswordReset],
            MethodType::AuthenticatorApp | MethodType::Phone | MethodType::SecurityKey => {
                vec![Usage::TwoStepVerification, Usage::PasswordReset]
            }
        }
    }

    /// How many methods of this type one account may have.
    pub fn limit(self) -> u32 {
        match self {
            MethodType::Email | MethodType::SecurityQuestions => 1,
            MethodType::AuthenticatorApp => 5,
            MethodType::SecurityKey => 10,
            // One of each kind: mobile, alternate mobile, office.
            MethodType::Phone => 3,
        }
    }

    /// Stable wire name, also used in configuration (`SECURITY_INFO_ALLOWED_METHODS`).
    pub fn as_str(self) -> &'static str {
        match self {
            MethodType::AuthenticatorApp => "authenticatorApp",
            MethodType::Phone => "phone",
            MethodType::SecurityKey => "securityKey",
            MethodType::Email => "email",
            MethodType::SecurityQuestions => "securityQuestions",
        }
    }

    /// Parses the wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What a method can be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Usage {
    /// Self-service password reset.
    PasswordReset,
    /// Second factor at sign-in.
    TwoStepVerification,
}

/// The part of a method that depends on its type, tagged with the type's wire name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum MethodDetail {
    /// An authenticator app: nothing to show but its name (its key is never sent again).
    AuthenticatorApp {},
    /// A security key or passkey: its name says which.
    #[serde(rename_all = "camelCase")]
    SecurityKey {
        /// Whether the passkey is synced between the user's devices (a password manager's),
        /// rather than kept on one key or device.
        synced: bool,
    },
    /// Security questions: how many (the questions and answers are never sent).
    #[serde(rename_all = "camelCase")]
    SecurityQuestions {
        /// How many questions were answered.
        count: u8,
    },
    /// A phone: its number for reading, which phone it is, and whether it takes texts.
    #[serde(rename_all = "camelCase")]
    Phone {
        /// Which of the user's phones.
        kind: crate::PhoneKind,
        /// The number in international form for reading (`+31 6 12345678`).
        number: String,
        /// An office phone's extension.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extension: Option<String>,
        /// Whether codes can be texted to it (otherwise they are spoken in a call).
        texts: bool,
    },
    /// An email method.
    #[serde(rename_all = "camelCase")]
    Email {
        /// The verified address.
        email_address: String,
    },
}

impl MethodDetail {
    /// The type this detail belongs to.
    pub fn method_type(&self) -> MethodType {
        match self {
            MethodDetail::AuthenticatorApp {} => MethodType::AuthenticatorApp,
            MethodDetail::SecurityKey { .. } => MethodType::SecurityKey,
            MethodDetail::SecurityQuestions { .. } => MethodType::SecurityQuestions,
            MethodDetail::Phone { .. } => MethodType::Phone,
            MethodDetail::Email { .. } => MethodType::Email,
        }
    }
}

/// A registered verification method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// Opaque method id.
    pub id: String,
    /// The method's type (the same as `detail.type`).
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// The type's own information: the address, the number, the key's name, ...
    pub detail: MethodDetail,
    /// The name the user gave it, for types that have one (authenticator apps, security keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it serves.
    pub usable_for: Vec<Usage>,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// When it last proved the user's identity (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

impl Method {
    /// A method whose type and uses follow from its detail, so the three cannot disagree.
    pub fn new(
        id: String,
        detail: MethodDetail,
        name: Option<String>,
        created_at: String,
        last_used_at: Option<String>,
    ) -> Self {
        let method_type = detail.method_type();
        Self {
            id,
            method_type,
            detail,
            name,
            usable_for: method_type.usable_for(),
            created_at,
            last_used_at,
        }
    }
}

/// `GET /me/methods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodList {
    /// The user's methods, oldest first.
    pub methods: Vec<Method>,
    /// The method offered first in the second step of a sign-in: the one the user chose, or
    /// else the strongest (security key, then authenticator app, then phone; oldest first).
    /// Absent when no method is usable for two-step verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_method_id: Option<String>,
}

/// Answer to a completed registration: the new method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodCreated {
    /// The method now registered.
    pub method: Method,
}

/// `PATCH /me/methods/{id}`: rename a method of a type that has a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameMethod {
    /// The new name (1 to [`MAX_METHOD_NAME_CHARS`] characters once trimmed).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
}

/// Longest name a user may give a method, in characters.
pub const MAX_METHOD_NAME_CHARS: usize = 64;

/// Why a typed method name cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodNameError {
    /// Nothing but spaces.
    Empty,
    /// Longer than [`MAX_METHOD_NAME_CHARS`].
    TooLong,
    /// Contains control or formatting characters (line breaks, bidirectional overrides).
    Unprintable,
}

/// Checks and trims a method name as the server will store it: surrounding spaces go, runs of
/// spaces become one; control characters and bidirectional overrides (which could make a name
/// read as something else in the list) are refused.
pub fn parse_method_name(input: &str) -> Result<String, MethodNameError> {
    if input.chars().any(|c| {
        c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(MethodNameError::Unprintable);
    }
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(MethodNameError::Empty);
    }
    if name.chars().count() > MAX_METHOD_NAME_CHARS {
        return Err(MethodNameError::TooLong);
    }
    Ok(name)
}

/// Why a method type cannot be added now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnavailableReason {
    /// The organization's policy does not allow it.
    NotAllowedByPolicy,
    /// The user already has one and only one is allowed.
    AlreadyRegistered,
    /// The user has as many of this type as one account may have.
    LimitReached,
}

impl UnavailableReason {
    /// Why a user with `registered` methods of `method_type` may not add another, if so.
    pub fn for_count(method_type: MethodType, registered: u32) -> Option<Self> {
        let limit = method_type.limit();
        if registered < limit {
            None
        } else if limit == 1 {
            Some(Self::AlreadyRegistered)
        } else {
            Some(Self::LimitReached)
        }
    }
}

/// One entry of `GET /me/method-types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodTypeInfo {
    /// The type.
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// What it serves.
    pub usable_for: Vec<Usage>,
    /// Whether the user may add one now.
    pub allowed: bool,
    /// Why not, when `allowed` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnavailableReason>,
    /// How many of this type the user has.
    pub registered: u32,
    /// How many one account may have.
    pub limit: u32,
}

/// `GET /me/method-types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodTypeList {
    /// Every type this server can register, in the help article's order.
    pub method_types: Vec<MethodTypeInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_questions_are_for_password_reset_only() {
        assert_eq!(MethodType::Email.usable_for(), vec![Usage::PasswordReset]);
        assert_eq!(
            MethodType::SecurityQuestions.usable_for(),
            vec![Usage::PasswordReset]
        );
        for t in [
            MethodType::AuthenticatorApp,
            MethodType::Phone,
            MethodType::SecurityKey,
        ] {
            assert!(
                t.usable_for().contains(&Usage::TwoStepVerification),
                "{t:?}"
            );
        }
    }

    #[test]
    fn methods_carry_their_detail_as_a_tagged_value() {
        let method = Method::new(
            "m1".into(),
            MethodDetail::Email {
                email_address: "alain@gmail.com".into(),
            },
            None,
            "2026-11-24T10:00:00Z".into(),
            None,
        );
        let json = serde_json::to_value(&method).expect("serializes");
        assert_eq!(json["type"], "email");
        assert_eq!(json["detail"]["type"], "email");
        assert_eq!(json["detail"]["emailAddress"], "alain@gmail.com");
        assert_eq!(json["usableFor"][0], "passwordReset");
        assert_eq!(json["createdAt"], "2026-11-24T10:00:00Z");
        assert!(json.get("lastUsedAt").is_none() && json.get("name").is_none());
        let back: Method = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, method);
    }

    #[test]
    fn method_type_names_round_trip_through_config_and_json() {
        for t in MethodType::ALL {
            assert_eq!(MethodType::from_name(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).expect("serializes");
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(MethodType::from_name("carrierPigeon"), None);
    }

    #[test]
    fn the_reason_a_type_is_full_depends_on_its_limit() {
        assert_eq!(UnavailableReason::for_count(MethodType::Email, 0), None);
        assert_eq!(
            UnavailableReason::for_count(MethodType::Email, 1),
            Some(UnavailableReason::AlreadyRegistered)
        );
        assert_eq!(
            UnavailableReason::for_count(MethodType::SecurityKey, 9),
            None
        );
        assert_eq!(
            UnavailableReason::for_count(MethodType::SecurityKey, 10),
            Some(UnavailableReason::LimitReached)
        );
    }

    #[test]
    fn method_names_are_trimmed_and_refuse_what_could_mislead() {
        assert_eq!(
            parse_method_name("  My   YubiKey "),
            Ok("My YubiKey".into())
        );
        assert_eq!(parse_method_name("   "), Err(MethodNameError::Empty));
        assert_eq!(
            parse_method_name(&"k".repeat(MAX_METHOD_NAME_CHARS + 1)),
            Err(MethodNameError::TooLong)
        );
        assert_eq!(
            parse_method_name(&"é".repeat(MAX_METHOD_NAME_CHARS)).map(|n| n.chars().count()),
            Ok(MAX_METHOD_NAME_CHARS)
        );
        assert_eq!(
            parse_method_name("key\u{202E}yeK"),
            Err(MethodNameError::Unprintable)
        );
        assert_eq!(
            parse_method_name("two\nlines"),
            Err(MethodNameError::Unprintable)
        );
    }
}
