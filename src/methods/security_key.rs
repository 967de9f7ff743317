//! **Security key or passkey**: a USB or NFC key, or a passkey on this device or a phone
//! (WebAuthn). **Next** starts the registration and the browser's own prompt at once; the
//! credential the browser makes is then named (**Name your key**) and sent with that name, so
//! a key is registered with the name the user chose, or none is. The browser glue is
//! [`crate::webauthn`]; everything else (checking the credential, the model, default names)
//! is the server's.
//!
//! Inside a portal's frame the browser marks the credential as made cross-origin, which the
//! server does not accept: the form says so and offers the app in its own tab.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    MAX_METHOD_NAME_CHARS, Method, ProblemCode, Registration, RegistrationAnswer,
    StartRegistration, parse_method_name,
};

use super::{FormContext, MethodUi};
use crate::api::{self, ApiError};
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::rename_dialog::name_error;
use crate::components::submit_button::SubmitButton;
use crate::embed::host::is_framed;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::{use_step_up, with_step_up};
use crate::webauthn::{self, KeyError, KeyKind};

/// The security key type.
pub struct SecurityKey;

impl MethodUi for SecurityKey {
    fn name(&self) -> Key {
        Key::MethodTypeSecurityKey
    }

    fn listed_name(&self) -> Key {
        Key::MethodTypeSecurityKeyListed
    }

    fn icon(&self) -> &'static str {
        // A key fob: a body with a ring, and the touch contact.
        "M9 3h6v11H9zM12 14v3M10 17h4v4h-4zM12 7.5v2"
    }

    fn form(&self, context: FormContext) -> AnyView {
        if is_framed() {
            return view! { <KeyInFrame on_cancel=context.on_cancel /> }.into_any();
        }
        view! { <KeySetup on_added=context.on_added on_cancel=context.on_cancel /> }.into_any()
    }

    fn problem(&self, code: ProblemCode) -> Option<Key> {
        match code {
            ProblemCode::SecurityKeyNotAccepted => Some(Key::ProblemSecurityKeyNotAccepted),
            ProblemCode::SecurityKeyModelNotAllowed => Some(Key::ProblemSecurityKeyModelNotAllowed),
            _ => None,
        }
    }
}

/// The text for a prompt that gave no credential.
fn key_error(error: KeyError) -> Key {
    match error {
        KeyError::Unsupported => Key::KeyErrorUnsupported,
        KeyError::Cancelled => Key::KeyErrorCancelled,
        KeyError::AlreadyRegistered => Key::KeyErrorAlreadyRegistered,
        KeyError::NotAllowedHere => Key::KeyErrorNotAllowedHere,
        KeyError::Failed => Key::KeyErrorFailed,
    }
}

/// The name a new key is offered, in the chosen language.
fn suggested(kind: KeyKind) -> Key {
    match kind {
        KeyKind::ThisDevice => Key::KeyKindThisDevice,
        KeyKind::Phone => Key::KeyKindPhone,
        KeyKind::SecurityKey => Key::KeyKindSecurityKey,
    }
}

/// A credential the browser made, waiting for its name.
#[derive(Clone)]
struct Made {
    registration: Registration,
    credential: serde_json::Value,
    kind: KeyKind,
}

/// Why no credential came back from **Next**.
#[derive(Clone)]
enum NotMade {
    Api(ApiError),
    Key(KeyError),
}

/// The explanation and **Next**, then **Name your key**.
#[component]
fn KeySetup(
    /// Called with the registered key.
    #[prop(into)]
    on_added: Callback<Method>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let made = RwSignal::new(None::<Made>);
    // What went wrong last, kept here so it survives going back from the name to the intro.
    let error = RwSignal::new(None::<Shown>);
    let on_void = move |why: Shown| {
        error.set(Some(why));
        made.set(None);
    };
    move || {
        match made.get() {
        None => view! { <KeyIntro error=error on_made=move |m| made.set(Some(m)) on_cancel=on_cancel /> }
            .into_any(),
        Some(m) => view! { <KeyName made=m on_added=on_added on_void=on_void on_cancel=on_cancel /> }
            .into_any(),
    }
    }
}

/// "Use a security key or a passkey", and **Next** (or **Try again**) to start the prompt.
#[component]
fn KeyIntro(
    /// The last failure: set, the button says **Try again**.
    error: RwSignal<Option<Shown>>,
    #[prop(into)] on_made: Callback<Made>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let tried = RwSignal::new(error.with_untracked(Option::is_some));
    let next_ref = NodeRef::<html::Button>::new();
    focus_on_mount(next_ref);

    let prompt = Action::new_local(move |(): &()| async move {
        if !webauthn::supported() {
            return Err(NotMade::Key(KeyError::Unsupported));
        }
        let start = StartRegistration::SecurityKey {};
        let registration = with_step_up(step_up, || api::start_registration(start.clone()))
            .await
            .map_err(NotMade::Api)?;
        let security_info_api::Challenge::WebAuthn { options, .. } = &registration.challenge else {
            return Err(NotMade::Key(KeyError::Failed));
        };
        let credential = webauthn::create_credential(options)
            .await
            .map_err(NotMade::Key)?;
        let kind = webauthn::suggested_name(&credential);
        Ok(Made {
            registration,
            credential,
            kind,
        })
    });
    Effect::new(move |_| {
        if let Some(result) = prompt.value().get() {
            match result {
                Ok(made) => on_made.run(made),
                Err(not_made) => {
                    tried.set(true);
                    error.set(Some(match not_made {
                        NotMade::Api(api_error) => Shown::Api(api_error),
                        NotMade::Key(key_error) => Shown::Text(self::key_error(key_error)),
                    }));
                    if let Some(button) = next_ref.get_untracked() {
                        let _ = button.focus();
                    }
                }
            }
        }
    });
    let pending = prompt.pending();

    view! {
        <form
            novalidate
            on:submit=move |event| {
                event.prevent_default();
                if !pending.get_untracked() {
                    error.set(None);
                    prompt.dispatch_local(());
                }
            }
        >
            <p id="key-intro">{i18n.text(Key::KeyIntro)}</p>
            <FieldError error=error alert=true />
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {i18n.text(Key::Cancel)}
                </button>
                {move || {
                    let label = if tried.get() { Key::TryAgain } else { Key::Next };
                    view! {
                        <SubmitButton
                            pending=pending
                            label=label
                            busy_label=Key::KeyWaiting
                            node_ref=next_ref
                        />
                    }
                }}
            </div>
        </form>
    }
}

/// **Name your key**, then **Done** sends the credential with the name.
#[component]
fn KeyName(
    made: Made,
    #[prop(into)] on_added: Callback<Method>,
    /// Called, with why, when the registration can no longer be finished (the user starts
    /// again).
    #[prop(into)]
    on_void: Callback<Shown>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let suggestion = i18n.t(suggested(made.kind)).to_owned();
    let name = RwSignal::new(suggestion.clone());
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };

    let Made {
        registration,
        credential,
        ..
    } = made;
    let finish = Action::new_local(move |name: &Option<String>| {
        let answer = RegistrationAnswer::Credential {
            credential: credential.clone(),
            name: name.clone(),
        };
        api::answer_registration(registration.id.clone(), answer)
    });
    Effect::new(move |_| {
        if let Some(result) = finish.value().get() {
            match result {
                Ok(created) => on_added.run(created.method),
                // The challenge is used up (refused, expired, replaced): the intro says why
                // and offers to try again.
                Err(api_error) if api_error.code() != Some(ProblemCode::InvalidMethodName) => {
                    on_void.run(Shown::Api(api_error));
                }
                Err(api_error) => {
                    error.set(Some(Shown::Api(api_error)));
                    focus_input();
                }
            }
        }
    });
    let pending = finish.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = name.get_untracked();
        // Untouched, the server names it: after the model when it knows it.
        if typed == suggestion {
            error.set(None);
            finish.dispatch_local(None);
            return;
        }
        match parse_method_name(&typed) {
            Ok(parsed) => {
                error.set(None);
                finish.dispatch_local(Some(parsed));
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
                <label for="key-name">{i18n.text(Key::KeyNameLabel)}</label>
                <input
                    id="key-name"
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
                            "key-name-error key-name-hint"
                        } else {
                            "key-name-hint"
                        }
                    }
                />
                <FieldError error=error id="key-name-error" />
                <p id="key-name-hint" class="hint">
                    {i18n.text(Key::KeyNameHint)}
                </p>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                    {i18n.text(Key::Cancel)}
                </button>
                <SubmitButton pending=pending label=Key::Done busy_label=Key::BusySaving />
            </div>
        </form>
    }
}

/// Inside a portal's frame: why a key cannot be added here, and the app in its own tab.
#[component]
fn KeyInFrame(#[prop(into)] on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let own_window = window().location().origin().unwrap_or_default() + "/security-info";
    let link_ref = NodeRef::<html::A>::new();
    focus_on_mount(link_ref);
    view! {
        <p id="key-in-frame">{i18n.text(Key::KeyInFrame)}</p>
        <p>
            <a node_ref=link_ref href=own_window target="_blank" rel="noopener noreferrer">
                {i18n.text(Key::KeyOpenOwnWindow)}
            </a>
        </p>
        <div class="actions">
            <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                {i18n.text(Key::Cancel)}
            </button>
        </div>
    }
}
