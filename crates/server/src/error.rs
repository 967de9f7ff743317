//! The one error type of the HTTP layer. Client mistakes become RFC 9457 problem bodies with a
//! stable `code`; a busy database is a 503 with `Retry-After`; anything else is logged with a
//! correlation id that the 500 body repeats, and its details never leave the server.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use security_info_api::{Problem, ProblemCode, problem::PROBLEM_CONTENT_TYPE};

/// What a handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    /// A problem the client can act on (4xx, or 503).
    Client(Box<Problem>),
    /// A failure of the server itself (500).
    Internal(anyhow::Error),
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A problem with just its code.
    pub fn code(code: ProblemCode) -> Self {
        Self::Client(Box::new(Problem::new(code)))
    }

    /// A problem with a developer-facing detail.
    pub fn detail(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Client(Box::new(Problem::new(code).with_detail(detail)))
    }

    /// `code_incorrect` with the tries left.
    pub fn code_incorrect(attempts_left: u32) -> Self {
        Self::wrong_answer(ProblemCode::CodeIncorrect, attempts_left)
    }

    /// A wrong answer refused with `code` (`code_incorrect`, `security_key_not_accepted`),
    /// with the tries left.
    pub fn wrong_answer(code: ProblemCode, attempts_left: u32) -> Self {
        let mut problem = Problem::new(code);
        problem.attempts_left = Some(attempts_left);
        Self::Client(Box::new(problem))
    }

    /// A refusal about one of a request's security question answers (`answerIndex`, 0-based).
    pub fn for_answer(code: ProblemCode, index: u32) -> Self {
        let mut problem = Problem::new(code);
        problem.answer_index = Some(index);
        Self::Client(Box::new(problem))
    }

    /// The record a request works on kept being changed by concurrent requests until the
    /// handler gave up: nothing was written, so this is a 503 to retry shortly, not a failure.
    pub fn contended() -> Self {
        tracing::warn!("gave up after repeated concurrent changes: answered 503");
        let mut problem = Problem::new(ProblemCode::ServiceUnavailable);
        problem.retry_after_seconds = Some(CONTENDED_RETRY_SECONDS);
        Self::Client(Box::new(problem))
    }

    /// A rate-limit problem (`resend_too_soon`, `too_many_requests`) with its wait.
    pub fn retry_after(code: ProblemCode, seconds: u64) -> Self {
        let mut problem = Problem::new(code);
        problem.retry_after_seconds = Some(seconds.max(1));
        Self::Client(Box::new(problem))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// Renders a problem with its status, content type and `Retry-After`.
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = problem.retry_after_seconds;
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Seconds a client is asked to wait when the database is busy.
const BUSY_RETRY_SECONDS: u64 = 5;
/// Seconds a client is asked to wait after losing races with concurrent requests.
const CONTENDED_RETRY_SECONDS: u64 = 1;

/// Whether `error` is the database being busy rather than broken: another writer held the
/// lock past the busy timeout (an operator's backup, a long migration), or PostgreSQL gave up
/// a transaction that lost to a concurrent one. Nothing was written, so trying again later is
/// the right answer.
fn database_busy(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| match cause.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::Database(database)) => {
                let Some(code) = database.code() else {
                    return false;
                };
                if database
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
                {
                    // lock_not_available (the lock timeout), serialization_failure,
                    // deadlock_detected.
                    matches!(code.as_ref(), "55P03" | "40001" | "40P01")
                } else {
                    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                    code.parse::<u32>()
                        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
                }
            }
            _ => false,
        })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Client(problem) => problem_response(*problem),
            Self::Internal(error) if database_busy(&error) => {
                tracing::warn!(error = %error, "database busy: answered 503");
                let mut problem = Problem::new(ProblemCode::ServiceUnavailable);
                problem.retry_after_seconds = Some(BUSY_RETRY_SECONDS);
                problem_response(problem)
            }
            Self::Internal(error) => {
                let correlation_id = crate::random::id().unwrap_or_else(|_| "unavailable".into());
                tracing::error!(correlation_id = %correlation_id, error = ?error, "request failed");
                let mut problem = Problem::new(ProblemCode::Internal);
                problem.correlation_id = Some(correlation_id);
                problem_response(problem)
            }
        }
    }
}
