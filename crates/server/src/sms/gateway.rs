//! The organization's SMS and voice gateway over HTTP (`SECURITY_INFO_SMS_GATEWAY_URL` and
//! `_SECRET`): each message is a JSON POST signed with HMAC-SHA256 over the timestamp and the
//! body, so the gateway can check it came from this server and is recent. A 2xx answer means
//! delivered; anything else (an error status, a refused or dropped connection, a timeout) is
//! an error to retry later with the same `messageId`.

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{PhoneMessage, PhoneSender};
use crate::secret::Secret;

/// The header with the signing time (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-security-info-timestamp";
/// The header with `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
pub const SIGNATURE_HEADER: &str = "x-security-info-signature";
/// How long one delivery attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The signature header's value for `body` signed at `timestamp`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("sha256={hex}"))
}

/// The gateway client.
pub struct HttpGateway {
    url: url::Url,
    secret: Secret<String>,
    client: reqwest::Client,
}

impl HttpGateway {
    /// A client for the gateway at `url` (http or https), signing with `secret`.
    pub fn new(url: &str, secret: Secret<String>) -> anyhow::Result<Self> {
        let url = url::Url::parse(url).context("SECURITY_INFO_SMS_GATEWAY_URL is not a URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("SECURITY_INFO_SMS_GATEWAY_URL must be an http(s) URL");
        }
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            // A redirect would send the signed code somewhere the operator did not configure.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            url,
            secret,
            client,
        })
    }
}

#[async_trait]
impl PhoneSender for HttpGateway {
    async fn send(&self, message: &PhoneMessage) -> anyhow::Result<()> {
        let body = serde_json::to_vec(message)?;
        let timestamp = crate::clock::now().unix_timestamp();
        let signed = signature(self.secret.expose().as_bytes(), timestamp, &body)?;
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signed)
            .body(body)
            .send()
            .await
            .context("the SMS gateway could not be reached")?;
        let status = response.status();
        if !status.is_success() {
            anyhow::bail!("the SMS gateway answered {status}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        let body = br#"{"messageId":"m1"}"#;
        let signed = signature(b"gateway-secret", 1_764_000_000, body).expect("signed");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"gateway-secret").expect("key");
        mac.update(b"1764000000.{\"messageId\":\"m1\"}");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(signed, format!("sha256={expected}"));
        assert_eq!(signed.len(), "sha256=".len() + 64);
        let later = signature(b"gateway-secret", 1_764_000_001, body).expect("signed");
        assert_ne!(signed, later);
    }

    #[test]
    fn only_http_gateways_are_accepted() {
        let secret = || Secret::new("s".repeat(32));
        assert!(HttpGateway::new("https://sms.contoso.example/send", secret()).is_ok());
        assert!(HttpGateway::new("ftp://sms.contoso.example", secret()).is_err());
        assert!(HttpGateway::new("not a url", secret()).is_err());
    }
}
