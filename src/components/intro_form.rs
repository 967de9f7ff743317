//! A step that explains, then acts: its text, what went wrong last time (announced at once),
//! **Cancel**, and the button that acts (**Next**, **Try again**, **Continue in a new
//! window**). The first step of adding an authenticator app or a security key.

use leptos::html;
use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// The explanation and its two buttons, as a form.
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
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
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
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {i18n.text(Key::Cancel)}
                </button>
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
