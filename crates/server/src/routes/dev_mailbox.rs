//! `GET /dev/mailbox`: the development outbox as JSON, only when no SMTP server is configured.

use axum::{Json, extract::State, http::header, response::IntoResponse};
use security_info_api::ProblemCode;

use crate::{error::ApiError, state::AppState};

/// Lists the development outbox, newest first; 404 when mail goes to a real SMTP server.
pub async fn get_dev_mailbox(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let outbox = state
        .dev_outbox
        .as_ref()
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(outbox.list())))
}
