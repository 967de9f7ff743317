//! **Email**: "What email would you like to use?" The address is checked as the server will
//! (syntax, the organization's own domains) before a code is sent to it.

use leptos::html;
use leptos::prelude::*;
use security_info_api::EmailRegistration;

use crate::add_method::{AddressProblem, check_address};
use crate::api;
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::{use_step_up, with_step_up};

/// The address step of adding an email method.
#[component]
pub fn EmailForm(
    /// The typed address (kept when the user comes back from the code step).
    address: RwSignal<String>,
    /// The organization's domains, refused as addresses.
    #[prop(into)]
    org_domains: Signal<Vec<String>>,
    /// Called once the server has sent a code.
    #[prop(into)]
    on_sent: Callback<EmailRegistration>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };

    let send = Action::new_local(move |email: &String| {
        let email = email.clone();
        async move { with_step_up(step_up, || api::start_email_registration(email.clone())).await }
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(registration) => on_sent.run(registration),
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
                send.dispatch_local(email.to_string());
            }
            Err(problem) => {
                error.set(Some(Shown::Text(match problem {
                    AddressProblem::Empty => Key::EmailErrorEmpty,
                    AddressProblem::TooLong => Key::EmailErrorTooLong,
                    AddressProblem::Syntax => Key::EmailErrorSyntax,
                    AddressProblem::WorkAddress => Key::EmailErrorWork,
                })));
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
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {i18n.text(Key::Cancel)}
                </button>
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusySending />
            </div>
        </form>
    }
}
