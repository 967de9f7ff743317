//! Phone numbers as the phone method takes them (libphonenumber's metadata through the
//! `phonenumber` crate, on the server only): typed in national form for a chosen region or in
//! international form, validated, stored in E.164 (`+31612345678`) and shown in international
//! form (`+31 6 12345678`). Only numbers a person answers are accepted: premium-rate,
//! shared-cost, toll-free, company (UAN), voicemail and short codes are refused, which is also
//! what keeps the gateway from being used to pump revenue to such numbers. Texts go only to
//! numbers that can receive them (mobile, or mobile-or-fixed where the plan does not tell).

use phonenumber::{Mode, Type, country, metadata::DATABASE};
use security_info_api::PhoneRegion;

/// A checked number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// E.164, what is stored and sent to the gateway.
    pub e164: String,
    /// International form, what the list shows.
    pub international: String,
    /// The country calling code (`31`).
    pub calling_code: u16,
    /// What kind of line it is.
    pub kind: LineKind,
}

/// The kinds of line a person answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A mobile phone.
    Mobile,
    /// A fixed line (an office phone).
    FixedLine,
    /// Either: the numbering plan does not tell (the USA, Canada).
    FixedLineOrMobile,
    /// A personal number or a VoIP number, routed to the person's phone.
    Personal,
}

impl LineKind {
    /// Whether a text message can reach it.
    pub fn receives_texts(self) -> bool {
        matches!(self, LineKind::Mobile | LineKind::FixedLineOrMobile)
    }
}

/// Why a typed number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneProblem {
    /// Not a phone number at all, or a region that does not exist.
    Unreadable,
    /// Reads as a number but is not one in its numbering plan (too short, unused range).
    Invalid,
    /// A premium-rate, shared-cost, toll-free, company, voicemail or short number.
    NotPersonal,
    /// Its country calling code is not one the organization allows.
    RegionNotAllowed,
}

/// The organization's calling codes (`SECURITY_INFO_PHONE_REGIONS`); empty: every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedRegions(Vec<u16>);

impl AllowedRegions {
    /// Parses a list of calling codes (`31`, `+32`); `variable` names the setting in errors.
    pub fn parse(codes: &[String], variable: &str) -> anyhow::Result<Self> {
        codes
            .iter()
            .map(|code| code.trim())
            .filter(|code| !code.is_empty())
            .map(|code| {
                code.trim_start_matches('+')
                    .parse::<u16>()
                    .ok()
                    .filter(|value| (1..=999).contains(value))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{variable}: {code:?} is not a country calling code (31, +32)"
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Self)
    }

    /// Whether numbers with this calling code may be registered.
    pub fn allows(&self, calling_code: u16) -> bool {
        self.0.is_empty() || self.0.contains(&calling_code)
    }
}

/// The regions whose numbers `allowed` lets in, with their calling codes, by region code
/// (the non-geographic entities of the metadata, such as `+800`, are no region to pick).
pub fn regions(allowed: &AllowedRegions) -> Vec<PhoneRegion> {
    let mut regions: Vec<PhoneRegion> = DATABASE
        .iter()
        .filter(|metadata| {
            let id = metadata.id();
            id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase())
        })
        .filter(|metadata| allowed.allows(metadata.country_code()))
        .map(|metadata| PhoneRegion {
            region: metadata.id().to_owned(),
            calling_code: metadata.country_code(),
        })
        .collect();
    regions.sort_by(|a, b| a.region.cmp(&b.region));
    regions
}

/// The most characters a typed number may have, white space included.
pub const MAX_TYPED_LENGTH: usize = 40;

/// Whether `typed` is written the way the API document says a number is: at most
/// [`MAX_TYPED_LENGTH`] characters, digits, white space and `( ) . / -`, and a `+` only at
/// the start (`^\s*\+?[0-9\s()./-]*$`). libphonenumber alone would also read letters (vanity
/// numbers), `tel:` URIs and extensions written into the number.
pub fn is_written_as_a_number(typed: &str) -> bool {
    let trimmed = typed.trim_start();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    typed.chars().count() <= MAX_TYPED_LENGTH
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "()./-".contains(c))
}

/// Parses `typed` (national form for `region`, an ISO 3166 code such as `NL`, or international
/// form with `+`), and checks it is a valid number a person answers, in an allowed region.
pub fn parse(
    typed: &str,
    region: &str,
    allowed: &AllowedRegions,
) -> Result<PhoneNumber, PhoneProblem> {
    if !is_written_as_a_number(typed) {
        return Err(PhoneProblem::Unreadable);
    }
    let region: Option<country::Id> = region.trim().to_ascii_uppercase().parse().ok();
    let number = phonenumber::parse(region, typed.trim()).map_err(|_| PhoneProblem::Unreadable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneProblem::Invalid);
    }
    let kind = match number.number_type(&DATABASE) {
        Type::Mobile => LineKind::Mobile,
        Type::FixedLine => LineKind::FixedLine,
        Type::FixedLineOrMobile => LineKind::FixedLineOrMobile,
        Type::PersonalNumber | Type::Voip => LineKind::Personal,
        _ => return Err(PhoneProblem::NotPersonal),
    };
    let calling_code = number.country().code();
    if !allowed.allows(calling_code) {
        return Err(PhoneProblem::RegionNotAllowed);
    }
    Ok(PhoneNumber {
        e164: number.format().mode(Mode::E164).to_string(),
        international: number.format().mode(Mode::International).to_string(),
        calling_code,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any() -> AllowedRegions {
        AllowedRegions::default()
    }

    #[test]
    fn a_dutch_mobile_number_in_any_form_is_the_same_number() {
        for typed in [
            "06 12345678",
            "0612345678",
            "+31 6 1234 5678",
            "+31612345678",
            "0031 6 12345678",
        ] {
            let number = parse(typed, "NL", &any()).unwrap_or_else(|e| panic!("{typed}: {e:?}"));
            assert_eq!(number.e164, "+31612345678", "{typed}");
            assert_eq!(number.international, "+31 6 12345678");
            assert_eq!(number.calling_code, 31);
            assert_eq!(number.kind, LineKind::Mobile);
            assert!(number.kind.receives_texts());
        }
        // International form needs no region; a region in lower case is read too.
        assert!(parse("+31612345678", "", &any()).is_ok());
        assert!(parse("06 12345678", "nl", &any()).is_ok());
    }

    #[test]
    fn fixed_lines_take_calls_but_no_texts() {
        let office = parse("020 555 0123", "NL", &any()).expect("Amsterdam number");
        assert_eq!(office.kind, LineKind::FixedLine);
        assert!(!office.kind.receives_texts());
        let us = parse("+1 650-253-0000", "", &any()).expect("US number");
        assert_eq!(us.kind, LineKind::FixedLineOrMobile);
        assert!(us.kind.receives_texts());
        assert_eq!(us.e164, "+16502530000");
    }

    #[test]
    fn numbers_no_person_answers_are_refused() {
        // Premium rate, toll free and shared cost in the Netherlands, premium in the UK.
        for (typed, region) in [
            ("0900 1234567", "NL"),
            ("0800 1234567", "NL"),
            ("0909 1234567", "NL"),
            ("+44 909 8790879", ""),
        ] {
            assert_eq!(
                parse(typed, region, &any()),
                Err(PhoneProblem::NotPersonal),
                "{typed}"
            );
        }
    }

    #[test]
    fn only_digits_spaces_and_separators_are_read() {
        for typed in [
            "+31 6 12345678",
            " 06-12345678 ",
            "(020) 555.0123",
            "020/5550123",
        ] {
            assert!(is_written_as_a_number(typed), "{typed}");
        }
        for typed in [
            "+31 6 1234567A",
            "06 12345678 ext. 12",
            "tel:+31612345678",
            "06+12345678",
            "++31612345678",
            "06\u{1}12345678",
        ] {
            assert!(!is_written_as_a_number(typed), "{typed}");
            assert_eq!(
                parse(typed, "NL", &any()),
                Err(PhoneProblem::Unreadable),
                "{typed}"
            );
        }
        let long = format!("+31 6 12345678{}", " ".repeat(MAX_TYPED_LENGTH));
        assert!(parse(long.trim_end(), "", &any()).is_ok());
        assert_eq!(parse(&long, "", &any()), Err(PhoneProblem::Unreadable));
    }

    #[test]
    fn unreadable_and_invalid_numbers_are_told_apart() {
        for typed in ["", "not a number", "+", "06", "06-abc"] {
            assert_eq!(
                parse(typed, "NL", &any()),
                Err(PhoneProblem::Unreadable),
                "{typed}"
            );
        }
        // Digits, but not a number of the Dutch plan: too short, too long, an unused range.
        for typed in ["06 1234", "+31 6 123456789012", "+31 00 1234567"] {
            assert_eq!(
                parse(typed, "NL", &any()),
                Err(PhoneProblem::Invalid),
                "{typed}"
            );
        }
        assert_eq!(
            parse("0612345678", "XX", &any()),
            Err(PhoneProblem::Unreadable)
        );
    }

    #[test]
    fn the_region_list_has_every_country_or_only_the_allowed_ones() {
        let all = regions(&any());
        assert!(all.len() > 200, "{}", all.len());
        let nl = all.iter().find(|r| r.region == "NL").expect("NL");
        assert_eq!(nl.calling_code, 31);
        assert!(all.windows(2).all(|w| w[0].region < w[1].region), "sorted");
        assert!(
            all.iter().all(|r| r.region != "001"),
            "no non-geographic entities"
        );
        let benelux = AllowedRegions::parse(&["31".into(), "32".into()], "X").expect("valid");
        let listed: Vec<_> = regions(&benelux).into_iter().map(|r| r.region).collect();
        assert!(listed.contains(&"NL".to_owned()) && listed.contains(&"BE".to_owned()));
        assert!(!listed.contains(&"GB".to_owned()), "{listed:?}");
    }

    #[test]
    fn an_organization_keeps_numbers_to_its_calling_codes() {
        let benelux = AllowedRegions::parse(&["31".into(), " +32 ".into(), String::new()], "X")
            .expect("valid");
        assert!(parse("06 12345678", "NL", &benelux).is_ok());
        assert!(parse("+32 470 12 34 56", "", &benelux).is_ok());
        assert_eq!(
            parse("+44 7400 123456", "", &benelux),
            Err(PhoneProblem::RegionNotAllowed)
        );
        for bad in ["NL", "0", "1000", "+-31"] {
            let error = AllowedRegions::parse(&[bad.into()], "SECURITY_INFO_PHONE_REGIONS")
                .expect_err(bad)
                .to_string();
            assert!(error.contains("SECURITY_INFO_PHONE_REGIONS"), "{error}");
        }
        assert!(AllowedRegions::parse(&[], "X").expect("empty").allows(44));
    }
}
