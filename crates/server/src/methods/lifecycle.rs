//! One registration lifecycle for every type: pending, then completed, locked, expired or
//! superseded. The rules that do not depend on the type live here: the organization's policy,
//! how many methods of a type an account may have, step-up, the registration's lifetime, the
//! audit trail and the notice to the user; the type's module does the rest.

use security_info_api::{
    ActivityKind, Method, MethodType, ProblemCode, Registration, RegistrationAnswer,
    RegistrationProgress, RegistrationStage, StartRegistration, UnavailableReason,
};

use super::{Attempt, Checked, MethodKind, registration_answer};
use crate::{
    domain::{audit, codes},
    error::{ApiError, ApiResult},
    extract::{ClientContext, CurrentUser},
    mail::outbox,
    state::AppState,
    store::{
        AccountId, AccountRecord, AddOutcome, MethodId, NewMethod, RegistrationId,
        RegistrationRecord, RegistrationStatus,
    },
};

/// How often a verification starts over when concurrent requests keep changing the
/// registration under it, before it gives up with a 503.
const MAX_RACES: usize = 8;

/// The type's module, if the organization allows the type.
fn allowed_kind(state: &AppState, method_type: MethodType) -> ApiResult<&dyn MethodKind> {
    state
        .kinds
        .get(method_type)
        .filter(|_| state.settings.allowed_methods.contains(&method_type))
        .ok_or_else(|| ApiError::code(ProblemCode::MethodNotAllowed))
}

/// The error for an account that has all the methods of a type it may have.
fn full(reason: UnavailableReason) -> ApiError {
    ApiError::code(match reason {
        UnavailableReason::LimitReached => ProblemCode::MethodLimitReached,
        _ => ProblemCode::MethodAlreadyRegistered,
    })
}

/// Starts adding a method of the request's type.
pub async fn start(
    state: &AppState,
    context: &ClientContext,
    current: &CurrentUser,
    request: StartRegistration,
) -> ApiResult<Registration> {
    let method_type = request.method_type();
    let kind = allowed_kind(state, method_type)?;
    let attempt = Attempt {
        state,
        account: &current.account,
        context,
        now: crate::clock::now(),
    };
    let started = kind.start(&attempt, request).await?;
    let account_id = &current.account.account_id;
    let registered = state
        .methods
        .list_methods(account_id)
        .await?
        .iter()
        .filter(|m| m.method_type == method_type)
        .count();
    if let Some(reason) =
        UnavailableReason::for_count(method_type, u32::try_from(registered).unwrap_or(u32::MAX))
    {
        return Err(full(reason));
    }
    current.require_step_up(state.settings.step_up_window)?;
    let event = audit::event(
        ActivityKind::RegistrationStarted,
        Some(account_id),
        context,
        Some(started.description),
        attempt.now,
    )?;
    state
        .store
        .start_registration(
            &started.registration,
            started.first_code.as_ref(),
            &event,
            // Without a code to send, no code limit applies.
            &started
                .first_code
                .as_ref()
                .map(|sent| super::one_time_code::limits(&state.settings, sent.code.channel))
                .unwrap_or_default(),
        )
        .await?
        .map_err(|hit| super::one_time_code::limit_error(hit, attempt.now))?;
    if started.first_code.is_some() {
        state.outbox_wakeup.notify_one();
    }
    Ok(registration_answer(
        &started.registration.registration_id,
        method_type,
        started.challenge,
    ))
}

/// The signed-in user's registration with this id.
pub(super) async fn find(
    state: &AppState,
    current: &CurrentUser,
    id: &RegistrationId,
) -> ApiResult<RegistrationRecord> {
    find_for(state, &current.account.account_id, id).await
}

/// The account's registration with this id.
pub(super) async fn find_for(
    state: &AppState,
    account_id: &AccountId,
    id: &RegistrationId,
) -> ApiResult<RegistrationRecord> {
    state
        .store
        .registration(account_id, id)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))
}

/// Where the signed-in user's registration `id` is in its life.
pub async fn progress(
    state: &AppState,
    current: &CurrentUser,
    id: &RegistrationId,
) -> ApiResult<RegistrationProgress> {
    let registration = find(state, current, id).await?;
    let stage = match registration.status {
        RegistrationStatus::Pending if crate::clock::now() >= registration.expires_at => {
            RegistrationStage::Expired
        }
        RegistrationStatus::Pending => RegistrationStage::Pending,
        RegistrationStatus::Completed => RegistrationStage::Completed,
        RegistrationStatus::Locked => RegistrationStage::Locked,
        RegistrationStatus::Expired => RegistrationStage::Expired,
        RegistrationStatus::Superseded => RegistrationStage::Superseded,
    };
    Ok(RegistrationProgress {
        id: registration.registration_id.to_string(),
        method_type: registration.method_type,
        stage,
    })
}

/// Refuses a registration that is no longer pending, or whose time is up (and records that).
pub(super) async fn require_pending(
    state: &AppState,
    registration: &RegistrationRecord,
    now: time::OffsetDateTime,
) -> ApiResult<()> {
    let refusal = match registration.status {
        RegistrationStatus::Pending if now >= registration.expires_at => {
            state
                .store
                .expire_registration(&registration.registration_id)
                .await?;
            ProblemCode::RegistrationExpired
        }
        RegistrationStatus::Pending => return Ok(()),
        RegistrationStatus::Locked => ProblemCode::VerificationLocked,
        RegistrationStatus::Expired => ProblemCode::RegistrationExpired,
        // A newer registration replaced it: its code no longer works.
        RegistrationStatus::Superseded => ProblemCode::CodeExpired,
        RegistrationStatus::Completed => ProblemCode::NotFound,
    };
    Err(ApiError::code(refusal))
}

/// Sends a new code for a pending registration; the previous one stops working.
pub async fn resend(
    state: &AppState,
    context: &ClientContext,
    current: &CurrentUser,
    id: &RegistrationId,
) -> ApiResult<Registration> {
    let registration = find(state, current, id).await?;
    let now = crate::clock::now();
    match registration.status {
        // Nothing to send for a registration that is over, whatever ended it.
        RegistrationStatus::Completed | RegistrationStatus::Superseded => {
            return Err(ApiError::code(ProblemCode::NotFound));
        }
        _ => require_pending(state, &registration, now).await?,
    }
    let kind = allowed_kind(state, registration.method_type)?;
    let attempt = Attempt {
        state,
        account: &current.account,
        context,
        now,
    };
    let resent = kind.resend(&attempt, &registration).await?;
    let event = audit::event(
        ActivityKind::CodeResent,
        Some(&current.account.account_id),
        context,
        Some(resent.description),
        now,
    )?;
    state
        .store
        .add_code(
            &resent.code,
            &event,
            &super::one_time_code::limits(&state.settings, resent.code.code.channel),
        )
        .await?
        .map_err(|hit| super::one_time_code::limit_error(hit, now))?;
    state.outbox_wakeup.notify_one();
    Ok(registration_answer(
        id,
        registration.method_type,
        resent.challenge,
    ))
}

/// Checks the answer to a registration's challenge; when right, the method is added and the
/// user notified at their work address.
pub async fn verify(
    state: &AppState,
    context: &ClientContext,
    current: &CurrentUser,
    id: &RegistrationId,
    answer: RegistrationAnswer,
) -> ApiResult<Method> {
    answer_for(state, context, &current.account, id, answer, Some(current)).await
}

/// [`verify`] for a registration handed off to a window of the app's own, which has no
/// session: the caller has checked the hand-off's capability, and the step-up was checked when
/// the registration started.
pub async fn verify_handed_off(
    state: &AppState,
    context: &ClientContext,
    account: &AccountRecord,
    id: &RegistrationId,
    answer: RegistrationAnswer,
) -> ApiResult<Method> {
    answer_for(state, context, account, id, answer, None).await
}

/// The API document's rules for an answer, checked before the registration's state so that a
/// malformed answer is refused the same way whether the registration is pending or over: a
/// code of 1 to 64 digits, spaces and dashes (else `code_incorrect`, not counted, as any input
/// that cannot be the code), a credential that is an object (else `malformed_request`).
fn well_formed(answer: &RegistrationAnswer, registration: &RegistrationRecord) -> ApiResult<()> {
    match answer {
        RegistrationAnswer::Code { code } if !codes::is_written_as_a_code(code) => Err(
            ApiError::code_incorrect(super::wrong_answer::attempts_left(registration)),
        ),
        RegistrationAnswer::Credential { credential, .. } if !credential.is_object() => Err(
            ApiError::detail(ProblemCode::MalformedRequest, "a credential is an object"),
        ),
        RegistrationAnswer::Code { .. }
        | RegistrationAnswer::Credential { .. }
        | RegistrationAnswer::Answers { .. } => Ok(()),
    }
}

/// Checks `account`'s answer; `signed_in`, when answered in a session, must have stepped up.
async fn answer_for(
    state: &AppState,
    context: &ClientContext,
    account: &AccountRecord,
    id: &RegistrationId,
    answer: RegistrationAnswer,
    signed_in: Option<&CurrentUser>,
) -> ApiResult<Method> {
    // A concurrent attempt may change the registration between reading and writing; the
    // store's conditional updates detect that and the check starts over.
    for _ in 0..MAX_RACES {
        let registration = find_for(state, &account.account_id, id).await?;
        if let Some(current) = signed_in {
            current.require_step_up(state.settings.step_up_window)?;
        }
        well_formed(&answer, &registration)?;
        let now = crate::clock::now();
        require_pending(state, &registration, now).await?;
        let kind = allowed_kind(state, registration.method_type)?;
        let attempt = Attempt {
            state,
            account,
            context,
            now,
        };
        let earned = match kind.check(&attempt, &registration, answer.clone()).await? {
            Checked::Right(earned) => earned,
            Checked::Raced => continue,
        };
        let new_method = NewMethod {
            method_id: MethodId::generate()?,
            account_id: account.account_id.clone(),
            method_type: registration.method_type,
            slot: earned.slot,
            name: earned.name,
            detail: earned.detail,
            credential: earned.credential,
            counter: earned.counter,
            created_at: now,
        };
        let record = new_method.clone().into_record();
        let description = kind.describe(&record);
        let event = audit::event(
            ActivityKind::MethodAdded,
            Some(&account.account_id),
            context,
            Some(description.clone()),
            now,
        )?;
        let notice = outbox::change_notice(
            account,
            &state.settings.org_name,
            outbox::Change::Added,
            registration.method_type,
            &description,
            context,
            now,
        )?;
        let limit = registration.method_type.limit();
        match state
            .methods
            .add_method(id, &new_method, limit, &event, &notice)
            .await?
        {
            AddOutcome::Added => {
                state.outbox_wakeup.notify_one();
                return state
                    .kinds
                    .wire(&record)?
                    .ok_or_else(|| anyhow::anyhow!("an implemented type").into());
            }
            AddOutcome::SlotTaken => {
                return Err(ApiError::code(ProblemCode::MethodAlreadyRegistered));
            }
            AddOutcome::LimitReached => {
                return Err(full(
                    UnavailableReason::for_count(registration.method_type, limit)
                        .unwrap_or(UnavailableReason::LimitReached),
                ));
            }
            AddOutcome::NotPending => continue,
        }
    }
    Err(ApiError::contended())
}
