//! The frame of every signed-in page: top bar (name, language, sign out), the left navigation
//! and the main region. It loads the signed-in user once and shares it through context.
//! Embedded in a portal, only the main region shows: the portal has its own header and menu.

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_navigate;
use security_info_api::{ProblemCode, User};

use crate::api::{self, ApiResult};
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::nav::Nav;
use crate::components::status::{StatusRegion, use_status};
use crate::components::top_bar::TopBar;
use crate::embed::use_embed;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// The signed-in user, loaded by the shell.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub LocalResource<ApiResult<User>>);

/// The signed-in user; panics outside the shell (a programming error).
pub fn use_current_user() -> CurrentUser {
    use_context::<CurrentUser>().expect("pages with a user render inside Shell")
}

/// The signed-in frame around a page (the page renders in its `<Outlet/>`).
#[component]
pub fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let navigate = use_navigate();
    let embed = use_embed();
    let user = LocalResource::new(api::me);
    provide_context(CurrentUser(user));

    let sign_out = Action::new_local(|(): &()| api::sign_out());
    Effect::new(move |_| match sign_out.value().get() {
        Some(Ok(None)) => {
            status.say_on_next_page(i18n.t(Key::SignedOut));
            navigate("/signin", Default::default());
        }
        // Signed out here; the identity provider's session ends at its own page, which
        // comes back to the sign-in page.
        Some(Ok(Some(end_session_url))) => {
            let _ = window().location().set_href(&end_session_url);
        }
        Some(Err(error)) if error.code() != Some(ProblemCode::Unauthenticated) => {
            status.say(Shown::Api(error).text(&i18n));
        }
        _ => {}
    });
    let signing_out = sign_out.pending();
    let user_name = move || {
        user.get()
            .and_then(Result::ok)
            .map(|user| user.display_name)
            .unwrap_or_default()
    };

    let chrome = move || {
        (!embed.is_embedded()).then(|| {
            view! {
                <TopBar>
                    <LanguageSwitcher />
                    <span class="user-name">{user_name}</span>
                    <button
                        type="button"
                        class="button button-quiet"
                        aria-disabled=move || signing_out.get().to_string()
                        on:click=move |_| {
                            if !signing_out.get_untracked() {
                                sign_out.dispatch_local(());
                            }
                        }
                    >
                        {i18n.text(Key::SignOut)}
                    </button>
                </TopBar>
            }
        })
    };

    view! {
        {chrome}
        <div class="layout" class:embedded=move || embed.is_embedded()>
            {move || (!embed.is_embedded()).then(|| view! { <Nav /> })}
            <main id="main" tabindex="-1">
                <StatusRegion />
                <Outlet />
            </main>
        </div>
    }
}
