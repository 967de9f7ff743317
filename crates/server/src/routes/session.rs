//! Sign-in, sign-out and re-authentication (step-up).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use security_info_api::{
    ActivityKind, Problem, ProblemCode, ReauthenticateRequest, SecondStepRequired, SessionResponse,
    SignInRequest, SignedOut,
};
use time::OffsetDateTime;

use crate::{
    clock,
    directory::{self, Checked},
    domain::{audit, policy, session_token, sign_in_throttle},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentSession, CurrentUser, session_tokens},
    random,
    routes::me::user_of,
    second_step,
    secret::Secret,
    state::AppState,
    store::{
        AccountRecord, NewSession, NewSignInAttempt, SecondStepPurpose, SessionId, SignInCounts,
        Throttled,
    },
};

/// Counts a password check of `username`'s account before it runs (see
/// [`sign_in_throttle`]): its id and the account's recent failures, or 429 when a hard limit
/// is reached.
async fn reserve_attempt(
    state: &AppState,
    username: &str,
    context: &ClientContext,
    now: OffsetDateTime,
) -> ApiResult<(String, SignInCounts)> {
    let attempt = NewSignInAttempt {
        sign_in_attempt_id: random::id()?,
        username: username.to_owned(),
        address: context
            .ip_address
            .as_deref()
            .map(sign_in_throttle::address_key),
        created_at: now,
    };
    match state
        .store
        .reserve_sign_in_attempt(&attempt, &sign_in_throttle::limits())
        .await?
    {
        Ok(counts) => Ok((attempt.sign_in_attempt_id, counts)),
        Err(Throttled { until }) => Err(ApiError::retry_after(
            ProblemCode::TooManyRequests,
            clock::seconds_until(now, until),
        )),
    }
}

/// Sign in with the organization account. Answers the same, in the same time, whether or not
/// the user exists; a new session token every time.
#[utoipa::path(post, path = "/session", tag = "session", security(()),
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionResponse,
         headers(("Set-Cookie" = String, description = "`si_session` (`__Host-si_session` over HTTPS): HttpOnly, SameSite=Lax (SameSite=None; Secure; Partitioned when portals embed the app over HTTPS)")),
         links(
             ("me" = (operation_id = "get_me", description = "The signed-in user")),
             ("methods" = (operation_id = "list_methods", description = "The user's methods")),
             ("signOut" = (operation_id = "delete_session", description = "End this session")),
         )),
        (status = 202, description = "The password is right and the account has a method for two-step verification: pass the second step (`POST /session/second-step/challenge`, `POST /session/second-step`) within its lifetime", body = SecondStepRequired,
         headers(("Set-Cookie" = String, description = "`si_second_step` (`__Host-si_second_step` over HTTPS): HttpOnly, the session cookie's SameSite, 10 minutes")),
         links(("challenge" = (operation_id = "create_second_step_challenge",
                               description = "Ask for the second step's challenge")))),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed`: this organization signs in with its identity provider only (`SECURITY_INFO_PASSWORD_SIGN_IN=false`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: too many wrong passwords from this IP address, for this account or in all",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create_session(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignInRequest>,
) -> ApiResult<Response> {
    if !state.settings.password_sign_in {
        return Err(ApiError::code(ProblemCode::MethodNotAllowed));
    }
    let username = body.username.trim().to_lowercase();
    let now = clock::now();
    let (attempt_id, failures) = reserve_attempt(&state, &username, &context, now).await?;
    // Guessing from many addresses slows the account's sign-ins down (never shut).
    tokio::time::sleep(sign_in_throttle::account_delay(failures.for_account)).await;
    let Checked { account, matches } =
        directory::check_sign_in(&state, &username, Secret::new(body.password)).await?;
    // A disabled account gets the answer of a wrong password, after the same check (so the
    // time taken does not tell either), and is offered nothing else.
    let account = match account {
        Some(account) if matches && !account.is_disabled() => account,
        other => {
            let disabled = matches && other.as_ref().is_some_and(AccountRecord::is_disabled);
            let account_id = other.map(|a| a.account_id);
            let event = audit::event(
                ActivityKind::SignInFailed,
                account_id.as_ref(),
                &context,
                disabled.then(|| "account disabled".to_owned()),
                now,
            )?;
            state.store.record_failed_sign_in(Some(&event)).await?;
            return Err(ApiError::code(ProblemCode::InvalidCredentials));
        }
    };

    if let Some(begun) = second_step::begin(
        &state,
        &account,
        &context,
        attempt_id.clone(),
        SecondStepPurpose::SignIn,
        now,
    )
    .await?
    {
        return Ok((
            StatusCode::ACCEPTED,
            [(header::SET_COOKIE, begun.cookie)],
            Json(begun.body),
        )
            .into_response());
    }
    let (session, token) = open_session(&state, &headers, &account, attempt_id, now).await?;
    let event = audit::event(
        ActivityKind::SignIn,
        Some(&account.account_id),
        &context,
        None,
        now,
    )?;
    state
        .store
        .create_session(&session, context.language, &event)
        .await?;
    let user = user_of(&state, &account).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&state, &token))],
        Json(SessionResponse { user }),
    )
        .into_response())
}

/// A new session for `account` whose password check was `attempt_id`, and its token: whatever
/// session this browser had is ended first (rotation).
pub async fn open_session(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountRecord,
    attempt_id: String,
    now: OffsetDateTime,
) -> ApiResult<(NewSession, String)> {
    for old in session_tokens(headers, &state.cookie.name) {
        if let Some(old) = state
            .store
            .session_by_token_hash(&session_token::hash(old))
            .await?
        {
            state.store.delete_session(&old.session_id, None).await?;
        }
    }
    let token = session_token::generate()?;
    let session = NewSession {
        session_id: SessionId::generate()?,
        account_id: account.account_id.clone(),
        token_hash: session_token::hash(&token),
        created_at: now,
        expires_at: now + policy::SESSION_ABSOLUTE_TIMEOUT,
        sign_in_attempt_id: attempt_id,
    };
    Ok((session, token))
}

/// The `Set-Cookie` value of a new session's token.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    state
        .cookie
        .set(token, policy::SESSION_ABSOLUTE_TIMEOUT.whole_seconds())
}

/// Sign out: the session is destroyed on the server and the cookie cleared. Succeeds also when
/// the session had already ended. A user who signed in with the identity provider gets where
/// to sign out there too.
#[utoipa::path(delete, path = "/session", tag = "session", security(()),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared. Also 204 without \
            a session (already signed out): signing out never fails"),
        (status = 200, description = "Signed out here; the user signed in with the identity \
            provider, whose end-session endpoint the browser should visit next", body = SignedOut),
    ))]
#[tracing::instrument(skip_all)]
pub async fn delete_session(
    State(state): State<AppState>,
    context: ClientContext,
    current: Result<CurrentSession, ApiError>,
) -> ApiResult<Response> {
    let mut end_session_url = None;
    match current {
        Ok(current) => {
            let event = audit::event(
                ActivityKind::SignOut,
                Some(&current.account.account_id),
                &context,
                None,
                clock::now(),
            )?;
            state
                .store
                .delete_session(&current.session.session_id, Some(&event))
                .await?;
            // Accounts of the provider have no password here.
            if let Some(flow) = &state.code_flow
                && current.account.signs_in_with_provider()
            {
                let back = format!("{}/signin", state.origins.public);
                end_session_url = flow.end_session_url(&back).await;
            }
        }
        Err(ApiError::Internal(error)) => return Err(ApiError::Internal(error)),
        Err(ApiError::Client(_)) => {}
    }
    let clear = [(header::SET_COOKIE, state.cookie.clear())];
    Ok(match end_session_url {
        Some(end_session_url) => (clear, Json(SignedOut { end_session_url })).into_response(),
        None => (StatusCode::NO_CONTENT, clear).into_response(),
    })
}

/// Sign out everywhere (OWASP ASVS 7.4.3): every session of the signed-in account ends, this
/// one too, and the cookie is cleared; for when a device was lost or someone else may have
/// signed in. No step-up: it only takes access away. A portal's bearer token stays valid until
/// it expires (it is the provider's to revoke), but no session made with it survives.
#[utoipa::path(delete, path = "/me/sessions", tag = "session",
    responses(
        (status = 204, description = "Every session of the account ended; the cookie is cleared"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn delete_all_sessions(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
) -> ApiResult<Response> {
    let account_id = &current.account.account_id;
    let event = audit::event(
        ActivityKind::SignOutEverywhere,
        Some(account_id),
        &context,
        None,
        clock::now(),
    )?;
    let ended = state
        .store
        .delete_account_sessions(account_id, &event)
        .await?;
    tracing::info!(sessions = ended, "signed out everywhere");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, state.cookie.clear())],
    )
        .into_response())
}

/// Confirm the password: the session counts as freshly authenticated for the step-up window
/// (`SECURITY_INFO_STEP_UP_SECONDS`, 10 minutes by default) before adding or deleting a method,
/// under a new token (a new cookie; the old token stops working), as at sign-in. Only wrong
/// passwords from the same IP address can refuse it, never other addresses' guessing.
#[utoipa::path(post, path = "/session/reauthenticate", tag = "session",
    request_body = ReauthenticateRequest,
    responses(
        (status = 204, description = "Re-authenticated; a new session cookie is set",
         headers(("Set-Cookie" = String, description = "the session cookie with a new token, as at sign-in"))),
        (status = 202, description = "The password is right and the account has a method for two-step verification: pass the second step as at sign-in", body = SecondStepRequired,
         headers(("Set-Cookie" = String, description = "the second step's cookie, as at sign-in"))),
        (status = 401, description = "`unauthenticated` or `invalid_credentials`", body = Problem,
         content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: too many wrong passwords from this IP address, for this account or in all",
         body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn reauthenticate_session(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentSession,
    ApiJson(body): ApiJson<ReauthenticateRequest>,
) -> ApiResult<Response> {
    let account = &current.account;
    let username = account.user_principal_name.to_lowercase();
    let now = clock::now();
    // No account-wide delay: this session already proved the account, so other addresses'
    // guessing must not stand in its way.
    let (attempt_id, _) = reserve_attempt(&state, &username, &context, now).await?;
    let matches = directory::check_password(&state, account, Secret::new(body.password)).await?;
    if !matches {
        let event = audit::event(
            ActivityKind::SignInFailed,
            Some(&account.account_id),
            &context,
            Some("reauthentication".to_owned()),
            now,
        )?;
        state.store.record_failed_sign_in(Some(&event)).await?;
        return Err(ApiError::code(ProblemCode::InvalidCredentials));
    }
    if let Some(begun) = second_step::begin(
        &state,
        account,
        &context,
        attempt_id.clone(),
        SecondStepPurpose::StepUp(current.session.session_id.clone()),
        now,
    )
    .await?
    {
        return Ok((
            StatusCode::ACCEPTED,
            [(header::SET_COOKIE, begun.cookie)],
            Json(begun.body),
        )
            .into_response());
    }
    let event = audit::event(
        ActivityKind::Reauthentication,
        Some(&account.account_id),
        &context,
        None,
        now,
    )?;
    let token = session_token::generate()?;
    state
        .store
        .reauthenticate_session(
            &current.session.session_id,
            &session_token::hash(&token),
            &attempt_id,
            now,
            &event,
        )
        .await?;
    let cookie = refreshed_cookie(&state, &current, &token, now);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The `Set-Cookie` value of a session's new token after a step-up: it lasts as long as the
/// session still does.
pub fn refreshed_cookie(
    state: &AppState,
    current: &CurrentSession,
    token: &str,
    now: OffsetDateTime,
) -> String {
    let remaining = (current.session.expires_at - now).whole_seconds().max(1);
    state.cookie.set(token, remaining)
}
