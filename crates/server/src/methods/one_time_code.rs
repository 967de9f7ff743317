//! Codes sent over a channel, shared by every type that proves a destination that way (email,
//! text messages and calls): drawn from the OS CSPRNG, stored as a keyed hash bound
//! to their registration, sent through the outbox, valid `SECURITY_INFO_CODE_TTL_SECONDS`, only
//! the newest one works, a resend waits for the cooldown, the limits per account and per
//! destination hold, and [`policy::MAX_FAILED_ATTEMPTS`] wrong codes void the registration.

use security_info_api::{
    Challenge, Channel, PhoneChannel, ProblemCode, RegistrationAnswer, VerificationCode,
};
use time::{Duration, OffsetDateTime};

use super::{
    Attempt, Checked, Earned,
    wrong_answer::{self, WrongAnswer},
};
use crate::{
    clock,
    config::Settings,
    domain::codes::CodeKeys,
    domain::policy,
    error::{ApiError, ApiResult},
    mail::outbox,
    random,
    sms::{self, outbox::PhoneRecipient},
    store::{
        CodeLimits, CodeOwner, CodeQuota, CodeRecord, LimitHit, NewCode, QuotaScope,
        RegistrationRecord, SentCode,
    },
};

/// Where a code goes.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// How.
    pub channel: Channel,
    /// For a call to an office phone, the extension to dial.
    pub extension: Option<&'a str>,
    /// The address or number to send to, as it will be shown back to the user.
    pub address: &'a str,
    /// The same in the one form the per-destination limit counts (e.g. a mapped domain).
    pub normalized: &'a str,
    /// The language of the message.
    pub language: &'a str,
}

/// The code limits of the configuration for a code sent over `channel`: for mail, per account
/// and per address; for texts and calls, which cost money and are what SMS pumping abuses,
/// the phone limits (per number per hour and per day, per account, per client address, and a
/// cap on the whole server's).
pub fn limits(settings: &Settings, channel: Channel) -> CodeLimits {
    let quota = |scope, window, limit| CodeQuota {
        scope,
        window,
        limit,
    };
    let quotas = match channel {
        Channel::Email => vec![
            quota(
                QuotaScope::Account,
                Duration::HOUR,
                policy::CODES_PER_ACCOUNT_PER_HOUR,
            ),
            quota(
                QuotaScope::Destination,
                Duration::DAY,
                policy::CODES_PER_DESTINATION_PER_DAY,
            ),
        ],
        Channel::Sms | Channel::Voice => {
            let phone = &settings.phone_limits;
            vec![
                quota(
                    QuotaScope::Channels(PHONE_CHANNELS),
                    Duration::HOUR,
                    phone.per_hour,
                ),
                quota(
                    QuotaScope::RequestedFrom,
                    Duration::HOUR,
                    phone.per_address_per_hour,
                ),
                quota(
                    QuotaScope::Account,
                    Duration::HOUR,
                    phone.per_account_per_hour,
                ),
                quota(
                    QuotaScope::Destination,
                    Duration::HOUR,
                    phone.per_number_per_hour,
                ),
                quota(
                    QuotaScope::Destination,
                    Duration::DAY,
                    phone.per_number_per_day,
                ),
            ]
        }
    };
    CodeLimits {
        resend_cooldown: settings.resend_cooldown,
        quotas,
    }
}

/// The channels whose codes the server-wide phone cap counts.
const PHONE_CHANNELS: &[Channel] = &[Channel::Sms, Channel::Voice];

/// The answer to a code limit: when to try again.
pub fn limit_error(hit: LimitHit, now: OffsetDateTime) -> ApiError {
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

/// A new code for a registration or a second step, hashed for the store (bound to its owner)
/// and sealed in its message.
pub fn issue(
    attempt: &Attempt<'_>,
    owner: CodeOwner,
    destination: Destination<'_>,
) -> anyhow::Result<SentCode> {
    let state = attempt.state;
    let length = state.settings.code_length;
    let plain = state.code_keys.generate(length)?;
    let expires_at = attempt.now + state.settings.code_validity;
    let phone_message = |channel| {
        sms::outbox::code_message(
            &state.code_keys,
            PhoneRecipient {
                number: destination.normalized,
                channel,
                extension: destination.extension,
                language: destination.language,
            },
            &state.settings.org_name,
            state.origins.public_host(),
            &plain,
            expires_at,
            attempt.now,
        )
    };
    let message = match destination.channel {
        Channel::Email => outbox::code_mail(
            &state.code_keys,
            destination.address,
            destination.language,
            &state.settings.org_name,
            &plain,
            expires_at,
            attempt.now,
        )?,
        Channel::Sms => phone_message(PhoneChannel::Sms)?,
        Channel::Voice => phone_message(PhoneChannel::Voice)?,
    };
    let code = NewCode {
        code_id: random::id()?,
        account_id: Some(attempt.account.account_id.clone()),
        channel: destination.channel,
        destination: destination.normalized.to_owned(),
        requested_from: attempt.context.ip_address.clone(),
        code_hash: state.code_keys.hash(owner.as_str(), plain.expose()),
        code_length: length,
        expires_at,
        created_at: attempt.now,
        owner,
    };
    Ok(SentCode { code, message })
}

/// A password reset's decoy for a destination it sends nothing to (see
/// [`ResetCode::Decoy`](crate::store::ResetCode::Decoy)): the row a sent code would make, with
/// no account and a random hash that no code's keyed hash can equal.
pub fn decoy(
    state: &crate::state::AppState,
    context: &crate::extract::ClientContext,
    owner: CodeOwner,
    destination: &Destination<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<NewCode> {
    Ok(NewCode {
        code_id: random::id()?,
        account_id: None,
        channel: destination.channel,
        destination: destination.normalized.to_owned(),
        requested_from: context.ip_address.clone(),
        code_hash: random::bytes::<32>()?.to_vec(),
        code_length: state.settings.code_length,
        expires_at: now + state.settings.code_validity,
        created_at: now,
        owner,
    })
}

/// The challenge that shows the user where the code went and when it runs out.
pub fn challenge(sent: &SentCode, address: &str, settings: &Settings) -> Challenge {
    Challenge::Code {
        channel: sent.code.channel,
        destination: address.to_owned(),
        code_length: sent.code.code_length,
        expires_at: clock::format(sent.code.expires_at),
        resend_available_at: clock::format(sent.code.created_at + settings.resend_cooldown),
    }
}

/// How a typed code compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// It is the registration's current code.
    Right,
    /// Another request counted an attempt first: read the registration again.
    Raced,
}

/// What a right code earns, for [`earn`]: the method's slot and what it shows.
pub struct Reward<'a, T: serde::Serialize> {
    /// See [`crate::store::NewMethod::slot`].
    pub slot: &'a str,
    /// The type's stored detail.
    pub detail: &'a T,
}

/// Checks the answer to a code challenge and, when the code is right, the method it earns: the
/// whole `check` of a type whose methods are proven by a code sent to them (email, phone).
/// Anything but a code is malformed.
pub async fn earn<T: serde::Serialize>(
    attempt: &Attempt<'_>,
    registration: &RegistrationRecord,
    answer: RegistrationAnswer,
    description: &str,
    reward: Reward<'_, T>,
) -> ApiResult<Checked> {
    let RegistrationAnswer::Code { code } = answer else {
        return Err(ApiError::code(ProblemCode::MalformedRequest));
    };
    Ok(
        match check(attempt, registration, &code, description).await? {
            CodeCheck::Raced => Checked::Raced,
            CodeCheck::Right => Checked::Right(Earned {
                slot: reward.slot.to_owned(),
                name: None,
                detail: serde_json::to_string(reward.detail).map_err(anyhow::Error::from)?,
                credential: None,
                counter: None,
            }),
        },
    )
}

/// Checks a typed code against the registration's newest one. A wrong code of the right shape
/// counts as an attempt (audited with `description`) and the error says how many are left, or
/// that the registration is now void; input that cannot be a code is refused without counting.
pub async fn check(
    attempt: &Attempt<'_>,
    registration: &RegistrationRecord,
    typed: &str,
    description: &str,
) -> ApiResult<CodeCheck> {
    let id = registration.registration_id.as_str();
    match compare(attempt, id, registration.code.as_ref(), typed)? {
        Compared::Right => return Ok(CodeCheck::Right),
        Compared::Unreadable => {
            return Err(ApiError::code_incorrect(wrong_answer::attempts_left(
                registration,
            )));
        }
        Compared::Wrong => {}
    }
    match wrong_answer::count(attempt, registration, description).await? {
        WrongAnswer::Counted(error) => Err(error),
        WrongAnswer::Raced => Ok(CodeCheck::Raced),
    }
}

/// How a typed code compared with the newest code of its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// The code.
    Right,
    /// A code of the right shape, but not this one: counts as a wrong answer.
    Wrong,
    /// Not a code of the right length at all: refused without counting.
    Unreadable,
}

/// Compares `typed` with `code`, the newest code sent for the owner with id `owner`;
/// `code_expired` when there is none or it has run out.
pub fn compare(
    attempt: &Attempt<'_>,
    owner: &str,
    code: Option<&CodeRecord>,
    typed: &str,
) -> ApiResult<Compared> {
    let code = code
        .filter(|code| attempt.now < code.expires_at)
        .ok_or_else(|| ApiError::code(ProblemCode::CodeExpired))?;
    Ok(compare_with(&attempt.state.code_keys, owner, code, typed))
}

/// Compares `typed` with `code` (whatever its expiry), sent for the owner with id `owner`.
pub fn compare_with(keys: &CodeKeys, owner: &str, code: &CodeRecord, typed: &str) -> Compared {
    let Ok(typed) = VerificationCode::parse(typed, usize::from(code.code_length)) else {
        return Compared::Unreadable;
    };
    if keys.matches(owner, typed.as_str(), &code.code_hash) {
        Compared::Right
    } else {
        Compared::Wrong
    }
}
