//! The development mailbox (`SECURITY_INFO_DEV_MAILBOX`, without SMTP or without an SMS
//! gateway): mail, texts and calls are kept in memory for `GET /dev/mailbox` (the end-to-end
//! tests read codes there). The log only says that a message arrived, to a masked address:
//! codes never reach a log, whatever the level.

use std::{collections::VecDeque, sync::Mutex};

use async_trait::async_trait;
use security_info_api::{Channel, DevMailMessage, DevMailbox};

use super::{Mailer, OutgoingMail};
use crate::{
    clock,
    domain::mask,
    sms::{PhoneChannel, PhoneMessage, PhoneSender},
};

/// How many messages are kept.
const CAPACITY: usize = 500;

/// In-memory list of "sent" messages, newest first.
#[derive(Debug, Default)]
pub struct DevOutbox {
    messages: Mutex<VecDeque<DevMailMessage>>,
}

impl DevOutbox {
    /// Keeps `message`, newest first, dropping the oldest beyond [`CAPACITY`].
    fn keep(&self, message: DevMailMessage) -> anyhow::Result<()> {
        let mut messages = self
            .messages
            .lock()
            .map_err(|_| anyhow::anyhow!("dev outbox lock poisoned"))?;
        messages.push_front(message);
        messages.truncate(CAPACITY);
        Ok(())
    }

    /// The messages, newest first.
    pub fn list(&self) -> DevMailbox {
        let messages = self
            .messages
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        DevMailbox { messages }
    }
}

#[async_trait]
impl Mailer for DevOutbox {
    async fn send(&self, mail: &OutgoingMail, _message_id: &str) -> anyhow::Result<()> {
        tracing::info!(
            target: "dev_outbox",
            to = %mask::email(&mail.to),
            subject = %mail.subject,
            "kept in the development mailbox (GET /dev/mailbox)"
        );
        self.keep(DevMailMessage {
            channel: Channel::Email,
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            sent_at: clock::format(clock::now()),
        })
    }
}

#[async_trait]
impl PhoneSender for DevOutbox {
    async fn send(&self, message: &PhoneMessage) -> anyhow::Result<()> {
        tracing::info!(
            target: "dev_outbox",
            to = %mask::phone(&message.to),
            channel = ?message.channel,
            "kept in the development mailbox (GET /dev/mailbox)"
        );
        let subject = match (message.channel, &message.extension) {
            (PhoneChannel::Sms, _) => "Text message".to_owned(),
            (PhoneChannel::Voice, None) => "Call".to_owned(),
            (PhoneChannel::Voice, Some(extension)) => format!("Call, extension {extension}"),
        };
        self.keep(DevMailMessage {
            channel: message.channel.into(),
            to: message.to.clone(),
            subject,
            text: message.text.clone(),
            sent_at: clock::format(clock::now()),
        })
    }
}
