//! Email addresses as the product accepts them: an RFC 5321 mailbox in dot-atom form.
//!
//! Parsed on both sides, so the app refuses what the server would before asking it. Quoted
//! local parts and address literals (`user@[192.0.2.1]`) are valid RFC 5321 but are refused:
//! no mail provider hands them out, and they are a favourite of hostile input.
//!
//! Domains are compared the way a mail system resolves them: after IDNA (UTS 46) processing,
//! so `ＣＯＮＴＯＳＯ.example`, `Contoso.Example` and `contoso.example` are one domain, and so are
//! `bücher.example` and `xn--bcher-kva.example`. Comparing the typed text let full-width
//! letters past the organization's domain check while the mail still reached the organization.
//! With the `idna` feature (the server's build) the full UTS 46 mapping and checks apply, and
//! domains that do not survive them (bad punycode, disallowed characters) are refused. Its
//! tables would add 42 KB (brotli) to the app's wasm, so the app's build only folds case and
//! full-width forms: a subset of the mapping, which catches the common spellings early. The
//! server's check is the rule; the app shows its answer the same way.
use std::fmt;

#[cfg(feature = "idna")]
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
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

/// A syntactically valid email address with its domain in canonical form: IDNA-mapped
/// (lower-cased, full-width and other compatibility forms folded) and shown in Unicode (see
/// the module comment for the app's build).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress {
    /// `local@domain`, the domain in its canonical Unicode form.
    address: String,
    /// The form domains are compared in: ASCII (punycode `xn--` labels) with the `idna`
    /// feature, the folded Unicode form without.
    compared_domain: String,
}

impl EmailAddress {
    /// Parses user input: surrounding white space is ignored, the domain is put in canonical
    /// form (see the module comment; the local part is kept as typed). Two spellings of one
    /// address give the same `EmailAddress`.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        // Counted with the white space around it, as the API document's `maxLength` counts.
        if input.chars().count() > MAX_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Syntax)?;
        if local.chars().count() > MAX_LOCAL_PART_LENGTH {
            return Err(EmailError::TooLong);
        }
        if !is_dot_atom(local) {
            return Err(EmailError::Syntax);
        }
        let (unicode, compared) = map_domain(domain)?;
        if local.chars().count() + 1 + compared.len() > MAX_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        Ok(Self {
            address: format!("{local}@{unicode}"),
            compared_domain: compared,
        })
    }

    /// The address as text (the domain in canonical Unicode form).
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The domain part in canonical Unicode form (`bücher.example`).
    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
    }

    /// The domain part in ASCII form (`xn--bcher-kva.example`).
    #[cfg(feature = "idna")]
    pub fn ascii_domain(&self) -> &str {
        &self.compared_domain
    }

    /// Whether the address is in one of `domains` or a subdomain of one, compared after IDNA
    /// processing of both sides. Entries that are not domains match nothing.
    pub fn is_in_any_domain<S: AsRef<str>>(&self, domains: &[S]) -> bool {
        let own = self.compared_domain.as_str();
        domains
            .iter()
            .filter_map(|candidate| {
                map_domain(candidate.as_ref().trim().trim_start_matches('@')).ok()
            })
            .any(|(_, candidate)| {
                own == candidate
                    || own
                        .strip_suffix(candidate.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            })
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
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
        value.address
    }
}

#[cfg(feature = "idna")]
/// A typed domain (see [`is_domain`]) after UTS 46 processing, as `(Unicode form, ASCII form)`:
/// mapped (case and compatibility folding, e.g. full-width letters), normalized, punycode
/// decoded and checked (letters, digits and hyphens only in ASCII labels, valid punycode, bidi
/// and joiner rules). The ASCII form must still pass [`is_domain`] (mapping can turn full-width
/// digits into a numeric top-level label) and fit DNS: at most 253 characters.
fn map_domain(domain: &str) -> Result<(String, String), EmailError> {
    const MAX_DOMAIN_LENGTH: usize = 253;
    if !is_domain(domain) {
        return Err(EmailError::Syntax);
    }
    let uts46 = Uts46::new();
    let ascii = uts46
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        )
        .map_err(|_| EmailError::Syntax)?;
    if !is_domain(&ascii) {
        return Err(EmailError::Syntax);
    }
    if ascii.len() > MAX_DOMAIN_LENGTH {
        return Err(EmailError::TooLong);
    }
    let (unicode, checked) = uts46.to_unicode(
        ascii.as_bytes(),
        AsciiDenyList::STD3,
        Hyphens::CheckFirstLast,
    );
    checked.map_err(|_| EmailError::Syntax)?;
    Ok((unicode.into_owned(), ascii.into_owned()))
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

/// A typed domain (see [`is_domain`]) as the app's build compares it, `(shown, compared)`:
/// full-width forms of ASCII (U+FF01 to U+FF5E) folded to ASCII and lower-cased, the part of
/// UTS 46 mapping that needs no tables. The result must still pass [`is_domain`] (full-width
/// digits can make a numeric top-level label).
#[cfg(not(feature = "idna"))]
fn map_domain(domain: &str) -> Result<(String, String), EmailError> {
    const FULL_WIDTH_OFFSET: u32 = 0xFEE0;
    if !is_domain(domain) {
        return Err(EmailError::Syntax);
    }
    let folded: String = domain
        .chars()
        .map(|c| match u32::from(c) {
            0xFF01..=0xFF5E => char::from_u32(u32::from(c) - FULL_WIDTH_OFFSET).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_lowercase();
    if !is_domain(&folded) {
        return Err(EmailError::Syntax);
    }
    Ok((folded.clone(), folded))
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
        assert!(EmailAddress::parse(&format!(" {just_fits}")).is_ok());
        assert_eq!(
            EmailAddress::parse(&format!("  {just_fits}")),
            Err(EmailError::TooLong)
        );
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
    fn full_width_and_upper_case_domains_are_the_domain_they_map_to() {
        let full_width = EmailAddress::parse("alain@ｃｏｎｔｏｓｏ.example").expect("valid");
        assert_eq!(full_width.as_str(), "alain@contoso.example");
        assert!(full_width.is_in_any_domain(&["contoso.example"]));
        let shouting = EmailAddress::parse("alain@ＣＯＮＴＯＳＯ.ＥＸＡＭＰＬＥ").expect("valid");
        assert_eq!(shouting.as_str(), "alain@contoso.example");
        let sub = EmailAddress::parse("alain@Students.ｃｏｎｔｏｓｏ.Example").expect("valid");
        assert!(sub.is_in_any_domain(&["contoso.example"]));
        assert!(
            EmailAddress::parse("alain@contoso.example")
                .expect("valid")
                .is_in_any_domain(&["ｃｏｎｔｏｓｏ.example"]),
            "configured domains are mapped too"
        );
    }

    #[test]
    fn spellings_that_would_map_to_something_else_are_refused() {
        for bad in [
            // A trailing dot (the DNS root) is not part of a mail domain, typed or mapped.
            "alain@contoso.example.",
            "alain@contoso.example．",
            "alain@contoso．example",
            // Full-width digits map to an address literal.
            "alain@１９２.０.２.１",
            // Invisible characters that IDNA would drop or refuse.
            "alain@con\u{200d}toso.example",
            "alain@contoso.exa\u{ad}mple",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Syntax), "{bad:?}");
        }
    }

    #[cfg(feature = "idna")]
    #[test]
    fn unicode_and_punycode_spellings_are_one_domain() {
        let unicode = EmailAddress::parse("jörg@BÜCHER.example").expect("valid");
        let punycode = EmailAddress::parse("jörg@xn--bcher-kva.example").expect("valid");
        assert_eq!(unicode, punycode);
        assert_eq!(unicode.as_str(), "jörg@bücher.example");
        assert_eq!(unicode.ascii_domain(), "xn--bcher-kva.example");
        assert!(punycode.is_in_any_domain(&["bücher.example"]));
        assert!(unicode.is_in_any_domain(&["XN--BCHER-KVA.example"]));
        assert!(!unicode.is_in_any_domain(&["bucher.example"]));
    }

    #[cfg(feature = "idna")]
    #[test]
    fn domains_that_do_not_survive_idna_are_refused() {
        for bad in [
            // Punycode that does not decode, or decodes to plain ASCII or a control character.
            "alain@xn--.example",
            "alain@xn--zz-.example",
            "alain@xn--a.example",
            "alain@xn--contoso-.example",
            // A label mixing left-to-right and right-to-left letters (bidi rule).
            "alain@a\u{5d0}.example",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Syntax), "{bad:?}");
        }
    }

    #[cfg(feature = "idna")]
    #[test]
    fn a_domain_whose_punycode_is_too_long_is_refused() {
        // 60 characters, but the label becomes longer than 63 in ASCII.
        let label = "ü".repeat(60);
        assert_eq!(
            EmailAddress::parse(&format!("a@{label}.example")),
            Err(EmailError::Syntax)
        );
        let fits = format!("a@{}.example", "ü".repeat(20));
        let ascii = EmailAddress::parse(&fits).expect("valid");
        assert!(ascii.ascii_domain().starts_with("xn--"));
    }

    #[cfg(not(feature = "idna"))]
    #[test]
    fn without_idna_punycode_is_compared_as_typed() {
        // The app's build: the server (with `idna`) has the last word on these.
        let punycode = EmailAddress::parse("jörg@xn--bcher-kva.example").expect("valid");
        assert!(!punycode.is_in_any_domain(&["bücher.example"]));
        let unicode = EmailAddress::parse("jörg@BÜCHER.example").expect("valid");
        assert_eq!(unicode.as_str(), "jörg@bücher.example");
        assert!(unicode.is_in_any_domain(&["bücher.example"]));
    }

    #[test]
    fn deserializing_validates() {
        let ok: Result<EmailAddress, _> = serde_json::from_str("\"a@b.example\"");
        assert!(ok.is_ok());
        let bad: Result<EmailAddress, _> = serde_json::from_str("\"not an address\"");
        assert!(bad.is_err());
    }
}
