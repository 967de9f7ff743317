//! The user's default sign-in method: the way offered first in the second step.

use axum::{extract::State, http::StatusCode};
use security_info_api::{ActivityKind, Problem, ProblemCode, SetDefaultMethod};

use crate::{
    clock,
    domain::audit,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentUser},
    mail::{outbox, templates::SignInEvent},
    second_step::ways::is_two_step,
    state::AppState,
    store::{AccountRecord, MethodRecord},
};

/// Records `method` as the account's default sign-in method, with its audit event and the
/// notice to the user.
pub async fn make_default(
    state: &AppState,
    account: &AccountRecord,
    method: &MethodRecord,
    context: &ClientContext,
) -> ApiResult<()> {
    let now = clock::now();
    let description = state.kinds.describe(method);
    let event = audit::event(
        ActivityKind::DefaultMethodChanged,
        Some(&account.account_id),
        context,
        Some(description.clone()),
        now,
    )?;
    let notice = outbox::sign_in_event_notice(
        account,
        &state.settings.org_name,
        SignInEvent::DefaultMethodChanged,
        description,
        context,
        now,
    )?;
    state
        .store
        .set_default_method(&account.account_id, &method.method_id, &event, &notice)
        .await?;
    Ok(())
}

/// Makes one of the user's methods the default sign-in method (needs a recent sign-in); the
/// user is notified by mail.
#[utoipa::path(put, path = "/me/default-method", tag = "methods",
    request_body = SetDefaultMethod,
    responses(
        (status = 204, description = "It is the default now"),
        (status = 401, description = "`reauthentication_required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (also for other users' methods)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_two_step_method`: email and security questions cannot be a sign-in's second step", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn set_default_method(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    ApiJson(body): ApiJson<SetDefaultMethod>,
) -> ApiResult<StatusCode> {
    let account = &current.account;
    let method = state
        .methods
        .list_methods(&account.account_id)
        .await?
        .into_iter()
        .find(|m| m.method_id.as_str() == body.method_id)
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))?;
    if !is_two_step(method.method_type) {
        return Err(ApiError::code(ProblemCode::NotATwoStepMethod));
    }
    current.require_step_up(state.settings.step_up_window)?;
    make_default(&state, account, &method, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}
