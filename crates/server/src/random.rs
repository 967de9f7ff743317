//! Everything random comes from the operating system's CSPRNG (`getrandom`).

/// `N` random bytes.
pub fn bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut buffer = [0u8; N];
    getrandom::fill(&mut buffer).map_err(|error| anyhow::anyhow!("OS random source: {error}"))?;
    Ok(buffer)
}

/// An opaque 128-bit identifier as 32 lowercase hex digits.
pub fn id() -> anyhow::Result<String> {
    Ok(hex(&bytes::<16>()?))
}

/// `length` uniformly random decimal digits (rejection sampling, no modulo bias).
pub fn digits(length: usize) -> anyhow::Result<String> {
    let mut out = String::with_capacity(length);
    while out.len() < length {
        for byte in bytes::<32>()? {
            // 250 is the largest multiple of 10 not above 256.
            if byte < 250 && out.len() < length {
                out.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Ok(out)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_the_requested_length_and_only_digits() {
        for length in 6..=10 {
            let code = digits(length).expect("random");
            assert_eq!(code.len(), length);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn ids_are_unique_hex() {
        let (a, b) = (id().expect("random"), id().expect("random"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
