//! **Cancel**: the way out of a step, beside the button that acts.

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// A **Cancel** button (`type="button"`: it never submits its form).
#[component]
pub fn CancelButton(
    /// Called on a click.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class="button" on:click=move |_| on_cancel.run(())>
            {i18n.text(Key::Cancel)}
        </button>
    }
}
