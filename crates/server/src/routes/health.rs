//! Liveness and readiness probes (outside `/api/v1`, for orchestrators).

use axum::{extract::State, http::StatusCode};
use security_info_api::ProblemCode;

use crate::{error::ApiError, state::AppState};

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 204, description = "Alive")))]
pub async fn get_healthz() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `GET /readyz`: the process can serve requests (the database answers).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 204, description = "Ready"),
        (status = 503, description = "`service_unavailable`: the database does not answer",
         body = security_info_api::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_readyz(State(state): State<AppState>) -> Result<StatusCode, ApiError> {
    match state.store.ping().await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(error) => {
            tracing::warn!(error = ?error, "not ready: the database does not answer");
            Err(ApiError::code(ProblemCode::ServiceUnavailable))
        }
    }
}
