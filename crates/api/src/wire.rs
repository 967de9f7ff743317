//! JSON bodies of `/api/v1`. Field names are camelCase on the wire; timestamps are RFC 3339
//! strings in UTC. Request bodies refuse unknown fields so typos fail loudly.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /session`: sign in with the organization account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInRequest {
    /// The user principal name (work or school address).
    pub username: String,
    /// The account password.
    pub password: String,
}

/// `POST /session/reauthenticate`: confirm the password before a change (step-up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReauthenticateRequest {
    /// The account password.
    pub password: String,
}

/// Answer to a successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    /// The signed-in user.
    pub user: User,
}

/// The signed-in user (`GET /me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Opaque user id.
    pub id: String,
    /// Name to greet the user with.
    pub display_name: String,
    /// The work or school address the user signs in with.
    pub user_principal_name: String,
    /// The user's organization.
    pub organization: Organization,
}

/// The organization the user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Display name.
    pub name: String,
    /// The organization's own mail domains; addresses in them cannot be a security method.
    pub domains: Vec<String>,
}

/// A kind of verification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MethodType {
    /// An email address outside the organization (password reset only).
    Email,
}

impl MethodType {
    /// Every type this server can register.
    pub const ALL: [MethodType; 1] = [MethodType::Email];

    /// What a method of this type may be used for (the help article's table).
    pub fn usable_for(self) -> Vec<Usage> {
        match self {
            // NIST SP 800-63B 5.1.3.1: email is not an authenticator, so never a second factor.
            MethodType::Email => vec![Usage::PasswordReset],
        }
    }

    /// Stable wire name, also used in configuration (`SECURITY_INFO_ALLOWED_METHODS`).
    pub fn as_str(self) -> &'static str {
        match self {
            MethodType::Email => "email",
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

/// A registered verification method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// Opaque method id.
    pub id: String,
    /// The method's type.
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// The address, for email methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// What it serves.
    pub usable_for: Vec<Usage>,
}

/// `GET /me/methods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodList {
    /// The user's methods, oldest first.
    pub methods: Vec<Method>,
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
}

/// `GET /me/method-types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodTypeList {
    /// Every type this server can register.
    pub method_types: Vec<MethodTypeInfo>,
}

/// `POST /me/email-registrations`: start adding an email method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateEmailRegistration {
    /// The address to verify (not parsed here, so a bad one is `invalid_email`, not malformed).
    pub email_address: String,
}

/// A pending email registration waiting for its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmailRegistration {
    /// Opaque registration id.
    pub id: String,
    /// Where the code was sent.
    pub email_address: String,
    /// When the current code stops working (RFC 3339).
    pub expires_at: String,
    /// When a new code may be asked for (RFC 3339).
    pub resend_available_at: String,
    /// How many digits the code has.
    pub code_length: u8,
}

/// `POST /me/email-registrations/{id}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyEmailRegistration {
    /// The code from the mail.
    pub code: String,
}

/// Answer to a successful verification: the new method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MethodCreated {
    /// The method now registered.
    pub method: Method,
}

/// Kinds of security event in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Signed in.
    SignIn,
    /// A sign-in with a wrong password.
    SignInFailed,
    /// Signed out.
    SignOut,
    /// Password confirmed for a change (step-up).
    Reauthentication,
    /// A code was sent to a new address.
    RegistrationStarted,
    /// A new code was sent.
    CodeResent,
    /// A wrong code was typed.
    VerificationFailed,
    /// Too many wrong codes voided a registration.
    VerificationLocked,
    /// A method was added.
    MethodAdded,
    /// A method was deleted.
    MethodDeleted,
}

/// One row of the user's own audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEvent {
    /// Opaque event id.
    pub id: String,
    /// What happened.
    pub kind: ActivityKind,
    /// When (RFC 3339).
    pub occurred_at: String,
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The client's browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The method concerned, when there is one (e.g. a masked address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `GET /me/activity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityList {
    /// Newest first.
    pub events: Vec<ActivityEvent>,
}

/// One message of the development outbox (`GET /dev/mailbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevMailMessage {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// When it was "sent" (RFC 3339).
    pub sent_at: String,
}

/// `GET /dev/mailbox`: only when no SMTP server is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevMailbox {
    /// Newest first.
    pub messages: Vec<DevMailMessage>,
}

/// `GET /embedding`: what the framed app needs to talk to its host (public, no sign-in; the
/// same origins are in every response's `Content-Security-Policy: frame-ancestors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmbeddingInfo {
    /// Protocol version of the postMessage contract the server documents (`1`).
    pub protocol_version: u32,
    /// Exact origins (`https://host[:port]`) allowed to frame the app: the only targets of the
    /// app's messages and the only senders whose messages it reads.
    pub embed_origins: Vec<String>,
    /// Whether the API accepts `Authorization: Bearer` tokens of the organization's OpenID
    /// Connect provider (so the app may ask its host for one).
    pub bearer_tokens: bool,
    /// How recent a sign-in (or a token's `auth_time`) must be for a change, in seconds
    /// (`SECURITY_INFO_STEP_UP_SECONDS`): the app tells its host when it asks for a fresh token.
    pub step_up_seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_for_password_reset_only() {
        assert_eq!(MethodType::Email.usable_for(), vec![Usage::PasswordReset]);
    }

    #[test]
    fn methods_use_the_documented_wire_names() {
        let method = Method {
            id: "m1".into(),
            method_type: MethodType::Email,
            email_address: Some("alain@gmail.com".into()),
            created_at: "2026-11-24T10:00:00Z".into(),
            usable_for: MethodType::Email.usable_for(),
        };
        let json = serde_json::to_value(&method).expect("serializes");
        assert_eq!(json["type"], "email");
        assert_eq!(json["emailAddress"], "alain@gmail.com");
        assert_eq!(json["usableFor"][0], "passwordReset");
        assert_eq!(json["createdAt"], "2026-11-24T10:00:00Z");
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let body = r#"{"username":"a","password":"b","admin":true}"#;
        assert!(serde_json::from_str::<SignInRequest>(body).is_err());
    }

    #[test]
    fn method_type_names_round_trip() {
        for t in MethodType::ALL {
            assert_eq!(MethodType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(MethodType::from_name("carrier-pigeon"), None);
    }
}
