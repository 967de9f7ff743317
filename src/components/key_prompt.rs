//! The security key answer of a flow that already knows the account: sign-in's second step
//! and a password reset's gate. The browser's prompt opens at once when the user's click
//! chose the key (a prompt needs that gesture); **Try again** asks for a new challenge after
//! a cancelled prompt or a refused answer. Each flow brings its own challenge and answer
//! calls; the form, its error and its button are this one.

use std::future::Future;

use leptos::html;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::intro_form::IntroForm;
use crate::components::modal::focus_on_mount;
use crate::errors::Shown;
use crate::i18n::Key;
use crate::methods::security_key::key_error;
use crate::webauthn::KeyError;

/// Why the key gave no answer the server took.
#[derive(Debug, Clone)]
pub enum KeyFailed {
    /// The server refused the challenge or the answer.
    Api(ApiError),
    /// The browser's prompt gave no credential.
    Browser(KeyError),
}

/// The prompt's form (an [`IntroForm`]); `children` is the way back (Back, Cancel), shown
/// before the button.
#[component]
pub fn KeyPromptForm<T, P, F>(
    /// Asks for a challenge, opens the browser's prompt and sends the answer.
    prompt: P,
    /// Takes what the server gave for the answer.
    #[prop(into)]
    on_passed: Callback<T>,
    /// What to show for a refusal (`None` when the flow has ended and shows its own page).
    #[prop(into)]
    on_refused: Callback<ApiError, Option<Shown>>,
    /// What the form says above its button.
    text: Key,
    /// The id of that text (tests and `aria-describedby` find it by this).
    text_id: &'static str,
    /// Opens the prompt when the form appears (the click that showed it was the gesture).
    at_once: bool,
    /// Puts the focus on the button when the form appears (no heading takes it).
    #[prop(optional)]
    focus_button: bool,
    children: Children,
) -> impl IntoView
where
    T: Clone + 'static,
    P: Fn() -> F + 'static,
    F: Future<Output = Result<T, KeyFailed>> + 'static,
{
    let error = RwSignal::new(None::<Shown>);
    let failed_once = RwSignal::new(false);
    let action = Action::new_local(move |(): &()| prompt());
    let next_ref = NodeRef::<html::Button>::new();
    if focus_button {
        focus_on_mount(next_ref);
    }
    Effect::new(move |_| match action.value().get() {
        Some(Ok(passed)) => on_passed.run(passed),
        Some(Err(failed)) => {
            let shown = match failed {
                KeyFailed::Browser(key) => Some(Shown::Text(key_error(key))),
                KeyFailed::Api(api_error) => on_refused.run(api_error),
            };
            if shown.is_some() {
                failed_once.set(true);
                error.set(shown);
                if let Some(button) = next_ref.get_untracked() {
                    let _ = button.focus();
                }
            }
        }
        None => {}
    });
    if at_once {
        action.dispatch_local(());
    }
    let label = Signal::derive(move || {
        if failed_once.get() {
            Key::TryAgain
        } else {
            Key::Next
        }
    });
    view! {
        <IntroForm
            id=text_id
            text=text
            error=error
            pending=action.pending()
            label=label
            busy_label=Key::KeyWaiting
            node_ref=next_ref
            on_submit=move |()| {
                action.dispatch_local(());
            }
        >
            {children()}
        </IntroForm>
    }
}
