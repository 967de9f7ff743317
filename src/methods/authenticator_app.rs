//! **Authenticator app**: a key the user's app scans (or has typed in), then the code the app
//! shows. The first step only says to install an app and starts the registration; the server
//! makes the key and draws its QR code, so no QR code library is in the app. The setup steps
//! are [`crate::components::app_setup`].

use leptos::html;
use leptos::prelude::*;
use security_info_api::StartRegistration;

use super::{FormContext, MethodUi};
use crate::add_method::Started;
use crate::api;
use crate::components::intro_form::IntroForm;
use crate::components::modal::focus_on_mount;
use crate::errors::Shown;
use crate::i18n::Key;
use crate::step_up::{use_step_up, with_step_up};

/// The authenticator app type.
pub struct AuthenticatorApp;

impl MethodUi for AuthenticatorApp {
    fn name(&self) -> Key {
        Key::MethodTypeAuthenticatorApp
    }

    fn icon(&self) -> &'static str {
        // A phone with a clock face.
        "M7 2h10v20H7zM12 9v3l2 1.5M12 16.5a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9"
    }

    fn form(&self, context: FormContext) -> AnyView {
        view! { <AppIntro on_started=context.on_started on_cancel=context.on_cancel /> }.into_any()
    }
}

/// "Install an authenticator app first", and **Next** to get a key.
#[component]
fn AppIntro(
    /// Called once the server has made the key.
    #[prop(into)]
    on_started: Callback<Started>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let step_up = use_step_up();
    let error = RwSignal::new(None::<Shown>);
    let next_ref = NodeRef::<html::Button>::new();
    focus_on_mount(next_ref);

    let send = Action::new_local(move |(): &()| async move {
        let start = StartRegistration::AuthenticatorApp {};
        let registration = with_step_up(step_up, || api::start_registration(start.clone())).await?;
        Ok(Started {
            sent: start,
            registration,
        })
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(started) => on_started.run(started),
                Err(api_error) => error.set(Some(Shown::Api(api_error))),
            }
        }
    });
    let pending = send.pending();

    view! {
        <IntroForm
            id="app-intro"
            text=Key::AppIntro
            error=error
            pending=pending
            label=Key::Next
            busy_label=Key::BusyChecking
            node_ref=next_ref
            on_submit=move |()| {
                send.dispatch_local(());
            }
            on_cancel=on_cancel
        />
    }
}
