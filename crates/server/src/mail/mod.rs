//! Outgoing mail: a [`Mailer`] with an SMTP and a development backend, templates per message
//! (subject, text, HTML; English and Dutch), and the durable outbox with its delivery worker.

pub mod dev_outbox;
pub mod outbox;
pub mod smtp;
pub mod templates;
pub mod worker;

use async_trait::async_trait;

/// A rendered message, ready to send.
#[derive(Clone)]
pub struct OutgoingMail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Never prints bodies: they may hold a code.
impl std::fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Something that delivers mail.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Delivers one message; an error means "try again later". `message_id` is its outbox id,
    /// the same on every attempt, so a receiver can tell a repeat (a crash between the
    /// receiver's acceptance and the record of it sends the message again).
    async fn send(&self, mail: &OutgoingMail, message_id: &str) -> anyhow::Result<()>;
}
