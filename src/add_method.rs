//! The steps of adding a method, as a plain state machine: choose a type, give an address,
//! type the code, done. No Leptos here, so the flow is tested natively (`cargo test`), and the
//! dialog only renders the current [`Step`] and feeds it [`Event`]s.

use security_info_api::{EmailAddress, EmailError, EmailRegistration, Method, MethodType};

/// Where the user is in the Add-a-method dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// "Which method would you like to add?"
    Choose,
    /// "What email would you like to use?"
    Address,
    /// "We just sent a code to ...": waiting for the code of this registration.
    Code(EmailRegistration),
    /// The method is registered.
    Done(Method),
}

/// What happened in the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The user picked a type and selected Add.
    Chose(MethodType),
    /// The server sent the first code.
    CodeSent(EmailRegistration),
    /// The server sent a new code (the registration's times changed).
    CodeResent(EmailRegistration),
    /// The user selected Back.
    Back,
    /// The code was right: the method exists.
    Verified(Method),
    /// The registration is void (too many wrong codes, or expired for good): start again.
    RegistrationVoid,
}

impl Step {
    /// The step after `event`; events that make no sense in a step leave it unchanged.
    pub fn on(self, event: Event) -> Step {
        match (self, event) {
            (Step::Choose, Event::Chose(MethodType::Email)) => Step::Address,
            (Step::Address, Event::CodeSent(registration)) => Step::Code(registration),
            (Step::Address, Event::Back) => Step::Choose,
            (Step::Code(_), Event::CodeResent(registration)) => Step::Code(registration),
            (Step::Code(_), Event::Back | Event::RegistrationVoid) => Step::Address,
            (Step::Code(_), Event::Verified(method)) => Step::Done(method),
            (step, _) => step,
        }
    }
}

/// Why an address cannot be used, as the app checks before asking the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    /// Nothing typed.
    Empty,
    /// Longer than an address can be.
    TooLong,
    /// Not `name@domain.tld`.
    Syntax,
    /// In one of the organization's own domains: the work or school address.
    WorkAddress,
}

/// Parses the typed address exactly as the server will, and refuses the organization's domains.
pub fn check_address(input: &str, org_domains: &[String]) -> Result<EmailAddress, AddressProblem> {
    let address = EmailAddress::parse(input).map_err(|error| match error {
        EmailError::Empty => AddressProblem::Empty,
        EmailError::TooLong => AddressProblem::TooLong,
        EmailError::Syntax => AddressProblem::Syntax,
    })?;
    if address.is_in_any_domain(org_domains) {
        return Err(AddressProblem::WorkAddress);
    }
    Ok(address)
}

/// What the code field keeps of typed or pasted input: spaces and dashes go (`123 456`,
/// `123-456`), everything else stays so a wrong character is reported rather than hidden.
pub fn normalize_code_input(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp (`2026-11-24T10:00:00.5Z`,
/// `...+01:00`), or `None` when it is not one. Digits below the millisecond are dropped.
pub fn parse_rfc3339_ms(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Whole milliseconds from the first three digits, in integers: parsing the fraction as
        // an f64 would link core's float parser and its 10 KB table into the wasm for nothing.
        millis = after_dot[..digits]
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0, |ms, digit| ms * 10 + i64::from(digit - b'0'));
        rest = &after_dot[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some((seconds * 1000 + millis) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whole seconds from `now_ms` until `target_ms`, rounded up; zero once it has passed.
pub fn seconds_until(now_ms: f64, target_ms: f64) -> u64 {
    let left = ((target_ms - now_ms) / 1000.0).ceil();
    if left.is_finite() && left > 0.0 {
        left as u64
    } else {
        0
    }
}

/// A countdown as `m:ss` (`0:59`, `1:00`, `12:05`).
pub fn format_countdown(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use security_info_api::Usage;

    use super::*;

    fn registration(id: &str) -> EmailRegistration {
        EmailRegistration {
            id: id.into(),
            email_address: "alain@gmail.com".into(),
            expires_at: "2026-11-24T10:10:00Z".into(),
            resend_available_at: "2026-11-24T10:01:00Z".into(),
            code_length: 6,
        }
    }

    fn method() -> Method {
        Method {
            id: "m1".into(),
            method_type: MethodType::Email,
            email_address: Some("alain@gmail.com".into()),
            created_at: "2026-11-24T10:02:00Z".into(),
            usable_for: vec![Usage::PasswordReset],
        }
    }

    #[test]
    fn the_happy_path_goes_choose_address_code_done() {
        let step = Step::Choose
            .on(Event::Chose(MethodType::Email))
            .on(Event::CodeSent(registration("r1")))
            .on(Event::Verified(method()));
        assert_eq!(step, Step::Done(method()));
    }

    #[test]
    fn back_walks_the_steps_backwards() {
        let code = Step::Code(registration("r1"));
        assert_eq!(code.on(Event::Back), Step::Address);
        assert_eq!(Step::Address.on(Event::Back), Step::Choose);
    }

    #[test]
    fn a_resend_keeps_the_code_step_with_the_new_times_and_a_void_registration_starts_again() {
        let resent = Step::Code(registration("r1")).on(Event::CodeResent(registration("r2")));
        assert_eq!(resent, Step::Code(registration("r2")));
        assert_eq!(resent.on(Event::RegistrationVoid), Step::Address);
    }

    #[test]
    fn events_out_of_place_change_nothing() {
        assert_eq!(Step::Choose.on(Event::Verified(method())), Step::Choose);
        assert_eq!(Step::Address.on(Event::Verified(method())), Step::Address);
        assert_eq!(Step::Done(method()).on(Event::Back), Step::Done(method()));
    }

    #[test]
    fn addresses_are_checked_like_the_server_and_the_work_domain_is_refused() {
        let domains = vec!["contoso.example".to_owned()];
        assert!(check_address("alain@gmail.com", &domains).is_ok());
        assert_eq!(check_address("  ", &domains), Err(AddressProblem::Empty));
        assert_eq!(
            check_address("alain@", &domains),
            Err(AddressProblem::Syntax)
        );
        assert_eq!(
            check_address("Alain@Contoso.Example", &domains),
            Err(AddressProblem::WorkAddress)
        );
        let long = format!("{}@gmail.com", "a".repeat(300));
        assert_eq!(check_address(&long, &domains), Err(AddressProblem::TooLong));
    }

    #[test]
    fn pasted_codes_lose_spaces_and_dashes_but_keep_other_characters() {
        assert_eq!(normalize_code_input(" 123 456\n"), "123456");
        assert_eq!(normalize_code_input("123-456"), "123456");
        assert_eq!(normalize_code_input("12a456"), "12a456");
    }

    #[test]
    fn timestamps_parse_to_epoch_milliseconds() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_rfc3339_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.250Z"),
            Some(1_795_514_400_250.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T11:00:00+01:00"),
            parse_rfc3339_ms("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.5Z"),
            Some(1_795_514_400_500.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.123999Z"),
            Some(1_795_514_400_123.0)
        );
        assert_eq!(parse_rfc3339_ms("2026-11-24T10:00:00.Z"), None);
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
        assert_eq!(parse_rfc3339_ms("2026-13-24T10:00:00Z"), None);
    }

    #[test]
    fn countdowns_round_up_and_stop_at_zero() {
        assert_eq!(seconds_until(0.0, 59_001.0), 60);
        assert_eq!(seconds_until(0.0, 60_000.0), 60);
        assert_eq!(seconds_until(61_000.0, 60_000.0), 0);
        assert_eq!(format_countdown(60), "1:00");
        assert_eq!(format_countdown(9), "0:09");
        assert_eq!(format_countdown(725), "12:05");
    }
}
