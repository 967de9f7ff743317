//! **Authenticator app**: a key the user's app scans (or has typed in), then the code the app
//! shows. The first step only says to install an app and starts the registration; the server
//! makes the key and draws its QR code, so no QR code library is in the app. The setup steps
//! are [`crate::components::app_setup`].

use leptos::prelude::*;
use security_info_api::StartRegistration;

use super::{FormContext, MethodUi};
use crate::components::intro_form::StartForm;
use crate::i18n::Key;

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
        // "Install an authenticator app first", and **Next** to get a key.
        view! {
            <StartForm
                id="app-intro"
                text=Key::AppIntro
                start=StartRegistration::AuthenticatorApp {}
                on_started=context.on_started
                on_cancel=context.on_cancel
            />
        }
        .into_any()
    }
}
