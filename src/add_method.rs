//! The steps of adding a method, as a plain state machine: choose a type, fill in that type's
//! own form, answer the challenge the server sent, done. The steps know nothing of a type's
//! details (those are its form's, in [`crate::methods`]) and nothing of Leptos, so the flow is
//! tested natively (`cargo test`); the dialog only renders the current [`Step`] and feeds it
//! [`Event`]s.

use security_info_api::{
    Challenge, Channel, Method, MethodType, QuestionOption, Registration, StartRegistration,
};

use crate::format::parse_rfc3339_ms;

/// Where the user is in the Add-a-method dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// "Which method would you like to add?"
    Choose,
    /// The chosen type's own form (an address, a number, a name...). `previous` is what was
    /// sent from it last time, so coming back from the challenge shows the form as it was.
    Form {
        /// The chosen type.
        method_type: MethodType,
        /// What the form sent before the user came back, if they did.
        previous: Option<StartRegistration>,
    },
    /// The server started a registration: the user answers its challenge.
    Challenge {
        /// The pending registration, with its challenge (its times change on a resend).
        registration: Registration,
        /// What the form sent to start it, for Back.
        sent: StartRegistration,
    },
    /// The method is registered.
    Done(Method),
}

/// A registration a type's form started: what it sent and the server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// What the form sent (given back to the form when the user comes back to it).
    pub sent: StartRegistration,
    /// The pending registration, with its challenge.
    pub registration: Registration,
}

/// What happened in the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The user picked a type and selected Add.
    Chose(MethodType),
    /// The form's request started a registration.
    Started(Started),
    /// The challenge was renewed (a new code was sent): same registration, new times.
    Renewed(Registration),
    /// The user selected Back.
    Back,
    /// The answer was right: the method exists.
    Verified(Method),
    /// The registration is void (too many wrong answers, or expired for good): start again
    /// from the form.
    RegistrationVoid,
}

impl Step {
    /// The step after `event`; events that make no sense in a step leave it unchanged.
    pub fn on(self, event: Event) -> Step {
        match (self, event) {
            (Step::Choose, Event::Chose(method_type)) => Step::Form {
                method_type,
                previous: None,
            },
            (Step::Form { .. }, Event::Started(Started { sent, registration })) => {
                Step::Challenge { registration, sent }
            }
            (Step::Form { .. }, Event::Back) => Step::Choose,
            // A form that proves possession itself (a security key's prompt) adds the method.
            (Step::Form { .. }, Event::Verified(method)) => Step::Done(method),
            (Step::Challenge { registration, sent }, Event::Renewed(renewed))
                if renewed.id == registration.id =>
            {
                Step::Challenge {
                    registration: renewed,
                    sent,
                }
            }
            (Step::Challenge { sent, .. }, Event::Back | Event::RegistrationVoid) => Step::Form {
                method_type: sent.method_type(),
                previous: Some(sent),
            },
            (Step::Challenge { .. }, Event::Verified(method)) => Step::Done(method),
            (step, _) => step,
        }
    }

    /// The type being added, once one is chosen.
    pub fn method_type(&self) -> Option<MethodType> {
        match self {
            Step::Choose => None,
            Step::Form { method_type, .. } => Some(*method_type),
            Step::Challenge { registration, .. } => Some(registration.method_type),
            Step::Done(method) => Some(method.method_type),
        }
    }
}

/// Security questions to choose and answer, as the questions form uses them.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionsChallenge {
    /// The registration the answers go to.
    pub registration_id: String,
    /// The predefined questions, in the language the registration started in.
    pub questions: Vec<QuestionOption>,
    /// How many to choose and answer.
    pub count: u8,
    /// Whether questions of the user's own are allowed.
    pub own_questions: bool,
}

impl QuestionsChallenge {
    /// The questions challenge of `registration`, if its challenge is one.
    pub fn of(registration: &Registration) -> Option<QuestionsChallenge> {
        match &registration.challenge {
            Challenge::Questions {
                questions,
                count,
                own_questions,
                ..
            } => Some(QuestionsChallenge {
                registration_id: registration.id.clone(),
                questions: questions.clone(),
                count: *count,
                own_questions: *own_questions,
            }),
            _ => None,
        }
    }
}

/// A challenge answered with a code sent over a channel, as the code form uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeChallenge {
    /// The registration the code belongs to.
    pub registration_id: String,
    /// How the code was sent.
    pub channel: Channel,
    /// Where it was sent.
    pub destination: String,
    /// How many digits it has.
    pub code_length: u8,
    /// When it stops working (epoch ms); `None` when the server's time cannot be read.
    pub expires_at_ms: Option<f64>,
    /// When another may be asked for (epoch ms); `None` when the server's time cannot be read.
    pub resend_at_ms: Option<f64>,
}

impl CodeChallenge {
    /// The code challenge of `registration`, if its challenge is a code.
    pub fn of(registration: &Registration) -> Option<CodeChallenge> {
        match &registration.challenge {
            Challenge::Code {
                channel,
                destination,
                code_length,
                expires_at,
                resend_available_at,
            } => Some(CodeChallenge {
                registration_id: registration.id.clone(),
                channel: *channel,
                destination: destination.clone(),
                code_length: *code_length,
                expires_at_ms: parse_rfc3339_ms(expires_at),
                resend_at_ms: parse_rfc3339_ms(resend_available_at),
            }),
            Challenge::Totp { .. } | Challenge::WebAuthn { .. } | Challenge::Questions { .. } => {
                None
            }
        }
    }
}

/// A challenge answered with the code of an authenticator app the user sets up with the key
/// it carries, as the app's setup steps use it.
#[derive(Debug, Clone, PartialEq)]
pub struct TotpChallenge {
    /// The registration the key belongs to.
    pub registration_id: String,
    /// The key in base32, as the server sent it.
    pub secret: String,
    /// The `otpauth://` URI: a link that opens the app on the phone the page is on.
    pub uri: String,
    /// The account the app shows the code for.
    pub account_name: String,
    /// Where the QR code image is.
    pub qr_code_url: String,
    /// How many digits the app shows.
    pub code_length: u8,
    /// When the registration stops accepting codes (epoch ms); `None` when unreadable.
    pub expires_at_ms: Option<f64>,
}

impl TotpChallenge {
    /// The authenticator app challenge of `registration`, if its challenge is one.
    pub fn of(registration: &Registration) -> Option<TotpChallenge> {
        match &registration.challenge {
            Challenge::Totp {
                secret,
                uri,
                account_name,
                qr_code_url,
                code_length,
                expires_at,
                ..
            } => Some(TotpChallenge {
                registration_id: registration.id.clone(),
                secret: secret.clone(),
                uri: uri.clone(),
                account_name: account_name.clone(),
                qr_code_url: qr_code_url.clone(),
                code_length: *code_length,
                expires_at_ms: parse_rfc3339_ms(expires_at),
            }),
            Challenge::Code { .. } | Challenge::WebAuthn { .. } | Challenge::Questions { .. } => {
                None
            }
        }
    }

    /// The key in groups of four, the way people read it out and type it.
    pub fn grouped_secret(&self) -> String {
        let chars: Vec<char> = self.secret.chars().collect();
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the code field keeps of typed or pasted input: spaces and dashes go (`123 456`,
/// `123-456`), everything else stays so a wrong character is reported rather than hidden.
pub fn normalize_code_input(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::examples::{method, registration, start};

    fn challenge() -> Step {
        Step::Challenge {
            registration: registration("r1", "2026-11-24T10:10:00Z"),
            sent: start("alain@gmail.com"),
        }
    }

    fn started() -> Event {
        Event::Started(Started {
            sent: start("alain@gmail.com"),
            registration: registration("r1", "2026-11-24T10:10:00Z"),
        })
    }

    #[test]
    fn the_happy_path_goes_choose_form_challenge_done() {
        let method_type = start("").method_type();
        let form = Step::Choose.on(Event::Chose(method_type));
        assert_eq!(
            form,
            Step::Form {
                method_type,
                previous: None
            }
        );
        let step = form
            .on(started())
            .on(Event::Verified(method("alain@gmail.com")));
        assert_eq!(step, Step::Done(method("alain@gmail.com")));
    }

    #[test]
    fn the_chosen_type_decides_the_form() {
        for method_type in MethodType::ALL {
            assert_eq!(
                Step::Choose.on(Event::Chose(method_type)).method_type(),
                Some(method_type)
            );
        }
    }

    #[test]
    fn back_walks_the_steps_backwards_and_the_form_gets_back_what_it_sent() {
        let form = challenge().on(Event::Back);
        assert_eq!(
            form,
            Step::Form {
                method_type: start("").method_type(),
                previous: Some(start("alain@gmail.com"))
            }
        );
        assert_eq!(form.on(Event::Back), Step::Choose);
    }

    #[test]
    fn a_renewed_challenge_keeps_the_step_with_the_new_times_and_a_void_one_starts_again() {
        let renewed = challenge().on(Event::Renewed(registration("r1", "2026-11-24T10:20:00Z")));
        assert_eq!(
            renewed,
            Step::Challenge {
                registration: registration("r1", "2026-11-24T10:20:00Z"),
                sent: start("alain@gmail.com"),
            }
        );
        assert_eq!(
            renewed.on(Event::RegistrationVoid),
            Step::Form {
                method_type: start("").method_type(),
                previous: Some(start("alain@gmail.com"))
            }
        );
    }

    #[test]
    fn a_form_that_proves_possession_itself_adds_the_method_without_a_challenge() {
        let form = Step::Choose.on(Event::Chose(start("").method_type()));
        let added = method("alain@gmail.com");
        assert_eq!(form.on(Event::Verified(added.clone())), Step::Done(added));
    }

    #[test]
    fn events_out_of_place_change_nothing() {
        let done = Step::Done(method("alain@gmail.com"));
        assert_eq!(
            Step::Choose.on(Event::Verified(method("alain@gmail.com"))),
            Step::Choose
        );
        assert_eq!(Step::Choose.on(started()), Step::Choose);
        let form = Step::Choose.on(Event::Chose(start("").method_type()));
        assert_eq!(
            form.clone()
                .on(Event::Renewed(registration("r1", "2026-11-24T10:20:00Z"))),
            form
        );
        assert_eq!(done.clone().on(Event::Back), done);
        // A late answer about another registration does not replace the one shown.
        assert_eq!(
            challenge().on(Event::Renewed(registration("r2", "2026-11-24T10:20:00Z"))),
            challenge()
        );
    }

    #[test]
    fn a_code_challenge_gives_the_form_its_destination_length_and_times() {
        let challenge =
            CodeChallenge::of(&registration("r1", "2026-11-24T10:10:00Z")).expect("a code");
        assert_eq!(challenge.registration_id, "r1");
        assert_eq!(challenge.destination, "alain@gmail.com");
        assert_eq!(challenge.code_length, 6);
        assert_eq!(
            challenge.expires_at_ms,
            parse_rfc3339_ms("2026-11-24T10:10:00Z")
        );
        assert_eq!(
            challenge
                .resend_at_ms
                .zip(challenge.expires_at_ms)
                .map(|(r, e)| e - r),
            Some(540_000.0)
        );
        let unreadable = CodeChallenge::of(&registration("r1", "soon")).expect("a code");
        assert_eq!(unreadable.expires_at_ms, None);
    }

    #[test]
    fn an_app_challenge_gives_the_setup_its_key_in_groups_of_four_and_a_code_one_does_not() {
        let registration = Registration {
            id: "r2".into(),
            method_type: MethodType::AuthenticatorApp,
            challenge: Challenge::Totp {
                secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
                uri: "otpauth://totp/Contoso:alain@contoso.example?secret=JBSW".into(),
                issuer: "Contoso".into(),
                account_name: "alain@contoso.example".into(),
                qr_code_url: "/api/v1/me/registrations/r2/qr-code".into(),
                code_length: 6,
                period_seconds: 30,
                expires_at: "2026-11-24T10:10:00Z".into(),
            },
        };
        let app = TotpChallenge::of(&registration).expect("an app challenge");
        assert_eq!(
            app.grouped_secret(),
            "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
        );
        assert_eq!(app.account_name, "alain@contoso.example");
        assert!(app.uri.starts_with("otpauth://totp/"));
        assert_eq!(app.qr_code_url, "/api/v1/me/registrations/r2/qr-code");
        assert_eq!(app.expires_at_ms, parse_rfc3339_ms("2026-11-24T10:10:00Z"));
        assert_eq!(CodeChallenge::of(&registration), None);
        assert_eq!(
            TotpChallenge::of(&crate::methods::examples::registration("r1", "soon")),
            None
        );
    }

    #[test]
    fn pasted_codes_lose_spaces_and_dashes_but_keep_other_characters() {
        assert_eq!(normalize_code_input(" 123 456\n"), "123456");
        assert_eq!(normalize_code_input("123-456"), "123456");
        assert_eq!(normalize_code_input("12a456"), "12a456");
    }
}
