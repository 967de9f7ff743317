//! Masked addresses for the audit trail and notifications: enough to recognise, not to harvest.

/// `alain@gmail.com` -> `a***@gmail.com`.
pub fn email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// `+31 6 12345678` -> `+31 • ••••••78`: the country and the last two digits.
pub fn phone(international: &str) -> String {
    let digits = international.chars().filter(char::is_ascii_digit).count();
    let (country, rest) = international.split_once(' ').unwrap_or(("", international));
    // Digits are counted from the start of the whole number; all but the last two are hidden.
    let hidden = digits.saturating_sub(2);
    let mut seen = country.chars().filter(char::is_ascii_digit).count();
    let masked: String = rest
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen > hidden { c } else { '•' }
        })
        .collect();
    if country.is_empty() {
        masked
    } else {
        format!("{country} {masked}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_number_shows_its_country_and_last_two_digits() {
        assert_eq!(super::phone("+31 6 12345678"), "+31 • ••••••78");
        assert_eq!(super::phone("+1 650-253-0000"), "+1 •••-•••-••00");
        assert_eq!(super::phone("12"), "12");
    }

    #[test]
    fn only_the_first_letter_of_the_local_part_shows() {
        assert_eq!(super::email("alain@gmail.com"), "a***@gmail.com");
        assert_eq!(super::email("jörg@bücher.example"), "j***@bücher.example");
    }
}
