//! **Email**: an address outside the organization, for password reset only. Adding one asks
//! "What email would you like to use?", checks the address as the server will (syntax, the
//! organization's own domains) and starts a registration, which mails a code to it.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{EmailAddress, EmailError, ProblemCode, StartRegistration};

use super::{FormContext, MethodUi};
use crate::add_method::Started;
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::{start_registration, use_step_up};

/// The email type.
pub struct Email;

impl MethodUi for Email {
    fn name(&self) -> Key {
        Key::MethodTypeEmail
    }

    fn icon(&self) -> &'static str {
        // An envelope.
        "M3 6h18v12H3zM3 6l9 7 9-7"
    }

    fn form(&self, context: FormContext) -> AnyView {
        let address = match context.previous {
            Some(StartRegistration::Email { email_address }) => email_address,
            _ => String::new(),
        };
        view! {
            <EmailForm
                address=address
                org_domains=context.org_domains
                on_started=context.on_started
                on_cancel=context.on_cancel
            />
        }
        .into_any()
    }

    fn problem(&self, code: ProblemCode) -> Option<Key> {
        match code {
            ProblemCode::InvalidEmail => Some(Key::EmailErrorSyntax),
            ProblemCode::WorkEmailNotAllowed => Some(Key::EmailErrorWork),
            _ => None,
        }
    }
}

/// How an email method reads in the list: its address.
pub fn detail(email_address: &str) -> String {
    email_address.to_owned()
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

impl AddressProblem {
    /// What the form says about it.
    pub fn key(self) -> Key {
        match self {
            AddressProblem::Empty => Key::EmailErrorEmpty,
            AddressProblem::TooLong => Key::EmailErrorTooLong,
            AddressProblem::Syntax => Key::EmailErrorSyntax,
            AddressProblem::WorkAddress => Key::EmailErrorWork,
        }
    }
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

/// The address step of adding an email method.
#[component]
pub fn EmailForm(
    /// The address to show at first (what was typed before, when the user came back).
    #[prop(into)]
    address: String,
    /// The organization's domains, refused as addresses.
    #[prop(into)]
    org_domains: Signal<Vec<String>>,
    /// Called once the server has mailed a code.
    #[prop(into)]
    on_started: Callback<Started>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let address = RwSignal::new(address);
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };

    let send = Action::new_local(move |start: &StartRegistration| {
        start_registration(step_up, start.clone())
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(started) => on_started.run(started),
                Err(api_error) => {
                    error.set(Some(Shown::Api(api_error)));
                    focus_input();
                }
            }
        }
    });
    let pending = send.pending();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        match check_address(&address.get_untracked(), &org_domains.get_untracked()) {
            Ok(email) => {
                error.set(None);
                send.dispatch_local(StartRegistration::Email {
                    email_address: email.to_string(),
                });
            }
            Err(problem) => {
                error.set(Some(Shown::Text(problem.key())));
                focus_input();
            }
        }
    };

    view! {
        <form novalidate on:submit=submit>
            <div class="field">
                <label for="email-address">{i18n.text(Key::EmailQuestion)}</label>
                <input
                    id="email-address"
                    node_ref=input_ref
                    type="email"
                    name="email"
                    autocomplete="email"
                    inputmode="email"
                    spellcheck="false"
                    autocapitalize="none"
                    placeholder="alain@gmail.com"
                    prop:value=move || address.get()
                    on:input=move |event| address.set(event_target_value(&event))
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if error.with(Option::is_some) {
                            "email-error email-note-work email-note-password"
                        } else {
                            "email-note-work email-note-password"
                        }
                    }
                />
                <FieldError error=error id="email-error" />
                <p id="email-note-work" class="hint">
                    {i18n.text(Key::EmailNoteWork)}
                </p>
                <p id="email-note-password" class="hint">
                    {i18n.text(Key::EmailNotePassword)}
                </p>
            </div>
            <div class="actions">
                <CancelButton on_cancel=on_cancel />
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusySending />
            </div>
        </form>
    }
}

/// Email values for the tests of generic code (the state machine, the list).
#[cfg(test)]
pub(crate) mod examples {
    use security_info_api::{
        Challenge, Channel, Method, MethodDetail, MethodType, Registration, StartRegistration,
    };

    /// What the form sends for `address`.
    pub fn start(address: &str) -> StartRegistration {
        StartRegistration::Email {
            email_address: address.into(),
        }
    }

    /// A pending registration `id` whose code expires at `expires_at`.
    pub fn registration(id: &str, expires_at: &str) -> Registration {
        Registration {
            id: id.into(),
            method_type: MethodType::Email,
            challenge: Challenge::Code {
                channel: Channel::Email,
                destination: "alain@gmail.com".into(),
                code_length: 6,
                expires_at: expires_at.into(),
                resend_available_at: "2026-11-24T10:01:00Z".into(),
            },
        }
    }

    /// A registered method reading `address`.
    pub fn method(address: &str) -> Method {
        Method::new(
            "m1".into(),
            MethodDetail::Email {
                email_address: address.into(),
            },
            None,
            "2026-11-24T10:02:00Z".into(),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::MethodType;

    use super::*;
    use crate::methods;

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
    fn an_email_method_reads_as_its_address_under_its_own_name_and_icon() {
        let method = examples::method("alain@gmail.com");
        let i18n = crate::i18n::I18n::fixed(crate::i18n::Lang::En);
        assert_eq!(methods::detail(&i18n, &method), "alain@gmail.com");
        let email = methods::of(MethodType::Email).expect("the app adds email methods");
        assert_eq!(email.name(), Key::MethodTypeEmail);
        assert_eq!(methods::icon(MethodType::Email), Email.icon());
    }

    #[test]
    fn the_servers_address_problems_read_as_the_forms_own() {
        assert_eq!(
            methods::problem(ProblemCode::WorkEmailNotAllowed),
            Some(AddressProblem::WorkAddress.key())
        );
        assert_eq!(
            methods::problem(ProblemCode::InvalidEmail),
            Some(AddressProblem::Syntax.key())
        );
        assert_eq!(methods::problem(ProblemCode::CodeIncorrect), None);
    }
}
