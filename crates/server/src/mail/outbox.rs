//! Builds outbox rows. The row is written in the same transaction as the change it reports;
//! the body is rendered only when the worker delivers it, so the database never holds a code
//! in clear (the code travels sealed and is erased after delivery).

use time::OffsetDateTime;

use super::templates::{self, ChangeParams, CodeParams};
use crate::{
    clock,
    domain::{
        codes::{CodeKeys, PlainCode},
        mask,
    },
    extract::ClientContext,
    random,
    store::NewOutboxMessage,
};

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
        // Rounded up, so a short validity never reads as "0 minutes".
        valid_minutes: ((expires_at - now).whole_seconds() + 59)
            .div_euclid(60)
            .max(1),
    };
    Ok(NewOutboxMessage {
        sealed_secret: Some(keys.seal(&outbox_message_id, code.expose())?),
        outbox_message_id,
        recipient: recipient.to_owned(),
        language: language.to_owned(),
        template: templates::VERIFICATION_CODE.to_owned(),
        params: serde_json::to_string(&params)?,
        created_at: now,
    })
}

/// The "method added/deleted" notice to the user's work address.
pub fn change_notice(
    recipient: &str,
    language: &str,
    org_name: &str,
    added: bool,
    email_address: &str,
    context: &ClientContext,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let params = ChangeParams {
        org_name: org_name.to_owned(),
        method: mask::email(email_address),
        occurred_at: clock::format(now),
        ip_address: context.ip_address.clone(),
        browser: templates::browser_name(context.user_agent.as_deref()),
    };
    Ok(NewOutboxMessage {
        outbox_message_id: random::id()?,
        recipient: recipient.to_owned(),
        language: language.to_owned(),
        template: if added {
            templates::METHOD_ADDED
        } else {
            templates::METHOD_DELETED
        }
        .to_owned(),
        params: serde_json::to_string(&params)?,
        sealed_secret: None,
        created_at: now,
    })
}
