//! A step that explains, then acts: its text, what went wrong last time (announced at once),
//! the way back (**Cancel**, **Back**), and the button that acts (**Next**, **Try again**,
//! **Continue in a new window**). The first step of adding an authenticator app, a security
//! key or security questions, and the security key prompt of sign-in and password reset;
//! [`StartForm`] is the one whose **Next** only starts the registration.

use leptos::html;
use leptos::prelude::*;
use security_info_api::StartRegistration;

use crate::add_method::Started;
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::{start_registration, use_step_up};

/// The explanation and its two buttons, as a form; `children` is the way back.
#[component]
pub fn IntroForm(
    /// The explanation's element id.
    id: &'static str,
    /// The explanation.
    text: Key,
    /// What went wrong last time, if anything.
    error: RwSignal<Option<Shown>>,
    /// Whether the action is under way (a second submit is then ignored).
    #[prop(into)]
    pending: Signal<bool>,
    /// The acting button's text.
    #[prop(into)]
    label: Signal<Key>,
    /// Its text while the action is under way.
    busy_label: Key,
    /// The acting button, which has the first focus.
    node_ref: NodeRef<html::Button>,
    /// The action (the error is cleared first).
    #[prop(into)]
    on_submit: Callback<()>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form
            novalidate
            on:submit=move |event| {
                event.prevent_default();
                if !pending.get_untracked() {
                    error.set(None);
                    on_submit.run(());
                }
            }
        >
            <p id=id>{i18n.text(text)}</p>
            <FieldError error=error alert=true />
            <div class="actions">
                {children()}
                {move || {
                    view! {
                        <SubmitButton
                            pending=pending
                            label=label.get()
                            busy_label=busy_label
                            node_ref=node_ref
                        />
                    }
                }}
            </div>
        </form>
    }
}

/// An [`IntroForm`] whose **Next** starts a registration as `start` says (confirming the
/// password first when the sign-in is not recent), for types whose first step only explains.
#[component]
pub fn StartForm(
    /// The explanation's element id.
    id: &'static str,
    /// The explanation.
    text: Key,
    /// What **Next** sends.
    start: StartRegistration,
    /// Called once the server has started the registration.
    #[prop(into)]
    on_started: Callback<Started>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let step_up = use_step_up();
    let error = RwSignal::new(None::<Shown>);
    let next_ref = NodeRef::<html::Button>::new();
    focus_on_mount(next_ref);
    let send = Action::new_local(move |(): &()| start_registration(step_up, start.clone()));
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(started) => on_started.run(started),
                Err(api_error) => error.set(Some(Shown::Api(api_error))),
            }
        }
    });
    view! {
        <IntroForm
            id=id
            text=text
            error=error
            pending=send.pending()
            label=Key::Next
            busy_label=Key::BusyChecking
            node_ref=next_ref
            on_submit=move |()| {
                send.dispatch_local(());
            }
        >
            <CancelButton on_cancel=on_cancel />
        </IntroForm>
    }
}
