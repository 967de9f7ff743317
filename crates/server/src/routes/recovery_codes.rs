//! The user's recovery codes: how many are left, and a new set.

use axum::{Json, extract::State, http::StatusCode};
use security_info_api::{
    ActivityKind, CreateRecoveryCodes, Problem, ProblemCode, RecoveryCodeStatus, RecoveryCodes,
};

use crate::{
    clock,
    domain::audit,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentUser},
    mail::{outbox, templates::SignInEvent},
    second_step::{recovery_codes, ways::is_two_step},
    state::AppState,
};

/// Whether the user has a method usable for two-step verification (recovery codes stand in
/// for one, so without one they would protect nothing).
async fn has_two_step_method(state: &AppState, current: &CurrentUser) -> ApiResult<bool> {
    Ok(state
        .methods
        .list_methods(&current.account.account_id)
        .await?
        .iter()
        .any(|m| is_two_step(m.method_type)))
}

/// How many unused recovery codes the user has.
#[utoipa::path(get, path = "/me/recovery-codes", tag = "recovery codes",
    responses(
        (status = 200, description = "The user's recovery codes, counted", body = RecoveryCodeStatus),
    ))]
pub async fn get_recovery_codes(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<RecoveryCodeStatus>> {
    let (remaining, created_at) =
        recovery_codes::status(&state, &current.account.account_id).await?;
    Ok(Json(RecoveryCodeStatus {
        remaining,
        created_at: created_at.map(clock::format),
        available: has_two_step_method(&state, &current).await?,
    }))
}

/// Makes a new set of recovery codes (needs a recent sign-in), shown this once; the old set
/// stops working. The user is notified by mail.
#[utoipa::path(post, path = "/me/recovery-codes", tag = "recovery codes",
    request_body = CreateRecoveryCodes,
    responses(
        (status = 201, description = "The new codes: show them once", body = RecoveryCodes),
        (status = 401, description = "`reauthentication_required`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_two_step_method`: add an authenticator app, security key or phone first", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create_recovery_codes(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    ApiJson(CreateRecoveryCodes {}): ApiJson<CreateRecoveryCodes>,
) -> ApiResult<(StatusCode, Json<RecoveryCodes>)> {
    current.require_step_up(state.settings.step_up_window)?;
    if !has_two_step_method(&state, &current).await? {
        return Err(ApiError::code(ProblemCode::NoTwoStepMethod));
    }
    let account = &current.account;
    let now = clock::now();
    let (codes, hashes) = recovery_codes::new_set(&state).await?;
    let event = audit::event(
        ActivityKind::RecoveryCodesCreated,
        Some(&account.account_id),
        &context,
        None,
        now,
    )?;
    let notice = outbox::sign_in_event_notice(
        account,
        &state.settings.org_name,
        SignInEvent::RecoveryCodesCreated,
        String::new(),
        &context,
        now,
    )?;
    state
        .store
        .replace_recovery_codes(&account.account_id, &hashes, now, &event, &notice)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RecoveryCodes {
            codes,
            created_at: clock::format(now),
        }),
    ))
}
