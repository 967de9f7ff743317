//! Step-up: "Confirm your password" when a change needs a recent sign-in, then, for a user
//! with a two-step method, "Verify your identity" with the same second step as sign-in
//! ([`SecondStepForm`]). The interrupted action waits for this dialog (see
//! [`crate::step_up`]) and continues after it.

use leptos::html;
use leptos::prelude::*;

use security_info_api::{SecondStep, SecondStepPassed};

use crate::api::{self, PasswordAccepted};
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::{Modal, focus_on_mount};
use crate::components::second_step::{SecondStepForm, recovery_codes_left};
use crate::components::shell::CurrentUser;
use crate::components::status::use_status;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::use_step_up;

/// The password dialog, open while a change waits for step-up.
#[component]
pub fn ReauthenticateDialog() -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let status = use_status();
    let password = RwSignal::new(String::new());
    // Set after a right password when the server asks for the second step too.
    let second_step = RwSignal::new(None::<SecondStep>);
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    let confirm = Action::new_local(move |password: &String| api::reauthenticate(password.clone()));
    Effect::new(move |_| {
        if let Some(result) = confirm.value().get() {
            match result {
                Ok(PasswordAccepted::Done(())) => {
                    password.set(String::new());
                    error.set(None);
                    step_up.finish(true);
                }
                Ok(PasswordAccepted::SecondStep(step)) => {
                    password.set(String::new());
                    error.set(None);
                    second_step.set(Some(step));
                }
                Err(api_error) => {
                    error.set(Some(Shown::Api(api_error)));
                    if let Some(input) = input_ref.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
        }
    });
    let pending = confirm.pending();
    // A user of the identity provider has no password here: the provider asks them again.
    let current_user = use_context::<CurrentUser>();
    let provider_user = move || {
        current_user
            .and_then(|current| current.0.get())
            .and_then(Result::ok)
            .filter(|user| user.identity_provider)
            .map(|user| user.organization.name)
    };
    let open = Signal::derive(move || step_up.is_open());
    let cancel = Callback::new(move |()| {
        // Closed first, so the password form does not come back (and take focus) on the way out.
        step_up.finish(false);
        password.set(String::new());
        error.set(None);
        second_step.set(None);
    });
    let passed = move |passed: SecondStepPassed| {
        if let Some((said, _)) = recovery_codes_left(&passed) {
            status.say(said.text(&i18n));
        }
        step_up.finish(true);
        second_step.set(None);
    };
    // Cancel in the second step ends the step-up; a flow that is gone asks for the password
    // again, saying why.
    let second_step_ended = move |why: Option<Shown>| match why {
        None => cancel.run(()),
        Some(why) => {
            second_step.set(None);
            error.set(Some(why));
        }
    };
    let title = Signal::derive(move || {
        i18n.t(if second_step.with(Option::is_some) {
            Key::SecondStepTitle
        } else {
            Key::ReauthTitle
        })
    });

    view! {
        <Modal id="reauthenticate" open=open on_close=cancel title=title>
            <Show when=move || second_step.with(Option::is_some)>
                <div class="modal-body">
                    {move || {
                        second_step
                            .get()
                            .map(|step| {
                                view! {
                                    <SecondStepForm
                                        second_step=step
                                        step_up=true
                                        on_passed=passed
                                        on_cancel=second_step_ended
                                    />
                                }
                            })
                    }}
                </div>
            </Show>
            {move || {
                provider_user()
                    .map(|organization| {
                        view! {
                            <div class="modal-body">
                                <p>
                                    {i18n.tf(Key::ReauthProviderText, &[("org", &organization)])}
                                </p>
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="button"
                                        on:click=move |_| cancel.run(())
                                    >
                                        {i18n.text(Key::Cancel)}
                                    </button>
                                    <a class="button button-primary" href=api::PROVIDER_STEP_UP>
                                        {i18n.tf(Key::ReauthProviderSubmit, &[("org", &organization)])}
                                    </a>
                                </div>
                            </div>
                        }
                    })
            }}
            <Show when=move || second_step.with(Option::is_none) && provider_user().is_none()>
            <form
                class="modal-body"
                novalidate
                on:submit=move |event| {
                    event.prevent_default();
                    if pending.get_untracked() {
                        return;
                    }
                    let typed = password.get_untracked();
                    if typed.is_empty() {
                        error.set(Some(Shown::Text(Key::SigninRequiredPassword)));
                        return;
                    }
                    confirm.dispatch_local(typed);
                }
            >
                <p id="reauth-text">{i18n.text(Key::ReauthText)}</p>
                <div class="field">
                    <label for="reauth-password">{i18n.text(Key::ReauthPassword)}</label>
                    <ReauthInput input_ref=input_ref password=password error=error />
                    <FieldError error=error id="reauth-error" />
                </div>
                <div class="actions">
                    <CancelButton on_cancel=cancel />
                    <SubmitButton
                        pending=pending
                        label=Key::ReauthSubmit
                        busy_label=Key::BusyChecking
                    />
                </div>
            </form>
            </Show>
        </Modal>
    }
}

/// The password field, focused when the dialog opens.
#[component]
fn ReauthInput(
    /// The element, for focusing after an error.
    input_ref: NodeRef<html::Input>,
    /// The typed password.
    password: RwSignal<String>,
    /// The current error, if any.
    error: RwSignal<Option<Shown>>,
) -> impl IntoView {
    focus_on_mount(input_ref);
    view! {
        <input
            id="reauth-password"
            node_ref=input_ref
            type="password"
            autocomplete="current-password"
            prop:value=move || password.get()
            on:input=move |event| password.set(event_target_value(&event))
            aria-invalid=move || error.with(Option::is_some).to_string()
            aria-describedby=move || {
                if error.with(Option::is_some) { "reauth-error reauth-text" } else { "reauth-text" }
            }
        />
    }
}
