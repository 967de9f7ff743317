//! Adding a method on the wire: one lifecycle for every type. The client starts a registration
//! of a type ([`StartRegistration`], tagged by the type), the server answers with the type's
//! [`Challenge`], and the client answers it ([`RegistrationAnswer`]); a right answer adds the
//! method.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::method::MethodType;

/// `POST /me/registrations`: start adding a method of a type, with what that type needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum StartRegistration {
    /// An authenticator app: the server answers with a new key to scan
    /// ([`Challenge::Totp`]).
    AuthenticatorApp {},
    /// A security key or passkey: the server answers with the options for the browser's
    /// `navigator.credentials.create` ([`Challenge::WebAuthn`]).
    SecurityKey {},
    /// Security questions: the server answers with the questions to choose from
    /// ([`Challenge::Questions`]).
    SecurityQuestions {},
    /// A phone: a code is texted to the number or spoken in a call.
    #[serde(rename_all = "camelCase")]
    Phone {
        /// Which of the user's phones this is (one of each kind).
        kind: PhoneKind,
        /// The region the number is typed for (ISO 3166 alpha-2, `NL`, any case); ignored
        /// when the number starts with `+`. Any other text reads a national number as
        /// `invalid_phone_number`.
        #[serde(default)]
        region: String,
        /// The number as typed, national or international: digits, spaces and `( ) . / -`,
        /// with a leading `+` for the international form (parsed and checked on the server,
        /// so a bad one is `invalid_phone_number`, not malformed).
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 40, pattern = "^\\s*\\+?[0-9\\s()./-]*$")
        )]
        number: String,
        /// An office phone's extension (up to 10 digits), dialled after the call connects.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(pattern = "^\\s*[0-9]{0,10}\\s*$"))]
        extension: Option<String>,
        /// Text or call; alternate mobile and office phones take calls only.
        channel: PhoneChannel,
    },
    /// An email address: a code is mailed to it.
    #[serde(rename_all = "camelCase")]
    Email {
        /// The address to verify (not parsed here, so a bad one is `invalid_email`, not
        /// malformed): `local@domain`, at most 254 characters (white space around it
        /// included).
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
}

impl StartRegistration {
    /// The type being registered.
    pub fn method_type(&self) -> MethodType {
        match self {
            StartRegistration::AuthenticatorApp {} => MethodType::AuthenticatorApp,
            StartRegistration::SecurityKey {} => MethodType::SecurityKey,
            StartRegistration::SecurityQuestions {} => MethodType::SecurityQuestions,
            StartRegistration::Phone { .. } => MethodType::Phone,
            StartRegistration::Email { .. } => MethodType::Email,
        }
    }
}

/// Which of a user's phones a phone method is (Microsoft's three: one of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PhoneKind {
    /// The user's mobile phone: texts or calls.
    Mobile,
    /// A second mobile phone: calls only.
    AlternateMobile,
    /// A desk phone, possibly behind an extension: calls only.
    Office,
}

impl PhoneKind {
    /// Every kind, in the order the app offers them.
    pub const ALL: [PhoneKind; 3] = [
        PhoneKind::Mobile,
        PhoneKind::AlternateMobile,
        PhoneKind::Office,
    ];

    /// Stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::AlternateMobile => "alternateMobile",
            PhoneKind::Office => "office",
        }
    }

    /// Whether codes may be texted to this kind (the others take calls only).
    pub fn takes_texts(self) -> bool {
        self == PhoneKind::Mobile
    }
}

/// How a code reaches a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PhoneChannel {
    /// A text message.
    Sms,
    /// A call that speaks the code.
    Voice,
}

impl From<PhoneChannel> for Channel {
    fn from(channel: PhoneChannel) -> Self {
        match channel {
            PhoneChannel::Sms => Channel::Sms,
            PhoneChannel::Voice => Channel::Voice,
        }
    }
}

/// How a one-time code reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    /// A mail to an address.
    Email,
    /// A text message to a phone.
    Sms,
    /// A call that speaks the code.
    Voice,
}

impl Channel {
    /// Stable wire and column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Voice => "voice",
        }
    }
}

/// What the user must answer to finish a registration, tagged by its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Challenge {
    /// A one-time code was sent over a channel; answer with [`RegistrationAnswer::Code`].
    #[serde(rename_all = "camelCase")]
    Code {
        /// How it was sent.
        channel: Channel,
        /// Where it was sent (the address as the user typed it, normalized; a number in
        /// international form).
        destination: String,
        /// How many digits the code has.
        code_length: u8,
        /// When the current code stops working (RFC 3339).
        expires_at: String,
        /// When a new code may be asked for (RFC 3339).
        resend_available_at: String,
    },
    /// A new key for an authenticator app (RFC 6238: SHA-1, 30-second steps); answer with
    /// [`RegistrationAnswer::Code`], the code the app shows. Sent only here, once: the key
    /// is never shown again after the registration.
    #[serde(rename_all = "camelCase")]
    Totp {
        /// The key in base32 (RFC 4648, no padding), for typing it into the app.
        secret: String,
        /// The `otpauth://totp/` URI the QR code holds (a link that opens the app on a phone).
        uri: String,
        /// The organization's name, shown by the app above the code.
        issuer: String,
        /// The account the app shows the code for (the user's principal name).
        account_name: String,
        /// Where the QR code of `uri` is, as an SVG image (same origin, while pending).
        qr_code_url: String,
        /// How many digits the app shows.
        code_length: u8,
        /// How long each code lasts, in seconds.
        period_seconds: u32,
        /// When the registration stops accepting codes (RFC 3339).
        expires_at: String,
    },
    /// A new credential for a security key or passkey; answer with
    /// [`RegistrationAnswer::Credential`].
    #[serde(rename = "webAuthn", rename_all = "camelCase")]
    WebAuthn {
        /// `PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3, binary members in
        /// base64url): what `PublicKeyCredential.parseCreationOptionsFromJSON` takes. Its
        /// challenge works once, until `expiresAt`.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        options: serde_json::Value,
        /// When the registration stops accepting an answer (RFC 3339).
        expires_at: String,
        /// Where the same registration can be finished in a window of the app's own
        /// (`/add-security-key#registration=..&account=..&secret=..`): a browser marks a
        /// credential made inside a portal's cross-origin frame as such, and the server accepts
        /// only credentials made on its own page. The fragment is a capability for this
        /// registration only (see [`HandOff`]).
        continue_url: String,
    },
    /// Security questions to choose and answer; answer with [`RegistrationAnswer::Answers`].
    #[serde(rename_all = "camelCase")]
    Questions {
        /// The predefined questions, in the user's language.
        questions: Vec<QuestionOption>,
        /// How many questions to choose and answer (3 to 5, the organization's setting).
        count: u8,
        /// Whether the user may write questions of their own (up to 200 characters).
        own_questions: bool,
        /// When the registration stops accepting answers (RFC 3339).
        expires_at: String,
    },
}

/// A predefined security question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QuestionOption {
    /// Stable id (the answer names it).
    pub id: String,
    /// The question in the user's language.
    pub text: String,
}

/// One chosen question and its answer: `questionId` (predefined) or `ownQuestion`, not both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityAnswer {
    /// A predefined question's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question_id: Option<String>,
    /// A question of the user's own, when the organization allows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_question: Option<String>,
    /// The answer, as typed (3 to 40 characters once normalized, else `answer_too_short` or
    /// `answer_too_long`; never returned).
    pub answer: String,
}

/// The capability a security key registration's `continueUrl` carries: it lets a window of the
/// app's own, which has no session, fetch the registration's options and answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandOff {
    /// The account the registration belongs to (opaque id).
    pub account: String,
    /// The registration's secret (base64url).
    pub secret: String,
}

/// `POST /security-key-registrations/{id}/options`: what the window needs to ask the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyPrompt {
    /// The same options as the registration's challenge.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
    /// Whose key it becomes, for the window to say.
    pub user_principal_name: String,
    /// When the registration stops accepting an answer (RFC 3339).
    pub expires_at: String,
}

/// `POST /security-key-registrations/{id}/verify`: the credential the window's browser made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandedOffCredential {
    /// The capability from `continueUrl`.
    pub hand_off: HandOff,
    /// As in [`RegistrationAnswer::Credential`].
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
    /// As in [`RegistrationAnswer::Credential`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Where a registration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum RegistrationStage {
    /// Waiting for its answer.
    Pending,
    /// Answered: the method exists.
    Completed,
    /// Void after wrong or refused answers.
    Locked,
    /// Its time ran out.
    Expired,
    /// A newer registration of the account replaced it.
    Superseded,
}

/// `GET /me/registrations/{id}`: a registration's stage (a frame waits with it while a window
/// of the app's own finishes a security key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegistrationProgress {
    /// Opaque registration id.
    pub id: String,
    /// The type being registered.
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// Its stage.
    pub stage: RegistrationStage,
}

/// A pending registration and its challenge (`POST /me/registrations` and `.../resend`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Opaque registration id.
    pub id: String,
    /// The type being registered.
    #[serde(rename = "type")]
    pub method_type: MethodType,
    /// What the user must answer.
    pub challenge: Challenge,
}

/// `POST /me/registrations/{id}/verify`: the answer to the registration's challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum RegistrationAnswer {
    /// The code that was sent (not parsed here, so one of the wrong length is
    /// `code_incorrect`).
    Code {
        /// As typed: digits, spaces and dashes (anything else is `code_incorrect`, not
        /// counted, whatever the registration's state).
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 64, pattern = "^[0-9\\s-]+$")
        )]
        code: String,
    },
    /// The chosen security questions and their answers, as many as the challenge's `count`.
    Answers {
        /// In the order the user chose them (as many as the challenge's `count`, else
        /// `wrong_number_of_answers`).
        answers: Vec<SecurityAnswer>,
    },
    /// The new credential a security key or passkey made, and the name the user gave it.
    Credential {
        /// `RegistrationResponseJSON` (WebAuthn Level 3): what `PublicKeyCredential.toJSON()`
        /// gives for the credential `navigator.credentials.create` returned.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        credential: serde_json::Value,
        /// The key's name (the rules of a rename); absent: the authenticator's model, or its
        /// kind ("Security key", "Passkey on this device"), with an ordinal when taken.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_tagged_by_the_type_and_refuses_unknown_fields() {
        let start: StartRegistration =
            serde_json::from_str(r#"{"type":"email","emailAddress":"alain@gmail.com"}"#)
                .expect("parses");
        assert_eq!(start.method_type(), MethodType::Email);
        for bad in [
            r#"{"type":"email","emailAddress":"a@b.c","admin":true}"#,
            r#"{"emailAddress":"a@b.c"}"#,
            r#"{"type":"carrierPigeon"}"#,
        ] {
            assert!(
                serde_json::from_str::<StartRegistration>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_code_challenge_names_its_kind_and_channel() {
        let registration = Registration {
            id: "r1".into(),
            method_type: MethodType::Email,
            challenge: Challenge::Code {
                channel: Channel::Email,
                destination: "alain@gmail.com".into(),
                code_length: 6,
                expires_at: "2026-11-24T10:10:00Z".into(),
                resend_available_at: "2026-11-24T10:01:00Z".into(),
            },
        };
        let json = serde_json::to_value(&registration).expect("serializes");
        assert_eq!(json["type"], "email");
        assert_eq!(json["challenge"]["kind"], "code");
        assert_eq!(json["challenge"]["channel"], "email");
        assert_eq!(json["challenge"]["codeLength"], 6);
        let back: Registration = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, registration);
    }

    #[test]
    fn an_answer_is_tagged_by_its_kind() {
        let answer: RegistrationAnswer =
            serde_json::from_str(r#"{"kind":"code","code":"123456"}"#).expect("parses");
        assert_eq!(
            answer,
            RegistrationAnswer::Code {
                code: "123456".into()
            }
        );
        assert!(serde_json::from_str::<RegistrationAnswer>(r#"{"code":"123456"}"#).is_err());
        assert!(
            serde_json::from_str::<RegistrationAnswer>(r#"{"kind":"code","code":"1","x":1}"#)
                .is_err()
        );
    }
}
