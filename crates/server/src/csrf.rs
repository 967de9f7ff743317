//! Guards in front of every API call. CSRF: a state-changing request must come from an allowed
//! `Origin` (when the browser sends one) and a POST must be `application/json`, which a
//! cross-site form cannot send without a CORS preflight. Oversized bodies are refused before
//! they are read. API answers are never cached.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use security_info_api::ProblemCode;

use crate::{domain::policy, error::ApiError, extract::is_json, state::AppState};

/// The guard middleware (see the module comment).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Err(error) = check(&state, &request) {
        return with_no_store(error.into_response());
    }
    with_no_store(next.run(request).await)
}

fn check(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let method = request.method();
    let headers = request.headers();
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| state.origins.allows(origin, host));
        if !allowed {
            return Err(ApiError::code(ProblemCode::ForbiddenOrigin));
        }
    }
    let too_large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > policy::MAX_BODY_BYTES as u64);
    if too_large {
        return Err(ApiError::code(ProblemCode::PayloadTooLarge));
    }
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) && !is_json(headers) {
        return Err(ApiError::code(ProblemCode::UnsupportedMediaType));
    }
    Ok(())
}

fn with_no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
