//! Delivers the outbox: renders each due message, hands it to the [`Mailer`] (mail) or the
//! [`PhoneSender`] (texts and calls), and on failure retries with exponential backoff (2 s doubling to 10 min, giving up after a day). Pending
//! mail is picked up again after a restart because the outbox lives in the database.
//!
//! Delivered means recorded: each message is marked sent right after the mailer took it, and
//! while that write fails (database locked, disk full) the worker keeps retrying it and
//! delivers nothing else. So no message is sent twice while the process runs, and a crash
//! (or a stop) repeats at most the one message whose delivery it interrupted before the write.

use std::{sync::Arc, time::Duration as StdDuration};

use time::Duration;
use tokio::sync::Notify;

use super::{Mailer, OutgoingMail, templates};
use crate::{
    clock,
    domain::codes::{CodeKeys, PlainCode},
    sms::{
        PhoneChannel, PhoneMessage, PhoneSender,
        texts::{self, PhoneCodeParams},
    },
    store::{OutboxRecord, Store},
};

/// Messages older than this are given up.
const GIVE_UP_AFTER: Duration = Duration::DAY;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::minutes(10);
/// Messages read and attempted at a time.
const BATCH: u32 = 20;
/// How often the outbox is polled when nothing wakes the worker.
const POLL_INTERVAL: StdDuration = StdDuration::from_secs(1);
/// First wait before writing a delivery again that the database refused; it doubles up to
/// [`MAX_RECORD_RETRY`].
const FIRST_RECORD_RETRY: StdDuration = StdDuration::from_millis(100);
/// Longest wait between two tries at recording a delivery.
const MAX_RECORD_RETRY: StdDuration = StdDuration::from_secs(5);

/// The delivery loop's dependencies.
pub struct OutboxWorker {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Where mail goes.
    pub mailer: Arc<dyn Mailer>,
    /// Where texts and calls go (`None`: the phone method is off, nothing to send).
    pub phones: Option<Arc<dyn PhoneSender>>,
    /// Opens sealed codes.
    pub keys: CodeKeys,
    /// Signalled when a message was queued.
    pub wakeup: Arc<Notify>,
}

/// Wait before attempt `attempts + 1`.
pub fn backoff(attempts: u32) -> Duration {
    let seconds = 2i64.saturating_pow(attempts.min(20) + 1);
    Duration::seconds(seconds).min(MAX_BACKOFF)
}

impl OutboxWorker {
    /// Runs until the task is aborted.
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(0) | Err(_) => {
                    let _ = tokio::time::timeout(POLL_INTERVAL, self.wakeup.notified()).await;
                }
                Ok(_) => {}
            }
        }
    }

    /// Attempts every due message once; returns how many were attempted.
    ///
    /// Each delivered message is marked sent before the next one is attempted (see the module
    /// comment). Marking a whole batch in one write after it, as before, saved writes but a
    /// failed write left every message of the batch due again: all of them went out twice
    /// with the database up, and again after every further failed write.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let due = match self.store.due_outbox_messages(clock::now(), BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(error = ?error, "cannot read the outbox");
                return Err(error);
            }
        };
        for message in &due {
            if self.deliver(message).await {
                self.record_delivery(&message.outbox_message_id).await;
            }
        }
        Ok(due.len())
    }

    /// Marks a delivered message sent, trying until the database takes it: until then the
    /// message is still due there, and delivering anything else (or it again) first could
    /// only add duplicates.
    async fn record_delivery(&self, message_id: &str) {
        let ids = [message_id.to_owned()];
        let delivered_at = clock::now();
        let mut wait = FIRST_RECORD_RETRY;
        while let Err(error) = self.store.mark_outbox_sent(&ids, delivered_at).await {
            tracing::warn!(
                error = ?error,
                retry_in_ms = wait.as_millis(),
                outbox_message_id = message_id,
                "cannot record a delivered mail as sent; no other mail goes out until it is"
            );
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_RECORD_RETRY);
        }
    }

    /// Renders and sends one message; true when the mailer took it (then the caller marks it
    /// sent), otherwise the failure is recorded here.
    #[tracing::instrument(skip_all, fields(outbox_message_id = %message.outbox_message_id, template = %message.template))]
    async fn deliver(&self, message: &OutboxRecord) -> bool {
        let now = clock::now();
        let outcome = match self.render(message) {
            Ok(Outgoing::Mail(mail)) => self.mailer.send(&mail, &message.outbox_message_id).await,
            Ok(Outgoing::Phone(text)) => match &self.phones {
                Some(phones) => phones.send(&text).await,
                // Queued while a gateway was configured: kept for when it is again.
                None => Err(anyhow::anyhow!("no SMS gateway is configured")),
            },
            Err(error) => {
                // Cannot ever render (e.g. the code secret changed): give up at once.
                tracing::error!(error = %error, "outbox message cannot be rendered; giving up");
                let _ = self
                    .store
                    .mark_outbox_failed(&message.outbox_message_id, &error.to_string(), None, now)
                    .await;
                return false;
            }
        };
        let result = match outcome {
            Ok(()) => {
                tracing::info!(attempt = message.attempts + 1, "message delivered");
                return true;
            }
            Err(error) => {
                let retry_at = (now - message.created_at < GIVE_UP_AFTER)
                    .then(|| now + backoff(message.attempts));
                tracing::warn!(
                    error = %error,
                    attempt = message.attempts + 1,
                    retry_at = ?retry_at.map(clock::format),
                    "message delivery failed"
                );
                self.store
                    .mark_outbox_failed(
                        &message.outbox_message_id,
                        &error.to_string(),
                        retry_at,
                        now,
                    )
                    .await
            }
        };
        if let Err(error) = result {
            tracing::warn!(error = ?error, "cannot update the outbox");
        }
        false
    }

    fn render(&self, message: &OutboxRecord) -> anyhow::Result<Outgoing> {
        match message.template.as_str() {
            templates::VERIFICATION_CODE => {
                let params = serde_json::from_str(&message.params)?;
                let code = self.open_code(message)?;
                Ok(Outgoing::Mail(templates::verification_code(
                    &message.recipient,
                    &message.language,
                    &params,
                    &code,
                )))
            }
            templates::METHOD_ADDED | templates::METHOD_DELETED => {
                let params = serde_json::from_str(&message.params)?;
                Ok(Outgoing::Mail(templates::change_notice(
                    &message.recipient,
                    &message.language,
                    message.template == templates::METHOD_ADDED,
                    &params,
                )))
            }
            templates::SIGN_IN_EVENT => {
                let params = serde_json::from_str(&message.params)?;
                Ok(Outgoing::Mail(templates::sign_in_event_notice(
                    &message.recipient,
                    &message.language,
                    &params,
                )))
            }
            templates::METHODS_CLEARED => {
                let params = serde_json::from_str(&message.params)?;
                Ok(Outgoing::Mail(templates::methods_cleared(
                    &message.recipient,
                    &message.language,
                    &params,
                )))
            }
            texts::SMS_PASSWORD_CHANGED => {
                let params = serde_json::from_str(&message.params)?;
                Ok(Outgoing::Phone(PhoneMessage {
                    message_id: message.outbox_message_id.clone(),
                    channel: PhoneChannel::Sms,
                    to: message.recipient.clone(),
                    text: texts::password_changed(&message.language, &params),
                    language: message.language.clone(),
                    extension: None,
                }))
            }
            texts::SMS_CODE => self.phone_message(message, PhoneChannel::Sms, texts::sms),
            texts::VOICE_CODE => self.phone_message(message, PhoneChannel::Voice, texts::voice),
            other => anyhow::bail!("unknown template {other:?}"),
        }
    }

    /// A text or call with the message's code, worded by `words` (what a text says or a call
    /// speaks).
    fn phone_message(
        &self,
        message: &OutboxRecord,
        channel: PhoneChannel,
        words: fn(&str, &PhoneCodeParams, &PlainCode) -> String,
    ) -> anyhow::Result<Outgoing> {
        let params: PhoneCodeParams = serde_json::from_str(&message.params)?;
        let code = self.open_code(message)?;
        Ok(Outgoing::Phone(PhoneMessage {
            // The outbox id: the same on every retry, so the gateway can drop a repeat.
            message_id: message.outbox_message_id.clone(),
            channel,
            to: message.recipient.clone(),
            text: words(&message.language, &params, &code),
            language: message.language.clone(),
            extension: params.extension,
        }))
    }

    /// The message's code, sealed for it when it was queued.
    fn open_code(&self, message: &OutboxRecord) -> anyhow::Result<PlainCode> {
        let sealed = message
            .sealed_secret
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("the code is missing"))?;
        self.keys.open(&message.outbox_message_id, sealed)
    }
}

/// A rendered outbox message, for the channel that delivers it.
enum Outgoing {
    /// A mail.
    Mail(OutgoingMail),
    /// A text or call.
    Phone(PhoneMessage),
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use time::Duration;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff(0), Duration::seconds(2));
        assert_eq!(backoff(1), Duration::seconds(4));
        assert_eq!(backoff(5), Duration::seconds(64));
        assert_eq!(backoff(30), Duration::minutes(10));
    }
}
