//! What every answer of the API is: never cached and, when it is an error, a problem body.
//!
//! Handlers and guards answer with problems themselves; this catches the error answers made
//! elsewhere (axum's extractor rejections, such as a path parameter that is not UTF-8, are
//! `text/plain`), so a client always gets `application/problem+json` with a stable `code`.

use axum::{
    body::to_bytes,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use security_info_api::{ProblemCode, problem::PROBLEM_CONTENT_TYPE};

use crate::error::ApiError;

/// The longest rejection text kept as the problem's `detail`.
const MAX_DETAIL_BYTES: usize = 1024;

/// The middleware (see the module comment).
pub async fn normalize(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let mut response =
        if (status.is_client_error() || status.is_server_error()) && !is_problem(&response) {
            as_problem(response).await
        } else {
            response
        };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value == PROBLEM_CONTENT_TYPE)
}

/// The problem for an error answer that is not one, keeping its `Allow` and, for a client
/// error, its text as the `detail`.
async fn as_problem(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let code = match parts.status {
        StatusCode::NOT_FOUND => ProblemCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemCode::MethodNotSupported,
        StatusCode::REQUEST_TIMEOUT => ProblemCode::RequestTimeout,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemCode::UnsupportedMediaType,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ProblemCode::HeadersTooLarge,
        StatusCode::SERVICE_UNAVAILABLE => ProblemCode::ServiceUnavailable,
        status if status.is_client_error() => ProblemCode::MalformedRequest,
        status => {
            return ApiError::Internal(anyhow::anyhow!("answered {status} without a problem body"))
                .into_response();
        }
    };
    let detail = to_bytes(body, MAX_DETAIL_BYTES)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .filter(|text| !text.trim().is_empty());
    let error = match detail {
        Some(detail) => ApiError::detail(code, detail),
        None => ApiError::code(code),
    };
    let mut problem = error.into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        problem.headers_mut().insert(header::ALLOW, allow.clone());
    }
    problem
}
