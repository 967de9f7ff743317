//! The gates of a password reset: choosing a way (its challenge) and answering it.
//!
//! Each way answers a name without an account (or without that method) exactly as it answers
//! an account with it, until the answer is checked: an email or phone way says a code went to
//! the destination typed (it went only if the account registered it), an authenticator app
//! way asks for the code, a security key way asks for the account's keys or a stand-in that
//! is stable for the name ([`key_gate`]), a questions way asks questions that are stable for
//! the name (the account's own, or predefined ones picked by a keyed hash of the name,
//! [`stable`]). Expiry and the
//! resend cooldown are kept with the chosen way, not with a code, so they hold the same for
//! both.

use security_info_api::{
    ActivityKind, AskedQuestion, Channel, EmailAddress, MethodDetail, MethodType, PasswordReset,
    PhoneChannel, ProblemCode, ResetAnswer, ResetChallenge, ResetChoice,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{account_of, key_gate, methods_of, passed, stable, ways, wire};
use crate::{
    clock,
    domain::{audit, phone as phone_numbers, policy, totp},
    error::{ApiError, ApiResult},
    extract::ClientContext,
    methods::{
        Attempt,
        authenticator_app::{self, CodeVerdict},
        check_limit,
        one_time_code::{self, Compared, Destination},
        phone,
        security_questions::{self, StoredQuestion, catalog},
    },
    secret::Secret,
    state::AppState,
    store::{AccountRecord, CheckSubject, LimitHit, MethodRecord, PasswordResetRecord, ResetCode},
};

/// The way chosen, kept with the reset until it is answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "way", rename_all = "camelCase")]
enum Chosen {
    /// A code to this address (sent if it is registered), valid until `expires_at`.
    #[serde(rename_all = "camelCase")]
    Email {
        destination: String,
        sent_at: i64,
        expires_at: i64,
    },
    /// A code to this number (E.164; sent if it is registered), valid until `expires_at`.
    #[serde(rename_all = "camelCase")]
    Phone {
        destination: String,
        sent_at: i64,
        expires_at: i64,
    },
    /// The code of any of the account's authenticator apps.
    AuthenticatorApp,
    /// An assertion to this WebAuthn challenge state (of the account's keys, or a stand-in's).
    SecurityKey { state: String },
    /// Answers to these questions (ids as asked).
    SecurityQuestions { asked: Vec<String> },
}

impl Chosen {
    fn method_type(&self) -> MethodType {
        match self {
            Self::Email { .. } => MethodType::Email,
            Self::Phone { .. } => MethodType::Phone,
            Self::AuthenticatorApp => MethodType::AuthenticatorApp,
            Self::SecurityKey { .. } => MethodType::SecurityKey,
            Self::SecurityQuestions { .. } => MethodType::SecurityQuestions,
        }
    }

    /// The destination and send time of a code way.
    fn sent(&self) -> Option<(&str, i64, i64)> {
        match self {
            Self::Email {
                destination,
                sent_at,
                expires_at,
            }
            | Self::Phone {
                destination,
                sent_at,
                expires_at,
            } => Some((destination, *sent_at, *expires_at)),
            _ => None,
        }
    }
}

/// The type a choice is for.
fn type_of(choice: &ResetChoice) -> MethodType {
    match choice {
        ResetChoice::Email { .. } => MethodType::Email,
        ResetChoice::Phone { .. } => MethodType::Phone,
        ResetChoice::AuthenticatorApp {} => MethodType::AuthenticatorApp,
        ResetChoice::SecurityKey {} => MethodType::SecurityKey,
        ResetChoice::SecurityQuestions {} => MethodType::SecurityQuestions,
    }
}

/// The chosen way of a reset, if any.
fn chosen(reset: &PasswordResetRecord) -> anyhow::Result<Option<Chosen>> {
    Ok(reset
        .challenge
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?)
}

/// A registered email method's address, lower case.
fn email_of(state: &AppState, method: &MethodRecord) -> Option<String> {
    match state.kinds.get(MethodType::Email)?.detail(method).ok()? {
        MethodDetail::Email { email_address } => Some(email_address.to_lowercase()),
        _ => None,
    }
}

/// The id a stored question is asked under.
fn asked_id(question: &StoredQuestion, index: usize) -> String {
    match question {
        StoredQuestion::Id(id) => id.clone(),
        StoredQuestion::Own(_) => format!("own:{index}"),
    }
}

/// The account's questions method, if it has one.
fn questions_method(methods: &[MethodRecord]) -> Option<&MethodRecord> {
    methods
        .iter()
        .find(|m| m.method_type == MethodType::SecurityQuestions)
}

/// The questions a reset asks `username`: `(id, text, stored question)`.
fn questions_for(
    state: &AppState,
    username: &str,
    language: &str,
    methods: &[MethodRecord],
) -> anyhow::Result<Vec<(String, String, StoredQuestion)>> {
    let count = usize::from(state.settings.questions_to_answer);
    let candidates: Vec<(String, String, StoredQuestion)> = match questions_method(methods) {
        Some(method) => security_questions::questions_of(method)?
            .into_iter()
            .enumerate()
            .map(|(index, question)| {
                let text = match &question {
                    StoredQuestion::Id(id) => catalog::question(id)
                        .map(|q| q.text(language).to_owned())
                        .unwrap_or_default(),
                    StoredQuestion::Own(text) => text.clone(),
                };
                (asked_id(&question, index), text, question)
            })
            .collect(),
        None => catalog::QUESTIONS
            .iter()
            .map(|q| {
                (
                    q.id.to_owned(),
                    q.text(language).to_owned(),
                    StoredQuestion::Id(q.id.to_owned()),
                )
            })
            .collect(),
    };
    Ok(stable::pick(
        state,
        "reset-questions",
        username,
        &candidates,
        count,
    ))
}

/// Chooses a way for the reset's next gate: its challenge.
pub async fn choose(
    state: &AppState,
    context: &ClientContext,
    reset: &PasswordResetRecord,
    choice: ResetChoice,
    now: OffsetDateTime,
) -> ApiResult<ResetChallenge> {
    let method_type = type_of(&choice);
    if !ways(state).contains(&method_type) {
        return Err(ApiError::code(ProblemCode::MethodNotAllowed));
    }
    if reset.status != "pending" || passed(reset)?.contains(&method_type) {
        return Err(ApiError::code(ProblemCode::WayAlreadyPassed));
    }
    let account = account_of(state, reset).await?;
    let methods = methods_of(state, account.as_ref()).await?;
    let previous = chosen(reset)?;
    let settings = &state.settings;
    let (chosen, challenge, sent) = match choice {
        ResetChoice::Email { email_address } => {
            let typed = EmailAddress::parse(email_address.trim())
                .map_err(|_| ApiError::code(ProblemCode::InvalidEmail))?;
            // Compared, shown and sent in lower case: the same whether or not it is registered.
            let destination = typed.as_str().to_lowercase();
            let registered = methods
                .iter()
                .any(|m| email_of(state, m).as_deref() == Some(destination.as_str()));
            let way = CodeWay {
                channel: Channel::Email,
                address: &destination,
                normalized: &destination,
                extension: None,
            };
            code_way(
                state,
                context,
                reset,
                account.as_ref(),
                registered,
                &way,
                previous.as_ref(),
                now,
            )?
        }
        ResetChoice::Phone {
            region,
            number,
            channel,
        } => {
            let parsed = phone_numbers::parse(&number, &region, &settings.phone_regions)
                .map_err(phone::number_error)?;
            if channel == PhoneChannel::Sms && !parsed.kind.receives_texts() {
                return Err(ApiError::code(ProblemCode::TextsNotPossible));
            }
            let registered = methods
                .iter()
                .filter(|m| m.method_type == MethodType::Phone)
                .filter_map(|m| phone::registered(m).ok())
                .find(|p| p.e164 == parsed.e164);
            let channel = Channel::from(channel);
            let way = CodeWay {
                channel,
                address: &parsed.international,
                normalized: &parsed.e164,
                extension: registered.as_ref().and_then(|p| p.extension.as_deref()),
            };
            code_way(
                state,
                context,
                reset,
                account.as_ref(),
                registered.is_some(),
                &way,
                previous.as_ref(),
                now,
            )?
        }
        ResetChoice::AuthenticatorApp {} => (
            Chosen::AuthenticatorApp,
            ResetChallenge::AppCode {
                code_length: totp::DIGITS,
            },
            None,
        ),
        ResetChoice::SecurityQuestions {} => {
            let asked = questions_for(state, &reset.username, &reset.language, &methods)?;
            let challenge = ResetChallenge::Questions {
                questions: asked
                    .iter()
                    .map(|(id, text, _)| AskedQuestion {
                        id: id.clone(),
                        text: text.clone(),
                    })
                    .collect(),
            };
            let ids = asked.into_iter().map(|(id, _, _)| id).collect();
            (Chosen::SecurityQuestions { asked: ids }, challenge, None)
        }
        ResetChoice::SecurityKey {} => {
            let request = key_gate::challenge(state, &reset.username, account.as_ref()).await?;
            let challenge = ResetChallenge::WebAuthn {
                options: request.options,
            };
            let chosen = Chosen::SecurityKey {
                state: request.state,
            };
            (chosen, challenge, None)
        }
    };
    let limits = match &sent {
        Some(code) => one_time_code::limits(settings, code.code().channel),
        None => Default::default(),
    };
    let json = serde_json::to_string(&chosen).map_err(anyhow::Error::from)?;
    match state
        .store
        .choose_reset_way(&reset.password_reset_id, &json, sent.as_ref(), &limits)
        .await?
    {
        Ok(()) => {
            if matches!(sent, Some(ResetCode::Sent(_))) {
                state.outbox_wakeup.notify_one();
            }
            Ok(challenge)
        }
        Err(LimitHit::NotPending) => Err(ApiError::code(ProblemCode::ResetExpired)),
        Err(hit) => Err(one_time_code::limit_error(hit, now)),
    }
}

/// Where a code way sends.
struct CodeWay<'a> {
    channel: Channel,
    /// As shown back (the typed address, the number in international form).
    address: &'a str,
    /// As compared and counted (lower-case address, E.164).
    normalized: &'a str,
    extension: Option<&'a str>,
}

/// The chosen state, challenge and code (when the destination is registered) of an email or
/// phone way; the resend cooldown holds for the same destination whether or not a code went.
#[expect(
    clippy::too_many_arguments,
    reason = "one call per code way, each argument its own"
)]
fn code_way(
    state: &AppState,
    context: &ClientContext,
    reset: &PasswordResetRecord,
    account: Option<&AccountRecord>,
    registered: bool,
    way: &CodeWay<'_>,
    previous: Option<&Chosen>,
    now: OffsetDateTime,
) -> ApiResult<(Chosen, ResetChallenge, Option<ResetCode>)> {
    let settings = &state.settings;
    if let Some((destination, sent_at, _)) = previous.and_then(Chosen::sent)
        && destination == way.normalized
    {
        let until = OffsetDateTime::from_unix_timestamp(sent_at).map_err(anyhow::Error::from)?
            + settings.resend_cooldown;
        if now < until {
            return Err(ApiError::retry_after(
                ProblemCode::ResendTooSoon,
                clock::seconds_until(now, until),
            ));
        }
    }
    let expires_at = now + settings.code_validity;
    let destination = Destination {
        channel: way.channel,
        extension: way.extension,
        address: way.address,
        normalized: way.normalized,
        language: &reset.language,
    };
    let owner = || reset.password_reset_id.clone().into();
    let sent = match account.filter(|_| registered) {
        Some(account) => {
            let attempt = Attempt {
                state,
                account,
                context,
                now,
            };
            ResetCode::Sent(one_time_code::issue(&attempt, owner(), destination)?)
        }
        None => ResetCode::Decoy(one_time_code::decoy(
            state,
            context,
            owner(),
            &destination,
            now,
        )?),
    };
    let destination = way.normalized.to_owned();
    let chosen = match way.channel {
        Channel::Email => Chosen::Email {
            destination,
            sent_at: now.unix_timestamp(),
            expires_at: expires_at.unix_timestamp(),
        },
        Channel::Sms | Channel::Voice => Chosen::Phone {
            destination,
            sent_at: now.unix_timestamp(),
            expires_at: expires_at.unix_timestamp(),
        },
    };
    let challenge = ResetChallenge::Code {
        channel: way.channel,
        destination: way.address.to_owned(),
        code_length: settings.code_length,
        expires_at: clock::format(expires_at),
        resend_available_at: clock::format(now + settings.resend_cooldown),
    };
    Ok((chosen, challenge, Some(sent)))
}

/// Answers the reset's current challenge: the reset after it (a gate passed, or the
/// password allowed). A wrong answer counts (the fifth ends the reset).
pub async fn verify(
    state: &AppState,
    context: &ClientContext,
    reset: &PasswordResetRecord,
    answer: ResetAnswer,
    now: OffsetDateTime,
) -> ApiResult<PasswordReset> {
    if reset.status != "pending" {
        return Err(ApiError::code(ProblemCode::WayAlreadyPassed));
    }
    let chosen = chosen(reset)?.ok_or_else(|| ApiError::code(ProblemCode::NoChallenge))?;
    let account = account_of(state, reset).await?;
    let methods = methods_of(state, account.as_ref()).await?;
    let right = match (answer, &chosen) {
        (
            ResetAnswer::Code { code },
            Chosen::Email { expires_at, .. } | Chosen::Phone { expires_at, .. },
        ) => {
            if now.unix_timestamp() >= *expires_at {
                return Err(ApiError::code(ProblemCode::CodeExpired));
            }
            let owner = reset.password_reset_id.as_str();
            match &reset.code {
                Some(sent) => {
                    match one_time_code::compare_with(&state.code_keys, owner, sent, &code) {
                        Compared::Right => true,
                        Compared::Wrong => false,
                        Compared::Unreadable => {
                            return Err(ApiError::code_incorrect(attempts_left(reset)));
                        }
                    }
                }
                // Nothing was sent: a code of the right shape is wrong, like any wrong code.
                None => {
                    if security_info_api::VerificationCode::parse(
                        &code,
                        usize::from(state.settings.code_length),
                    )
                    .is_err()
                    {
                        return Err(ApiError::code_incorrect(attempts_left(reset)));
                    }
                    false
                }
            }
        }
        (ResetAnswer::Code { code }, Chosen::AuthenticatorApp) => match &account {
            Some(account) => matches!(
                authenticator_app::verify_code(
                    state.methods.as_ref(),
                    &state.code_keys,
                    &account.account_id,
                    &code,
                    now,
                )
                .await?,
                CodeVerdict::Right(_)
            ),
            None => {
                name_check(state, reset, MethodType::AuthenticatorApp, now).await?;
                false
            }
        },
        (ResetAnswer::Answers { answers }, Chosen::SecurityQuestions { asked }) => {
            let mut given = Vec::new();
            let registered = questions_method(&methods)
                .map(security_questions::questions_of)
                .transpose()?;
            for (index, id) in asked.iter().enumerate() {
                let answer = answers
                    .iter()
                    .find(|a| &a.id == id)
                    .map(|a| a.answer.clone())
                    .unwrap_or_default();
                let question = match &registered {
                    Some(stored) => stored
                        .iter()
                        .enumerate()
                        .find(|(i, q)| &asked_id(q, *i) == id)
                        .map(|(_, q)| q.clone()),
                    None => None,
                }
                .unwrap_or_else(|| StoredQuestion::Id(format!("unregistered-{index}")));
                given.push((question, answer));
            }
            match questions_method(&methods) {
                Some(method) => {
                    security_questions::answers_match(&state.passwords, method, &given).await?
                }
                None => {
                    // The same hashing work as a real check, then wrong.
                    for (_, answer) in &given {
                        state
                            .passwords
                            .verify(Secret::new(answer.clone()), None)
                            .await?;
                    }
                    false
                }
            }
        }
        (ResetAnswer::Assertion { credential }, Chosen::SecurityKey { state: kept }) => {
            if account.is_none() {
                name_check(state, reset, MethodType::SecurityKey, now).await?;
            }
            key_gate::check(state, context, account.as_ref(), kept, credential, now).await?
        }
        _ => return Err(ApiError::code(ProblemCode::NoChallenge)),
    };
    if !right {
        let refusal = Refusal::of(&chosen);
        return Err(count_wrong(state, context, reset, account.as_ref(), refusal, now).await?);
    }
    let mut passed = passed(reset)?;
    passed.push(chosen.method_type());
    let verified = passed.len() >= usize::from(reset.gates);
    let event = audit::event(
        ActivityKind::PasswordResetGatePassed,
        account.as_ref().map(|a| &a.account_id),
        context,
        Some(chosen.method_type().as_str().to_owned()),
        now,
    )?;
    let passed_json = serde_json::to_string(&passed).map_err(anyhow::Error::from)?;
    if !state
        .store
        .pass_reset_gate(&reset.password_reset_id, &passed_json, verified, &event)
        .await?
    {
        return Err(ApiError::code(ProblemCode::ResetExpired));
    }
    let mut after = reset.clone();
    after.passed = passed_json;
    after.challenge = None;
    if verified {
        after.status = "verified".to_owned();
    }
    wire(state, &after).await
}

/// Wrong answers the reset still allows.
fn attempts_left(reset: &PasswordResetRecord) -> u32 {
    policy::MAX_FAILED_ATTEMPTS.saturating_sub(reset.failed_attempts)
}

/// How a wrong answer to a way is refused.
struct Refusal {
    /// The problem, with the attempts left.
    code: ProblemCode,
    /// Whether the way must be chosen again: a key's challenge is answered once, right or
    /// wrong (a code may be typed again).
    forget_way: bool,
}

impl Refusal {
    fn of(chosen: &Chosen) -> Self {
        match chosen {
            Chosen::SecurityKey { .. } => Self {
                code: ProblemCode::SecurityKeyNotAccepted,
                forget_way: true,
            },
            _ => Self {
                code: ProblemCode::CodeIncorrect,
                forget_way: false,
            },
        }
    }
}

/// Counts a wrong answer: the refusal's problem with the attempts left, or `reset_expired`
/// when it was the last one allowed.
async fn count_wrong(
    state: &AppState,
    context: &ClientContext,
    reset: &PasswordResetRecord,
    account: Option<&AccountRecord>,
    refusal: Refusal,
    now: OffsetDateTime,
) -> ApiResult<ApiError> {
    let left = attempts_left(reset).saturating_sub(1);
    let event = audit::event(
        ActivityKind::PasswordResetGateFailed,
        account.map(|a| &a.account_id),
        context,
        None,
        now,
    )?;
    let counted = state
        .store
        .record_failed_reset_answer(
            &reset.password_reset_id,
            reset.failed_attempts,
            left == 0,
            refusal.forget_way,
            &event,
        )
        .await?;
    Ok(if counted && left == 0 {
        ApiError::code(ProblemCode::ResetExpired)
    } else {
        ApiError::wrong_answer(refusal.code, left)
    })
}

/// Counts an authenticator app's or security key's answer of a name without an account against
/// the name, as an account's answers count against it: the limit's 429 comes at the same
/// answer for both (see [`check_limit`]).
pub async fn name_check(
    state: &AppState,
    reset: &PasswordResetRecord,
    method_type: MethodType,
    now: OffsetDateTime,
) -> ApiResult<()> {
    check_limit::reserve(
        state.methods.as_ref(),
        CheckSubject::Name(reset.username.to_lowercase()),
        method_type,
        now,
    )
    .await?;
    Ok(())
}
