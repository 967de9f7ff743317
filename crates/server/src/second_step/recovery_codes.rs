//! Recovery codes: single-use look-up secrets that pass the second step when the user's
//! methods are out of reach. 10 codes of 10 Crockford base32 characters (50 bits each, the
//! NIST SP 800-63B look-up secret floor is 20), stored as salted argon2id hashes like passwords
//! (SP 800-63B 5.1.2.2: look-up secrets below 112 bits are hashed with a password hashing
//! scheme), shown once. Guessing is bounded by the second step's own attempt limit.

use security_info_api::RECOVERY_CODE_COUNT;
use time::OffsetDateTime;

use crate::{random, secret::Secret, state::AppState, store::AccountId};

/// Crockford's base32 in lowercase: no `i`, `l`, `o` or `u`, so nothing reads as another.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters per code (two groups of five).
const LENGTH: usize = 10;

/// A new code, `xxxxx-xxxxx`.
fn generate() -> anyhow::Result<String> {
    let bytes = random::bytes::<LENGTH>()?;
    let mut code = String::with_capacity(LENGTH + 1);
    for (index, byte) in bytes.iter().enumerate() {
        if index == LENGTH / 2 {
            code.push('-');
        }
        // 256 is a multiple of 32: the low five bits are uniform.
        code.push(char::from(ALPHABET[usize::from(byte & 31)]));
    }
    Ok(code)
}

/// The one form a typed code is compared in: lowercase, no spaces or dashes, the letters
/// Crockford reads as digits mapped (`o` to `0`, `i` and `l` to `1`). `None` when it cannot be
/// a code at all.
pub fn normalize(typed: &str) -> Option<String> {
    let normalized: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    (normalized.len() == LENGTH && normalized.bytes().all(|b| ALPHABET.contains(&b)))
        .then_some(normalized)
}

/// A new set: the codes to show once and their hashes to store.
pub async fn new_set(state: &AppState) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    let mut hashes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    for _ in 0..RECOVERY_CODE_COUNT {
        let code = generate()?;
        let normalized = normalize(&code).ok_or_else(|| anyhow::anyhow!("a generated code"))?;
        hashes.push(state.passwords.hash(Secret::new(normalized)).await?);
        codes.push(code);
    }
    Ok((codes, hashes))
}

/// How many unused codes the account has, and when its set was made.
pub async fn status(
    state: &AppState,
    account_id: &AccountId,
) -> anyhow::Result<(u8, Option<OffsetDateTime>)> {
    let codes = state.store.recovery_codes(account_id).await?;
    let remaining = codes.iter().filter(|c| c.used_at.is_none()).count();
    Ok((
        u8::try_from(remaining).unwrap_or(u8::MAX),
        codes.first().map(|c| c.created_at),
    ))
}

/// Uses the account's unused code that `typed` is, if any: how many are left after it.
pub async fn redeem(
    state: &AppState,
    account_id: &AccountId,
    typed: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Option<u8>> {
    let Some(normalized) = normalize(typed) else {
        return Ok(None);
    };
    let unused: Vec<_> = state
        .store
        .recovery_codes(account_id)
        .await?
        .into_iter()
        .filter(|c| c.used_at.is_none())
        .collect();
    for code in &unused {
        let matches = state
            .passwords
            .verify(
                Secret::new(normalized.clone()),
                Some(code.code_hash.clone()),
            )
            .await?;
        if matches {
            // Two requests with one code: only one marks it used.
            if !state
                .store
                .use_recovery_code(account_id, &code.recovery_code_id, now)
                .await?
            {
                return Ok(None);
            }
            let left = unused.len() - 1;
            return Ok(Some(u8::try_from(left).unwrap_or(u8::MAX)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_read_back_in_any_spelling() {
        for _ in 0..100 {
            let code = generate().expect("random");
            assert_eq!(code.len(), LENGTH + 1);
            assert_eq!(code.as_bytes()[5], b'-');
            let normalized = normalize(&code).expect("a code");
            assert_eq!(normalize(&code.to_uppercase()), Some(normalized.clone()));
            assert_eq!(
                normalize(&format!(" {} ", code.replace('-', " "))),
                Some(normalized)
            );
        }
    }

    #[test]
    fn look_alike_letters_are_read_as_digits_and_other_input_is_not_a_code() {
        assert_eq!(normalize("OIL23-45678").as_deref(), Some("0112345678"));
        for bad in [
            "",
            "abcde",
            "abcde-fghjk-m",
            "abcde-fghju",
            "abcde_fghjk",
            "ábcde-fghjk",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
