//! One-time verification codes as users type them.

use std::fmt;

/// Shortest code the server may be configured to send.
pub const MIN_CODE_LENGTH: usize = 6;
/// Longest code the server may be configured to send.
pub const MAX_CODE_LENGTH: usize = 10;

/// Why typed input is not a code of the expected length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Nothing was typed.
    Empty,
    /// Something other than digits (spaces and dashes aside).
    NotDigits,
    /// The wrong number of digits.
    WrongLength {
        /// How many digits the code has.
        expected: usize,
    },
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the code is empty"),
            Self::NotDigits => f.write_str("the code has characters other than digits"),
            Self::WrongLength { expected } => write!(f, "the code has {expected} digits"),
        }
    }
}

impl std::error::Error for CodeError {}

/// A code of only ASCII digits, of the length the server announced.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// Parses typed or pasted input: spaces and dashes (as in `123 456` or `123-456`) are
    /// ignored, anything else must be a digit, and there must be `expected_length` of them.
    pub fn parse(input: &str, expected_length: usize) -> Result<Self, CodeError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err(CodeError::Empty);
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CodeError::NotDigits);
        }
        if digits.len() != expected_length {
            return Err(CodeError::WrongLength {
                expected: expected_length,
            });
        }
        Ok(Self(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never prints the digits: codes must not reach a log.
impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_code_with_spaces_or_dashes_is_accepted() {
        for input in ["123456", " 123 456 ", "123-456", "1 2 3 4 5 6\n"] {
            let code = VerificationCode::parse(input, 6).expect("valid");
            assert_eq!(code.as_str(), "123456");
        }
    }

    #[test]
    fn wrong_input_says_what_is_wrong() {
        assert_eq!(VerificationCode::parse("  ", 6), Err(CodeError::Empty));
        assert_eq!(
            VerificationCode::parse("12a456", 6),
            Err(CodeError::NotDigits)
        );
        assert_eq!(
            VerificationCode::parse("١٢٣٤٥٦", 6),
            Err(CodeError::NotDigits)
        );
        assert_eq!(
            VerificationCode::parse("12345", 6),
            Err(CodeError::WrongLength { expected: 6 })
        );
        assert_eq!(
            VerificationCode::parse("12345678", 8).map(|c| c.as_str().to_owned()),
            Ok("12345678".to_owned())
        );
    }

    #[test]
    fn debug_output_hides_the_digits() {
        let code = VerificationCode::parse("987654", 6).expect("valid");
        assert!(!format!("{code:?}").contains("987654"));
    }
}
