//! Delivery over SMTP with lettre: `smtp://` (plain, STARTTLS when offered per lettre's URL
//! rules) and `smtps://` (implicit TLS, rustls), with optional `user:pass@`.

use anyhow::Context;
use async_trait::async_trait;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use super::{Mailer, OutgoingMail};
use crate::secret::Secret;

/// An SMTP relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `url` sending as `from` (both validated at start).
    pub fn new(url: &Secret<String>, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|_| anyhow::anyhow!("SECURITY_INFO_SMTP_URL is not a valid SMTP URL"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self {
            transport,
            from: from.parse().context("SECURITY_INFO_MAIL_FROM")?,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail, message_id: &str) -> anyhow::Result<()> {
        // The same Message-ID on every attempt of one outbox message (RFC 5322 3.6.4).
        let message_id = format!("<{message_id}@{}>", self.from.email.domain());
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(mail.to.parse().context("recipient address")?)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .context("building the message")?;
        self.transport
            .send(message)
            .await
            .map_err(|error| anyhow::anyhow!("SMTP delivery failed: {error}"))?;
        Ok(())
    }
}
