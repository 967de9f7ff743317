//! The user's registered methods and the types they may add.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use security_info_api::{
    ActivityKind, Method, MethodList, MethodType, MethodTypeInfo, MethodTypeList, Problem,
    ProblemCode, UnavailableReason,
};

use crate::{
    clock,
    domain::{audit, mask},
    error::{ApiError, ApiResult},
    extract::{ClientContext, CurrentUser},
    mail::outbox,
    state::AppState,
    store::MethodRecord,
};

/// The wire form of a stored method (`None` for a type this build does not know).
pub fn method_of(record: &MethodRecord) -> Option<Method> {
    let method_type = MethodType::from_name(&record.method_type)?;
    Some(Method {
        id: record.method_id.clone(),
        method_type,
        email_address: record.email_address.clone(),
        created_at: clock::format(record.created_at),
        usable_for: method_type.usable_for(),
    })
}

/// The user's methods, oldest first.
#[utoipa::path(get, path = "/me/methods", tag = "methods",
    responses(
        (status = 200, description = "The user's methods", body = MethodList),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_methods(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MethodList>> {
    let methods = state
        .store
        .list_methods(&current.account.account_id)
        .await?
        .iter()
        .filter_map(method_of)
        .collect();
    Ok(Json(MethodList { methods }))
}

/// Every type this server can register, with what it serves and whether the user may add one.
#[utoipa::path(get, path = "/me/method-types", tag = "methods",
    responses(
        (status = 200, description = "Every registrable type", body = MethodTypeList),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_method_types(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<MethodTypeList>> {
    let existing = state
        .store
        .list_methods(&current.account.account_id)
        .await?;
    let method_types = MethodType::ALL
        .into_iter()
        .map(|method_type| {
            let reason = if !state.settings.allowed_methods.contains(&method_type) {
                Some(UnavailableReason::NotAllowedByPolicy)
            } else if existing
                .iter()
                .any(|m| m.method_type == method_type.as_str())
            {
                Some(UnavailableReason::AlreadyRegistered)
            } else {
                None
            };
            MethodTypeInfo {
                method_type,
                usable_for: method_type.usable_for(),
                allowed: reason.is_none(),
                reason,
            }
        })
        .collect();
    Ok(Json(MethodTypeList { method_types }))
}

/// Deletes one of the user's methods (needs a recent sign-in); the user is notified by mail.
#[utoipa::path(delete, path = "/me/methods/{id}", tag = "methods",
    params(("id" = String, Path, description = "Method id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthenticated` or `reauthentication_required`", body = Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (also for other users' methods)", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(method_id = %id))]
pub async fn delete_method(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let account = &current.account;
    let not_found = || ApiError::code(ProblemCode::NotFound);
    let method = state
        .store
        .list_methods(&account.account_id)
        .await?
        .into_iter()
        .find(|m| m.method_id == id)
        .ok_or_else(not_found)?;
    current.require_step_up(state.settings.step_up_window)?;
    let now = clock::now();
    let address = method.email_address.clone().unwrap_or_default();
    let event = audit::event(
        ActivityKind::MethodDeleted,
        Some(&account.account_id),
        &context,
        Some(mask::email(&address)),
        now,
    )?;
    let notice = outbox::change_notice(
        &account.user_principal_name,
        &account.language,
        &state.settings.org_name,
        false,
        &address,
        &context,
        now,
    )?;
    state
        .store
        .delete_method(&account.account_id, &id, &event, &notice)
        .await?
        .ok_or_else(not_found)?;
    state.outbox_wakeup.notify_one();
    Ok(StatusCode::NO_CONTENT)
}
