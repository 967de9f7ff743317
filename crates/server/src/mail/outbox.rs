//! Builds outbox rows. The row is written in the same transaction as the change it reports;
//! the body is rendered only when the worker delivers it, so the database never holds a code
//! in clear (the code travels sealed and is erased after delivery).

use security_info_api::MethodType;
use time::OffsetDateTime;

use super::templates::{
    self, ChangeParams, CodeParams, MethodsClearedParams, SignInEvent, SignInEventParams,
};
use crate::{
    clock,
    domain::codes::{CodeKeys, PlainCode},
    extract::ClientContext,
    random,
    store::{AccountRecord, NewOutboxMessage},
};

/// How many minutes a code sent `now` works, rounded up, so a short validity never reads as
/// "0 minutes".
pub fn valid_minutes(expires_at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    ((expires_at - now).whole_seconds() + 59)
        .div_euclid(60)
        .max(1)
}

/// The code mail for `recipient`.
pub fn code_mail(
    keys: &CodeKeys,
    recipient: &str,
    language: &str,
    org_name: &str,
    code: &PlainCode,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let outbox_message_id = random::id()?;
    let params = CodeParams {
        org_name: org_name.to_owned(),
        expires_at: clock::format(expires_at),
        valid_minutes: valid_minutes(expires_at, now),
    };
    Ok(NewOutboxMessage {
        sealed_secret: Some(keys.seal(&outbox_message_id, code.expose().as_bytes())?),
        outbox_message_id,
        recipient: recipient.to_owned(),
        language: language.to_owned(),
        template: templates::VERIFICATION_CODE.to_owned(),
        params: serde_json::to_string(&params)?,
        created_at: now,
    })
}

/// What happened to a method, for its notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It was registered.
    Added,
    /// It was deleted.
    Deleted,
}

/// The "method added/deleted" notice to the account's work address, in its language.
pub fn change_notice(
    account: &AccountRecord,
    org_name: &str,
    change: Change,
    method_type: MethodType,
    description: &str,
    context: &ClientContext,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let params = ChangeParams {
        org_name: org_name.to_owned(),
        method_type: method_type.as_str().to_owned(),
        method: description.to_owned(),
        occurred_at: clock::format(now),
        ip_address: context.ip_address.clone(),
        browser: templates::browser_name(context.user_agent.as_deref()),
    };
    Ok(NewOutboxMessage {
        outbox_message_id: random::id()?,
        recipient: account.user_principal_name.clone(),
        language: account.language.clone(),
        template: match change {
            Change::Added => templates::METHOD_ADDED,
            Change::Deleted => templates::METHOD_DELETED,
        }
        .to_owned(),
        params: serde_json::to_string(&params)?,
        sealed_secret: None,
        created_at: now,
    })
}

/// The notice of a sign-in security event to the account's work address, in its language.
pub fn sign_in_event_notice(
    account: &AccountRecord,
    org_name: &str,
    event: SignInEvent,
    detail: String,
    context: &ClientContext,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let params = SignInEventParams {
        org_name: org_name.to_owned(),
        event,
        detail,
        occurred_at: clock::format(now),
        ip_address: context.ip_address.clone(),
        browser: templates::browser_name(context.user_agent.as_deref()),
    };
    Ok(NewOutboxMessage {
        outbox_message_id: random::id()?,
        recipient: account.user_principal_name.clone(),
        language: account.language.clone(),
        template: templates::SIGN_IN_EVENT.to_owned(),
        params: serde_json::to_string(&params)?,
        sealed_secret: None,
        created_at: now,
    })
}

/// The notice to the account's work address, in its language, that an operator removed every
/// method (`accounts clear-methods`).
pub fn methods_cleared_notice(
    account: &AccountRecord,
    org_name: &str,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let params = MethodsClearedParams {
        org_name: org_name.to_owned(),
        occurred_at: clock::format(now),
    };
    Ok(NewOutboxMessage {
        outbox_message_id: random::id()?,
        recipient: account.user_principal_name.clone(),
        language: account.language.clone(),
        template: templates::METHODS_CLEARED.to_owned(),
        params: serde_json::to_string(&params)?,
        sealed_secret: None,
        created_at: now,
    })
}
