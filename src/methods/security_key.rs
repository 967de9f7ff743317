//! **Security key or passkey**: a USB or NFC key, or a passkey on this device or a phone
//! (WebAuthn). **Next** starts the registration and the browser's own prompt at once; the
//! credential the browser makes is then named (**Name your key**) and sent with that name, so
//! a key is registered with the name the user chose, or none is. The browser glue is
//! [`crate::webauthn`]; everything else (checking the credential, the model, default names)
//! is the server's.
//!
//! Inside a portal's cross-origin frame the browser marks a credential as made there, which
//! the server does not accept. There the form starts the registration and hands it to a
//! window of the app's own ([`KeyInFrame`], the page [`crate::pages::add_security_key`]),
//! and waits for it to be finished there.

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    Challenge, HandOff, HandedOffCredential, Method, MethodDetail, MethodType, ProblemCode,
    RegistrationAnswer, RegistrationStage, StartRegistration,
};

use super::{FormContext, MethodUi};
use crate::api::{self, ApiError, ApiResult};
use crate::components::cancel_button::CancelButton;
use crate::components::intro_form::IntroForm;
use crate::components::modal::focus_on_mount;
use crate::components::name_field::{NameField, checked_name};
use crate::components::submit_button::SubmitButton;
use crate::embed::host::is_framed;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::step_up::{StepUp, start_registration, use_step_up};
use crate::webauthn::{self, KeyError, KeyKind};

/// The security key type.
pub struct SecurityKey;

impl MethodUi for SecurityKey {
    fn name(&self) -> Key {
        Key::MethodTypeSecurityKey
    }

    fn listed_name(&self, _: &MethodDetail) -> Key {
        Key::MethodTypeSecurityKeyListed
    }

    fn icon(&self) -> &'static str {
        // A key fob: a body with a ring, and the touch contact.
        "M9 3h6v11H9zM12 14v3M10 17h4v4h-4zM12 7.5v2"
    }

    fn form(&self, context: FormContext) -> AnyView {
        if is_framed() {
            return view! { <KeyInFrame on_added=context.on_added on_cancel=context.on_cancel /> }
                .into_any();
        }
        let source = Source::SignedIn(use_step_up());
        view! { <KeySetup source=source on_added=context.on_added on_cancel=context.on_cancel /> }
            .into_any()
    }

    fn problem(&self, code: ProblemCode) -> Option<Key> {
        match code {
            ProblemCode::SecurityKeyNotAccepted => Some(Key::ProblemSecurityKeyNotAccepted),
            ProblemCode::SecurityKeyModelNotAllowed => Some(Key::ProblemSecurityKeyModelNotAllowed),
            _ => None,
        }
    }
}

/// Where a key's registration comes from and where its credential goes.
#[derive(Clone)]
pub enum Source {
    /// The signed-in page: it starts the registration (confirming the password first when
    /// the sign-in is not recent) and answers it.
    SignedIn(StepUp),
    /// A window a portal's frame handed its registration to: no session, the capability.
    HandedOff {
        /// The registration.
        registration_id: String,
        /// Its capability.
        hand_off: HandOff,
    },
}

impl Source {
    /// The registration to answer and the options for the browser.
    async fn prompt(self) -> ApiResult<(String, serde_json::Value)> {
        match self {
            Source::SignedIn(step_up) => {
                let started =
                    start_registration(step_up, StartRegistration::SecurityKey {}).await?;
                match started.registration.challenge {
                    Challenge::WebAuthn { options, .. } => Ok((started.registration.id, options)),
                    _ => Err(ApiError::Decode),
                }
            }
            Source::HandedOff {
                registration_id,
                hand_off,
            } => {
                let prompt = api::key_prompt(registration_id.clone(), hand_off).await?;
                Ok((registration_id, prompt.options))
            }
        }
    }

    /// Answers the registration with the credential and its name.
    async fn finish(
        self,
        registration_id: String,
        credential: serde_json::Value,
        name: Option<String>,
    ) -> ApiResult<Method> {
        let created = match self {
            Source::SignedIn(_) => {
                let answer = RegistrationAnswer::Credential { credential, name };
                api::answer_registration(registration_id, answer).await?
            }
            Source::HandedOff { hand_off, .. } => {
                let body = HandedOffCredential {
                    hand_off,
                    credential,
                    name,
                };
                api::verify_handed_off_key(registration_id, body).await?
            }
        };
        Ok(created.method)
    }
}

/// The text for a prompt that gave no credential.
pub fn key_error(error: KeyError) -> Key {
    match error {
        KeyError::Unsupported => Key::KeyErrorUnsupported,
        KeyError::Cancelled => Key::KeyErrorCancelled,
        KeyError::AlreadyRegistered => Key::KeyErrorAlreadyRegistered,
        KeyError::NotAllowedHere => Key::KeyErrorNotAllowedHere,
        KeyError::Failed => Key::KeyErrorFailed,
    }
}

/// What to say of a failed call about a registration: its time running out is said in the
/// key's own words.
fn call_error(error: ApiError) -> Shown {
    match error.code() {
        Some(ProblemCode::RegistrationExpired) => Shown::Text(Key::KeyErrorExpired),
        _ => Shown::Api(error),
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
    registration_id: String,
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
pub fn KeySetup(
    /// Where the registration comes from.
    source: Source,
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
        let source = source.clone();
        match made.get() {
            None => view! {
                <KeyIntro
                    source=source
                    error=error
                    on_made=move |m| made.set(Some(m))
                    on_cancel=on_cancel
                />
            }
            .into_any(),
            Some(m) => view! {
                <KeyName
                    source=source
                    made=m
                    on_added=on_added
                    on_void=on_void
                    on_cancel=on_cancel
                />
            }
            .into_any(),
        }
    }
}

/// "Use a security key or a passkey", and **Next** (or **Try again**) to start the prompt.
#[component]
fn KeyIntro(
    source: Source,
    /// The last failure: set, the button says **Try again**.
    error: RwSignal<Option<Shown>>,
    #[prop(into)] on_made: Callback<Made>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let tried = RwSignal::new(error.with_untracked(Option::is_some));
    let next_ref = NodeRef::<html::Button>::new();
    focus_on_mount(next_ref);

    let prompt = Action::new_local(move |(): &()| {
        let source = source.clone();
        async move {
            if !webauthn::supported() {
                return Err(NotMade::Key(KeyError::Unsupported));
            }
            let (registration_id, options) = source.prompt().await.map_err(NotMade::Api)?;
            let credential = webauthn::create_credential(&options)
                .await
                .map_err(NotMade::Key)?;
            let kind = webauthn::suggested_name(&credential);
            Ok(Made {
                registration_id,
                credential,
                kind,
            })
        }
    });
    Effect::new(move |_| {
        if let Some(result) = prompt.value().get() {
            match result {
                Ok(made) => on_made.run(made),
                Err(not_made) => {
                    tried.set(true);
                    error.set(Some(match not_made {
                        NotMade::Api(api_error) => call_error(api_error),
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
    let label = Signal::derive(move || {
        if tried.get() {
            Key::TryAgain
        } else {
            Key::Next
        }
    });

    view! {
        <IntroForm
            id="key-intro"
            text=Key::KeyIntro
            error=error
            pending=pending
            label=label
            busy_label=Key::KeyWaiting
            node_ref=next_ref
            on_submit=move |()| {
                prompt.dispatch_local(());
            }
        >
            <CancelButton on_cancel=on_cancel />
        </IntroForm>
    }
}

/// **Name your key**, then **Done** sends the credential with the name.
#[component]
fn KeyName(
    source: Source,
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
        registration_id,
        credential,
        ..
    } = made;
    let finish = Action::new_local(move |name: &Option<String>| {
        source
            .clone()
            .finish(registration_id.clone(), credential.clone(), name.clone())
    });
    Effect::new(move |_| {
        if let Some(result) = finish.value().get() {
            match result {
                Ok(method) => on_added.run(method),
                // A name to fix keeps the credential; anything else used the challenge up
                // (refused, expired, replaced): the intro says why and offers to try again.
                Err(api_error) if api_error.code() == Some(ProblemCode::InvalidMethodName) => {
                    error.set(Some(Shown::Api(api_error)));
                    focus_input();
                }
                Err(api_error) => on_void.run(call_error(api_error)),
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
        if let Some(parsed) = checked_name(&typed, error, input_ref) {
            finish.dispatch_local(Some(parsed));
        }
    };

    view! {
        <form novalidate on:submit=submit>
            <NameField
                id="key-name"
                label=Key::KeyNameLabel
                hint=Key::KeyNameHint
                name=name
                error=error
                input_ref=input_ref
            />
            <div class="actions">
                <CancelButton on_cancel=on_cancel />
                <SubmitButton pending=pending label=Key::Done busy_label=Key::BusySaving />
            </div>
        </form>
    }
}

/// How often a frame asks whether its window has finished.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The newest security key of the list: the one the window just added.
fn newest_key(methods: Vec<Method>) -> Option<Method> {
    methods
        .into_iter()
        .filter(|m| m.method_type == MethodType::SecurityKey)
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
}

/// Inside a portal's frame: **Continue in a new window** starts the registration and opens
/// it in a window of the app's own; the frame then waits for it to be finished there.
#[component]
fn KeyInFrame(
    #[prop(into)] on_added: Callback<Method>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let step_up = use_step_up();
    let error = RwSignal::new(None::<Shown>);
    // The registration handed off, and where its window is.
    let waiting = RwSignal::new(None::<(String, String)>);
    let continue_ref = NodeRef::<html::Button>::new();
    focus_on_mount(continue_ref);

    let start = Action::new_local(move |(): &()| async move {
        let started = start_registration(step_up, StartRegistration::SecurityKey {}).await?;
        match started.registration.challenge {
            Challenge::WebAuthn { continue_url, .. } => Ok((started.registration.id, continue_url)),
            _ => Err(ApiError::Decode),
        }
    });
    Effect::new(move |_| {
        if let Some(result) = start.value().get() {
            match result {
                Ok((registration_id, url)) => {
                    // A blocked window leaves the link below to open it.
                    let _ = window().open_with_url_and_target_and_features(
                        &url,
                        "_blank",
                        "popup,width=520,height=720",
                    );
                    waiting.set(Some((registration_id, url)));
                }
                Err(api_error) => error.set(Some(call_error(api_error))),
            }
        }
    });
    // While waiting, ask every few seconds how the registration is doing.
    let check = Action::new_local(move |registration_id: &String| {
        let registration_id = registration_id.clone();
        async move {
            let progress = api::registration_progress(registration_id).await?;
            let added = match progress.stage {
                RegistrationStage::Completed => newest_key(api::methods().await?.methods),
                _ => None,
            };
            Ok::<_, ApiError>((progress.stage, added))
        }
    });
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if let Some((registration_id, _)) = waiting.get_untracked()
                && !check.pending().get_untracked()
            {
                check.dispatch_local(registration_id);
            }
        },
        POLL_EVERY,
    ) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move |_| {
        let Some(Ok((stage, added))) = check.value().get() else {
            return;
        };
        let why = match stage {
            RegistrationStage::Pending => return,
            RegistrationStage::Completed => match added {
                Some(method) => return on_added.run(method),
                None => return,
            },
            RegistrationStage::Locked => Key::ProblemSecurityKeyNotAccepted,
            RegistrationStage::Expired | RegistrationStage::Superseded => Key::KeyErrorExpired,
        };
        waiting.set(None);
        error.set(Some(Shown::Text(why)));
    });
    let pending = start.pending();

    view! {
        {move || match waiting.get() {
            None => view! {
                <IntroForm
                    id="key-in-frame"
                    text=Key::KeyInFrame
                    error=error
                    pending=pending
                    label=Key::KeyContinue
                    busy_label=Key::BusySending
                    node_ref=continue_ref
                    on_submit=move |()| {
                        start.dispatch_local(());
                    }
                >
                    <CancelButton on_cancel=on_cancel />
                </IntroForm>
            }
            .into_any(),
            Some((_, url)) => view! { <KeyWaiting url=url on_cancel=on_cancel /> }.into_any(),
        }}
    }
}

/// "Finish in the other window", with a link that opens it again.
#[component]
fn KeyWaiting(url: String, #[prop(into)] on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let link_ref = NodeRef::<html::A>::new();
    focus_on_mount(link_ref);
    view! {
        <p id="key-waiting" role="status">{i18n.text(Key::KeyWaitingWindow)}</p>
        <p>
            <a node_ref=link_ref href=url target="_blank">
                {i18n.text(Key::KeyOpenWindow)}
            </a>
        </p>
        <div class="actions">
            <CancelButton on_cancel=on_cancel />
        </div>
    }
}
