//! Outgoing text messages and voice calls: the organization's HTTP gateway
//! ([`gateway::HttpGateway`], the contract in `docs/sms-gateway.md`). Each message is one
//! signed JSON POST; the phone method's codes will go through the durable outbox with it, as
//! mail's do.

pub mod gateway;

use async_trait::async_trait;
use serde::Serialize;

/// How a message reaches the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PhoneChannel {
    /// A text message.
    Sms,
    /// A call that speaks the text.
    Voice,
}

/// One message for the gateway.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneMessage {
    /// Stays the same on every retry, so the gateway can drop a duplicate.
    pub message_id: String,
    /// Text or call.
    pub channel: PhoneChannel,
    /// The number, E.164.
    pub to: String,
    /// What to send or speak.
    pub text: String,
    /// The language to speak it in (`en`, `nl`).
    pub language: String,
}

/// Never prints the text: it holds a code.
impl std::fmt::Debug for PhoneMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneMessage")
            .field("message_id", &self.message_id)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// Something that delivers text messages and calls.
#[async_trait]
pub trait PhoneSender: Send + Sync + 'static {
    /// Delivers one message; an error means "try again later".
    async fn send(&self, message: &PhoneMessage) -> anyhow::Result<()>;
}
