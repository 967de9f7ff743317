//! Self-service password reset (see [`crate::password_reset`]): start, choose a way, answer it,
//! then the new password.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use security_info_api::{
    NewPassword, PasswordReset, PasswordVerdict, Problem, ResetAnswer, ResetChallenge, ResetChoice,
    StartPasswordReset,
};

use crate::{
    clock,
    error::ApiResult,
    extract::{ApiJson, ClientContext},
    password_reset::{self, gates, new_password, well_formed},
    state::AppState,
};

/// Starts a password reset for a work or school address. Every well-formed address gets the
/// same answer, whether or not it has an account: the ways the organization allows.
#[utoipa::path(post, path = "/password-reset", tag = "password reset", security(()),
    request_body = StartPasswordReset,
    responses(
        (status = 202, description = "A reset began; its HttpOnly cookie `si_reset` is set", body = PasswordReset),
        (status = 422, description = "`invalid_email`: not an address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: too many resets for this name, from this address, or in all, this hour", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn start_password_reset(
    State(state): State<AppState>,
    context: ClientContext,
    ApiJson(body): ApiJson<StartPasswordReset>,
) -> ApiResult<Response> {
    let begun = password_reset::begin(&state, &context, &body.username, clock::now()).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::SET_COOKIE, begun.cookie)],
        Json(begun.body),
    )
        .into_response())
}

/// Chooses the way for the reset's next gate.
#[utoipa::path(post, path = "/password-reset/challenge", tag = "password reset", security(()),
    request_body = ResetChoice,
    responses(
        (status = 200, description = "What to answer; an email or phone code went out only if the destination typed is one the account registered; a security key's options name the account's keys, or for a name without any a stand-in key that is the same for every reset of the name", body = ResetChallenge),
        (status = 403, description = "`method_not_allowed`: not a way of this organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`way_already_passed`: the second gate needs another way", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`reset_expired`: start again", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email`, `invalid_phone_number`, `phone_number_not_personal`, `phone_region_not_allowed` (checked before the reset is looked up, so the same with or without one), `texts_not_possible`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`resend_too_soon` or `too_many_requests`, with `retryAfterSeconds`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn choose_reset_way(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    ApiJson(choice): ApiJson<ResetChoice>,
) -> ApiResult<Json<ResetChallenge>> {
    well_formed::choice(&state, &choice)?;
    let now = clock::now();
    let reset = password_reset::current(&state, &headers, now).await?;
    Ok(Json(
        gates::choose(&state, &context, &reset, choice, now).await?,
    ))
}

/// Answers the chosen way.
#[utoipa::path(post, path = "/password-reset/verify", tag = "password reset", security(()),
    request_body = ResetAnswer,
    responses(
        (status = 200, description = "The gate is passed: the reset now (another gate, or the new password)", body = PasswordReset),
        (status = 400, description = "`malformed_request`: not JSON, unknown fields or wrong types, or a code or answer outside this document's limits (checked before the reset is looked up)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_challenge`: answer the way chosen, after choosing it", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`code_expired` (choose the way again for a new code), `reset_expired` (the fifth wrong answer, or too late: start again)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`code_incorrect` (a wrong code or answers) or `security_key_not_accepted` (a key's answer that does not verify; choose the key again for a new challenge), with `attemptsLeft`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: too many wrong authenticator codes or key answers for the account", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn verify_reset_way(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    ApiJson(answer): ApiJson<ResetAnswer>,
) -> ApiResult<Json<PasswordReset>> {
    well_formed::answer(&answer)?;
    let now = clock::now();
    let reset = password_reset::current(&state, &headers, now).await?;
    Ok(Json(
        gates::verify(&state, &context, &reset, answer, now).await?,
    ))
}

/// Whether a new password would be accepted (the page asks while the user types).
#[utoipa::path(post, path = "/password-reset/password-check", tag = "password reset", security(()),
    request_body = NewPassword,
    responses(
        (status = 200, description = "The verdict", body = PasswordVerdict),
        (status = 403, description = "`reset_not_verified`: pass every gate first", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`reset_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`password_too_long`: over 1024 characters (checked before the reset is looked up); a shorter one's problems are the verdict's", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn check_new_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPassword>,
) -> ApiResult<Json<PasswordVerdict>> {
    well_formed::password(&body)?;
    let reset = password_reset::current(&state, &headers, clock::now()).await?;
    Ok(Json(
        new_password::verdict(&state, &reset, &body.password).await?,
    ))
}

/// Sets the new password: every session of the account ends and the user is told at every
/// address; the reset is over (no automatic sign-in).
#[utoipa::path(post, path = "/password-reset/password", tag = "password reset", security(()),
    request_body = NewPassword,
    responses(
        (status = 204, description = "The password was changed; the reset's cookie is cleared"),
        (status = 403, description = "`reset_not_verified`: pass every gate first", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`reset_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`password_too_short`, `password_too_long` (over 1024 characters: checked before the reset is looked up), `password_contains_name`, `password_too_weak` (with `reason`), `password_refused_by_directory` (the LDAP directory's own policy; `reason` is its words): the reset goes on, choose another", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable` with `Retry-After`: the LDAP directory did not answer; the reset goes on", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn set_new_password(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPassword>,
) -> ApiResult<Response> {
    well_formed::password(&body)?;
    let now = clock::now();
    let reset = password_reset::current(&state, &headers, now).await?;
    new_password::set(&state, &context, &reset, body.password, now).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, state.cookie.clear_reset())],
    )
        .into_response())
}
