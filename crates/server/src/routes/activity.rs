//! `GET /me/activity`: the user's own security events.

use axum::{Json, extract::State};
use security_info_api::{ActivityEvent, ActivityList, Problem};

use crate::{
    clock,
    domain::{audit, policy},
    error::ApiResult,
    extract::CurrentUser,
    state::AppState,
};

/// The user's security events, newest first (at most 100).
#[utoipa::path(get, path = "/me/activity", tag = "me",
    responses(
        (status = 200, description = "Newest first", body = ActivityList),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_activity(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<ActivityList>> {
    let events = state
        .store
        .list_activity(&current.account.account_id, policy::ACTIVITY_LIMIT)
        .await?
        .into_iter()
        .filter_map(|event| {
            Some(ActivityEvent {
                kind: audit::kind_from_name(&event.kind)?,
                id: event.audit_event_id,
                occurred_at: clock::format(event.created_at),
                ip_address: event.ip_address,
                user_agent: event.user_agent,
                detail: event.detail,
            })
        })
        .collect();
    Ok(Json(ActivityList { events }))
}
