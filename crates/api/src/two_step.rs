//! Two-step verification: the second step of a sign-in or a step-up, recovery codes and the
//! default sign-in method.
//!
//! After a right password, an account with a method usable for two-step verification gets
//! `202` and a [`SecondStep`] instead of a session. The app shows the default way first,
//! "Sign in another way" lists the others; [`SecondStepChoice`] asks for a way's challenge
//! (a code sent to a phone, a security key's prompt) and [`SecondStepAnswer`] finishes it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::Channel;

/// `202` answer to `POST /session` or `POST /session/reauthenticate`: the password was right;
/// one of the ways in `secondStep` must prove the user before the session exists (or counts
/// as freshly authenticated). The flow lives in an HttpOnly cookie until `expiresAt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondStepRequired {
    /// What the user can do next.
    pub second_step: SecondStep,
}

/// The ways a user can pass the second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondStep {
    /// The user's ways, the default one first; never email or security questions.
    pub ways: Vec<SecondStepWay>,
    /// Whether a recovery code can be used instead (the user has unused ones).
    pub recovery_codes: bool,
    /// When the flow ends: after it, sign in again (RFC 3339).
    pub expires_at: String,
}

/// One way to pass the second step, and whether it is the user's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondStepWay {
    /// What to ask for with `POST /session/second-step/challenge`.
    pub choice: SecondStepChoice,
    /// A hint to recognise it: a phone's masked number (`+31 ** *** **78`), an app's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Whether this is the user's default sign-in method.
    pub is_default: bool,
}

/// `POST /session/second-step/challenge`: the way the user picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum SecondStepChoice {
    /// The code any of the user's authenticator apps shows.
    AuthenticatorApp {},
    /// Any of the user's security keys or passkeys.
    SecurityKey {},
    /// A code texted to, or spoken in a call to, one of the user's phones. Asking again for
    /// the same phone sends a new code (after the resend cooldown).
    #[serde(rename_all = "camelCase")]
    Phone {
        /// The phone method's id.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
        method_id: String,
        /// Text or call.
        channel: Channel,
    },
}

/// What the user must answer for the way they picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SecondStepChallenge {
    /// Type the code the authenticator app shows now.
    #[serde(rename_all = "camelCase")]
    AppCode {
        /// How many digits.
        code_length: u8,
    },
    /// A code went to a phone; answer with [`SecondStepAnswer::Code`].
    #[serde(rename_all = "camelCase")]
    Code {
        /// Text or call.
        channel: Channel,
        /// The number, masked (`+31 ** *** **78`).
        destination: String,
        /// How many digits.
        code_length: u8,
        /// When the code stops working (RFC 3339).
        expires_at: String,
        /// When another code may be asked for (RFC 3339).
        resend_available_at: String,
    },
    /// Ask the browser for an assertion; answer with [`SecondStepAnswer::Assertion`].
    #[serde(rename = "webAuthn", rename_all = "camelCase")]
    WebAuthn {
        /// `PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3): what
        /// `PublicKeyCredential.parseRequestOptionsFromJSON` takes.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        options: serde_json::Value,
    },
}

/// `POST /session/second-step`: the answer that finishes the second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum SecondStepAnswer {
    /// The code of the picked app or phone.
    Code {
        /// As typed.
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 64, pattern = "^[0-9\\s-]+$")
        )]
        code: String,
    },
    /// A security key's answer to the challenge.
    Assertion {
        /// `AuthenticationResponseJSON` (WebAuthn Level 3): what `PublicKeyCredential.toJSON()`
        /// gives for the credential `navigator.credentials.get` returned.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        credential: serde_json::Value,
    },
    /// One of the user's recovery codes (any way need not be picked first).
    #[serde(rename_all = "camelCase")]
    RecoveryCode {
        /// As typed; case, spaces and dashes do not matter.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
        code: String,
    },
}

/// `200` answer to `POST /session/second-step` for a sign-in: the signed-in user, and what
/// the app should ask of them next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondStepPassed {
    /// The signed-in user (absent for a step-up: the session only counts as fresh again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<crate::User>,
    /// When a recovery code was used: how many are left (the app asks the user to make new
    /// ones when few are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes_left: Option<u8>,
}

/// `GET /me/recovery-codes`: how many unused codes the user has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodeStatus {
    /// Unused codes (0 when none were made).
    pub remaining: u8,
    /// When the current set was made (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Whether codes can be made: the user has a two-step method.
    pub available: bool,
}

/// `POST /me/recovery-codes`: a new set, shown this once; the old set stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// The codes (`xxxxx-xxxxx`), each usable once.
    pub codes: Vec<String>,
    /// When they were made (RFC 3339).
    pub created_at: String,
}

/// `POST /me/recovery-codes`: make a new set (the body is an empty object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRecoveryCodes {}

/// `PUT /me/default-method`: the method to offer first at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetDefaultMethod {
    /// A method usable for two-step verification (authenticator app, security key, phone).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub method_id: String,
}

/// How many recovery codes a set has.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Below this many unused recovery codes, the app asks the user to make new ones.
pub const RECOVERY_CODES_LOW: u8 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_and_answers_are_tagged_and_refuse_unknown_fields() {
        let choice: SecondStepChoice =
            serde_json::from_str(r#"{"type":"phone","methodId":"m1","channel":"voice"}"#)
                .expect("parses");
        assert_eq!(
            choice,
            SecondStepChoice::Phone {
                method_id: "m1".into(),
                channel: Channel::Voice
            }
        );
        assert!(
            serde_json::from_str::<SecondStepChoice>(r#"{"type":"email"}"#).is_err(),
            "email is never a second step"
        );
        let answer: SecondStepAnswer =
            serde_json::from_str(r#"{"kind":"recoveryCode","code":"abcde-fghij"}"#)
                .expect("parses");
        assert!(matches!(answer, SecondStepAnswer::RecoveryCode { .. }));
        assert!(
            serde_json::from_str::<SecondStepAnswer>(r#"{"kind":"code","code":"1","x":1}"#)
                .is_err()
        );
    }
}
