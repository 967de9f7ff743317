//! Builds the outbox row of a phone code, as `mail::outbox` does for mail: the recipient is
//! the number (E.164), the code travels sealed and is erased once the gateway took it.

use security_info_api::PhoneChannel;
use time::OffsetDateTime;

use super::texts::{self, PhoneCodeParams, PhoneNoticeParams};
use crate::{
    domain::codes::{CodeKeys, PlainCode},
    mail::outbox::valid_minutes,
    random,
    store::NewOutboxMessage,
};

/// Where and how a phone code goes.
#[derive(Debug, Clone, Copy)]
pub struct PhoneRecipient<'a> {
    /// The number, E.164.
    pub number: &'a str,
    /// Text or call.
    pub channel: PhoneChannel,
    /// An office phone's extension.
    pub extension: Option<&'a str>,
    /// The language of the text or call.
    pub language: &'a str,
}

/// The text or call with `code` for `recipient`; `origin_host` names the page in the text's
/// WebOTP line.
pub fn code_message(
    keys: &CodeKeys,
    recipient: PhoneRecipient<'_>,
    org_name: &str,
    origin_host: Option<&str>,
    code: &PlainCode,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let outbox_message_id = random::id()?;
    let params = PhoneCodeParams {
        org_name: org_name.to_owned(),
        valid_minutes: valid_minutes(expires_at, now),
        origin_host: origin_host.map(str::to_owned),
        extension: recipient.extension.map(str::to_owned),
    };
    Ok(NewOutboxMessage {
        sealed_secret: Some(keys.seal(&outbox_message_id, code.expose().as_bytes())?),
        outbox_message_id,
        recipient: recipient.number.to_owned(),
        language: recipient.language.to_owned(),
        template: match recipient.channel {
            PhoneChannel::Sms => texts::SMS_CODE,
            PhoneChannel::Voice => texts::VOICE_CODE,
        }
        .to_owned(),
        params: serde_json::to_string(&params)?,
        created_at: now,
    })
}

/// The text to `number` (E.164) that says the account's password was changed.
pub fn password_changed_text(
    number: &str,
    language: &str,
    org_name: &str,
    now: OffsetDateTime,
) -> anyhow::Result<NewOutboxMessage> {
    let params = PhoneNoticeParams {
        org_name: org_name.to_owned(),
    };
    Ok(NewOutboxMessage {
        outbox_message_id: random::id()?,
        recipient: number.to_owned(),
        language: language.to_owned(),
        template: texts::SMS_PASSWORD_CHANGED.to_owned(),
        params: serde_json::to_string(&params)?,
        sealed_secret: None,
        created_at: now,
    })
}
