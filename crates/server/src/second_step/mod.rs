//! The second step of a sign-in or a step-up: after a right password, an account with a
//! method usable for two-step verification must prove itself with one before the session
//! exists (or counts as freshly authenticated).
//!
//! The pending step is a row of its own, found by a random token in an HttpOnly cookie (the
//! browser never holds anything it could replay elsewhere), that ends after
//! [`policy::SECOND_STEP_LIFETIME`] or [`policy::MAX_FAILED_ATTEMPTS`] wrong answers, whatever
//! ways they were given with. Its password attempt counts as a failed sign-in until the step
//! passes, so abandoned steps are throttled like wrong passwords. Each way reuses its type's
//! own check: authenticator codes ([`authenticator_app::verify_code`], the replay rule and
//! the account's check limit included), security keys ([`assertion`]), codes texted or spoken
//! to a phone ([`one_time_code`], with the phone abuse limits), and [`recovery_codes`].

pub mod recovery_codes;
pub mod ways;

use axum::http::HeaderMap;
use security_info_api::{
    ActivityKind, Channel, MethodType, ProblemCode, SecondStep, SecondStepAnswer,
    SecondStepChallenge, SecondStepChoice, SecondStepRequired,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    clock,
    domain::{audit, mask, policy, session_token, totp},
    error::{ApiError, ApiResult},
    extract::{ClientContext, session_tokens},
    methods::{
        Attempt,
        authenticator_app::{self, CodeVerdict},
        one_time_code::{self, Compared, Destination},
        phone,
        security_key::{
            self,
            assertion::{self, AssertionVerdict, Keys},
        },
    },
    state::AppState,
    store::{
        AccountRecord, MethodRecord, NewSecondStep, SecondStepId, SecondStepPurpose,
        SecondStepRecord,
    },
};

/// What the picked way keeps until the answer (the step's `challenge`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "way", rename_all = "camelCase")]
enum PickedWay {
    /// Any authenticator app's current code.
    AuthenticatorApp,
    /// An assertion to this WebAuthn challenge state.
    SecurityKey { state: String },
    /// The code sent to this phone (the method's id, for the record).
    #[serde(rename_all = "camelCase")]
    Phone { method_id: String },
}

/// A second step just begun: what to answer, and the cookie that carries it.
pub struct Begun {
    /// The `202` body.
    pub body: SecondStepRequired,
    /// `Set-Cookie` value of the step's cookie.
    pub cookie: String,
}

/// Begins a second step for `account` after its password proved right (`attempt_id`), when
/// it has a method usable for one; `None` when it has none.
pub async fn begin(
    state: &AppState,
    account: &AccountRecord,
    context: &ClientContext,
    attempt_id: String,
    purpose: SecondStepPurpose,
    now: OffsetDateTime,
) -> ApiResult<Option<Begun>> {
    let methods = state.methods.list_methods(&account.account_id).await?;
    let ways = ways::ways(&methods, account.default_method_id.as_ref())?;
    if ways.is_empty() {
        return Ok(None);
    }
    let (remaining, _) = recovery_codes::status(state, &account.account_id).await?;
    let token = session_token::generate()?;
    let expires_at = now + policy::SECOND_STEP_LIFETIME;
    let step = NewSecondStep {
        second_step_id: SecondStepId::generate()?,
        account_id: account.account_id.clone(),
        purpose,
        sign_in_attempt_id: attempt_id,
        token_hash: session_token::hash(&token),
        language: context.language.to_owned(),
        expires_at,
        created_at: now,
    };
    state.store.start_second_step(&step, None).await?;
    Ok(Some(Begun {
        body: SecondStepRequired {
            second_step: SecondStep {
                ways,
                recovery_codes: remaining > 0,
                expires_at: clock::format(expires_at),
            },
        },
        cookie: state
            .cookie
            .set_second_step(&token, policy::SECOND_STEP_LIFETIME.whole_seconds()),
    }))
}

/// The pending second step this request's cookie names, or `sign_in_expired`.
pub async fn pending(
    state: &AppState,
    headers: &HeaderMap,
    now: OffsetDateTime,
) -> ApiResult<SecondStepRecord> {
    for token in session_tokens(headers, &state.cookie.second_step_name) {
        if let Some(step) = state
            .store
            .second_step_by_token_hash(&session_token::hash(token))
            .await?
            && step.pending
            && now < step.expires_at
        {
            return Ok(step);
        }
    }
    Err(ApiError::code(ProblemCode::SignInExpired))
}

/// The account a pending step belongs to, unless an operator disabled it meanwhile.
pub async fn account_of(state: &AppState, step: &SecondStepRecord) -> ApiResult<AccountRecord> {
    state
        .store
        .account(&step.account_id)
        .await?
        .filter(|account| !account.is_disabled())
        .ok_or_else(|| ApiError::code(ProblemCode::SignInExpired))
}

/// The account's methods of one type.
async fn methods_of(
    state: &AppState,
    account: &AccountRecord,
    method_type: MethodType,
) -> ApiResult<Vec<MethodRecord>> {
    Ok(state
        .methods
        .list_methods(&account.account_id)
        .await?
        .into_iter()
        .filter(|m| m.method_type == method_type)
        .collect())
}

/// Records the way the user picked and makes its challenge: nothing to send for an app, the
/// options for a key's prompt, a code texted or spoken to a phone (picking the same phone
/// again sends a new code, after the resend cooldown and within the phone limits).
pub async fn pick(
    attempt: &Attempt<'_>,
    step: &SecondStepRecord,
    choice: SecondStepChoice,
) -> ApiResult<SecondStepChallenge> {
    let state = attempt.state;
    let not_found = || ApiError::code(ProblemCode::NotFound);
    let (picked, challenge, sent) = match choice {
        SecondStepChoice::AuthenticatorApp {} => {
            if methods_of(state, attempt.account, MethodType::AuthenticatorApp)
                .await?
                .is_empty()
            {
                return Err(not_found());
            }
            let challenge = SecondStepChallenge::AppCode {
                code_length: totp::DIGITS,
            };
            (PickedWay::AuthenticatorApp, challenge, None)
        }
        SecondStepChoice::SecurityKey {} => {
            let keys = Keys {
                party: security_key::relying_party(state)?,
                methods: state.methods.as_ref(),
                audit: state.store.as_ref(),
            };
            let request = assertion::request(keys, &attempt.account.account_id)
                .await?
                .ok_or_else(not_found)?;
            let challenge = SecondStepChallenge::WebAuthn {
                options: request.options,
            };
            let picked = PickedWay::SecurityKey {
                state: request.state,
            };
            (picked, challenge, None)
        }
        SecondStepChoice::Phone { method_id, channel } => {
            let method = methods_of(state, attempt.account, MethodType::Phone)
                .await?
                .into_iter()
                .find(|m| m.method_id.as_str() == method_id)
                .ok_or_else(not_found)?;
            let registered = phone::registered(&method)?;
            match channel {
                Channel::Email => return Err(ApiError::code(ProblemCode::NotATwoStepMethod)),
                Channel::Sms if !registered.texts => {
                    return Err(ApiError::code(ProblemCode::TextsNotPossible));
                }
                Channel::Sms | Channel::Voice => {}
            }
            let masked = mask::phone(&registered.international);
            let sent = one_time_code::issue(
                attempt,
                step.second_step_id.clone().into(),
                Destination {
                    channel,
                    extension: registered.extension.as_deref(),
                    address: &registered.international,
                    normalized: &registered.e164,
                    language: &step.language,
                },
            )?;
            let challenge = SecondStepChallenge::Code {
                channel,
                destination: masked,
                code_length: sent.code.code_length,
                expires_at: clock::format(sent.code.expires_at),
                resend_available_at: clock::format(
                    sent.code.created_at + state.settings.resend_cooldown,
                ),
            };
            (PickedWay::Phone { method_id }, challenge, Some(sent))
        }
    };
    let limits = match &sent {
        Some(sent) => one_time_code::limits(&state.settings, sent.code.channel),
        None => Default::default(),
    };
    let picked = serde_json::to_string(&picked).map_err(anyhow::Error::from)?;
    match state
        .store
        .pick_second_step_way(&step.second_step_id, &picked, sent.as_ref(), None, &limits)
        .await?
    {
        Ok(()) => Ok(challenge),
        Err(crate::store::LimitHit::NotPending) => Err(ApiError::code(ProblemCode::SignInExpired)),
        Err(hit) => Err(one_time_code::limit_error(hit, attempt.now)),
    }
}

/// How the user proved themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// An authenticator app's code.
    AuthenticatorApp,
    /// A security key.
    SecurityKey,
    /// A code sent to a phone.
    Phone,
    /// A recovery code, with how many are left.
    RecoveryCode {
        /// Unused codes after this one.
        left: u8,
    },
}

impl Proof {
    /// The audit trail's words for it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::AuthenticatorApp => "authenticator app",
            Self::SecurityKey => "security key",
            Self::Phone => "phone",
            Self::RecoveryCode { .. } => "recovery code",
        }
    }
}

/// Checks the answer to the pending step. A wrong one counts against the step (and ends it at
/// the limit: `sign_in_expired`) and comes back as the error to answer with.
pub async fn prove(
    attempt: &Attempt<'_>,
    step: &SecondStepRecord,
    answer: SecondStepAnswer,
) -> ApiResult<Proof> {
    let state = attempt.state;
    let account_id = &attempt.account.account_id;
    let picked = step
        .challenge
        .as_deref()
        .map(serde_json::from_str::<PickedWay>)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let wrong = |forget_way, error| count_wrong(attempt, step, forget_way, error);
    match (answer, picked) {
        (SecondStepAnswer::RecoveryCode { code }, _) => {
            match recovery_codes::redeem(state, account_id, &code, attempt.now).await? {
                Some(left) => Ok(Proof::RecoveryCode { left }),
                None => Err(wrong(false, None).await?),
            }
        }
        (SecondStepAnswer::Code { code }, Some(PickedWay::AuthenticatorApp)) => {
            let verdict = authenticator_app::verify_code(
                state.methods.as_ref(),
                &state.code_keys,
                account_id,
                &code,
                attempt.now,
            )
            .await?;
            match verdict {
                CodeVerdict::Right(_) => Ok(Proof::AuthenticatorApp),
                CodeVerdict::Replayed | CodeVerdict::Wrong => Err(wrong(false, None).await?),
            }
        }
        (SecondStepAnswer::Code { code }, Some(PickedWay::Phone { .. })) => {
            let owner = step.second_step_id.as_str();
            match one_time_code::compare(attempt, owner, step.code.as_ref(), &code)? {
                Compared::Right => Ok(Proof::Phone),
                Compared::Wrong => Err(wrong(false, None).await?),
                Compared::Unreadable => Err(ApiError::code_incorrect(attempts_left(step))),
            }
        }
        (
            SecondStepAnswer::Assertion { credential },
            Some(PickedWay::SecurityKey { state: kept }),
        ) => {
            let keys = Keys {
                party: security_key::relying_party(state)?,
                methods: state.methods.as_ref(),
                audit: state.store.as_ref(),
            };
            let verdict = assertion::verify(
                keys,
                attempt.context,
                account_id,
                &kept,
                credential,
                attempt.now,
            )
            .await?;
            match verdict {
                AssertionVerdict::Right(_) => Ok(Proof::SecurityKey),
                AssertionVerdict::Refused | AssertionVerdict::CloneSuspected(_) => Err(wrong(
                    true,
                    Some(ApiError::code(ProblemCode::SecurityKeyNotAccepted)),
                )
                .await?),
            }
        }
        // An answer for a way that was not picked (or no way at all).
        _ => Err(ApiError::code(ProblemCode::NoChallenge)),
    }
}

/// Wrong answers the step still allows.
fn attempts_left(step: &SecondStepRecord) -> u32 {
    policy::MAX_FAILED_ATTEMPTS.saturating_sub(step.failed_attempts)
}

/// Counts a wrong answer: the error to answer with (`error`, or `code_incorrect` with the
/// attempts left), or `sign_in_expired` when it was the last one allowed.
async fn count_wrong(
    attempt: &Attempt<'_>,
    step: &SecondStepRecord,
    forget_way: bool,
    error: Option<ApiError>,
) -> ApiResult<ApiError> {
    let left = attempts_left(step).saturating_sub(1);
    let event = audit::event(
        ActivityKind::SecondStepFailed,
        Some(&attempt.account.account_id),
        attempt.context,
        None,
        attempt.now,
    )?;
    let counted = attempt
        .state
        .store
        .record_failed_second_step(
            &step.second_step_id,
            step.failed_attempts,
            left == 0,
            forget_way,
            &event,
        )
        .await?;
    Ok(if counted && left == 0 {
        ApiError::code(ProblemCode::SignInExpired)
    } else {
        error.unwrap_or_else(|| ApiError::code_incorrect(left))
    })
}
