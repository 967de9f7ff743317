//! The new password of a verified reset: checked against the policy while the user types, then
//! set; every session of the account ends and the user hears of it at every address they have.

use security_info_api::{
    ActivityKind, MethodDetail, MethodType, PasswordVerdict, Problem, ProblemCode,
};
use time::OffsetDateTime;

use super::{account_of, methods_of};
use crate::{
    directory,
    domain::{
        audit,
        password_policy::{PasswordOwner, PasswordProblem},
    },
    error::{ApiError, ApiResult},
    extract::ClientContext,
    mail::{outbox, templates::SignInEvent},
    state::AppState,
    store::{AccountRecord, PasswordResetRecord},
};

/// The account of a verified reset, or `reset_not_verified`.
async fn verified_account(
    state: &AppState,
    reset: &PasswordResetRecord,
) -> ApiResult<AccountRecord> {
    if reset.status != "verified" {
        return Err(ApiError::code(ProblemCode::ResetNotVerified));
    }
    account_of(state, reset)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::ResetExpired))
}

/// The problem code and reason of a policy refusal.
fn problem_of(problem: &PasswordProblem) -> (ProblemCode, Option<String>) {
    match problem {
        PasswordProblem::TooShort { .. } => (ProblemCode::PasswordTooShort, None),
        PasswordProblem::TooLong => (ProblemCode::PasswordTooLong, None),
        PasswordProblem::Unprintable => (ProblemCode::MalformedRequest, None),
        PasswordProblem::ContainsName => (ProblemCode::PasswordContainsName, None),
        PasswordProblem::TooWeak { reason } => {
            (ProblemCode::PasswordTooWeak, reason.map(str::to_owned))
        }
    }
}

/// Checks `password` against the policy for `account`.
fn check(state: &AppState, account: &AccountRecord, password: &str) -> Result<(), PasswordProblem> {
    state.settings.password_policy.check(
        password,
        PasswordOwner {
            user_principal_name: &account.user_principal_name,
            display_name: &account.display_name,
            organization: &state.settings.org_name,
        },
    )
}

/// Whether `password` would be accepted, and why not (for the page while the user types).
pub async fn verdict(
    state: &AppState,
    reset: &PasswordResetRecord,
    password: &str,
) -> ApiResult<PasswordVerdict> {
    let account = verified_account(state, reset).await?;
    Ok(match check(state, &account, password) {
        Ok(()) => PasswordVerdict {
            problem: None,
            reason: None,
        },
        Err(problem) => {
            let (code, reason) = problem_of(&problem);
            PasswordVerdict {
                problem: Some(code),
                reason,
            }
        }
    })
}

/// Sets the new password of a verified reset.
pub async fn set(
    state: &AppState,
    context: &ClientContext,
    reset: &PasswordResetRecord,
    password: String,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let account = verified_account(state, reset).await?;
    if let Err(problem) = check(state, &account, &password) {
        let (code, reason) = problem_of(&problem);
        let mut problem = Problem::new(code);
        problem.reason = reason;
        return Err(ApiError::Client(Box::new(problem)));
    }
    // The directory may refuse it for its own policy: then nothing else happens, and the
    // user can choose another one in the same reset.
    let hash = directory::set_password(state, &account, password).await?;
    let event = audit::event(
        ActivityKind::PasswordChanged,
        Some(&account.account_id),
        context,
        None,
        now,
    )?;
    // The work address and every registered email address hear of it, and every phone that
    // takes texts.
    let mut recipients = vec![account.user_principal_name.to_lowercase()];
    let mut notices = Vec::new();
    for method in methods_of(state, Some(&account)).await? {
        if method.method_type == MethodType::Phone {
            let phone = crate::methods::phone::registered(&method)?;
            if phone.texts {
                notices.push(crate::sms::outbox::password_changed_text(
                    &phone.e164,
                    &account.language,
                    &state.settings.org_name,
                    now,
                )?);
            }
            continue;
        }
        if method.method_type != MethodType::Email {
            continue;
        }
        if let Some(MethodDetail::Email { email_address }) = state
            .kinds
            .get(MethodType::Email)
            .and_then(|kind| kind.detail(&method).ok())
        {
            let address = email_address.to_lowercase();
            if !recipients.contains(&address) {
                recipients.push(address);
            }
        }
    }
    for recipient in recipients {
        let mut to = account.clone();
        to.user_principal_name = recipient;
        notices.push(outbox::sign_in_event_notice(
            &to,
            &state.settings.org_name,
            SignInEvent::PasswordChanged,
            String::new(),
            context,
            now,
        )?);
    }
    if !state
        .store
        .complete_password_reset(
            &reset.password_reset_id,
            &account.account_id,
            &hash,
            &event,
            &notices,
        )
        .await?
    {
        return Err(ApiError::code(ProblemCode::ResetExpired));
    }
    state.outbox_wakeup.notify_one();
    Ok(())
}
