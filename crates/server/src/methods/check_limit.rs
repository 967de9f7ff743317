//! The limit on checks of a user's methods outside a registration (an authenticator app's
//! code, a security key's assertion, at sign-in's second step and in a password reset):
//! [`policy::METHOD_CHECK_FAILURES`] failures in [`policy::SIGN_IN_FAILURE_WINDOW`], counted
//! before a check runs, then `too_many_requests` with `Retry-After`.
//!
//! A password reset of a name without an account counts its answers against the name in the
//! same way, so the limit's 429 comes at the same answer for both and tells nothing.

use security_info_api::{MethodType, ProblemCode};
use time::OffsetDateTime;

use crate::{
    clock,
    domain::policy,
    error::{ApiError, ApiResult},
    store::{CheckSubject, MethodCheck, MethodCheckLimit, MethodStore},
};

/// Counts a check of `subject`'s `method_type` before it runs: its id (a passed check marks
/// it succeeded), or `too_many_requests` past the limit.
pub async fn reserve(
    methods: &dyn MethodStore,
    subject: CheckSubject,
    method_type: MethodType,
    now: OffsetDateTime,
) -> ApiResult<String> {
    let check = MethodCheck {
        method_check_id: crate::random::id()?,
        subject,
        method_type,
        created_at: now,
    };
    let limit = MethodCheckLimit {
        window: policy::SIGN_IN_FAILURE_WINDOW,
        failures: policy::METHOD_CHECK_FAILURES,
    };
    match methods.reserve_method_check(&check, &limit).await? {
        Ok(()) => Ok(check.method_check_id),
        Err(throttled) => Err(ApiError::retry_after(
            ProblemCode::TooManyRequests,
            clock::seconds_until(now, throttled.until),
        )),
    }
}
