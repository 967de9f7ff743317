//! A method's name field, as **Rename** and a new security key's **Name your key** show it:
//! the name as the server will check it (trimmed, 1 to 64 characters, nothing unprintable),
//! with its hint and, when the name is refused, the reason, both read with the field.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{MAX_METHOD_NAME_CHARS, MethodNameError, parse_method_name};

use crate::components::field_error::FieldError;
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

/// The name as the server will store it, or, with the reason shown and the field focused,
/// nothing.
pub fn checked_name(
    typed: &str,
    error: RwSignal<Option<Shown>>,
    input_ref: NodeRef<html::Input>,
) -> Option<String> {
    match parse_method_name(typed) {
        Ok(parsed) => {
            error.set(None);
            Some(parsed)
        }
        Err(problem) => {
            error.set(Some(name_error(problem)));
            if let Some(input) = input_ref.get_untracked() {
                let _ = input.focus();
            }
            None
        }
    }
}

/// The labelled name field with its hint and error (`{id}-hint`, `{id}-error`).
#[component]
pub fn NameField(
    /// The input's id.
    id: &'static str,
    /// Its label.
    label: Key,
    /// The hint under it.
    hint: Key,
    /// The name as typed.
    name: RwSignal<String>,
    /// Why the name is refused, if it is.
    error: RwSignal<Option<Shown>>,
    /// The input, for focusing it.
    input_ref: NodeRef<html::Input>,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{error_id} {hint_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field">
            <label for=id>{i18n.text(label)}</label>
            <input
                id=id
                node_ref=input_ref
                type="text"
                name="name"
                autocomplete="off"
                maxlength=MAX_METHOD_NAME_CHARS.to_string()
                prop:value=move || name.get()
                on:input=move |event| name.set(event_target_value(&event))
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described_by
            />
            <FieldError error=error id=error_id />
            <p id=hint_id class="hint">
                {i18n.text(hint)}
            </p>
        </div>
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
