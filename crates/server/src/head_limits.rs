//! The size of a request's head (request line and header fields), answered with a 431 problem
//! and the security headers like every other answer.
//!
//! hyper enforces hard limits while parsing and answers a bare 431 itself (no body, no
//! headers of ours, then closes): those are set well above the limits here, so any head that
//! a client could mean to send (up to [`HARD_MAX_BYTES`]) gets the problem answer.

use axum::{extract::Request, middleware::Next, response::IntoResponse, response::Response};
use security_info_api::ProblemCode;

use crate::error::ApiError;

/// Header fields a request may carry (Apache's `LimitRequestFields`).
pub const MAX_FIELDS: usize = 100;
/// Bytes of request target and header fields a request may carry (cookies of a whole site
/// included).
pub const MAX_BYTES: usize = 32 * 1024;
/// hyper's own limit of fields, past which it answers a bare 431.
pub const HARD_MAX_FIELDS: usize = 4 * MAX_FIELDS;
/// hyper's read buffer limit, past which an unfinished head gets a bare 431; also bounds the
/// memory a connection holds.
pub const HARD_MAX_BYTES: usize = 2 * MAX_BYTES;

/// The middleware: refuses a head over [`MAX_FIELDS`] or [`MAX_BYTES`].
pub async fn check(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len())
        + headers
            .iter()
            // "name: value\r\n"
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>();
    if headers.len() > MAX_FIELDS || bytes > MAX_BYTES {
        return ApiError::code(ProblemCode::HeadersTooLarge).into_response();
    }
    next.run(request).await
}
