//! The second step of a sign-in or step-up (see [`crate::second_step`]): pick a way, answer it.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{AppendHeaders, IntoResponse, Response},
};
use security_info_api::{
    ActivityKind, Problem, ProblemCode, SecondStepAnswer, SecondStepChallenge, SecondStepChoice,
    SecondStepPassed,
};

use crate::{
    clock,
    domain::{audit, session_token},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentSession},
    mail::{outbox, templates::SignInEvent},
    methods::Attempt,
    routes::{
        me::user_of,
        session::{open_session, refreshed_cookie, session_cookie},
    },
    second_step::{self, Proof},
    state::AppState,
    store::SecondStepPurpose,
};

/// Pick a way to pass the pending second step: its challenge. Picking a phone sends a code
/// (text or call); picking it again sends a new one after the resend cooldown.
#[utoipa::path(post, path = "/session/second-step/challenge", tag = "session", security(()),
    request_body = SecondStepChoice,
    responses(
        (status = 200, description = "What to answer", body = SecondStepChallenge),
        (status = 401, description = "`sign_in_expired`: no pending second step (expired, passed, too many wrong answers): sign in again", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the account has no such method", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`texts_not_possible` (a text to a phone that takes calls only), `not_a_two_step_method` (email)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`resend_too_soon` or `too_many_requests` (the phone limits), with `retryAfterSeconds`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create_second_step_challenge(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    ApiJson(choice): ApiJson<SecondStepChoice>,
) -> ApiResult<Json<SecondStepChallenge>> {
    let now = clock::now();
    let step = second_step::pending(&state, &headers, now).await?;
    let account = second_step::account_of(&state, &step).await?;
    let attempt = Attempt {
        state: &state,
        account: &account,
        context: &context,
        now,
    };
    Ok(Json(second_step::pick(&attempt, &step, choice).await?))
}

/// Answer the pending second step: a sign-in's session is made (the session cookie is set),
/// a step-up's session counts as freshly authenticated (under a new token).
#[utoipa::path(post, path = "/session/second-step", tag = "session", security(()),
    request_body = SecondStepAnswer,
    responses(
        (status = 200, description = "Passed; the session cookie is set and the second step's cleared", body = SecondStepPassed,
         headers(("Set-Cookie" = String, description = "the session cookie, and the second step's cookie cleared"))),
        (status = 401, description = "`sign_in_expired`: no pending second step, or this was the last wrong answer it allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_challenge`: a code or key answer without picking that way first", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`code_expired`: the phone code ran out; pick the phone again for a new one", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`code_incorrect` (with `attemptsLeft`), `security_key_not_accepted`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: too many wrong authenticator codes or key answers for the account", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn pass_second_step(
    State(state): State<AppState>,
    context: ClientContext,
    headers: HeaderMap,
    current: Result<CurrentSession, ApiError>,
    ApiJson(answer): ApiJson<SecondStepAnswer>,
) -> ApiResult<Response> {
    let now = clock::now();
    let step = second_step::pending(&state, &headers, now).await?;
    let account = second_step::account_of(&state, &step).await?;
    // A step-up belongs to its session: it passes only in the browser that holds both.
    let step_up_session = match &step.purpose {
        SecondStepPurpose::SignIn => None,
        SecondStepPurpose::StepUp(session_id) => match current {
            Ok(current) if &current.session.session_id == session_id => Some(current),
            Ok(_) | Err(ApiError::Client(_)) => {
                return Err(ApiError::code(ProblemCode::SignInExpired));
            }
            Err(error) => return Err(error),
        },
    };
    let attempt = Attempt {
        state: &state,
        account: &account,
        context: &context,
        now,
    };
    let proof = second_step::prove(&attempt, &step, answer).await?;
    let kind = match step.purpose {
        SecondStepPurpose::SignIn => ActivityKind::SignIn,
        SecondStepPurpose::StepUp(_) => ActivityKind::Reauthentication,
    };
    let event = |kind, detail: String| {
        audit::event(kind, Some(&account.account_id), &context, Some(detail), now)
    };
    let mut audits = vec![event(kind, proof.describe().to_owned())?];
    let mut notice = None;
    let mut recovery_codes_left = None;
    if let Proof::RecoveryCode { left } = proof {
        audits.push(event(
            ActivityKind::RecoveryCodeUsed,
            format!("{left} left"),
        )?);
        notice = Some(outbox::sign_in_event_notice(
            &account,
            &state.settings.org_name,
            SignInEvent::RecoveryCodeUsed,
            left.to_string(),
            &context,
            now,
        )?);
        recovery_codes_left = Some(left);
    }
    let clear = state.cookie.clear_second_step();
    let expired = || ApiError::code(ProblemCode::SignInExpired);
    match step_up_session {
        None => {
            let (session, token) = open_session(
                &state,
                &headers,
                &account,
                step.sign_in_attempt_id.clone(),
                now,
            )
            .await?;
            let passed = state
                .store
                .pass_sign_in(&step.second_step_id, &session, &audits, notice.as_ref())
                .await?;
            if !passed {
                return Err(expired());
            }
            let body = SecondStepPassed {
                user: Some(user_of(&state, &account).await?),
                recovery_codes_left,
            };
            let cookies = AppendHeaders([
                (header::SET_COOKIE, session_cookie(&state, &token)),
                (header::SET_COOKIE, clear),
            ]);
            Ok((cookies, Json(body)).into_response())
        }
        Some(current) => {
            let token = session_token::generate()?;
            let passed = state
                .store
                .pass_step_up(
                    &step.second_step_id,
                    &session_token::hash(&token),
                    now,
                    &audits,
                    notice.as_ref(),
                )
                .await?;
            if !passed {
                return Err(expired());
            }
            let body = SecondStepPassed {
                user: None,
                recovery_codes_left,
            };
            let cookies = AppendHeaders([
                (
                    header::SET_COOKIE,
                    refreshed_cookie(&state, &current, &token, now),
                ),
                (header::SET_COOKIE, clear),
            ]);
            Ok((cookies, Json(body)).into_response())
        }
    }
}
