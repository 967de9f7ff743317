//! Session tokens: 256 random bits in the cookie, only their SHA-256 in the database.

use sha2::{Digest, Sha256};

use crate::random;

/// A new token for the cookie (64 hex digits).
pub fn generate() -> anyhow::Result<String> {
    Ok(random::hex(&random::bytes::<32>()?))
}

/// What the database keeps of a token.
pub fn hash(token: &str) -> String {
    random::hex(&Sha256::digest(token.as_bytes()))
}
