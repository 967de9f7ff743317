//! **Add a method**: choose a type, then the type's own steps (email: address, then code).
//! The steps are the [`crate::add_method`] state machine; this renders the current one.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{Method, MethodType};

use crate::add_method::{Event, Step};
use crate::api;
use crate::components::code_form::CodeForm;
use crate::components::email_form::EmailForm;
use crate::components::load_error::{LoadError, Loading};
use crate::components::method_list::type_name;
use crate::components::modal::{Modal, focus_on_mount};
use crate::i18n::{Key, use_i18n};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Choose,
    Address,
    Code,
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
    /// The organization's domains, refused as addresses.
    #[prop(into)]
    org_domains: Signal<Vec<String>>,
    /// Called with the new method once it is registered (the dialog is then closed by the owner).
    #[prop(into)]
    on_added: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step = RwSignal::new(Step::Choose);
    let address = RwSignal::new(String::new());
    let shown = Memo::new(move |_| match step.get() {
        Step::Choose => Shown::Choose,
        Step::Address => Shown::Address,
        Step::Code(_) | Step::Done(_) => Shown::Code,
    });
    let reset = move || {
        step.set(Step::Choose);
        address.set(String::new());
    };
    let close = Callback::new(move |()| {
        on_close.run(());
        reset();
    });
    let send =
        move |event: Event| step.update(|s| *s = std::mem::replace(s, Step::Choose).on(event));
    let title = Signal::derive(move || match shown.get() {
        Shown::Choose => i18n.t(Key::AddTitle),
        Shown::Address | Shown::Code => i18n.t(Key::EmailTitle),
    });

    view! {
        <Modal id="add-method" open=open on_close=close title=title>
            <div class="modal-body">
                {move || match shown.get() {
                    Shown::Choose => {
                        view! {
                            <ChooseType
                                on_chosen=move |t| send(Event::Chose(t))
                                on_cancel=close
                            />
                        }
                            .into_any()
                    }
                    Shown::Address => {
                        view! {
                            <EmailForm
                                address=address
                                org_domains=org_domains
                                on_sent=move |registration| send(Event::CodeSent(registration))
                                on_cancel=close
                            />
                        }
                            .into_any()
                    }
                    Shown::Code => {
                        let registration = step.with_untracked(|s| match s {
                            Step::Code(registration) => Some(registration.clone()),
                            _ => None,
                        });
                        registration
                            .map(|registration| {
                                view! {
                                    <CodeForm
                                        registration=registration
                                        on_resent=move |registration| {
                                            send(Event::CodeResent(registration))
                                        }
                                        on_back=move |()| send(Event::Back)
                                        on_void=move |()| send(Event::RegistrationVoid)
                                        on_verified=move |method: Method| {
                                            send(Event::Verified(method.clone()));
                                            on_added.run(method);
                                            reset();
                                        }
                                    />
                                }
                            })
                            .into_any()
                    }
                }}
            </div>
        </Modal>
    }
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
) -> impl IntoView {
    let i18n = use_i18n();
    let types = LocalResource::new(api::method_types);
    let selected = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let select_ref = NodeRef::<html::Select>::new();
    focus_on_mount(select_ref);

    let cancel_button = move || {
        view! {
            <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                {i18n.text(Key::Cancel)}
            </button>
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
                                        {move || type_name(&i18n, method_type)}
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
                            let allowed: Vec<MethodType> = list
                                .method_types
                                .iter()
                                .filter(|info| info.allowed)
                                .map(|info| info.method_type)
                                .collect();
                            if allowed.is_empty() {
                                view! {
                                    <p class="notice" id="add-none">
                                        {i18n.text(Key::AddNoneAvailable)}
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
