//! **Change default sign-in method**: the user's methods usable for two-step verification as
//! radio buttons, the current default checked, **Cancel** and **Confirm**. The default is the
//! way the second step of a sign-in offers first; the others stay a click away.

use leptos::prelude::*;
use security_info_api::{Method, Usage};

use crate::api;
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::Modal;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{I18n, Key, use_i18n};
use crate::methods;
use crate::step_up::{use_step_up, with_step_up};

/// How a method reads where it is named alone: its listed name and, when it has one, its
/// detail ("Mobile phone – +31 6 12345678", "Authenticator app – Work phone").
pub fn method_label(i18n: &I18n, method: &Method) -> String {
    let listed = methods::listed_name(i18n, &method.detail);
    let detail = methods::detail(i18n, method);
    if detail.is_empty() || detail == listed {
        listed.to_owned()
    } else {
        i18n.tf(
            Key::MethodAndDetail,
            &[("method", listed), ("detail", &detail)],
        )
    }
}

/// The methods that can be the default: those usable for two-step verification.
pub fn two_step_methods(methods: &[Method]) -> Vec<Method> {
    methods
        .iter()
        .filter(|method| method.usable_for.contains(&Usage::TwoStepVerification))
        .cloned()
        .collect()
}

/// The dialog, open while `open` is true.
#[component]
pub fn DefaultMethodDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// The methods to choose from (usable for two-step verification).
    #[prop(into)]
    methods: Signal<Vec<Method>>,
    /// The current default's id.
    #[prop(into)]
    current: Signal<Option<String>>,
    /// Called on **Cancel**, Esc or close.
    #[prop(into)]
    on_close: Callback<()>,
    /// Called with the method once the server made it the default.
    #[prop(into)]
    on_changed: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let chosen = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<Shown>);
    // Each opening starts from the current default.
    Effect::new(move |_| {
        if open.get() {
            chosen.set(current.get_untracked());
            error.set(None);
        }
    });
    let save = Action::new_local(move |method: &Method| {
        let method = method.clone();
        async move {
            let id = method.id.clone();
            with_step_up(step_up, || api::set_default_method(id.clone()))
                .await
                .map(|()| method)
        }
    });
    Effect::new(move |_| {
        if let Some(result) = save.value().get() {
            match result {
                Ok(method) => on_changed.run(method),
                Err(api_error) => error.set(Some(Shown::Api(api_error))),
            }
        }
    });
    let pending = save.pending();
    let close = Callback::new(move |()| {
        error.set(None);
        on_close.run(());
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let picked = chosen.get_untracked();
        if picked == current.get_untracked() {
            close.run(());
            return;
        }
        let method = methods.with_untracked(|methods| {
            methods
                .iter()
                .find(|method| Some(&method.id) == picked.as_ref())
                .cloned()
        });
        if let Some(method) = method {
            error.set(None);
            save.dispatch_local(method);
        }
    };

    let options = move || {
        methods
            .get()
            .into_iter()
            .map(|method| {
                let id = method.id.clone();
                let input_id = format!("default-{}", method.id);
                let label_for = input_id.clone();
                let checked_id = id.clone();
                let is_current = current.get_untracked().as_ref() == Some(&id);
                let label = StoredValue::new(method);
                view! {
                    <div class="choice">
                        <input
                            type="radio"
                            id=input_id
                            name="default-method"
                            autofocus=is_current
                            prop:checked=move || chosen.with(|c| c.as_ref() == Some(&checked_id))
                            on:change=move |_| chosen.set(Some(id.clone()))
                        />
                        <label for=label_for>
                            {move || label.with_value(|method| method_label(&i18n, method))}
                        </label>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <Modal
            id="default-method"
            open=open
            on_close=close
            title=i18n.text(Key::DefaultMethodTitle)
        >
            <form class="modal-body" novalidate on:submit=submit>
                <fieldset class="choices" aria-describedby="default-method-hint">
                    <legend>{i18n.text(Key::DefaultMethodQuestion)}</legend>
                    {options}
                </fieldset>
                <p id="default-method-hint" class="hint">
                    {i18n.text(Key::DefaultMethodHint)}
                </p>
                <FieldError error=error alert=true />
                <div class="actions">
                    <CancelButton on_cancel=close />
                    <SubmitButton pending=pending label=Key::Confirm busy_label=Key::BusySaving />
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::{MethodDetail, MethodType};

    use super::*;
    use crate::i18n::Lang;

    fn method(detail: MethodDetail, name: Option<&str>, two_step: bool) -> Method {
        Method {
            id: "m1".into(),
            method_type: detail.method_type(),
            detail,
            name: name.map(str::to_owned),
            usable_for: if two_step {
                vec![Usage::TwoStepVerification, Usage::PasswordReset]
            } else {
                vec![Usage::PasswordReset]
            },
            created_at: "2026-12-02T10:00:00Z".into(),
            last_used_at: None,
        }
    }

    #[test]
    fn a_method_is_named_by_its_kind_and_what_tells_it_apart() {
        let en = I18n::fixed(Lang::En);
        let app = method(MethodDetail::AuthenticatorApp {}, Some("Work phone"), true);
        assert_eq!(method_label(&en, &app), "Authenticator app – Work phone");
        let unnamed = method(MethodDetail::AuthenticatorApp {}, None, true);
        assert_eq!(method_label(&en, &unnamed), "Authenticator app");
        assert_eq!(unnamed.method_type, MethodType::AuthenticatorApp);
        let email = method(
            MethodDetail::Email {
                email_address: "alain@gmail.com".into(),
            },
            None,
            false,
        );
        assert_eq!(
            two_step_methods(&[app.clone(), email]),
            vec![app],
            "email is never a second step"
        );
    }
}
