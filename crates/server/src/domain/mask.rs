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

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_first_letter_of_the_local_part_shows() {
        assert_eq!(super::email("alain@gmail.com"), "a***@gmail.com");
        assert_eq!(super::email("jörg@bücher.example"), "j***@bücher.example");
    }
}
