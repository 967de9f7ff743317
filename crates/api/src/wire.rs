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
    /// The organization requires two-step verification (`SECURITY_INFO_TWO_STEP=required`) and
    /// the user has no method for it yet: the app sends them to add one.
    #[serde(default)]
    pub needs_two_step_method: bool,
    /// The account is the identity provider's (no password here): a step-up goes back to
    /// the provider (`GET /api/v1/oidc/sign-in?purpose=step-up`) instead of asking for a
    /// password.
    #[serde(default)]
    pub identity_provider: bool,
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
    /// Signed out everywhere: every session of the account ended at once.
    SignOutEverywhere,
    /// Password confirmed for a change (step-up).
    Reauthentication,
    /// A wrong answer in the second step of a sign-in or step-up (a code, a key's answer).
    SecondStepFailed,
    /// A recovery code passed the second step (the detail says how many are left).
    RecoveryCodeUsed,
    /// A new set of recovery codes was made; the old one stopped working.
    RecoveryCodesCreated,
    /// Another method became the default sign-in method.
    DefaultMethodChanged,
    /// A password reset was started for the account.
    PasswordResetStarted,
    /// A password reset's gate was passed (the detail names the way).
    PasswordResetGatePassed,
    /// A wrong answer in a password reset.
    PasswordResetGateFailed,
    /// The password was changed by a password reset (every session ended).
    PasswordChanged,
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
    /// A method was given another name.
    MethodRenamed,
    /// A security key answered with a signature counter lower than before: it may have been
    /// copied (the answer was refused).
    SecurityKeyCloneSuspected,
    /// An operator created the account (`accounts add` or `accounts import`).
    AccountCreated,
    /// An operator's import changed the account's display name, language or password.
    AccountUpdated,
    /// An operator disabled the account: no sign-in, every session ended.
    AccountDisabled,
    /// An operator enabled the account again.
    AccountEnabled,
    /// An operator removed every method of the account (the helpdesk's "require
    /// re-register"), its recovery codes too.
    MethodsCleared,
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

/// One country or region a phone number may be in (`GET /phone-regions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PhoneRegion {
    /// ISO 3166 alpha-2 code (`NL`); the app names it in the user's language.
    pub region: String,
    /// Its country calling code (`31`).
    pub calling_code: u16,
}

/// `GET /phone-regions`: the regions whose numbers the organization accepts, by region code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PhoneRegions {
    /// Sorted by region code.
    pub regions: Vec<PhoneRegion>,
}

/// One message of the development outbox (`GET /dev/mailbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DevMailMessage {
    /// How it went: `email`, or `sms` and `voice` for texts and calls when no SMS gateway is
    /// configured.
    pub channel: crate::Channel,
    /// Recipient address, or number (E.164).
    pub to: String,
    /// Subject line (for a text or call: what it is, "Text message" or "Call").
    pub subject: String,
    /// Plain-text body (for a call: what is spoken).
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
    fn request_bodies_refuse_unknown_fields() {
        let body = r#"{"username":"a","password":"b","admin":true}"#;
        assert!(serde_json::from_str::<SignInRequest>(body).is_err());
    }
}

/// `GET /sign-in-options`: how users of this server sign in (public: the sign-in page asks
/// before anyone is signed in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignInOptions {
    /// The organization's name ("Sign in with Contoso").
    pub organization: String,
    /// Whether "Sign in with <organization>" is offered: a top-level navigation to
    /// `GET /api/v1/oidc/sign-in`.
    pub identity_provider: bool,
    /// Whether the password form is offered.
    pub password: bool,
}

/// `200` answer to `DELETE /session` for a user who signed in with the identity provider:
/// where to send the browser to sign out there too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// The provider's end-session URL (RP-initiated logout), coming back to the sign-in page.
    pub end_session_url: String,
}
