//! **Add a method**: choose a type, fill in that type's own form, answer the challenge the
//! server sent. The steps are the [`crate::add_method`] state machine; this renders the current
//! one, with the form the chosen type's module gives ([`crate::methods`]) and the shared form of
//! the challenge's kind.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{Method, MethodType, MethodTypeInfo, UnavailableReason, Usage};

use crate::add_method::{CodeChallenge, Event, QuestionsChallenge, Step, TotpChallenge};
use crate::api;
use crate::components::app_setup::AppSetup;
use crate::components::cancel_button::CancelButton;
use crate::components::code_form::CodeForm;
use crate::components::load_error::{LoadError, Loading};
use crate::components::modal::{Modal, focus_on_mount};
use crate::components::questions_form::QuestionsForm;
use crate::i18n::{Key, use_i18n};
use crate::methods::{self, FormContext};

/// Which view the dialog shows: it changes only when the user moves between steps, not when
/// a step's data does (a resend keeps the code form and its input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Choose,
    Form(MethodType),
    Challenge,
}

/// The Add-a-method dialog, from the type drop-down to the verified method.
#[component]
pub fn AddMethodDialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the user closes the dialog without adding.
    #[prop(into)]
    on_close: Callback<()>,
    /// The organization's domains, which no method's address may be in.
    #[prop(into)]
    org_domains: Signal<Vec<String>>,
    /// Called with the new method once it is registered (the dialog is then closed by the owner).
    #[prop(into)]
    on_added: Callback<Method>,
    /// Offer only the types usable for two-step verification, saying why: the organization
    /// requires it and the user has none yet.
    #[prop(optional, into)]
    two_step_only: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step = RwSignal::new(Step::Choose);
    let shown = Memo::new(move |_| match step.get() {
        Step::Choose => Shown::Choose,
        Step::Form { method_type, .. } => Shown::Form(method_type),
        Step::Challenge { .. } | Step::Done(_) => Shown::Challenge,
    });
    let reset = move || step.set(Step::Choose);
    let close = Callback::new(move |()| {
        on_close.run(());
        reset();
    });
    let send =
        move |event: Event| step.update(|s| *s = std::mem::replace(s, Step::Choose).on(event));
    let title = Signal::derive(move || match step.with(Step::method_type) {
        None => i18n.t(Key::AddTitle),
        Some(method_type) => methods::name(&i18n, method_type),
    });

    // The new method: the dialog is done, the page hears of it.
    let verified = move |method: Method| {
        send(Event::Verified(method.clone()));
        on_added.run(method);
        reset();
    };
    let form = move |method_type: MethodType| {
        let previous = step.with_untracked(|s| match s {
            Step::Form { previous, .. } => previous.clone(),
            _ => None,
        });
        methods::of(method_type).map(|ui| {
            ui.form(FormContext {
                previous,
                org_domains,
                on_started: Callback::new(move |started| send(Event::Started(started))),
                on_added: Callback::new(verified),
                on_cancel: close,
            })
        })
    };
    let challenge = move || {
        let registration = step.with_untracked(|s| match s {
            Step::Challenge { registration, .. } => Some(registration.clone()),
            _ => None,
        })?;
        // The challenge's kind decides its form; a code is answered the same way whatever
        // the type or channel.
        if let Some(app) = TotpChallenge::of(&registration) {
            return Some(
                view! {
                    <AppSetup
                        challenge=app
                        on_back=move |()| send(Event::Back)
                        on_void=move |()| send(Event::RegistrationVoid)
                        on_verified=verified
                    />
                }
                .into_any(),
            );
        }
        if let Some(questions) = QuestionsChallenge::of(&registration) {
            return Some(
                view! {
                    <QuestionsForm
                        challenge=questions
                        on_back=move |()| send(Event::Back)
                        on_void=move |()| send(Event::RegistrationVoid)
                        on_verified=verified
                    />
                }
                .into_any(),
            );
        }
        let code = CodeChallenge::of(&registration)?;
        Some(
            view! {
                <CodeForm
                    challenge=code
                    on_resent=move |registration| send(Event::Renewed(registration))
                    on_back=move |()| send(Event::Back)
                    on_void=move |()| send(Event::RegistrationVoid)
                    on_verified=verified
                />
            }
            .into_any(),
        )
    };

    view! {
        <Modal id="add-method" open=open on_close=close title=title>
            <div class="modal-body">
                {move || match shown.get() {
                    Shown::Choose => {
                        view! {
                            <ChooseType
                                on_chosen=move |t| send(Event::Chose(t))
                                on_cancel=close
                                two_step_only=two_step_only.get_untracked()
                            />
                        }
                            .into_any()
                    }
                    Shown::Form(method_type) => form(method_type).into_any(),
                    Shown::Challenge => challenge().into_any(),
                }}
            </div>
        </Modal>
    }
}

/// What the drop-down offers: the types the user may add now and this app can add (only
/// those usable for two-step verification when `two_step_only`).
fn addable(types: &[MethodTypeInfo], two_step_only: bool) -> Vec<MethodType> {
    types
        .iter()
        .filter(|info| info.allowed && methods::of(info.method_type).is_some())
        .filter(|info| !two_step_only || info.usable_for.contains(&Usage::TwoStepVerification))
        .map(|info| info.method_type)
        .collect()
}

/// Whether the user could add more if they deleted one: some type the policy allows is full.
fn all_full(types: &[MethodTypeInfo]) -> bool {
    types.iter().any(|info| {
        matches!(
            info.reason,
            Some(UnavailableReason::AlreadyRegistered | UnavailableReason::LimitReached)
        )
    })
}

/// "Which method would you like to add?": the allowed types, or the helpdesk message.
#[component]
fn ChooseType(
    /// Called with the chosen type.
    #[prop(into)]
    on_chosen: Callback<MethodType>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// Only the types usable for two-step verification, with the organization's requirement.
    two_step_only: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let types = LocalResource::new(api::method_types);
    let selected = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let select_ref = NodeRef::<html::Select>::new();
    focus_on_mount(select_ref);

    let cancel_button = move || {
        view! {
            <CancelButton on_cancel=on_cancel />
        }
    };
    let form = move |allowed: Vec<MethodType>| {
        view! {
            <form
                novalidate
                on:submit=move |event| {
                    event.prevent_default();
                    match MethodType::from_name(&selected.get_untracked()) {
                        Some(method_type) => on_chosen.run(method_type),
                        None => {
                            missing.set(true);
                            if let Some(select) = select_ref.get_untracked() {
                                let _ = select.focus();
                            }
                        }
                    }
                }
            >
                {two_step_only
                    .then(|| {
                        view! {
                            <p class="notice" id="add-two-step-required">
                                {i18n.text(Key::TwoStepRequired)}
                            </p>
                        }
                    })}
                <div class="field">
                    <label for="method-type">{i18n.text(Key::AddQuestion)}</label>
                    <select
                        id="method-type"
                        node_ref=select_ref
                        aria-invalid=move || missing.get().to_string()
                        aria-describedby=move || missing.get().then_some("method-type-error")
                        on:change=move |event| {
                            selected.set(event_target_value(&event));
                            missing.set(false);
                        }
                    >
                        <option value="" selected=move || selected.with(String::is_empty)>
                            {i18n.text(Key::AddSelectPlaceholder)}
                        </option>
                        {allowed
                            .into_iter()
                            .map(|method_type| {
                                view! {
                                    <option
                                        value=method_type.as_str()
                                        selected=move || selected.get() == method_type.as_str()
                                    >
                                        {move || methods::name(&i18n, method_type)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <Show when=move || missing.get()>
                        <p id="method-type-error" class="field-error">
                            {i18n.text(Key::AddChooseRequired)}
                        </p>
                    </Show>
                </div>
                <div class="actions">
                    {cancel_button()}
                    <button type="submit" class="button button-primary">
                        {i18n.text(Key::AddSubmit)}
                    </button>
                </div>
            </form>
        }
    };

    view! {
        <Transition fallback=Loading>
            {move || {
                types
                    .get()
                    .map(|result| match result {
                        Ok(list) => {
                            let allowed = addable(&list.method_types, two_step_only);
                            if allowed.is_empty() {
                                let why = if all_full(&list.method_types) {
                                    Key::AddNoneLeft
                                } else {
                                    Key::AddNoneAvailable
                                };
                                view! {
                                    <p class="notice" id="add-none">
                                        {i18n.text(why)}
                                    </p>
                                    <div class="actions">{cancel_button()}</div>
                                }
                                    .into_any()
                            } else {
                                form(allowed).into_any()
                            }
                        }
                        Err(error) => {
                            view! { <LoadError error=error on_retry=move |()| types.refetch() /> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}
