//! Self-service password reset (`/password-reset`): who are you, how do you want to verify
//! (one or two gates), then a new password.
//!
//! Nothing tells an account that exists from one that does not until a gate is passed: the
//! start answers every name the same, the ways offered are the organization's (not the
//! account's), an email or phone gate sends a code only when the visitor typed a destination
//! the account has registered, and wrong answers look the same whatever the account.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{MethodType, PhoneChannel};

/// `POST /password-reset`: whose password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartPasswordReset {
    /// The work or school address: `local@domain`, at most 254 characters (white space around it included).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 254,
            pattern = "^\\s*[^\\s@\\x00-\\x1f\\x7f-\\x9f]+@[^\\s@\\x00-\\x1f\\x7f-\\x9f]+\\s*$"
        )
    )]
    pub username: String,
}

/// Where a password reset stands (the answer to every step before the new password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordReset {
    /// The method types the organization allows for reset, in the help article's order: the
    /// same for every name, whatever its account has.
    pub ways: Vec<MethodType>,
    /// How many different ways must be passed (1 or 2, `SECURITY_INFO_RESET_GATES`).
    pub gates: u8,
    /// The types passed so far.
    pub passed: Vec<MethodType>,
    /// Once a gate is passed (the account is proven): hints for the next one, such as a
    /// masked phone number (`+31 • ••••••78`). Empty before.
    pub hints: Vec<ResetHint>,
    /// Whether the new password may be chosen now (every gate passed).
    pub password_allowed: bool,
    /// The rules the new password must meet.
    pub policy: PasswordRules,
    /// When the reset ends (15 minutes after it began; RFC 3339).
    pub expires_at: String,
}

/// A hint for a gate after the first: which of the account's methods the way would use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResetHint {
    /// The type.
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// What the user would recognise: a masked address or number, an app's name.
    pub hint: String,
}

/// The password rules, to show next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordRules {
    /// Fewest characters.
    pub min_length: u16,
    /// Most characters.
    pub max_length: u16,
}

/// `POST /password-reset/challenge`: the way the user wants to verify with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ResetChoice {
    /// A code to this address, sent only when it is one the account registered.
    #[serde(rename_all = "camelCase")]
    Email {
        /// The whole address, as the user knows it.
        #[cfg_attr(
            feature = "openapi",
            schema(
                min_length = 3,
                max_length = 254,
                pattern = "^\\s*[^\\s@\\x00-\\x1f\\x7f-\\x9f]+@[^\\s@\\x00-\\x1f\\x7f-\\x9f]+\\s*$"
            )
        )]
        email_address: String,
    },
    /// A code texted or spoken to this number, only when it is one the account registered.
    #[serde(rename_all = "camelCase")]
    Phone {
        /// The region the number is written for (ISO 3166 alpha-2, `NL`, any case), unless it
        /// starts with `+`. Any other text reads a national number as `invalid_phone_number`.
        region: String,
        /// The whole number: digits, spaces and `( ) . / -`, with a leading `+` for the
        /// international form.
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 40, pattern = "^\\s*\\+?[0-9\\s()./-]*$")
        )]
        number: String,
        /// Text or call.
        channel: PhoneChannel,
    },
    /// The code an authenticator app shows.
    AuthenticatorApp {},
    /// A security key or passkey.
    SecurityKey {},
    /// Some of the account's security questions.
    SecurityQuestions {},
}

/// What to answer for the chosen way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ResetChallenge {
    /// Type the code that was sent (if the destination is registered).
    #[serde(rename_all = "camelCase")]
    Code {
        /// How.
        channel: crate::Channel,
        /// Where, as the user typed it (normalized).
        destination: String,
        /// Digits.
        code_length: u8,
        /// When the code stops working (RFC 3339).
        expires_at: String,
        /// When another code may be asked for (RFC 3339).
        resend_available_at: String,
    },
    /// Type the code the authenticator app shows now.
    #[serde(rename_all = "camelCase")]
    AppCode {
        /// Digits.
        code_length: u8,
    },
    /// Ask the browser for an assertion with these options.
    #[serde(rename = "webAuthn", rename_all = "camelCase")]
    WebAuthn {
        /// `PublicKeyCredentialRequestOptionsJSON`.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        options: serde_json::Value,
    },
    /// Answer these questions.
    #[serde(rename_all = "camelCase")]
    Questions {
        /// In the user's language.
        questions: Vec<AskedQuestion>,
    },
}

/// A security question asked in a reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AskedQuestion {
    /// Its id for the answer.
    pub id: String,
    /// The question.
    pub text: String,
}

/// `POST /password-reset/verify`: the answer to the current challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ResetAnswer {
    /// A code.
    Code {
        /// As typed: digits, spaces and dashes.
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 64, pattern = "^[0-9\\s-]+$")
        )]
        code: String,
    },
    /// A security key's answer.
    Assertion {
        /// `AuthenticationResponseJSON`.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        credential: serde_json::Value,
    },
    /// The answers to the questions asked, in any order.
    Answers {
        /// One per question.
        answers: Vec<ResetQuestionAnswer>,
    },
}

/// One answer to a question of the reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetQuestionAnswer {
    /// The question's id, as asked.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub id: String,
    /// The answer.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub answer: String,
}

/// `POST /password-reset/password` (and `/password-check`): the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPassword {
    /// As typed.
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub password: String,
}

/// `POST /password-reset/password-check`: whether the password would be accepted, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordVerdict {
    /// The problem the password has, if any (`password_too_short`, `password_too_long`,
    /// `password_contains_name`, `password_too_weak`, `malformed_request` for control characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::ProblemCode>,
    /// For `password_too_weak`: what made it guessable (`common_password`, `keyboard_pattern`,
    /// `repeats`, `sequence`, `dates`, `single_word`, `names`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
