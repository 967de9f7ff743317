//! The root component: language, status and step-up state, the router and its routes.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

use crate::api::set_unauthenticated_handler;
use crate::components::reauthenticate_dialog::ReauthenticateDialog;
use crate::components::shell::Shell;
use crate::components::status::{StatusFollowsPage, provide_status};
use crate::embed::provide_embed;
use crate::i18n::provide_i18n;
use crate::pages::activity::Activity;
use crate::pages::add_security_key::AddSecurityKey;
use crate::pages::not_found::NotFound;
use crate::pages::overview::Overview;
use crate::pages::reset_password::ResetPassword;
use crate::pages::security_info::SecurityInfo;
use crate::pages::sign_in::SignIn;
use crate::step_up::provide_step_up;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let i18n = provide_i18n();
    provide_embed(i18n);
    provide_status();
    provide_step_up();
    view! {
        <Router>
            <SignInWhenUnauthenticated />
            <StatusFollowsPage />
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=SignIn />
                <Route path=path!("/add-security-key") view=AddSecurityKey />
                <Route path=path!("/reset-password") view=ResetPassword />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=Overview />
                    <Route path=path!("security-info") view=SecurityInfo />
                    <Route path=path!("activity") view=Activity />
                </ParentRoute>
            </Routes>
            <ReauthenticateDialog />
        </Router>
    }
}

/// Sends the user to sign-in (and back here afterwards) whenever a call says the session is gone.
#[component]
fn SignInWhenUnauthenticated() -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    set_unauthenticated_handler(move || {
        let path = location.pathname.get_untracked();
        if path != "/signin" {
            let next = String::from(js_sys::encode_uri_component(&path));
            navigate(
                &format!("/signin?next={next}"),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}
