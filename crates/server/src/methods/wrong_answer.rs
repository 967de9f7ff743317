//! A wrong answer to a registration's challenge, whatever the type: counted, audited, and
//! after [`policy::MAX_FAILED_ATTEMPTS`] the registration is void.

use security_info_api::ActivityKind;

use super::Attempt;
use crate::{
    domain::{audit, policy},
    error::ApiError,
    store::RegistrationRecord,
};

/// How counting a wrong answer came out.
pub enum WrongAnswer {
    /// Counted: answer with this error (how many tries are left, or that it is void).
    Counted(ApiError),
    /// Another request counted one first: read the registration again.
    Raced,
}

/// The attempts left before a registration is void.
pub fn attempts_left(registration: &RegistrationRecord) -> u32 {
    policy::MAX_FAILED_ATTEMPTS.saturating_sub(registration.failed_attempts)
}

/// Counts a wrong answer to `registration` (audited with `description`, never the answer).
pub async fn count(
    attempt: &Attempt<'_>,
    registration: &RegistrationRecord,
    description: &str,
) -> anyhow::Result<WrongAnswer> {
    let failed = registration.failed_attempts + 1;
    let lock = failed >= policy::MAX_FAILED_ATTEMPTS;
    let account_id = Some(&attempt.account.account_id);
    let detail = Some(description.to_owned());
    let mut events = vec![audit::event(
        ActivityKind::VerificationFailed,
        account_id,
        attempt.context,
        detail.clone(),
        attempt.now,
    )?];
    if lock {
        events.push(audit::event(
            ActivityKind::VerificationLocked,
            account_id,
            attempt.context,
            detail,
            attempt.now,
        )?);
    }
    let counted = attempt
        .state
        .store
        .record_failed_answer(
            &registration.registration_id,
            registration.failed_attempts,
            lock,
            &events,
        )
        .await?;
    Ok(if !counted {
        WrongAnswer::Raced
    } else if lock {
        WrongAnswer::Counted(ApiError::code(
            security_info_api::ProblemCode::VerificationLocked,
        ))
    } else {
        WrongAnswer::Counted(ApiError::code_incorrect(
            policy::MAX_FAILED_ATTEMPTS - failed,
        ))
    })
}
