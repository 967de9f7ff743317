//! What a failed read shows: the reason and **Try again**, never a blank page.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::errors;
use crate::i18n::{Key, use_i18n};

/// A failed load with a retry button.
#[component]
pub fn LoadError(
    /// Why the load failed.
    error: ApiError,
    /// Runs the load again.
    #[prop(into)]
    on_retry: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="notice notice-error" role="alert">
            <p>{move || errors::message(&i18n, &error)}</p>
            <button type="button" class="button" on:click=move |_| on_retry.run(())>
                {i18n.text(Key::TryAgain)}
            </button>
        </div>
    }
}

/// The loading placeholder.
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading">{i18n.text(Key::Loading)}</p> }
}
