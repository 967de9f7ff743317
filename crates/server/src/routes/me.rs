//! `GET /me`: who is signed in.

use axum::Json;
use security_info_api::{Organization, Problem, User};

use crate::{
    config::TwoStep, error::ApiResult, extract::CurrentUser, second_step::ways::is_two_step,
    state::AppState, store::AccountRecord,
};

/// The wire form of an account.
pub async fn user_of(state: &AppState, account: &AccountRecord) -> ApiResult<User> {
    let settings = &state.settings;
    let needs_two_step_method = settings.two_step == TwoStep::Required
        && !state
            .methods
            .list_methods(&account.account_id)
            .await?
            .iter()
            .any(|m| is_two_step(m.method_type));
    Ok(User {
        id: account.account_id.to_string(),
        display_name: account.display_name.clone(),
        user_principal_name: account.user_principal_name.clone(),
        organization: Organization {
            name: settings.org_name.clone(),
            domains: settings.org_domains.clone(),
        },
        needs_two_step_method,
        identity_provider: account.signs_in_with_provider(),
    })
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "me",
    responses(
        (status = 200, description = "The signed-in user", body = User),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_me(
    axum::extract::State(state): axum::extract::State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<User>> {
    Ok(Json(user_of(&state, &current.account).await?))
}
