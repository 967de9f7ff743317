//! The development mailbox (`SECURITY_INFO_DEV_MAILBOX`, without SMTP): messages are kept in
//! memory for `GET /dev/mailbox` (the end-to-end tests read codes there). The log only says
//! that a message arrived, to a masked address: codes never reach a log, whatever the level.

use std::{collections::VecDeque, sync::Mutex};

use async_trait::async_trait;
use security_info_api::{DevMailMessage, DevMailbox};

use super::{Mailer, OutgoingMail};
use crate::{clock, domain::mask};

/// How many messages are kept.
const CAPACITY: usize = 500;

/// In-memory list of "sent" messages, newest first.
#[derive(Debug, Default)]
pub struct DevOutbox {
    messages: Mutex<VecDeque<DevMailMessage>>,
}

impl DevOutbox {
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
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        tracing::info!(
            target: "dev_outbox",
            to = %mask::email(&mail.to),
            subject = %mail.subject,
            "kept in the development mailbox (GET /dev/mailbox)"
        );
        let mut messages = self
            .messages
            .lock()
            .map_err(|_| anyhow::anyhow!("dev outbox lock poisoned"))?;
        messages.push_front(DevMailMessage {
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            sent_at: clock::format(clock::now()),
        });
        messages.truncate(CAPACITY);
        Ok(())
    }
}
