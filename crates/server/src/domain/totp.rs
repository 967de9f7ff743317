//! Time-based one-time passwords (RFC 6238 over RFC 4226), with the parameters every
//! authenticator app supports: HMAC-SHA1, 30-second steps, 6 digits. HMAC comes from `ring`
//! (already in the tree for TLS and token signatures), so this file is only the arithmetic of
//! the two RFCs.
//!
//! Replay is the caller's: [`matching_step`] says which step a code belongs to, and the store
//! records the last step used per method, refusing any step not after it (RFC 6238 5.2).

use ring::hmac;

/// Seconds per step.
pub const PERIOD_SECONDS: u32 = 30;
/// Digits per code.
pub const DIGITS: u8 = 6;
/// Bytes of a new key: 160 bits, the length RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;
/// Steps accepted either side of the current one, for a phone whose clock drifts a little and
/// for the seconds it takes to type the code (RFC 6238 5.2 recommends at most one).
const DRIFT_STEPS: u64 = 1;

/// The step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds).unwrap_or(0) / u64::from(PERIOD_SECONDS)
}

/// The code of `secret` for `step` with `digits` digits (RFC 4226 5.3: dynamic truncation).
pub fn code(secret: &[u8], step: u64, digits: u8) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let modulus = 10_u64.pow(u32::from(digits));
    format!(
        "{:0width$}",
        u64::from(binary) % modulus,
        width = usize::from(digits)
    )
}

/// The step within the drift window around `now_step` whose code is `typed`, if any. Every
/// step of the window is computed and compared whatever matched, so the time taken does not
/// tell which step matched or how close a wrong code came.
pub fn matching_step(secret: &[u8], typed: &str, now_step: u64) -> Option<u64> {
    let mut found = None;
    for step in now_step.saturating_sub(DRIFT_STEPS)..=now_step + DRIFT_STEPS {
        let expected = code(secret, step, DIGITS);
        if constant_time_eq(expected.as_bytes(), typed.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key in base32 (RFC 4648, no padding), as apps take it typed or in a URI.
pub fn base32(secret: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(secret.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in secret {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://totp/` URI of Google's key-URI format, which every app reads from a QR
/// code: label `issuer:account`, and the parameters repeated so that no app guesses.
pub fn key_uri(secret: &[u8], issuer: &str, account_name: &str) -> String {
    let label = format!("{issuer}:{account_name}");
    let mut uri = url::Url::parse("otpauth://totp/").unwrap_or_else(|_| unreachable!("a URI"));
    // The label is a path segment: encoded as one (a `/` or `?` in a name stays in the label).
    uri.path_segments_mut()
        .map(|mut segments| {
            segments.clear().push(&label);
        })
        .unwrap_or_else(|()| unreachable!("otpauth URIs have a path"));
    uri.query_pairs_mut()
        .append_pair("secret", &base32(secret))
        .append_pair("issuer", issuer)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", &DIGITS.to_string())
        .append_pair("period", &PERIOD_SECONDS.to_string());
    uri.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SEED: &[u8] = b"12345678901234567890";

    /// RFC 6238 appendix B, the SHA1 column.
    const VECTORS: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn the_rfc_6238_sha1_vectors_at_8_digits() {
        for (time, expected) in VECTORS {
            assert_eq!(code(RFC_SEED, step_at(time), 8), expected, "t = {time}");
        }
    }

    #[test]
    fn six_digits_are_the_last_six_of_the_same_number() {
        for (time, expected) in VECTORS {
            assert_eq!(
                code(RFC_SEED, step_at(time), 6),
                expected[2..],
                "t = {time}"
            );
        }
    }

    #[test]
    fn the_rfc_4226_hotp_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code_) in expected.iter().enumerate() {
            assert_eq!(code(RFC_SEED, counter as u64, 6), *code_);
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let now = step_at(1_234_567_890);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let step = now.checked_add_signed(offset).expect("a step");
            let typed = code(RFC_SEED, step, DIGITS);
            assert_eq!(
                matching_step(RFC_SEED, &typed, now),
                accepted.then_some(step),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn wrong_or_malformed_codes_match_nothing() {
        let now = step_at(1_234_567_890);
        let right = code(RFC_SEED, now, DIGITS);
        let wrong = format!(
            "{:06}",
            (right.parse::<u32>().expect("digits") + 1) % 1_000_000
        );
        for typed in [wrong.as_str(), "", "12345", "1234567", &right[..5]] {
            assert_eq!(matching_step(RFC_SEED, typed, now), None, "{typed:?}");
        }
        assert_eq!(matching_step(b"another key", &right, now), None);
    }

    #[test]
    fn base32_follows_rfc_4648() {
        // RFC 4648 section 10, without padding.
        for (input, expected) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected);
        }
        assert_eq!(base32(&[0u8; SECRET_BYTES]).len(), 32);
    }

    #[test]
    fn the_key_uri_names_issuer_account_and_every_parameter() {
        let uri = key_uri(RFC_SEED, "Contoso & Co", "megan@contoso.com");
        assert_eq!(
            uri,
            "otpauth://totp/Contoso%20&%20Co:megan@contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Contoso+%26+Co&algorithm=SHA1&digits=6&period=30"
        );
        let slash = key_uri(RFC_SEED, "A/B", "x?y");
        assert!(slash.starts_with("otpauth://totp/A%2FB:x%3Fy?"), "{slash}");
    }
}
