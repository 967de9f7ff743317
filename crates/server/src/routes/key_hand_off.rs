//! A security key registration finished in a window of the app's own, for a portal's frame
//! (see [`crate::methods::security_key::hand_off`]): no session, the registration's
//! capability instead.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use security_info_api::{HandOff, HandedOffCredential, KeyPrompt, MethodCreated, Problem};

use crate::{
    error::ApiResult,
    extract::{ApiJson, ClientContext},
    methods::security_key::hand_off,
    state::AppState,
    store::RegistrationId,
};

/// The browser's options of a handed-off security key registration, for the window to ask the
/// browser with.
#[utoipa::path(post, path = "/security-key-registrations/{id}/options", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body = HandOff,
    security(()),
    responses(
        (status = 200, description = "The options, and whose key it becomes", body = KeyPrompt),
        (status = 404, description = "`not_found`: no such registration, or not this capability's", body = Problem,
         content_type = "application/problem+json"),
        (status = 410, description = "`verification_locked`, `registration_expired` or `code_expired` (superseded)",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn get_key_prompt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<HandOff>,
) -> ApiResult<Json<KeyPrompt>> {
    Ok(Json(
        hand_off::prompt(&state, &RegistrationId::from(id), &body).await?,
    ))
}

/// Answers a handed-off security key registration with the credential the window's browser
/// made; the frame that started it sees it completed.
#[utoipa::path(post, path = "/security-key-registrations/{id}/verify", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body = HandedOffCredential,
    security(()),
    responses(
        (status = 201, description = "The key is registered", body = MethodCreated),
        (status = 400, description = "`malformed_request`: not a credential", body = Problem,
         content_type = "application/problem+json"),
        (status = 403, description = "`security_key_model_not_allowed`", body = Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`method_already_registered` or `method_limit_reached`", body = Problem,
         content_type = "application/problem+json"),
        (status = 410, description = "`verification_locked`, `registration_expired` or `code_expired`", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "`security_key_not_accepted` or `invalid_method_name`", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn verify_handed_off_key(
    State(state): State<AppState>,
    context: ClientContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<HandedOffCredential>,
) -> ApiResult<(StatusCode, Json<MethodCreated>)> {
    let method = hand_off::finish(&state, &context, &RegistrationId::from(id), body).await?;
    Ok((StatusCode::CREATED, Json(MethodCreated { method })))
}
