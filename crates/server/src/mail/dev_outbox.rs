//! The development outbox, used when no SMTP server is configured: messages are printed to the
//! log and kept in memory for `GET /dev/mailbox` (the end-to-end tests read codes there).
//! Never used in production mode, where the log must not see codes.

use std::{collections::VecDeque, sync::Mutex};

use async_trait::async_trait;
use security_info_api::{DevMailMessage, DevMailbox};

use super::{Mailer, OutgoingMail};
use crate::clock;

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
            to = %mail.to,
            subject = %mail.subject,
            "development outbox (no SMTP configured):\n{}",
            mail.text
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
