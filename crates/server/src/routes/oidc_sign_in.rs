//! Sign-in with the organization's identity provider (see [`crate::oidc::code_flow`]): the
//! redirect to the provider, its callback, and what the sign-in page offers.

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, header},
    response::{AppendHeaders, IntoResponse, Redirect, Response},
};
use security_info_api::{ActivityKind, SignInOptions};
use serde::Deserialize;

use crate::{
    clock,
    domain::{audit, session_token},
    error::{ApiError, ApiResult},
    extract::{ClientContext, CurrentSession, cookie_values, external_account},
    oidc::code_flow::{CodeFlow, FlowError, LOGIN_LIFETIME, PendingLogin},
    random,
    routes::session::{open_session, refreshed_cookie, session_cookie},
    state::AppState,
};

/// Where the app's sign-in page is.
const SIGN_IN_PAGE: &str = "/signin";
/// Where a signed-in user lands.
const HOME: &str = "/";

/// How the users of this server sign in.
#[utoipa::path(get, path = "/sign-in-options", tag = "session", security(()),
    responses((status = 200, description = "The ways to sign in the sign-in page offers", body = SignInOptions)))]
pub async fn get_sign_in_options(State(state): State<AppState>) -> Json<SignInOptions> {
    Json(SignInOptions {
        organization: state.settings.org_name.clone(),
        identity_provider: state.code_flow.is_some(),
        password: state.settings.password_sign_in,
    })
}

/// `GET /oidc/sign-in` parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SignInQuery {
    /// `step-up`: the signed-in user proves themselves again at the provider.
    #[serde(default)]
    purpose: Option<String>,
}

/// `GET /oidc/callback` parameters (the provider's answer).
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The callback URL registered at the provider.
fn redirect_uri(state: &AppState) -> String {
    format!("{}/api/v1/oidc/callback", state.origins.public)
}

/// The sign-in page telling why a sign-in with the provider did not happen.
fn back_to_sign_in(reason: &str) -> String {
    format!("{SIGN_IN_PAGE}?error={reason}")
}

/// A `303 See Other` to `location` with `cookies` set.
fn see_other<const N: usize>(location: &str, cookies: [String; N]) -> Response {
    let cookies = cookies.map(|cookie| (header::SET_COOKIE, cookie));
    (AppendHeaders(cookies), Redirect::to(location)).into_response()
}

/// The configured provider, or `404` (the route does not exist without one).
fn code_flow(state: &AppState) -> ApiResult<&CodeFlow> {
    state
        .code_flow
        .as_deref()
        .ok_or_else(|| ApiError::code(security_info_api::ProblemCode::NotFound))
}

/// Sends the browser to the identity provider to sign in (`purpose=step-up`: to prove
/// themselves again before a change; the provider is asked to prompt for the sign-in).
#[utoipa::path(get, path = "/oidc/sign-in", tag = "session", security(()),
    params(("purpose" = Option<String>, Query, description = "`step-up` to re-authenticate the signed-in user")),
    responses(
        (status = 303, description = "To the provider's authorization endpoint; the sealed sign-in cookie `si_oidc` is set. To `/signin?error=provider_unavailable` when the provider cannot be reached"),
        (status = 404, description = "`not_found`: no identity provider is configured", body = security_info_api::Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn start_oidc_sign_in(
    State(state): State<AppState>,
    context: ClientContext,
    current: Result<CurrentSession, ApiError>,
    Query(query): Query<SignInQuery>,
) -> ApiResult<Response> {
    let flow = code_flow(&state)?;
    let now = clock::now();
    let step_up = match query.purpose.as_deref() {
        None | Some("sign-in") => None,
        Some("step-up") => match current {
            Ok(current) => Some(current.session.session_id.to_string()),
            Err(ApiError::Client(_)) => return Ok(see_other(SIGN_IN_PAGE, [])),
            Err(error) => return Err(error),
        },
        Some(_) => {
            return Err(ApiError::code(
                security_info_api::ProblemCode::MalformedRequest,
            ));
        }
    };
    let login = PendingLogin::new(step_up, now)?;
    match flow
        .authorization_url(&redirect_uri(&state), &login, context.language)
        .await
    {
        Ok(url) => {
            let cookie = state.cookie.set_login(
                &login.seal(&state.code_keys)?,
                LOGIN_LIFETIME.whole_seconds(),
            );
            Ok(see_other(&url, [cookie]))
        }
        Err(error) => {
            log_failure(&error);
            Ok(see_other(&back_to_sign_in("provider_unavailable"), []))
        }
    }
}

/// The provider's answer: the code is exchanged and the ID token checked; a sign-in makes the
/// session (as a password sign-in does), a step-up refreshes it. Every failure goes back to
/// the sign-in page with a reason and without a session.
#[utoipa::path(get, path = "/oidc/callback", tag = "session", security(()),
    params(
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state of the authorization request"),
        ("error" = Option<String>, Query, description = "The provider's error, if it refused"),
    ),
    responses(
        (status = 303, description = "Signed in: to the app with the session cookie set. Otherwise to `/signin?error=identity_provider` (refused, wrong state, replayed code, a token that does not verify) or `?error=provider_unavailable`"),
        (status = 404, description = "`not_found`: no identity provider is configured", body = security_info_api::Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn finish_oidc_sign_in(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    current: Result<CurrentSession, ApiError>,
    Query(query): Query<CallbackQuery>,
) -> ApiResult<Response> {
    let flow = code_flow(&state)?;
    let now = clock::now();
    let clear = state.cookie.clear_login();
    let refused = |why: &str| {
        tracing::info!(reason = why, "sign-in with the identity provider refused");
        see_other(&back_to_sign_in("identity_provider"), [clear.clone()])
    };
    // Only the login this browser started: its sealed cookie, with the same state.
    let login = cookie_values(&headers, &state.cookie.login_name)
        .take(4)
        .find_map(|sealed| PendingLogin::open(&state.code_keys, sealed, now));
    let Some(login) = login else {
        return Ok(refused(
            "no sign-in under way in this browser (or it expired)",
        ));
    };
    if query.state.as_deref() != Some(login.state.as_str()) {
        return Ok(refused("state does not match"));
    }
    if let Some(error) = &query.error {
        let error: String = error.chars().take(64).collect();
        return Ok(refused(&format!("the provider answered {error}")));
    }
    let Some(code) = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        return Ok(refused("no code"));
    };
    let token = match flow.finish(&redirect_uri(&state), code, &login).await {
        Ok(token) => token,
        Err(FlowError::Refused(reason)) => return Ok(refused(&reason)),
        Err(error @ FlowError::Unavailable(_)) => {
            log_failure(&error);
            return Ok(see_other(&back_to_sign_in("provider_unavailable"), [clear]));
        }
    };
    let account = match external_account(&state, &token).await {
        Ok(account) => account,
        Err(ApiError::Client(_)) => return Ok(refused("no account for this identity")),
        Err(error) => return Err(error),
    };
    match &login.step_up {
        None => {
            // Not a password check: a fresh id stands for the attempt the session completes.
            let (session, token) =
                open_session(&state, &headers, &account, random::id()?, now).await?;
            let event = audit::event(
                ActivityKind::SignIn,
                Some(&account.account_id),
                &context,
                Some("identity provider".to_owned()),
                now,
            )?;
            state
                .store
                .create_session(&session, context.language, &event)
                .await?;
            Ok(see_other(HOME, [session_cookie(&state, &token), clear]))
        }
        Some(session_id) => {
            // The session must still be this browser's and belong to the same person.
            let current = match current {
                Ok(current) => current,
                Err(ApiError::Client(_)) => return Ok(refused("the session ended meanwhile")),
                Err(error) => return Err(error),
            };
            if current.session.session_id.as_str() != session_id
                || current.account.account_id != account.account_id
            {
                return Ok(refused("a step-up by someone else"));
            }
            let event = audit::event(
                ActivityKind::Reauthentication,
                Some(&account.account_id),
                &context,
                Some("identity provider".to_owned()),
                now,
            )?;
            let token = session_token::generate()?;
            state
                .store
                .reauthenticate_session(
                    &current.session.session_id,
                    &session_token::hash(&token),
                    &random::id()?,
                    now,
                    &event,
                )
                .await?;
            let cookie = refreshed_cookie(&state, &current, &token, now);
            Ok(see_other("/security-info", [cookie, clear]))
        }
    }
}

fn log_failure(error: &FlowError) {
    match error {
        FlowError::Unavailable(error) => {
            tracing::warn!(error = %error, "the identity provider cannot be reached");
        }
        FlowError::Refused(reason) => {
            tracing::warn!(reason = %reason, "the identity provider's configuration was refused");
        }
    }
}
