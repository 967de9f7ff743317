//! The rules a new password must meet (NIST SP 800-63B 3.1.1.2, OWASP ASVS 5 V6.2): long
//! enough (a setting, 12 by default, never under 8), up to [`MAX_LENGTH`] characters of any
//! kind (spaces and emoji included: no composition rules), not containing the user's name or
//! address, and not guessable by `zxcvbn` (Dropbox's estimator with its frequency lists of
//! common passwords, names and words, all built in: nothing leaves the server) below the
//! configured score. Lengths count characters after NFKC normalization, the form the password
//! is checked and hashed in, so the same password typed on another keyboard stays the same.

use unicode_normalization::UnicodeNormalization;

/// The longest password accepted (NIST: at least 64 must be allowed). Longer ones would only
/// be a way to make the hashing work harder.
pub const MAX_LENGTH: usize = 256;
/// The shortest minimum an operator may configure (NIST SP 800-63B-4: 8 at least).
pub const LOWEST_MIN_LENGTH: usize = 8;
/// The minimum unless configured (ASVS 5: 12 for passwords chosen by users).
pub const DEFAULT_MIN_LENGTH: usize = 12;
/// The zxcvbn score a password needs unless configured: 3, "safely unguessable: moderate
/// protection from an offline slow-hash scenario" (about 10^10 guesses).
pub const DEFAULT_MIN_SCORE: u8 = 3;
/// Name parts shorter than this are not looked for in a password (they match by chance).
const SHORTEST_NAME_PART: usize = 3;

/// The configured rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_length: usize,
    /// Lowest zxcvbn score (0 to 4).
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: DEFAULT_MIN_LENGTH,
            min_score: DEFAULT_MIN_SCORE,
        }
    }
}

/// Why a password is refused: the first rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer characters than the minimum.
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_LENGTH`] characters.
    TooLong,
    /// Control characters (a paste gone wrong; no keyboard types them).
    Unprintable,
    /// It contains the user's name or address (or a part of them), or the organization's
    /// name: the first words an attacker tries (NIST SP 800-63B: context-specific words).
    ContainsName,
    /// Too easy to guess; what zxcvbn saw, when it says.
    TooWeak {
        /// zxcvbn's warning, as a stable code (see [`weakness_code`]).
        reason: Option<&'static str>,
    },
}

/// Who the password is for: the words it must not contain and zxcvbn should know.
#[derive(Debug, Clone, Copy)]
pub struct PasswordOwner<'a> {
    /// The user principal name (`alain.dupont@contoso.example`).
    pub user_principal_name: &'a str,
    /// The display name (`Alain Dupont`).
    pub display_name: &'a str,
    /// The organization's name (a common first guess).
    pub organization: &'a str,
}

impl PasswordOwner<'_> {
    /// The name parts worth looking for: the address, its local part and that part's pieces,
    /// the display name's words and the organization's, lower case.
    fn name_parts(&self) -> Vec<String> {
        let upn = self.user_principal_name.to_lowercase();
        let local = upn.split('@').next().unwrap_or_default().to_owned();
        let mut parts = vec![upn.clone(), local.clone()];
        let words = |text: &str| {
            text.split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        parts.extend(words(&local));
        parts.extend(words(self.display_name));
        parts.extend(words(self.organization));
        parts.retain(|part| part.chars().count() >= SHORTEST_NAME_PART);
        parts.sort();
        parts.dedup();
        parts
    }
}

/// The form a password is checked and hashed in.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

impl PasswordPolicy {
    /// Checks `password` (as typed) for `owner`.
    pub fn check(&self, password: &str, owner: PasswordOwner<'_>) -> Result<(), PasswordProblem> {
        let password = normalize(password);
        let length = password.chars().count();
        if length < self.min_length {
            return Err(PasswordProblem::TooShort {
                min: self.min_length,
            });
        }
        if length > MAX_LENGTH {
            return Err(PasswordProblem::TooLong);
        }
        if password.chars().any(char::is_control) {
            return Err(PasswordProblem::Unprintable);
        }
        let lower = password.to_lowercase();
        let parts = owner.name_parts();
        if parts.iter().any(|part| lower.contains(part.as_str())) {
            return Err(PasswordProblem::ContainsName);
        }
        let inputs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let entropy = zxcvbn::zxcvbn(&password, &inputs);
        if u8::from(entropy.score()) < self.min_score {
            let reason = entropy
                .feedback()
                .and_then(|feedback| feedback.warning())
                .map(weakness_code);
            return Err(PasswordProblem::TooWeak { reason });
        }
        Ok(())
    }
}

/// A stable code for what zxcvbn saw in a weak password (the app words it in the user's
/// language).
pub fn weakness_code(warning: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match warning {
        W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess => {
            "keyboard_pattern"
        }
        W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "repeats"
        }
        W::SequencesLikeAbcAreEasyToGuess => "sequence",
        W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess => "dates",
        W::ThisIsATop10Password
        | W::ThisIsATop100Password
        | W::ThisIsACommonPassword
        | W::ThisIsSimilarToACommonlyUsedPassword => "common_password",
        W::AWordByItselfIsEasyToGuess => "single_word",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess => {
            "names"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALAIN: PasswordOwner<'static> = PasswordOwner {
        user_principal_name: "alain.dupont@contoso.example",
        display_name: "Alain Dupont",
        organization: "Contoso",
    };

    fn check(password: &str) -> Result<(), PasswordProblem> {
        PasswordPolicy::default().check(password, ALAIN)
    }

    #[test]
    fn long_unguessable_passwords_of_any_characters_pass() {
        for good in [
            "correct horse battery staple",
            "Tulpen bloeien in de Keukenhof 🌷",
            "vjk3-Qm9x-Lp2w-Zt7r",
            "ééé çava très bien mon vieux ami",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn length_is_counted_in_characters_after_normalization() {
        assert_eq!(
            check("Zq9!vT2#"),
            Err(PasswordProblem::TooShort { min: 12 })
        );
        // Twelve characters, far more bytes.
        let emoji = "🌷🚲🧀🌧️🦆🏰🎻🧇🪁🛶🌋🧭";
        assert!(emoji.len() > 12 && emoji.chars().count() >= 12);
        assert_ne!(check(emoji), Err(PasswordProblem::TooShort { min: 12 }));
        // Full-width letters are their ASCII selves once normalized.
        assert_eq!(normalize("ＡＢＣ"), "ABC");
        assert_eq!(
            check(&"x".repeat(MAX_LENGTH + 1)),
            Err(PasswordProblem::TooLong)
        );
        let eight = PasswordPolicy {
            min_length: 8,
            min_score: 0,
        };
        assert_eq!(eight.check("q7Rv!2mX", ALAIN), Ok(()));
    }

    #[test]
    fn the_users_name_or_address_in_any_case_is_refused() {
        for bad in [
            "my name is Alain and I like trains",
            "DUPONT-forever-and-ever-2026",
            "alain.dupont@contoso.example!",
        ] {
            assert_eq!(check(bad), Err(PasswordProblem::ContainsName), "{bad}");
        }
    }

    #[test]
    fn guessable_passwords_are_refused_with_what_made_them_guessable() {
        assert_eq!(
            check("password1234"),
            Err(PasswordProblem::TooWeak {
                reason: Some("common_password")
            })
        );
        assert!(matches!(
            check("qwertyuiopasdf"),
            Err(PasswordProblem::TooWeak { reason: Some(_) })
        ));
        assert!(matches!(
            check("abcabcabcabcabc"),
            Err(PasswordProblem::TooWeak { .. })
        ));
        assert_eq!(check("Contoso2026!!"), Err(PasswordProblem::ContainsName));
        assert_eq!(
            check("tab\there and newline"),
            Err(PasswordProblem::Unprintable)
        );
    }
}
