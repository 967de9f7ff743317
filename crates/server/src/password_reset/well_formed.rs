//! The reset steps' bodies checked against the API document's rules before the reset is
//! looked up: a body the document calls invalid is refused the same way whether or not a
//! reset is in progress (400 or 422, never the 410 of a reset that ended). The checks read
//! the body only, so they tell nothing about any account.

use security_info_api::{EmailAddress, NewPassword, ProblemCode, ResetAnswer, ResetChoice};

use crate::{
    domain::{codes, phone as phone_numbers},
    error::{ApiError, ApiResult},
    methods::phone,
    state::AppState,
};

/// Longest question id of an answer.
const MAX_QUESTION_ID_CHARS: usize = 64;
/// Longest answer to a question.
const MAX_ANSWER_CHARS: usize = 200;
/// Longest new password the body may carry (the policy's own limit is lower).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A way's destination: an address that parses (`invalid_email`), a number that parses and
/// is allowed (`invalid_phone_number` and the like), as the gate itself would say.
pub fn choice(state: &AppState, choice: &ResetChoice) -> ApiResult<()> {
    match choice {
        ResetChoice::Email { email_address } => EmailAddress::parse(email_address)
            .map(drop)
            .map_err(|_| ApiError::code(ProblemCode::InvalidEmail)),
        ResetChoice::Phone { region, number, .. } => {
            phone_numbers::parse(number, region, &state.settings.phone_regions)
                .map(drop)
                .map_err(phone::number_error)
        }
        ResetChoice::AuthenticatorApp {}
        | ResetChoice::SecurityKey {}
        | ResetChoice::SecurityQuestions {} => Ok(()),
    }
}

/// A code of digits, spaces and dashes (1 to 64 characters); answers with a question id of
/// up to 64 characters and 1 to 200 characters each; a credential that is an object: else
/// `malformed_request`.
pub fn answer(answer: &ResetAnswer) -> ApiResult<()> {
    match answer {
        ResetAnswer::Code { code } if !codes::is_written_as_a_code(code) => Err(ApiError::detail(
            ProblemCode::MalformedRequest,
            "a code is 1 to 64 digits, spaces and dashes",
        )),
        ResetAnswer::Code { .. } => Ok(()),
        ResetAnswer::Answers { answers } => {
            for given in answers {
                let answer_length = given.answer.chars().count();
                if given.id.chars().count() > MAX_QUESTION_ID_CHARS
                    || answer_length == 0
                    || answer_length > MAX_ANSWER_CHARS
                {
                    return Err(ApiError::detail(
                        ProblemCode::MalformedRequest,
                        "an answer is 1 to 200 characters, its id at most 64",
                    ));
                }
            }
            Ok(())
        }
        ResetAnswer::Assertion { credential } if !credential.is_object() => Err(ApiError::detail(
            ProblemCode::MalformedRequest,
            "a credential is an object",
        )),
        ResetAnswer::Assertion { .. } => Ok(()),
    }
}

/// A new password of at most [`MAX_PASSWORD_CHARS`] characters: else `password_too_long`,
/// as the policy says of any password over its own limit.
pub fn password(body: &NewPassword) -> ApiResult<()> {
    if body.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::code(ProblemCode::PasswordTooLong));
    }
    Ok(())
}
