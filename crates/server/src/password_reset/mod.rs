//! Self-service password reset for the built-in accounts: "Who are you?", one or two gates
//! (`SECURITY_INFO_RESET_GATES`) passed with the user's registered methods, then a new password
//! that meets the [`PasswordPolicy`](crate::domain::password_policy::PasswordPolicy).
//!
//! A reset is a row of its own found by a random token in an HttpOnly cookie; it lasts
//! [`policy::RESET_LIFETIME`] and ends after [`policy::MAX_FAILED_ATTEMPTS`] wrong answers,
//! whatever ways they were given with. Every name gets one, so until a gate is passed nothing
//! tells an account from a name without one (OWASP forgot-password cheat sheet): the ways
//! offered are the organization's, an email or phone gate sends a code only to a destination
//! the visitor typed in full and the account registered (Microsoft's rule), and every other
//! answer is simply wrong. Gates reuse the method modules' checks ([`gates`]).

pub mod gates;
pub mod key_gate;
pub mod new_password;
pub mod stable;
pub mod well_formed;

use axum::http::HeaderMap;
use security_info_api::{
    ActivityKind, EmailAddress, MethodType, PasswordReset, PasswordRules, ProblemCode, ResetHint,
    Usage,
};
use time::OffsetDateTime;

use crate::{
    clock,
    domain::{audit, mask, password_policy, policy, session_token},
    error::{ApiError, ApiResult},
    extract::{ClientContext, session_tokens},
    methods::phone,
    state::AppState,
    store::{AccountRecord, MethodRecord, NewPasswordReset, PasswordResetId, PasswordResetRecord},
};

/// A reset just begun: its state and the cookie that carries it.
pub struct Begun {
    /// The `202` body.
    pub body: PasswordReset,
    /// `Set-Cookie` value of the reset's cookie.
    pub cookie: String,
}

/// The account a reset may change: one with a password here (not the identity provider's)
/// that an operator has not disabled. Any other name resets like one without an account.
pub fn resettable(account: Option<AccountRecord>) -> Option<AccountRecord> {
    account.filter(|account| !account.signs_in_with_provider() && !account.is_disabled())
}

/// Begins a reset for `username` (any well-formed address: an account of that name or not).
pub async fn begin(
    state: &AppState,
    context: &ClientContext,
    username: &str,
    now: OffsetDateTime,
) -> ApiResult<Begun> {
    let username = EmailAddress::parse(username.trim())
        .map_err(|_| ApiError::code(ProblemCode::InvalidEmail))?
        .as_str()
        .to_lowercase();
    let account = resettable(state.store.account_by_username(&username).await?);
    let token = session_token::generate()?;
    let expires_at = now + policy::RESET_LIFETIME;
    let reset = NewPasswordReset {
        password_reset_id: PasswordResetId::generate()?,
        username,
        account_id: account.as_ref().map(|a| a.account_id.clone()),
        token_hash: session_token::hash(&token),
        gates: state.settings.reset_gates,
        requested_from: context.ip_address.clone(),
        language: context.language.to_owned(),
        expires_at,
        created_at: now,
    };
    let event = audit::event(
        ActivityKind::PasswordResetStarted,
        reset.account_id.as_ref(),
        context,
        None,
        now,
    )?;
    if let Err(throttled) = state
        .store
        .start_password_reset(&reset, &state.settings.reset_limits, &event)
        .await?
    {
        return Err(ApiError::retry_after(
            ProblemCode::TooManyRequests,
            clock::seconds_until(now, throttled.until),
        ));
    }
    let body = PasswordReset {
        ways: ways(state),
        gates: reset.gates,
        passed: Vec::new(),
        hints: Vec::new(),
        password_allowed: false,
        policy: rules(state),
        expires_at: clock::format(expires_at),
    };
    let cookie = state
        .cookie
        .set_reset(&token, policy::RESET_LIFETIME.whole_seconds());
    Ok(Begun { body, cookie })
}

/// The reset this request's cookie names, still under way (pending or verified), or
/// `reset_expired`.
pub async fn current(
    state: &AppState,
    headers: &HeaderMap,
    now: OffsetDateTime,
) -> ApiResult<PasswordResetRecord> {
    for token in session_tokens(headers, &state.cookie.reset_name) {
        if let Some(reset) = state
            .store
            .password_reset_by_token_hash(&session_token::hash(token))
            .await?
            && matches!(reset.status.as_str(), "pending" | "verified")
            && now < reset.expires_at
        {
            return Ok(reset);
        }
    }
    Err(ApiError::code(ProblemCode::ResetExpired))
}

/// The method types the organization allows for reset, in the help article's order.
pub fn ways(state: &AppState) -> Vec<MethodType> {
    state
        .kinds
        .types()
        .into_iter()
        .filter(|t| state.settings.allowed_methods.contains(t))
        .filter(|t| t.usable_for().contains(&Usage::PasswordReset))
        .collect()
}

/// The password rules to show.
fn rules(state: &AppState) -> PasswordRules {
    PasswordRules {
        min_length: u16::try_from(state.settings.password_policy.min_length).unwrap_or(u16::MAX),
        max_length: u16::try_from(password_policy::MAX_LENGTH).unwrap_or(u16::MAX),
    }
}

/// The types a reset has passed.
pub fn passed(reset: &PasswordResetRecord) -> anyhow::Result<Vec<MethodType>> {
    Ok(serde_json::from_str(&reset.passed)?)
}

/// The account of a reset, if its name has one.
pub async fn account_of(
    state: &AppState,
    reset: &PasswordResetRecord,
) -> ApiResult<Option<AccountRecord>> {
    Ok(match &reset.account_id {
        Some(account_id) => resettable(state.store.account(account_id).await?),
        None => None,
    })
}

/// The account's methods (none for a name without an account).
pub async fn methods_of(
    state: &AppState,
    account: Option<&AccountRecord>,
) -> ApiResult<Vec<MethodRecord>> {
    Ok(match account {
        Some(account) => state.methods.list_methods(&account.account_id).await?,
        None => Vec::new(),
    })
}

/// The wire state of a reset. Hints are shown only once a gate is passed: by then the
/// account is proven, and the second gate may name what it would use.
pub async fn wire(state: &AppState, reset: &PasswordResetRecord) -> ApiResult<PasswordReset> {
    let passed = passed(reset)?;
    let mut hints = Vec::new();
    if !passed.is_empty() {
        let account = account_of(state, reset).await?;
        for method in methods_of(state, account.as_ref()).await? {
            if passed.contains(&method.method_type) || !ways(state).contains(&method.method_type) {
                continue;
            }
            let hint = match method.method_type {
                MethodType::Phone => mask::phone(&phone::registered(&method)?.international),
                _ => state.kinds.describe(&method),
            };
            hints.push(ResetHint {
                method_type: method.method_type,
                hint,
            });
        }
    }
    Ok(PasswordReset {
        ways: ways(state),
        gates: reset.gates,
        password_allowed: reset.status == "verified",
        passed,
        hints,
        policy: rules(state),
        expires_at: clock::format(reset.expires_at),
    })
}
