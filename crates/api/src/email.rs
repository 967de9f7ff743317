//! Email addresses as the product accepts them: an RFC 5321 mailbox in dot-atom form.
//!
//! Parsed once, on both sides, so the app rejects exactly what the server would. Quoted local
//! parts and address literals (`user@[192.0.2.1]`) are valid RFC 5321 but are refused: no mail
//! provider hands them out, and they are a favourite of hostile input.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_LENGTH: usize = 254;
const MAX_LOCAL_PART_LENGTH: usize = 64;
const MAX_LABEL_LENGTH: usize = 63;

/// Why an input is not an acceptable email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing was typed.
    Empty,
    /// Longer than [`MAX_EMAIL_LENGTH`] characters (or the local part over 64).
    TooLong,
    /// Not of the form `name@domain.tld`.
    Syntax,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the email address is empty",
            Self::TooLong => "the email address is too long",
            Self::Syntax => "the email address is not of the form name@domain.tld",
        })
    }
}

impl std::error::Error for EmailError {}

/// A syntactically valid email address with its domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses user input: surrounding white space is ignored, the domain is lower-cased
    /// (domains compare case-insensitively; the local part is kept as typed).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Syntax)?;
        if local.chars().count() > MAX_LOCAL_PART_LENGTH {
            return Err(EmailError::TooLong);
        }
        if !is_dot_atom(local) || !is_domain(domain) {
            return Err(EmailError::Syntax);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The (lower-cased) domain part.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// Whether the address is in one of `domains` or a subdomain of one (case-insensitive).
    pub fn is_in_any_domain<S: AsRef<str>>(&self, domains: &[S]) -> bool {
        let own = self.domain();
        domains.iter().any(|candidate| {
            let candidate = candidate
                .as_ref()
                .trim()
                .trim_start_matches('@')
                .to_lowercase();
            !candidate.is_empty()
                && (own == candidate
                    || own
                        .strip_suffix(candidate.as_str())
                        .is_some_and(|rest| rest.ends_with('.')))
        })
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

/// `atext` of RFC 5322 plus UTF-8 letters (RFC 6531), separated by single dots.
fn is_dot_atom(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || SPECIALS.contains(c)
                        || (!c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// At least two labels of letters, digits and inner hyphens; internationalized labels allowed.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld_is_numeric = labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    labels.len() >= 2
        && !tld_is_numeric
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= MAX_LABEL_LENGTH
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_address_is_accepted() {
        let email = EmailAddress::parse("alain@gmail.com").expect("valid");
        assert_eq!(email.as_str(), "alain@gmail.com");
        assert_eq!(email.domain(), "gmail.com");
    }

    #[test]
    fn surrounding_space_is_ignored_and_the_domain_lower_cased() {
        let email = EmailAddress::parse("  Alain.Dupont+reset@GMail.COM \n").expect("valid");
        assert_eq!(email.as_str(), "Alain.Dupont+reset@gmail.com");
    }

    #[test]
    fn internationalized_domains_and_local_parts_are_accepted() {
        assert!(EmailAddress::parse("jörg@bücher.example").is_ok());
        assert!(EmailAddress::parse("user@xn--bcher-kva.example").is_ok());
        assert!(EmailAddress::parse("用户@例子.广告").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "alain",
            "alain@",
            "@gmail.com",
            "alain@gmail",
            "alain@@gmail.com",
            "al ain@gmail.com",
            ".alain@gmail.com",
            "alain.@gmail.com",
            "al..ain@gmail.com",
            "alain@-gmail.com",
            "alain@gmail-.com",
            "alain@gmail..com",
            "alain@192.0.2.1",
            "alain@[192.0.2.1]",
            "\"alain\"@gmail.com",
            "alain@gmail.com\r\nBcc: victim@example.com",
            "<script>@gmail.com",
            "alain@gmail.com>",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn empty_and_oversized_addresses_say_so() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailError::TooLong));
        let long_domain = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert_eq!(EmailAddress::parse(&long_domain), Err(EmailError::TooLong));
        let just_fits = format!("a@{}.com", vec!["b".repeat(61); 4].join("."));
        assert_eq!(just_fits.len(), 253);
        assert!(EmailAddress::parse(&just_fits).is_ok());
    }

    #[test]
    fn organization_domains_match_case_insensitively_and_include_subdomains() {
        let domains = ["Contoso.example"];
        let work = EmailAddress::parse("megan@CONTOSO.example").expect("valid");
        let sub = EmailAddress::parse("megan@students.contoso.example").expect("valid");
        let other = EmailAddress::parse("megan@notcontoso.example").expect("valid");
        assert!(work.is_in_any_domain(&domains));
        assert!(sub.is_in_any_domain(&domains));
        assert!(!other.is_in_any_domain(&domains));
    }

    #[test]
    fn deserializing_validates() {
        let ok: Result<EmailAddress, _> = serde_json::from_str("\"a@b.example\"");
        assert!(ok.is_ok());
        let bad: Result<EmailAddress, _> = serde_json::from_str("\"not an address\"");
        assert!(bad.is_err());
    }
}
