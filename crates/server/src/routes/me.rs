//! `GET /me`: who is signed in.

use axum::Json;
use security_info_api::{Organization, Problem, User};

use crate::{config::Settings, extract::CurrentUser, state::AppState, store::AccountRecord};

/// The wire form of an account.
pub fn user_of(account: &AccountRecord, settings: &Settings) -> User {
    User {
        id: account.account_id.to_string(),
        display_name: account.display_name.clone(),
        user_principal_name: account.user_principal_name.clone(),
        organization: Organization {
            name: settings.org_name.clone(),
            domains: settings.org_domains.clone(),
        },
    }
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
) -> Json<User> {
    Json(user_of(&current.account, &state.settings))
}
