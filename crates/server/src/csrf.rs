//! Guards in front of every API call. CSRF: a state-changing request must come from an allowed
//! `Origin` (when the browser sends one) and a POST must be `application/json`, which a
//! cross-site form cannot send without a CORS preflight. Oversized bodies are refused before
//! they are read. It runs only for requests that match a route (see `routes::api_router`);
//! `crate::api_answers` keeps every API answer out of caches.
//!
//! The `Origin` rule has one relaxation: a request to a `/me` resource that carries
//! `Authorization: Bearer` is authenticated by that token alone ([`CurrentUser`] then never
//! reads the cookie). CSRF is a browser attaching an *ambient* credential to a request another
//! site made; a bearer token is never ambient: a page can only send it if it holds it, and a
//! cross-site page cannot even add the header without a CORS preflight, which this server
//! never grants. So checking `Origin` there protects nothing, and tools that send an `Origin`
//! of their own (or a portal's backend) can use tokens. Everything else stays: the JSON content
//! type, the size limit, and the full `Origin` rule for `/session`, where a bearer token
//! authenticates nothing.
//!
//! [`CurrentUser`]: crate::extract::CurrentUser

use axum::{
    extract::{Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use security_info_api::ProblemCode;

use crate::{
    domain::policy,
    error::ApiError,
    extract::{bearer_token, is_json},
    state::AppState,
};

/// Whether `path` (as seen inside `/api/v1`, or with it) is one of the `/me` resources, the only
/// ones that accept a bearer token.
fn is_me_resource(path: &str) -> bool {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    path == "/me" || path.starts_with("/me/")
}

/// The guard middleware (see the module comment).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Err(error) = check(&state, &request) {
        return error.into_response();
    }
    next.run(request).await
}

fn check(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let method = request.method();
    let headers = request.headers();
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let token_authenticated =
        bearer_token(headers).is_some() && is_me_resource(request.uri().path());
    if changes_state
        && !token_authenticated
        && let Some(origin) = headers.get(header::ORIGIN)
    {
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| state.origins.allows(origin));
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
