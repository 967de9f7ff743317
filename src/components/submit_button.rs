//! A form's primary button: says what it does, and what is under way while the request runs.
//! It stays focusable while busy (`aria-disabled`, not `disabled`), so focus is never lost;
//! the form ignores a second submit itself.

use leptos::html;
use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// The submit button of a form.
#[component]
pub fn SubmitButton(
    /// Whether the form's request is under way.
    #[prop(into)]
    pending: Signal<bool>,
    /// The button's text.
    label: Key,
    /// Its text while the request is under way ("Sending...").
    busy_label: Key,
    /// For a form whose first focus is this button.
    #[prop(optional)]
    node_ref: Option<NodeRef<html::Button>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            node_ref=node_ref.unwrap_or_default()
            type="submit"
            class="button button-primary"
            aria-disabled=move || pending.get().to_string()
        >
            {move || i18n.t(if pending.get() { busy_label } else { label })}
        </button>
    }
}
