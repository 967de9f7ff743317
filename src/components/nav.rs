//! The left navigation pane of My Profile; on narrow screens it folds into a **Menu** button.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};

/// Overview, Security info, Recent activity.
#[component]
pub fn Nav() -> impl IntoView {
    let i18n = use_i18n();
    let expanded = RwSignal::new(false);
    let link = move |href: &'static str, key: Key, icon: &'static str| {
        view! {
            <li>
                <A href=href exact=true>
                    <svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20">
                        <path d=icon fill="none" stroke="currentColor" stroke-width="1.5" />
                    </svg>
                    <span>{move || i18n.t(key)}</span>
                </A>
            </li>
        }
    };
    view! {
        <nav class="side-nav" aria-label=i18n.text(Key::NavLabel)>
            <button
                type="button"
                class="menu-toggle"
                aria-expanded=move || expanded.get().to_string()
                aria-controls="nav-list"
                on:click=move |_| expanded.update(|open| *open = !*open)
            >
                <svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20">
                    <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="1.6" />
                </svg>
                <span>{i18n.text(Key::NavMenu)}</span>
            </button>
            <ul
                id="nav-list"
                class="nav-list"
                class:expanded=move || expanded.get()
                // Following a link closes the menu.
                on:click=move |_| expanded.set(false)
            >
                {link("/", Key::NavOverview, "M3 9l7-6 7 6v8h-5v-5H8v5H3z")}
                {link(
                    "/security-info",
                    Key::NavSecurityInfo,
                    "M10 2l7 3v5c0 4-3 7-7 8-4-1-7-4-7-8V5z",
                )}
                {link("/activity", Key::NavActivity, "M10 3a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM10 6v4l3 2")}
            </ul>
        </nav>
    }
}
