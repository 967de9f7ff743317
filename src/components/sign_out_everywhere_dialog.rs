//! **Sign out everywhere**: asks before ending every session of the account (OWASP ASVS
//! 7.4.3), then goes to sign-in as **Sign out** in the top bar does, with its own message.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use security_info_api::ProblemCode;

use crate::api;
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::Modal;
use crate::components::status::use_status;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// The confirmation, shown while `open` is true.
#[component]
pub fn SignOutEverywhereDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called on **Cancel**, Esc or close.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<Shown>);
    let sign_out = Action::new_local(|(): &()| api::sign_out_everywhere());
    Effect::new(move |_| match sign_out.value().get() {
        Some(Ok(())) => {
            // The sign-in page shows the status region: the message travels with the app's
            // state, as "You have signed out." does, rather than in the address.
            status.say_on_next_page(i18n.t(Key::SignedOutEverywhere));
            navigate("/signin", Default::default());
        }
        // Already signed out: the app's unauthenticated handler has gone to sign-in.
        Some(Err(api_error)) if api_error.code() != Some(ProblemCode::Unauthenticated) => {
            error.set(Some(Shown::Api(api_error)));
        }
        _ => {}
    });
    let pending = sign_out.pending();
    let close = Callback::new(move |()| {
        error.set(None);
        on_close.run(());
    });

    view! {
        <Modal
            id="sign-out-everywhere"
            open=open
            on_close=close
            title=i18n.text(Key::SignOutEverywhere)
        >
            <div class="modal-body">
                <p>{i18n.text(Key::EverywhereQuestion)}</p>
                <FieldError error=error alert=true />
                <div class="actions">
                    <CancelButton on_cancel=close />
                    <button
                        type="button"
                        class="button button-danger"
                        aria-disabled=move || pending.get().to_string()
                        on:click=move |_| {
                            if !pending.get_untracked() {
                                error.set(None);
                                sign_out.dispatch_local(());
                            }
                        }
                    >
                        {move || {
                            if pending.get() {
                                i18n.t(Key::BusySigningOut)
                            } else {
                                i18n.t(Key::EverywhereConfirm)
                            }
                        }}
                    </button>
                </div>
            </div>
        </Modal>
    }
}
