//! Adding an email method: start (a code is mailed), resend (the old code stops working),
//! verify (the method is added). See `domain::policy` for the figures.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use security_info_api::{
    ActivityKind, CreateEmailRegistration, EmailAddress, EmailRegistration, MethodCreated,
    MethodType, Problem, ProblemCode, VerificationCode, VerifyEmailRegistration,
};
use time::OffsetDateTime;

use crate::{
    clock,
    config::Settings,
    domain::{audit, mask, policy},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientContext, CurrentUser},
    mail::outbox,
    random,
    routes::methods::method_of,
    state::AppState,
    store::{
        CodeLimits, CompleteOutcome, EmailRegistrationRecord, LimitHit, MethodRecord,
        NewEmailRegistration, NewMethod, NewVerificationCode, RegistrationStatus,
    },
};

fn limits(settings: &Settings) -> CodeLimits {
    CodeLimits {
        resend_cooldown: settings.resend_cooldown,
        per_account_per_hour: policy::CODES_PER_ACCOUNT_PER_HOUR,
        per_address_per_day: policy::CODES_PER_ADDRESS_PER_DAY,
    }
}

fn limit_error(hit: LimitHit, now: OffsetDateTime) -> ApiError {
    match hit {
        LimitHit::Cooldown { until } => {
            ApiError::retry_after(ProblemCode::ResendTooSoon, clock::seconds_until(now, until))
        }
        LimitHit::Quota { until } => ApiError::retry_after(
            ProblemCode::TooManyRequests,
            clock::seconds_until(now, until),
        ),
        LimitHit::NotPending => ApiError::code(ProblemCode::NotFound),
    }
}

fn require_email_allowed(state: &AppState) -> ApiResult<()> {
    if state.settings.allowed_methods.contains(&MethodType::Email) {
        Ok(())
    } else {
        Err(ApiError::code(ProblemCode::MethodNotAllowed))
    }
}

fn has_email_method(methods: &[MethodRecord]) -> bool {
    methods
        .iter()
        .any(|m| m.method_type == MethodType::Email.as_str())
}

/// A new code for `registration_id`, with its mail and hash.
struct IssuedCode {
    code: NewVerificationCode,
    mail: crate::store::NewOutboxMessage,
}

fn issue_code(
    state: &AppState,
    account_id: &str,
    registration_id: &str,
    address: &str,
    language: &str,
    now: OffsetDateTime,
) -> anyhow::Result<IssuedCode> {
    let length = state.settings.code_length;
    let plain = state.code_keys.generate(length)?;
    let expires_at = now + state.settings.code_validity;
    let mail = outbox::code_mail(
        &state.code_keys,
        address,
        language,
        &state.settings.org_name,
        &plain,
        expires_at,
        now,
    )?;
    let code = NewVerificationCode {
        verification_code_id: random::id()?,
        email_registration_id: registration_id.to_owned(),
        account_id: account_id.to_owned(),
        email_address: address.to_owned(),
        code_hash: state.code_keys.hash(registration_id, plain.expose()),
        code_length: length,
        expires_at,
        created_at: now,
    };
    Ok(IssuedCode { code, mail })
}

fn answer(
    id: &str,
    address: &str,
    code: &NewVerificationCode,
    settings: &Settings,
) -> EmailRegistration {
    EmailRegistration {
        id: id.to_owned(),
        email_address: address.to_owned(),
        expires_at: clock::format(code.expires_at),
        resend_available_at: clock::format(code.created_at + settings.resend_cooldown),
        code_length: code.code_length,
    }
}

/// Starts adding an email address: a code is mailed to it. Needs a recent sign-in.
#[utoipa::path(post, path = "/me/email-registrations", tag = "email registrations",
    request_body = CreateEmailRegistration,
    responses(
        (status = 202, description = "The code is on its way", body = EmailRegistration),
        (status = 401, description = "`unauthenticated` or `reauthentication_required`", body = Problem,
         content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed` by policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`method_already_registered`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email` or `work_email_not_allowed`", body = Problem,
         content_type = "application/problem+json"),
        (status = 429, description = "`too_many_requests`: code limits per user and per address", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create_email_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    ApiJson(body): ApiJson<CreateEmailRegistration>,
) -> ApiResult<(StatusCode, Json<EmailRegistration>)> {
    require_email_allowed(&state)?;
    let address = EmailAddress::parse(&body.email_address)
        .map_err(|error| ApiError::detail(ProblemCode::InvalidEmail, error.to_string()))?;
    if address.is_in_any_domain(&state.settings.org_domains) {
        return Err(ApiError::code(ProblemCode::WorkEmailNotAllowed));
    }
    let account = &current.account;
    if has_email_method(&state.store.list_methods(&account.account_id).await?) {
        return Err(ApiError::code(ProblemCode::MethodAlreadyRegistered));
    }
    current.require_step_up(state.settings.step_up_window)?;

    let now = clock::now();
    let registration_id = random::id()?;
    let issued = issue_code(
        &state,
        &account.account_id,
        &registration_id,
        address.as_str(),
        context.language,
        now,
    )?;
    let registration = NewEmailRegistration {
        email_registration_id: registration_id.clone(),
        account_id: account.account_id.clone(),
        email_address: address.as_str().to_owned(),
        language: context.language.to_owned(),
        created_at: now,
    };
    let event = audit::event(
        ActivityKind::RegistrationStarted,
        Some(&account.account_id),
        &context,
        Some(mask::email(address.as_str())),
        now,
    )?;
    state
        .store
        .start_email_registration(
            &registration,
            &issued.code,
            &issued.mail,
            &event,
            &limits(&state.settings),
        )
        .await?
        .map_err(|hit| limit_error(hit, now))?;
    state.outbox_wakeup.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(answer(
            &registration_id,
            address.as_str(),
            &issued.code,
            &state.settings,
        )),
    ))
}

async fn find_registration(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> ApiResult<EmailRegistrationRecord> {
    state
        .store
        .email_registration(&current.account.account_id, id)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::NotFound))
}

/// Sends a new code; the previous one stops working. Wrong tries so far still count.
#[utoipa::path(post, path = "/me/email-registrations/{id}/resend", tag = "email registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body(content = Object, description = "Empty object `{}` (or no body), as `application/json`"),
    responses(
        (status = 202, description = "A new code is on its way", body = EmailRegistration),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`verification_locked`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`resend_too_soon` or `too_many_requests`, with `Retry-After`", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn resend_email_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<(StatusCode, Json<EmailRegistration>)> {
    let registration = find_registration(&state, &current, &id).await?;
    match registration.status {
        RegistrationStatus::Pending => {}
        RegistrationStatus::Locked => return Err(ApiError::code(ProblemCode::VerificationLocked)),
        RegistrationStatus::Completed | RegistrationStatus::Superseded => {
            return Err(ApiError::code(ProblemCode::NotFound));
        }
    }
    require_email_allowed(&state)?;
    let account = &current.account;
    let now = clock::now();
    let issued = issue_code(
        &state,
        &account.account_id,
        &id,
        &registration.email_address,
        &registration.language,
        now,
    )?;
    let event = audit::event(
        ActivityKind::CodeResent,
        Some(&account.account_id),
        &context,
        Some(mask::email(&registration.email_address)),
        now,
    )?;
    state
        .store
        .add_verification_code(&issued.code, &issued.mail, &event, &limits(&state.settings))
        .await?
        .map_err(|hit| limit_error(hit, now))?;
    state.outbox_wakeup.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(answer(
            &id,
            &registration.email_address,
            &issued.code,
            &state.settings,
        )),
    ))
}

/// Checks the code; when right, the address becomes the user's email method and the user is
/// notified at their work address. Needs a recent sign-in.
#[utoipa::path(post, path = "/me/email-registrations/{id}/verify", tag = "email registrations",
    params(("id" = String, Path, description = "Registration id")),
    request_body = VerifyEmailRegistration,
    responses(
        (status = 201, description = "The method is registered", body = MethodCreated),
        (status = 401, description = "`unauthenticated` or `reauthentication_required`", body = Problem,
         content_type = "application/problem+json"),
        (status = 403, description = "`method_not_allowed` by policy", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`method_already_registered`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`code_expired` or `verification_locked`", body = Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "`code_incorrect`, with `attemptsLeft`", body = Problem,
         content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn verify_email_registration(
    State(state): State<AppState>,
    context: ClientContext,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerifyEmailRegistration>,
) -> ApiResult<(StatusCode, Json<MethodCreated>)> {
    let account = &current.account;
    // A concurrent attempt may change the registration between reading and writing; the
    // store's conditional updates detect that and the check starts over.
    for _ in 0..8 {
        let registration = find_registration(&state, &current, &id).await?;
        current.require_step_up(state.settings.step_up_window)?;
        match registration.status {
            RegistrationStatus::Pending => {}
            RegistrationStatus::Locked => {
                return Err(ApiError::code(ProblemCode::VerificationLocked));
            }
            RegistrationStatus::Superseded => return Err(ApiError::code(ProblemCode::CodeExpired)),
            RegistrationStatus::Completed => return Err(ApiError::code(ProblemCode::NotFound)),
        }
        require_email_allowed(&state)?;
        let now = clock::now();
        let code = registration
            .code
            .as_ref()
            .filter(|code| now < code.expires_at)
            .ok_or_else(|| ApiError::code(ProblemCode::CodeExpired))?;
        let attempts_left =
            policy::MAX_FAILED_ATTEMPTS.saturating_sub(registration.failed_attempts);
        let Ok(typed) = VerificationCode::parse(&body.code, usize::from(code.code_length)) else {
            // Not even the right shape: cannot be the code, and is not counted as a guess.
            return Err(ApiError::code_incorrect(attempts_left));
        };
        if !state
            .code_keys
            .matches(&id, typed.as_str(), &code.code_hash)
        {
            let failed = registration.failed_attempts + 1;
            let lock = failed >= policy::MAX_FAILED_ATTEMPTS;
            let detail = Some(mask::email(&registration.email_address));
            let mut events = vec![audit::event(
                ActivityKind::VerificationFailed,
                Some(&account.account_id),
                &context,
                detail.clone(),
                now,
            )?];
            if lock {
                events.push(audit::event(
                    ActivityKind::VerificationLocked,
                    Some(&account.account_id),
                    &context,
                    detail,
                    now,
                )?);
            }
            if !state
                .store
                .record_failed_verification(&id, registration.failed_attempts, lock, &events)
                .await?
            {
                continue;
            }
            return Err(if lock {
                ApiError::code(ProblemCode::VerificationLocked)
            } else {
                ApiError::code_incorrect(policy::MAX_FAILED_ATTEMPTS - failed)
            });
        }
        let method = NewMethod {
            method_id: random::id()?,
            account_id: account.account_id.clone(),
            method_type: MethodType::Email.as_str().to_owned(),
            email_address: Some(registration.email_address.clone()),
            created_at: now,
        };
        let event = audit::event(
            ActivityKind::MethodAdded,
            Some(&account.account_id),
            &context,
            Some(mask::email(&registration.email_address)),
            now,
        )?;
        let notice = outbox::change_notice(
            &account.user_principal_name,
            &account.language,
            &state.settings.org_name,
            true,
            &registration.email_address,
            &context,
            now,
        )?;
        match state
            .store
            .complete_email_registration(&id, &method, &event, &notice)
            .await?
        {
            CompleteOutcome::Added => {
                state.outbox_wakeup.notify_one();
                let record = MethodRecord {
                    method_id: method.method_id,
                    method_type: method.method_type,
                    email_address: method.email_address,
                    created_at: method.created_at,
                };
                let method = method_of(&record)
                    .ok_or_else(|| anyhow::anyhow!("email is a known method type"))?;
                return Ok((StatusCode::CREATED, Json(MethodCreated { method })));
            }
            CompleteOutcome::AlreadyRegistered => {
                return Err(ApiError::code(ProblemCode::MethodAlreadyRegistered));
            }
            CompleteOutcome::NotPending => continue,
        }
    }
    Err(ApiError::contended())
}
