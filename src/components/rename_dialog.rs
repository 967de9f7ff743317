//! **Rename**: a new name for a method whose type has one (an authenticator app, a security
//! key), checked as the server checks it. Renaming needs no recent sign-in: it changes how the
//! list reads, not what protects the account.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{MAX_METHOD_NAME_CHARS, Method, MethodNameError, parse_method_name};

use crate::api;
use crate::components::field_error::FieldError;
use crate::components::modal::{Modal, focus_on_mount};
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// What the name field says of a name the server would refuse.
pub fn name_error(error: MethodNameError) -> Shown {
    match error {
        MethodNameError::Empty => Shown::Text(Key::RenameErrorEmpty),
        MethodNameError::TooLong => Shown::Text(Key::RenameErrorTooLong),
        MethodNameError::Unprintable => Shown::Filled(
            Key::ProblemInvalidMethodName,
            vec![("max", MAX_METHOD_NAME_CHARS.to_string())],
        ),
    }
}

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
    let i18n = use_i18n();
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
        match parse_method_name(&name.get_untracked()) {
            Ok(parsed) => {
                error.set(None);
                save.dispatch_local(parsed);
            }
            Err(problem) => {
                error.set(Some(name_error(problem)));
                focus_input();
            }
        }
    };

    view! {
        <form novalidate on:submit=submit>
            <div class="field">
                <label for="method-name">{i18n.text(Key::RenameLabel)}</label>
                <input
                    id="method-name"
                    node_ref=input_ref
                    type="text"
                    name="name"
                    autocomplete="off"
                    maxlength=MAX_METHOD_NAME_CHARS.to_string()
                    prop:value=move || name.get()
                    on:input=move |event| name.set(event_target_value(&event))
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if error.with(Option::is_some) {
                            "method-name-error method-name-hint"
                        } else {
                            "method-name-hint"
                        }
                    }
                />
                <FieldError error=error id="method-name-error" />
                <p id="method-name-hint" class="hint">
                    {i18n.text(Key::RenameHint)}
                </p>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {i18n.text(Key::Cancel)}
                </button>
                <SubmitButton pending=pending label=Key::Save busy_label=Key::BusySaving />
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_name_has_its_own_text() {
        assert_eq!(
            name_error(MethodNameError::Empty),
            Shown::Text(Key::RenameErrorEmpty)
        );
        assert_eq!(
            name_error(MethodNameError::TooLong),
            Shown::Text(Key::RenameErrorTooLong)
        );
        assert!(matches!(
            name_error(MethodNameError::Unprintable),
            Shown::Filled(Key::ProblemInvalidMethodName, _)
        ));
    }
}
