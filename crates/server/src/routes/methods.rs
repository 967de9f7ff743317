//! The user's registered methods and the types they may add.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use security_info_api::{
    ActivityKind, Method, MethodList, MethodTypeInfo, MethodTypeList, Problem, ProblemCode,
    RenameMethod, UnavailableReason, parse_method_name,
};

use crate::{
    clock,
    domain::audit,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentUser},
    mail::outbox,
    routes::default_method,
    second_step::ways,
    state::AppState,
    store::{MethodId, MethodRecord},
};

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
    let records = state
        .methods
        .list_methods(&current.account.account_id)
        .await?;
    let mut methods = Vec::new();
    for record in &records {
        methods.extend(state.kinds.wire(record)?);
    }
    let default_method_id =
        ways::default_method(&records, current.account.default_method_id.as_ref())
            .map(|m| m.method_id.to_string());
    Ok(Json(MethodList {
        methods,
        default_method_id,
    }))
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
        .methods
        .list_methods(&current.account.account_id)
        .await?;
    let method_types = state
        .kinds
        .types()
        .into_iter()
        .map(|method_type| {
            let registered = existing
                .iter()
                .filter(|m| m.method_type == method_type)
                .count();
            let registered = u32::try_from(registered).unwrap_or(u32::MAX);
            let reason = if state.settings.allowed_methods.contains(&method_type) {
                UnavailableReason::for_count(method_type, registered)
            } else {
                Some(UnavailableReason::NotAllowedByPolicy)
            };
            MethodTypeInfo {
                method_type,
                usable_for: method_type.usable_for(),
                allowed: reason.is_none(),
                reason,
                registered,
                limit: method_type.limit(),
            }
        })
        .collect();
    Ok(Json(MethodTypeList { method_types }))
}

/// One of the signed-in user's methods (`not_found` also for other users' methods).
async fn own_method(
    state: &AppState,
    current: &CurrentUser,
    id: &MethodId,
) -> ApiResult<MethodRecord> {
    state
        .methods
        .list_methods(&current.account.account_id)
        .await?
        .into_iter()
        .find(|m| &m.method_id == id)
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))
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
    let id = MethodId::from(id);
    let before = state.methods.list_methods(&account.account_id).await?;
    let method = before
        .iter()
        .find(|m| m.method_id == id)
        .cloned()
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))?;
    current.require_step_up(state.settings.step_up_window)?;
    let now = clock::now();
    let description = state.kinds.describe(&method);
    let event = audit::event(
        ActivityKind::MethodDeleted,
        Some(&account.account_id),
        &context,
        Some(description.clone()),
        now,
    )?;
    let notice = outbox::change_notice(
        account,
        &state.settings.org_name,
        outbox::Change::Deleted,
        method.method_type,
        &description,
        &context,
        now,
    )?;
    state
        .methods
        .delete_method(&account.account_id, &id, &event, &notice)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))?;
    // Deleting the default sign-in method makes another one the default: recorded and told
    // like a change the user made, so the mail says which one now comes first.
    let chosen = account.default_method_id.as_ref();
    let was_default = ways::default_method(&before, chosen).is_some_and(|d| d.method_id == id);
    let after: Vec<_> = before.into_iter().filter(|m| m.method_id != id).collect();
    if was_default && let Some(next) = ways::default_method(&after, chosen) {
        default_method::make_default(&state, account, next, &context).await?;
    }
    state.outbox_wakeup.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a method of a type that has a name (authenticator apps, security keys) a new one.
/// A name is only a label, so no step-up; the change is in the audit trail.
#[utoipa::path(patch, path = "/me/methods/{id}", tag = "methods",
    params(("id" = String, Path, description = "Method id")),
    request_body = RenameMethod,
    responses(
        (status = 200, description = "Renamed", body = Method),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (also for other users' methods)", body = Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "`method_not_renamable`: the type has no name", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "`invalid_method_name`: empty, longer than 64 characters, or unprintable characters",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(method_id = %id))]
pub async fn rename_method(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RenameMethod>,
) -> ApiResult<Json<Method>> {
    let account = &current.account;
    let id = MethodId::from(id);
    let method = own_method(&state, &current, &id).await?;
    if !state
        .kinds
        .get(method.method_type)
        .is_some_and(|kind| kind.renamable())
    {
        return Err(ApiError::code(ProblemCode::MethodNotRenamable));
    }
    let name = parse_method_name(&body.name)
        .map_err(|error| ApiError::detail(ProblemCode::InvalidMethodName, format!("{error:?}")))?;
    let event = audit::event(
        ActivityKind::MethodRenamed,
        Some(&account.account_id),
        &context,
        Some(name.clone()),
        clock::now(),
    )?;
    let renamed = state
        .methods
        .rename_method(&account.account_id, &id, &name, &event)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))?;
    state
        .kinds
        .wire(&renamed)?
        .map(Json)
        .ok_or_else(|| anyhow::anyhow!("a renamable type is implemented").into())
}
