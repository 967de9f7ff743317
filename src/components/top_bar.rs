//! The bar above every standalone page: the skip link, the product's name, and the page's
//! tools (language, and once signed in the user and **Sign out**). Not shown when embedded.

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// The skip link and the top bar, with `children` as its tools.
#[component]
pub fn TopBar(
    /// The tools at the bar's end.
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">
            {i18n.text(Key::SkipToContent)}
        </a>
        <header class="topbar">
            <span class="brand">
                <svg aria-hidden="true" viewBox="0 0 24 24" width="24" height="24">
                    <path
                        d="M12 2l8 3.5v6c0 5-3.5 9-8 10.5C7.5 20.5 4 16.5 4 11.5v-6z"
                        fill="currentColor"
                    />
                </svg>
                <span>{i18n.text(Key::AppName)}</span>
            </span>
            <div class="topbar-tools">{children()}</div>
        </header>
    }
}
