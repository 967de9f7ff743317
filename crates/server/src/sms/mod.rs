//! Outgoing text messages and voice calls: the organization's HTTP gateway
//! ([`gateway::HttpGateway`], the contract in `docs/sms-gateway.md`), one signed JSON POST per
//! message; their texts in English and Dutch ([`texts`]). The phone method's codes go through
//! the durable outbox, as mail's do (the worker renders and hands them to a [`PhoneSender`]).

pub mod gateway;
pub mod outbox;
pub mod texts;

use async_trait::async_trait;
pub use security_info_api::PhoneChannel;
use serde::Serialize;

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
    /// For a call to an office phone: the extension to dial once the call connects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
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
