//! RFC 9457 problem details with a stable machine-readable `code`.
//!
//! The app never shows the server's English `title`: it maps the `code` to localized text, so
//! codes are part of the contract and are never renamed.

use serde::{Deserialize, Serialize};

/// Media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Every error the API can report. Serialized in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No valid session or bearer token.
    Unauthenticated,
    /// Wrong username or password (same answer whether the user exists or not).
    InvalidCredentials,
    /// The change needs a sign-in or re-authentication within the last few minutes.
    ReauthenticationRequired,
    /// The email address is not a valid mailbox.
    InvalidEmail,
    /// The email address is in one of the organization's own domains.
    WorkEmailNotAllowed,
    /// The user already has a method of this type (or of this phone kind).
    MethodAlreadyRegistered,
    /// The user has as many methods of this type as one account may have.
    MethodLimitReached,
    /// Methods of this type have no name to change.
    MethodNotRenamable,
    /// The registration's type sends no code (an authenticator app shows its own).
    NoCodeToResend,
    /// The method name is empty, too long or has unprintable characters.
    InvalidMethodName,
    /// The browser's answer for a security key did not verify (another site's key, a
    /// tampered or stale answer): the registration is void; start again.
    SecurityKeyNotAccepted,
    /// The organization accepts only the security key models it hands out, and this is not
    /// one of them.
    SecurityKeyModelNotAllowed,
    /// Security questions: not as many answers as the organization asks for.
    WrongNumberOfAnswers,
    /// Security questions: a question id that is not one of the predefined questions; `answerIndex` says which.
    UnknownQuestion,
    /// Security questions: the same question chosen twice; `answerIndex` says which.
    QuestionRepeated,
    /// Security questions: the organization does not allow questions of the user's own.
    OwnQuestionNotAllowed,
    /// Security questions: an own question that is empty, longer than 200 characters or has control characters.
    InvalidOwnQuestion,
    /// Security questions: an answer of fewer than 3 characters once normalized; `answerIndex` says which.
    AnswerTooShort,
    /// Security questions: an answer of more than 40 characters once normalized.
    AnswerTooLong,
    /// Security questions: two answers the same once normalized; `answerIndex` is the later one.
    AnswersAlike,
    /// Security questions: an answer containing the user's name or principal name.
    AnswerContainsName,
    /// Security questions: an answer that is part of its question.
    AnswerRepeatsQuestion,
    /// Phone: not a phone number, or not a valid one in its region (too short, an unused range).
    InvalidPhoneNumber,
    /// Phone: a premium-rate, toll-free, shared-cost, company or short number, which no person answers.
    PhoneNumberNotPersonal,
    /// Phone: the number's country calling code is not one the organization allows.
    PhoneRegionNotAllowed,
    /// Phone: texts asked for a kind that takes calls only, or for a number that is not a mobile one; choose a call.
    TextsNotPossible,
    /// Phone: an extension that is not 1 to 10 digits, or one for a phone other than an office phone.
    InvalidExtension,
    /// The organization's policy does not allow this method type.
    MethodNotAllowed,
    /// The Origin of a state-changing request is not allowed.
    ForbiddenOrigin,
    /// The verification code is wrong; `attemptsLeft` says how many tries remain.
    CodeIncorrect,
    /// The verification code has expired; start again.
    CodeExpired,
    /// Too many wrong codes: the registration is void; start again.
    VerificationLocked,
    /// The registration was not finished in time; start again.
    RegistrationExpired,
    /// The second step of a sign-in or step-up was not finished in time, failed too often or
    /// is not there: sign in (or confirm the password) again.
    SignInExpired,
    /// A code was sent to the second step before a way was picked (or for another way).
    NoChallenge,
    /// The method cannot be the default sign-in method: it is not usable for two-step
    /// verification (email, security questions).
    NotATwoStepMethod,
    /// Recovery codes need a method usable for two-step verification first.
    NoTwoStepMethod,
    /// Password reset: the new password is shorter than the organization's minimum.
    PasswordTooShort,
    /// Password reset: the new password is longer than 256 characters.
    PasswordTooLong,
    /// Password reset: the new password contains the user's name or address, or the organization's name.
    PasswordContainsName,
    /// Password reset: the new password is too easy to guess; `reason` says what made it so.
    PasswordTooWeak,
    /// Password reset: the organization's directory refused the new password (its own policy:
    /// length, history, complexity); `reason` gives the directory's words where it said any.
    PasswordRefusedByDirectory,
    /// Password reset: the reset ended (15 minutes, too many wrong answers, or done): start again.
    ResetExpired,
    /// Password reset: this way was passed already; the second gate needs another one.
    WayAlreadyPassed,
    /// Password reset: the new password can be chosen only once every gate is passed.
    ResetNotVerified,
    /// A new code was asked for too soon; `retryAfterSeconds` says when.
    ResendTooSoon,
    /// A rate limit was hit; `retryAfterSeconds` says when to try again.
    TooManyRequests,
    /// No such resource (or not the caller's).
    NotFound,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The request body is not `application/json`.
    UnsupportedMediaType,
    /// The request is not well-formed (bad JSON, unknown fields, wrong types).
    MalformedRequest,
    /// The HTTP method is not supported on this path.
    MethodNotSupported,
    /// The request's body did not arrive in time.
    RequestTimeout,
    /// The request was sent to a host name this server does not answer for (`Host`).
    MisdirectedRequest,
    /// The request's headers are too many or too large.
    HeadersTooLarge,
    /// Something failed on the server; `correlationId` identifies it in the logs.
    Internal,
    /// A dependency (database, mail) is unavailable right now.
    ServiceUnavailable,
}

impl ProblemCode {
    /// The HTTP status that goes with this code.
    pub fn status(self) -> u16 {
        match self {
            Self::MalformedRequest => 400,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::ReauthenticationRequired
            | Self::SignInExpired => 401,
            Self::MethodNotAllowed
            | Self::ForbiddenOrigin
            | Self::SecurityKeyModelNotAllowed
            | Self::ResetNotVerified => 403,
            Self::NotFound => 404,
            Self::MethodNotSupported => 405,
            Self::RequestTimeout => 408,
            Self::MethodAlreadyRegistered
            | Self::MethodLimitReached
            | Self::MethodNotRenamable
            | Self::NoCodeToResend
            | Self::NoChallenge
            | Self::NoTwoStepMethod
            | Self::WayAlreadyPassed => 409,
            Self::CodeExpired
            | Self::VerificationLocked
            | Self::RegistrationExpired
            | Self::ResetExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::MisdirectedRequest => 421,
            Self::InvalidEmail
            | Self::WorkEmailNotAllowed
            | Self::CodeIncorrect
            | Self::InvalidMethodName
            | Self::SecurityKeyNotAccepted
            | Self::WrongNumberOfAnswers
            | Self::UnknownQuestion
            | Self::QuestionRepeated
            | Self::OwnQuestionNotAllowed
            | Self::InvalidOwnQuestion
            | Self::AnswerTooShort
            | Self::AnswerTooLong
            | Self::AnswersAlike
            | Self::AnswerContainsName
            | Self::AnswerRepeatsQuestion
            | Self::InvalidPhoneNumber
            | Self::PhoneNumberNotPersonal
            | Self::PhoneRegionNotAllowed
            | Self::TextsNotPossible
            | Self::InvalidExtension
            | Self::NotATwoStepMethod
            | Self::PasswordTooShort
            | Self::PasswordTooLong
            | Self::PasswordContainsName
            | Self::PasswordTooWeak
            | Self::PasswordRefusedByDirectory => 422,
            Self::ResendTooSoon | Self::TooManyRequests => 429,
            Self::HeadersTooLarge => 431,
            Self::Internal => 500,
            Self::ServiceUnavailable => 503,
        }
    }

    /// A short English summary, used as the problem `title` (the app localizes by `code`).
    pub fn title(self) -> &'static str {
        match self {
            Self::Unauthenticated => "Sign-in required",
            Self::InvalidCredentials => "Wrong username or password",
            Self::ReauthenticationRequired => "Please confirm your password",
            Self::InvalidEmail => "Invalid email address",
            Self::WorkEmailNotAllowed => "Work or school address not allowed",
            Self::MethodAlreadyRegistered => "Method already registered",
            Self::MethodLimitReached => "No more methods of this type can be added",
            Self::MethodNotRenamable => "This method has no name to change",
            Self::NoCodeToResend => "This method sends no code",
            Self::InvalidMethodName => "Invalid method name",
            Self::SecurityKeyNotAccepted => "The security key's answer could not be verified",
            Self::SecurityKeyModelNotAllowed => "This security key model is not allowed",
            Self::WrongNumberOfAnswers => "Wrong number of answers",
            Self::UnknownQuestion => "Unknown security question",
            Self::QuestionRepeated => "The same question twice",
            Self::OwnQuestionNotAllowed => "Own questions not allowed",
            Self::InvalidOwnQuestion => "Invalid own question",
            Self::AnswerTooShort => "Answer too short",
            Self::AnswerTooLong => "Answer too long",
            Self::AnswersAlike => "Two answers alike",
            Self::AnswerContainsName => "Answer contains your name",
            Self::AnswerRepeatsQuestion => "Answer repeats the question",
            Self::InvalidPhoneNumber => "Invalid phone number",
            Self::PhoneNumberNotPersonal => "This kind of number cannot be used",
            Self::PhoneRegionNotAllowed => "Numbers in this country or region are not allowed",
            Self::TextsNotPossible => "This number cannot receive text messages",
            Self::InvalidExtension => "Invalid extension",
            Self::MethodNotAllowed => "Method not allowed by your organization",
            Self::ForbiddenOrigin => "Request origin not allowed",
            Self::CodeIncorrect => "Incorrect code",
            Self::CodeExpired => "Code expired",
            Self::VerificationLocked => "Too many incorrect codes",
            Self::RegistrationExpired => "The registration expired",
            Self::SignInExpired => "Sign in again",
            Self::NoChallenge => "Choose a way to verify first",
            Self::NotATwoStepMethod => "This method cannot be used for two-step verification",
            Self::NoTwoStepMethod => "Add a method for two-step verification first",
            Self::PasswordTooShort => "Password too short",
            Self::PasswordTooLong => "Password too long",
            Self::PasswordContainsName => "Password contains a name",
            Self::PasswordTooWeak => "Password too easy to guess",
            Self::PasswordRefusedByDirectory => "The directory refused the password",
            Self::ResetExpired => "The password reset ended",
            Self::WayAlreadyPassed => "Choose another way",
            Self::ResetNotVerified => "Verify your identity first",
            Self::ResendTooSoon => "Please wait before asking for a new code",
            Self::TooManyRequests => "Too many requests",
            Self::NotFound => "Not found",
            Self::PayloadTooLarge => "Request body too large",
            Self::UnsupportedMediaType => "Request body must be application/json",
            Self::MalformedRequest => "Malformed request",
            Self::MethodNotSupported => "HTTP method not supported",
            Self::RequestTimeout => "Request body not received in time",
            Self::MisdirectedRequest => "Unknown host name",
            Self::HeadersTooLarge => "Request headers too large",
            Self::Internal => "Internal error",
            Self::ServiceUnavailable => "Service unavailable",
        }
    }

    /// The stable wire name (`snake_case`), also used as the last segment of the problem `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::InvalidEmail => "invalid_email",
            Self::WorkEmailNotAllowed => "work_email_not_allowed",
            Self::MethodAlreadyRegistered => "method_already_registered",
            Self::MethodLimitReached => "method_limit_reached",
            Self::MethodNotRenamable => "method_not_renamable",
            Self::NoCodeToResend => "no_code_to_resend",
            Self::InvalidMethodName => "invalid_method_name",
            Self::SecurityKeyNotAccepted => "security_key_not_accepted",
            Self::SecurityKeyModelNotAllowed => "security_key_model_not_allowed",
            Self::WrongNumberOfAnswers => "wrong_number_of_answers",
            Self::UnknownQuestion => "unknown_question",
            Self::QuestionRepeated => "question_repeated",
            Self::OwnQuestionNotAllowed => "own_question_not_allowed",
            Self::InvalidOwnQuestion => "invalid_own_question",
            Self::AnswerTooShort => "answer_too_short",
            Self::AnswerTooLong => "answer_too_long",
            Self::AnswersAlike => "answers_alike",
            Self::AnswerContainsName => "answer_contains_name",
            Self::AnswerRepeatsQuestion => "answer_repeats_question",
            Self::InvalidPhoneNumber => "invalid_phone_number",
            Self::PhoneNumberNotPersonal => "phone_number_not_personal",
            Self::PhoneRegionNotAllowed => "phone_region_not_allowed",
            Self::TextsNotPossible => "texts_not_possible",
            Self::InvalidExtension => "invalid_extension",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::ForbiddenOrigin => "forbidden_origin",
            Self::CodeIncorrect => "code_incorrect",
            Self::CodeExpired => "code_expired",
            Self::VerificationLocked => "verification_locked",
            Self::RegistrationExpired => "registration_expired",
            Self::SignInExpired => "sign_in_expired",
            Self::NoChallenge => "no_challenge",
            Self::NotATwoStepMethod => "not_a_two_step_method",
            Self::NoTwoStepMethod => "no_two_step_method",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooLong => "password_too_long",
            Self::PasswordContainsName => "password_contains_name",
            Self::PasswordTooWeak => "password_too_weak",
            Self::PasswordRefusedByDirectory => "password_refused_by_directory",
            Self::ResetExpired => "reset_expired",
            Self::WayAlreadyPassed => "way_already_passed",
            Self::ResetNotVerified => "reset_not_verified",
            Self::ResendTooSoon => "resend_too_soon",
            Self::TooManyRequests => "too_many_requests",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::MalformedRequest => "malformed_request",
            Self::MethodNotSupported => "method_not_supported",
            Self::RequestTimeout => "request_timeout",
            Self::MisdirectedRequest => "misdirected_request",
            Self::HeadersTooLarge => "headers_too_large",
            Self::Internal => "internal",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [ProblemCode; 57] = [
        Self::Unauthenticated,
        Self::InvalidCredentials,
        Self::ReauthenticationRequired,
        Self::InvalidEmail,
        Self::WorkEmailNotAllowed,
        Self::MethodAlreadyRegistered,
        Self::MethodLimitReached,
        Self::MethodNotRenamable,
        Self::NoCodeToResend,
        Self::InvalidMethodName,
        Self::SecurityKeyNotAccepted,
        Self::SecurityKeyModelNotAllowed,
        Self::WrongNumberOfAnswers,
        Self::UnknownQuestion,
        Self::QuestionRepeated,
        Self::OwnQuestionNotAllowed,
        Self::InvalidOwnQuestion,
        Self::AnswerTooShort,
        Self::AnswerTooLong,
        Self::AnswersAlike,
        Self::AnswerContainsName,
        Self::AnswerRepeatsQuestion,
        Self::InvalidPhoneNumber,
        Self::PhoneNumberNotPersonal,
        Self::PhoneRegionNotAllowed,
        Self::TextsNotPossible,
        Self::InvalidExtension,
        Self::MethodNotAllowed,
        Self::ForbiddenOrigin,
        Self::CodeIncorrect,
        Self::CodeExpired,
        Self::VerificationLocked,
        Self::RegistrationExpired,
        Self::SignInExpired,
        Self::NoChallenge,
        Self::NotATwoStepMethod,
        Self::NoTwoStepMethod,
        Self::PasswordTooShort,
        Self::PasswordTooLong,
        Self::PasswordContainsName,
        Self::PasswordTooWeak,
        Self::PasswordRefusedByDirectory,
        Self::ResetExpired,
        Self::WayAlreadyPassed,
        Self::ResetNotVerified,
        Self::ResendTooSoon,
        Self::TooManyRequests,
        Self::NotFound,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::MalformedRequest,
        Self::MethodNotSupported,
        Self::RequestTimeout,
        Self::MisdirectedRequest,
        Self::HeadersTooLarge,
        Self::Internal,
        Self::ServiceUnavailable,
    ];
}

/// An RFC 9457 problem details body, extended with the fields some codes carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI naming the problem type (`urn:security-info:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short English summary.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code.
    pub code: ProblemCode,
    /// English detail for developers; never shown to users as-is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// With `code_incorrect`: how many more tries before the registration is void.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `resend_too_soon` and `too_many_requests`: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Which answer (0-based) a security question refusal is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_index: Option<u32>,
    /// With `password_too_weak`: what made the password guessable (`common_password`,
    /// `keyboard_pattern`, `repeats`, `sequence`, `dates`, `single_word`, `names`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// With `internal`: the id under which the server logged the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl Problem {
    /// A problem with the code's status and title and no extensions.
    pub fn new(code: ProblemCode) -> Self {
        Self {
            type_uri: format!("urn:security-info:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            code,
            detail: None,
            attempts_left: None,
            retry_after_seconds: None,
            answer_index: None,
            reason: None,
            correlation_id: None,
        }
    }

    /// Adds a developer-facing detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_to_its_stable_wire_name() {
        for code in ProblemCode::ALL {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn client_mistakes_are_never_server_errors() {
        for code in ProblemCode::ALL {
            let status = code.status();
            match code {
                ProblemCode::Internal | ProblemCode::ServiceUnavailable => assert!(status >= 500),
                _ => assert!((400..500).contains(&status), "{code:?} has {status}"),
            }
        }
    }

    #[test]
    fn a_problem_round_trips_with_camel_case_extensions() {
        let mut problem = Problem::new(ProblemCode::CodeIncorrect);
        problem.attempts_left = Some(3);
        let json = serde_json::to_value(&problem).expect("serializes");
        assert_eq!(json["attemptsLeft"], 3);
        assert_eq!(json["code"], "code_incorrect");
        assert_eq!(json["status"], 422);
        assert_eq!(json["type"], "urn:security-info:problem:code_incorrect");
        let back: Problem = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, problem);
    }
}
