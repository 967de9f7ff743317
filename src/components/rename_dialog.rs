//! **Rename**: a new name for a method whose type has one (an authenticator app, a security
//! key), checked as the server checks it. Renaming needs no recent sign-in: it changes how the
//! list reads, not what protects the account.

use leptos::html;
use leptos::prelude::*;
use security_info_api::Method;

use crate::api;
use crate::components::cancel_button::CancelButton;
use crate::components::modal::{Modal, focus_on_mount};
use crate::components::name_field::{NameField, checked_name};
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// The rename dialog, shown while `method` is set.
#[component]
pub fn RenameDialog(
    /// The method to rename; the dialog is open while this is `Some`.
    #[prop(into)]
    method: Signal<Option<Method>>,
    /// Called on **Cancel**, Esc or close.
    #[prop(into)]
    on_close: Callback<()>,
    /// Called with the renamed method.
    #[prop(into)]
    on_renamed: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = Signal::derive(move || method.with(Option::is_some));
    let close = Callback::new(move |()| on_close.run(()));
    view! {
        <Modal id="rename-method" open=open on_close=close title=i18n.text(Key::RenameTitle)>
            <div class="modal-body">
                {move || {
                    method
                        .get()
                        .map(|m| {
                            view! { <RenameForm method=m on_cancel=close on_renamed=on_renamed /> }
                        })
                }}
            </div>
        </Modal>
    }
}

/// The name field, **Cancel** and **Save**.
#[component]
fn RenameForm(
    method: Method,
    #[prop(into)] on_cancel: Callback<()>,
    #[prop(into)] on_renamed: Callback<Method>,
) -> impl IntoView {
    let name = RwSignal::new(method.name.clone().unwrap_or_default());
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let id = method.id.clone();
    let save = Action::new_local(move |name: &String| api::rename_method(id.clone(), name.clone()));
    Effect::new(move |_| {
        if let Some(result) = save.value().get() {
            match result {
                Ok(renamed) => on_renamed.run(renamed),
                Err(api_error) => {
                    error.set(Some(Shown::Api(api_error)));
                    focus_input();
                }
            }
        }
    });
    let pending = save.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        if let Some(parsed) = checked_name(&name.get_untracked(), error, input_ref) {
            save.dispatch_local(parsed);
        }
    };

    view! {
        <form novalidate on:submit=submit>
            <NameField
                id="method-name"
                label=Key::RenameLabel
                hint=Key::RenameHint
                name=name
                error=error
                input_ref=input_ref
            />
            <div class="actions">
                <CancelButton on_cancel=on_cancel />
                <SubmitButton pending=pending label=Key::Save busy_label=Key::BusySaving />
            </div>
        </form>
    }
}
