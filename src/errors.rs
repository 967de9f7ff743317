//! Problem codes and failures as localized sentences: users never see the server's English.

use security_info_api::{MAX_METHOD_NAME_CHARS, ProblemCode};

use crate::api::ApiError;
use crate::format::format_countdown;
use crate::i18n::{I18n, Key};
use crate::methods;

/// The sentence to show for a failed call.
pub fn message(i18n: &I18n, error: &ApiError) -> String {
    let problem = match error {
        ApiError::Network => return i18n.t(Key::ErrorNetwork).to_owned(),
        ApiError::Status(status) if *status >= 500 => return i18n.t(Key::ErrorServer).to_owned(),
        ApiError::Status(_) => return i18n.t(Key::ErrorRequest).to_owned(),
        ApiError::Decode => return i18n.t(Key::ErrorServer).to_owned(),
        ApiError::Problem(problem) => problem,
    };
    let key = match problem.code {
        ProblemCode::Unauthenticated => Key::ProblemUnauthenticated,
        ProblemCode::InvalidCredentials => Key::ProblemInvalidCredentials,
        ProblemCode::ReauthenticationRequired => Key::ReauthText,
        ProblemCode::MethodAlreadyRegistered => Key::ProblemMethodAlreadyRegistered,
        ProblemCode::MethodLimitReached => Key::ProblemMethodLimitReached,
        ProblemCode::MethodNotRenamable => Key::ProblemMethodNotRenamable,
        ProblemCode::InvalidMethodName => {
            let max = MAX_METHOD_NAME_CHARS.to_string();
            return i18n.tf(Key::ProblemInvalidMethodName, &[("max", &max)]);
        }
        ProblemCode::MethodNotAllowed => Key::ProblemMethodNotAllowed,
        ProblemCode::ForbiddenOrigin => Key::ProblemForbiddenOrigin,
        ProblemCode::CodeIncorrect => match problem.attempts_left {
            Some(1) => Key::ProblemCodeIncorrectOne,
            Some(attempts) => {
                return i18n.tf(
                    Key::ProblemCodeIncorrect,
                    &[("attempts", &attempts.to_string())],
                );
            }
            None => Key::ProblemCodeIncorrectPlain,
        },
        ProblemCode::CodeExpired => Key::ProblemCodeExpired,
        ProblemCode::VerificationLocked => Key::ProblemVerificationLocked,
        ProblemCode::ResendTooSoon => {
            let seconds = problem.retry_after_seconds.unwrap_or(60).to_string();
            return i18n.tf(Key::ProblemResendTooSoon, &[("seconds", &seconds)]);
        }
        ProblemCode::TooManyRequests => {
            let time = format_countdown(problem.retry_after_seconds.unwrap_or(60));
            return i18n.tf(Key::ProblemTooManyRequests, &[("time", &time)]);
        }
        ProblemCode::SignInExpired => Key::ProblemSignInExpired,
        ProblemCode::NoChallenge => Key::ProblemNoChallenge,
        ProblemCode::NotATwoStepMethod => Key::ProblemNotATwoStepMethod,
        ProblemCode::NoTwoStepMethod => Key::ProblemNoTwoStepMethod,
        ProblemCode::PasswordTooShort => Key::ProblemPasswordTooShort,
        ProblemCode::PasswordTooLong => Key::ProblemPasswordTooLong,
        ProblemCode::PasswordContainsName => Key::ProblemPasswordContainsName,
        ProblemCode::PasswordTooWeak => Key::ProblemPasswordTooWeak,
        ProblemCode::PasswordRefusedByDirectory => Key::ProblemPasswordRefusedByDirectory,
        ProblemCode::ResetExpired => Key::ProblemResetExpired,
        ProblemCode::WayAlreadyPassed => Key::ProblemWayAlreadyPassed,
        ProblemCode::ResetNotVerified => Key::ProblemResetNotVerified,
        ProblemCode::NotFound => Key::ProblemNotFound,
        ProblemCode::PayloadTooLarge => Key::ProblemPayloadTooLarge,
        ProblemCode::UnsupportedMediaType
        | ProblemCode::MalformedRequest
        | ProblemCode::MethodNotSupported
        | ProblemCode::NoCodeToResend
        | ProblemCode::MisdirectedRequest
        | ProblemCode::HeadersTooLarge => Key::ErrorRequest,
        // The body stalled on its way to the server: a connection problem.
        ProblemCode::RequestTimeout => Key::ErrorNetwork,
        ProblemCode::Internal => Key::ErrorServer,
        ProblemCode::ServiceUnavailable => Key::ErrorUnavailable,
        // A problem of one type's own input (an address, a number): its module says it.
        type_specific => methods::problem(type_specific).unwrap_or(Key::ErrorRequest),
    };
    i18n.t(key).to_owned()
}

/// A message kept in state as what to say, not as text, so it follows a language switch.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A fixed text.
    Text(Key),
    /// A text with its placeholders.
    Filled(Key, Vec<(&'static str, String)>),
    /// The sentence for a failed call.
    Api(ApiError),
}

impl Shown {
    /// The sentence in the chosen language (tracked).
    pub fn text(&self, i18n: &I18n) -> String {
        match self {
            Shown::Text(key) => i18n.t(*key).to_owned(),
            Shown::Filled(key, args) => {
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                i18n.tf(*key, &args)
            }
            Shown::Api(error) => message(i18n, error),
        }
    }
}
