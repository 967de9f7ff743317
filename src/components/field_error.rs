//! The message under a field (or a dialog's form) saying what is wrong, shown only while there
//! is one. The field points at it with `aria-describedby`, so screen readers read it with it.

use leptos::prelude::*;

use crate::errors::Shown;
use crate::i18n::use_i18n;

/// The error text for `error`, if any.
#[component]
pub fn FieldError(
    /// What is wrong, or nothing.
    error: RwSignal<Option<Shown>>,
    /// The id the field's `aria-describedby` names; none for a form-wide error.
    #[prop(optional, into)]
    id: Option<String>,
    /// Announce it at once (`role="alert"`): for an error no field is described by.
    #[prop(optional)]
    alert: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p id=id.clone() class="field-error" role=alert.then_some("alert")>
                {move || error.get().map(|shown| shown.text(&i18n))}
            </p>
        </Show>
    }
}
