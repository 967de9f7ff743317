//! Any unknown path.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};
use crate::pages::use_page_title;

/// "Page not found", with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NotFoundTitle);
    view! {
        <main id="main" class="single" tabindex="-1">
            <div class="card">
                <h1 tabindex="-1">{i18n.text(Key::NotFoundTitle)}</h1>
                <p>{i18n.text(Key::NotFoundText)}</p>
                <A href="/">{i18n.text(Key::NotFoundLink)}</A>
            </div>
        </main>
    }
}
