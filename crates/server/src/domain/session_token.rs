//! Session tokens: 256 random bits in the cookie, only their SHA-256 in the database.

use sha2::{Digest, Sha256};

use crate::random;

/// A new token for the cookie (64 hex digits).
pub fn generate() -> anyhow::Result<String> {
    Ok(random::hex(&random::bytes::<32>()?))
}

/// Whether `token` has the shape [`generate`] gives (64 lowercase hex digits): anything else
/// is no session and needs no lookup.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What the database keeps of a token.
pub fn hash(token: &str) -> String {
    random::hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_others_are_not() {
        assert!(is_well_formed(&generate().expect("token")));
        for other in ["", "x", &"A".repeat(64), &"0".repeat(63), &"0".repeat(65)] {
            assert!(!is_well_formed(other), "{other}");
        }
    }
}
