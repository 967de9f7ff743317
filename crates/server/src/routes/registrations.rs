//! Adding a method of any type: start a registration, send another code, answer the
//! challenge. The work is in [`crate::methods::lifecycle`] and the type's module.

use axum::{
    Json,
    extract::{Path, State},
    http::{StatusCode, header},
};
use security_info_api::{
    MethodCreated, Problem, Registration, RegistrationAnswer, RegistrationProgress,
    StartRegistration,
};

use crate::{
    error::ApiResult,
    extract::{ApiJson, ClientContext, CurrentUser},
    methods::{authenticator_app, lifecycle},
    state::AppState,
    store::RegistrationId,
};

/// Starts adding a method: the type's challenge comes back (for email, a code is mailed to the
/// address). Needs a recent sign-in; a pending registration of the account is superseded.
#[utoipa::path(post, path = "/me/registrations", tag = "registrations",
    request_body = StartRegistration,
    responses(
        (status = 202, description = "Started; for a code challenge the code is on its way", body = Registration,
         links(
             ("verify" = (operation_id = "verify_registration",
                          parameters(("id" = "$response.body#/id")),
                          description = "Answer this registration's challenge")),
             ("resend" = (operation_id = "resend_registration",
                          parameters(("id" = "$response.body#/id")),
                          description = "Send this registration's code again")),
             ("progress" = (operation_id = "get_registration",
                            parameters(("id" = "$response.body#/id")),
                            description = "This registration's stage")),
             ("qrCode" = (operation_id = "get_qr_code",
                          parameters(("id" = "$response.body#/id")),
                          description = "This authenticator app registration's QR code")),
             ("keyPrompt" = (operation_id = "get_key_prompt",
                             parameters(("id" = "$response.body#/id")),
                             description = "A security key registration's options, for a window of the app's own (the capability is in `challenge.continueUrl`)")),
             ("keyVerify" = (operation_id = "verify_handed_off_key",
                             parameters(("id" = "$response.body#/id")),
                             description = "A security key registration's answer from a window of the app's own (the capability is in `challenge.continueUrl`)")),
         )),
        (status = 401, description = "`unauthenticated` or `reauthentication_required`", body = Problem,
         content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed` by policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`method_already_registered` or `method_limit_reached`", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "the type's own refusals: `invalid_email`, `work_email_not_allowed`", body = Problem,
         content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: code limits per user and per destination", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    ApiJson(body): ApiJson<StartRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    let registration = lifecycle::start(&state, &context, &current, body).await?;
    Ok((StatusCode::ACCEPTED, Json(registration)))
}

/// Where a registration of the signed-in user is in its life: a portal's frame waits with this
/// while a window of the app's own finishes a security key.
#[utoipa::path(get, path = "/me/registrations/{id}", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    responses(
        (status = 200, description = "Its stage", body = RegistrationProgress),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn get_registration(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationProgress>> {
    Ok(Json(
        lifecycle::progress(&state, &current, &RegistrationId::from(id)).await?,
    ))
}

/// Sends a new code; the previous one stops working. Wrong tries so far still count.
#[utoipa::path(post, path = "/me/registrations/{id}/resend", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body(content = Object, description = "Empty object `{}` (or no body), as `application/json`"),
    responses(
        (status = 202, description = "A new code is on its way", body = Registration,
         links(("verify" = (operation_id = "verify_registration",
                            parameters(("id" = "$response.body#/id")),
                            description = "Answer this registration's new code")))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed` by policy", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_code_to_resend`: this type's challenge is not a code (an authenticator app, a security key, security questions)",
         body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`verification_locked` or `registration_expired`", body = Problem,
         content_type = "application/problem+json"),
        (status = 429, description = "`resend_too_soon` or `too_many_requests`, with `Retry-After`", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn resend_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    let registration =
        lifecycle::resend(&state, &context, &current, &RegistrationId::from(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(registration)))
}

/// Checks the answer; when right, the method is registered and the user is notified at their
/// work address. Needs a recent sign-in.
#[utoipa::path(post, path = "/me/registrations/{id}/verify", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body = RegistrationAnswer,
    responses(
        (status = 201, description = "The method is registered", body = MethodCreated,
         links(
             ("rename" = (operation_id = "rename_method",
                          parameters(("id" = "$response.body#/method/id")),
                          description = "Rename the new method")),
             ("delete" = (operation_id = "delete_method",
                          parameters(("id" = "$response.body#/method/id")),
                          description = "Delete the new method")),
         )),
        (status = 401, description = "`unauthenticated` or `reauthentication_required`", body = Problem,
         content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed` by policy", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`method_already_registered` or `method_limit_reached`", body = Problem,
         content_type = "application/problem+json"),
        (status = 410, description = "`code_expired`, `verification_locked` or `registration_expired`", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "`code_incorrect`, with `attemptsLeft`", body = Problem,
         content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`: concurrent answers kept changing the registration; retry",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn verify_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RegistrationAnswer>,
) -> ApiResult<(StatusCode, Json<MethodCreated>)> {
    let method =
        lifecycle::verify(&state, &context, &current, &RegistrationId::from(id), body).await?;
    Ok((StatusCode::CREATED, Json(MethodCreated { method })))
}

/// The QR code of a pending authenticator app registration: an SVG of the `otpauth://` URI in
/// the challenge, for the app to scan. Only the registration's owner gets it, and only while
/// it is pending; never cached.
#[utoipa::path(get, path = "/me/registrations/{id}/qr-code", tag = "registrations",
    params(("id" = String, Path, description = "Registration id")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such registration, not an authenticator app's, or completed",
         body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`verification_locked`, `registration_expired` or `code_expired` (superseded)",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn get_qr_code(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<([(header::HeaderName, &'static str); 1], String)> {
    let svg =
        authenticator_app::pending_qr_code(&state, &current, &RegistrationId::from(id)).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg))
}
