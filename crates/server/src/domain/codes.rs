//! Verification codes: drawn from the OS CSPRNG, stored only as HMAC-SHA256 bound to their
//! registration, compared in constant time. The mail outbox needs the code until delivery, so
//! it is kept there sealed (XChaCha20-Poly1305) under a key derived from the same secret, and
//! erased once sent.

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::random;

type HmacSha256 = Hmac<Sha256>;

/// The most characters a typed code may have, separators included.
pub const MAX_TYPED_CODE_CHARS: usize = 64;

/// Whether `typed` is written as the API document says a typed code is: 1 to
/// [`MAX_TYPED_CODE_CHARS`] characters, digits, white space and dashes (`^[0-9\s-]+$`). Whether
/// it has the right number of digits is the code's own check.
pub fn is_written_as_a_code(typed: &str) -> bool {
    let length = typed.chars().count();
    (1..=MAX_TYPED_CODE_CHARS).contains(&length)
        && typed
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || c == '-')
}

/// A code in clear: only ever in memory, never logged.
pub struct PlainCode(String);

impl PlainCode {
    /// The digits (to render a mail).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A known code, for tests of what renders one.
    #[cfg(test)]
    pub(crate) fn known(digits: &str) -> Self {
        Self(digits.to_owned())
    }
}

impl std::fmt::Debug for PlainCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainCode(******)")
    }
}

/// Keys derived from the server's code secret.
#[derive(Clone)]
pub struct CodeKeys {
    hash_key: [u8; 32],
    seal_key: [u8; 32],
}

impl std::fmt::Debug for CodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKeys([redacted])")
    }
}

fn derive(secret: &[u8], purpose: &str) -> anyhow::Result<[u8; 32]> {
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(secret).map_err(|_| anyhow::anyhow!("HMAC key"))?;
    mac.update(purpose.as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

impl CodeKeys {
    /// Derives the hashing and sealing keys from the server secret.
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            hash_key: derive(secret, "security-info/code-hash/v1")?,
            seal_key: derive(secret, "security-info/outbox-seal/v1")?,
        })
    }

    /// A fresh code of `length` digits.
    pub fn generate(&self, length: u8) -> anyhow::Result<PlainCode> {
        Ok(PlainCode(random::digits(usize::from(length))?))
    }

    fn mac(&self, registration_id: &str, code: &str) -> HmacSha256 {
        // new_from_slice never fails for HMAC (any key length is accepted).
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.hash_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(registration_id.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        mac
    }

    /// What the database keeps of `code`, bound to its registration.
    pub fn hash(&self, registration_id: &str, code: &str) -> Vec<u8> {
        self.mac(registration_id, code)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Whether `code` is the one whose hash is `stored` (constant time).
    pub fn matches(&self, registration_id: &str, code: &str, stored: &[u8]) -> bool {
        self.mac(registration_id, code).verify_slice(stored).is_ok()
    }

    /// Seals a secret bound to `message_id` (the outbox row's id, or what else the secret
    /// belongs to): nonce followed by ciphertext. Opens only with the same id.
    pub fn seal(&self, message_id: &str, secret: &[u8]) -> anyhow::Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new((&self.seal_key).into());
        let nonce_bytes = random::bytes::<24>()?;
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ciphertext = cipher
            .encrypt(
                nonce,
                chacha20poly1305::aead::Payload {
                    msg: secret,
                    aad: message_id.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Opens a code [`CodeKeys::seal`] sealed for `message_id`.
    pub fn open(&self, message_id: &str, sealed: &[u8]) -> anyhow::Result<PlainCode> {
        Ok(PlainCode(String::from_utf8(
            self.open_bytes(message_id, sealed)?,
        )?))
    }

    /// Opens what [`CodeKeys::seal`] sealed for `message_id`.
    pub fn open_bytes(&self, message_id: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > 24, "sealed secret too short");
        let (nonce, ciphertext) = sealed.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.seal_key).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                chacha20poly1305::aead::Payload {
                    msg: ciphertext,
                    aad: message_id.as_bytes(),
                },
            )
            .map_err(|_| {
                anyhow::anyhow!("the sealed secret does not open (was the code secret changed?)")
            })?;
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_only_its_own_registration() {
        let keys = CodeKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys");
        let stored = keys.hash("reg-1", "123456");
        assert!(keys.matches("reg-1", "123456", &stored));
        assert!(!keys.matches("reg-1", "123457", &stored));
        assert!(!keys.matches("reg-2", "123456", &stored));
    }

    #[test]
    fn sealed_codes_open_only_for_their_message() {
        let keys = CodeKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys");
        let sealed = keys.seal("m1", b"654321").expect("seals");
        assert!(!sealed.windows(6).any(|w| w == b"654321"));
        assert_eq!(keys.open("m1", &sealed).expect("opens").expose(), "654321");
        assert!(keys.open("m2", &sealed).is_err());
        let other = CodeKeys::new(b"another secret of at least 32 bytes").expect("keys");
        assert!(other.open("m1", &sealed).is_err());
    }
}
