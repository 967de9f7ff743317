//! **Security info** (`/security-info`): the default sign-in method and **Change**, the
//! methods, **Add method**, **Rename**, **Delete**, **Recovery codes**, which method serves
//! what, and **Sign out everywhere** (offered again right after a delete: a method is often
//! deleted because its device was lost, OWASP ASVS 7.4.3). When the organization requires
//! two-step verification and the user has no method for it, the page opens **Add method** with
//! only those types.

use std::time::Duration;

use leptos::prelude::*;
use security_info_api::{Method, MethodTypeInfo, UnavailableReason, Usage};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::add_method_dialog::AddMethodDialog;
use crate::components::default_method_dialog::{
    DefaultMethodDialog, method_label, two_step_methods,
};
use crate::components::delete_dialog::DeleteDialog;
use crate::components::load_error::{LoadError, Loading};
use crate::components::method_list::MethodList;
use crate::components::recovery_codes::RecoveryCodesSection;
use crate::components::rename_dialog::RenameDialog;
use crate::components::shell::use_current_user;
use crate::components::sign_out_everywhere_dialog::SignOutEverywhereDialog;
use crate::components::status::use_status;
use crate::embed::messages::Change;
use crate::embed::{methods_changed, use_embed};
use crate::i18n::{Key, use_i18n};
use crate::methods;
use crate::pages::use_page_title;

/// The Security info page.
#[component]
pub fn SecurityInfo() -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    use_page_title(Key::SecurityTitle);
    // Bumped after every change, so both reads reload.
    let version = RwSignal::new(0_usize);
    let methods = LocalResource::new(move || {
        version.track();
        api::methods()
    });
    let types = LocalResource::new(move || {
        version.track();
        api::method_types()
    });
    let user = use_current_user().0;
    let needs_two_step = Signal::derive(move || {
        user.get()
            .and_then(Result::ok)
            .is_some_and(|user| user.needs_two_step_method)
    });
    let domains = Signal::derive(move || {
        user.get()
            .and_then(Result::ok)
            .map(|user| user.organization.domains)
            .unwrap_or_default()
    });
    let adding = RwSignal::new(false);
    let deleting = RwSignal::new(None::<Method>);
    let renaming = RwSignal::new(None::<Method>);
    let signing_out_everywhere = RwSignal::new(false);
    // Shown after a delete until the next change; the status region itself stays text only.
    let offer_after_delete = RwSignal::new(false);
    // Inside a portal, signing in and out is the portal's business (no Sign out either).
    let embed = use_embed();
    let changing_default = RwSignal::new(false);
    let loaded = Memo::new(move |_| methods.get().and_then(Result::ok));
    let default_id = Memo::new(move |_| {
        loaded.with(|list| {
            list.as_ref()
                .and_then(|list| list.default_method_id.clone())
        })
    });
    let default_method = Memo::new(move |_| {
        loaded.with(|list| {
            let list = list.as_ref()?;
            let id = list.default_method_id.as_ref()?;
            list.methods.iter().find(|m| &m.id == id).cloned()
        })
    });
    let two_step = Signal::derive(move || {
        loaded.with(|list| {
            list.as_ref()
                .map(|list| two_step_methods(&list.methods))
                .unwrap_or_default()
        })
    });
    // The organization requires two-step verification and the user has no method for it:
    // Add method opens by itself, offering only those types.
    Effect::new(move |was: Option<bool>| {
        let needs = needs_two_step.get();
        if needs && was != Some(true) {
            adding.set(true);
        }
        needs
    });
    // A deleted default: the server moved it to another method, said once the list reloads.
    let deleted_default = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| {
        let Some((deleted_id, said)) = deleted_default.get() else {
            return;
        };
        loaded.with(|list| {
            let Some(list) = list else { return };
            // Still the list from before the reload.
            if list.default_method_id.as_ref() == Some(&deleted_id) {
                return;
            }
            let moved_to = list
                .default_method_id
                .as_ref()
                .and_then(|id| list.methods.iter().find(|m| &m.id == id));
            if let Some(method) = moved_to {
                let moved = i18n.tf(
                    Key::DefaultMethodMoved,
                    &[("method", &method_label(&i18n, method))],
                );
                status.say(format!("{said} {moved}"));
            }
            deleted_default.set(None);
        });
    });

    let on_added = move |method: Method| {
        adding.set(false);
        if needs_two_step.get_untracked() {
            user.refetch();
        }
        offer_after_delete.set(false);
        methods_changed(Change::Added, method.method_type);
        status.say(i18n.tf(
            Key::MethodAdded,
            &[("detail", &methods::detail(&i18n, &method))],
        ));
        version.update(|v| *v += 1);
    };
    let on_deleted = move |method: Method| {
        deleting.set(None);
        offer_after_delete.set(true);
        methods_changed(Change::Deleted, method.method_type);
        methods.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                list.methods.retain(|m| m.id != method.id);
            }
        });
        let said = i18n.tf(
            Key::MethodDeleted,
            &[("detail", &methods::detail(&i18n, &method))],
        );
        if default_id.get_untracked().as_ref() == Some(&method.id) {
            deleted_default.set(Some((method.id.clone(), said.clone())));
        }
        status.say(said);
        version.update(|v| *v += 1);
        // The row and its Delete button are gone: keep focus on the page, not on <body>.
        set_timeout(focus_add_button, Duration::from_millis(0));
    };

    let on_renamed = move |method: Method| {
        renaming.set(None);
        offer_after_delete.set(false);
        methods.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                for listed in list.methods.iter_mut().filter(|m| m.id == method.id) {
                    *listed = method.clone();
                }
            }
        });
        status.say(i18n.tf(
            Key::MethodRenamed,
            &[("detail", &methods::detail(&i18n, &method))],
        ));
    };

    let on_default_changed = move |method: Method| {
        changing_default.set(false);
        offer_after_delete.set(false);
        status.say(i18n.tf(
            Key::DefaultMethodChanged,
            &[("method", &method_label(&i18n, &method))],
        ));
        methods.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                list.default_method_id = Some(method.id.clone());
            }
        });
        version.update(|v| *v += 1);
    };

    view! {
        <h1 tabindex="-1">{i18n.text(Key::SecurityTitle)}</h1>
        <p class="lead">{i18n.text(Key::SecurityIntro)}</p>
        <Show when=move || needs_two_step.get()>
            <p class="notice" id="two-step-required">
                {i18n.text(Key::TwoStepRequired)}
            </p>
        </Show>
        {move || {
            default_method
                .get()
                .map(|method| {
                    let method = StoredValue::new(method);
                    view! {
                        <p class="default-method" data-testid="default-method">
                            <span>
                                {move || {
                                    i18n.tf(
                                        Key::DefaultMethodLine,
                                        &[("method", &method.with_value(|m| method_label(&i18n, m)))],
                                    )
                                }}
                            </span>
                            <button
                                type="button"
                                class="link-button"
                                id="change-default-method"
                                aria-label=i18n.text(Key::DefaultMethodTitle)
                                on:click=move |_| changing_default.set(true)
                            >
                                {i18n.text(Key::DefaultMethodChange)}
                            </button>
                        </p>
                    }
                })
        }}
        <div class="toolbar">
            <button
                type="button"
                id="add-method"
                class="button button-primary"
                on:click=move |_| adding.set(true)
            >
                <svg aria-hidden="true" viewBox="0 0 16 16" width="16" height="16">
                    <path d="M8 2v12M2 8h12" stroke="currentColor" stroke-width="1.8" />
                </svg>
                <span>{i18n.text(Key::AddMethod)}</span>
            </button>
        </div>
        <Show when=move || offer_after_delete.get() && !embed.is_embedded()>
            <div class="notice everywhere-offer">
                <p>{i18n.text(Key::EverywhereAfterDelete)}</p>
                <button
                    type="button"
                    class="button"
                    on:click=move |_| signing_out_everywhere.set(true)
                >
                    {i18n.text(Key::SignOutEverywhere)}
                </button>
            </div>
        </Show>
        <section class="card" aria-labelledby="methods-heading">
            <h2 id="methods-heading" class="visually-hidden">
                {i18n.text(Key::MethodsLabel)}
            </h2>
            <Transition fallback=Loading>
                {move || {
                    methods
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                view! {
                                    <MethodList
                                        methods=list.methods
                                        on_delete=move |method| deleting.set(Some(method))
                                        on_rename=move |method| renaming.set(Some(method))
                                    />
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <LoadError error=error on_retry=move |()| methods.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
        <RecoveryCodesSection version=version />
        <section class="usage" aria-labelledby="usage-heading">
            <h2 id="usage-heading">{i18n.text(Key::UsageHeading)}</h2>
            <p>{i18n.text(Key::UsageIntro)}</p>
            <Transition fallback=Loading>
                {move || {
                    types
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <UsageTable types=list.method_types /> }.into_any(),
                            Err(error) => {
                                view! { <LoadError error=error on_retry=move |()| types.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
        <Show when=move || !embed.is_embedded()>
            <section class="everywhere" aria-labelledby="everywhere-heading">
                <h2 id="everywhere-heading">{i18n.text(Key::EverywhereHeading)}</h2>
                <p>{i18n.text(Key::EverywhereText)}</p>
                <button
                    type="button"
                    class="button"
                    on:click=move |_| signing_out_everywhere.set(true)
                >
                    {i18n.text(Key::SignOutEverywhere)}
                </button>
            </section>
        </Show>
        <AddMethodDialog
            open=adding
            on_close=move |()| adding.set(false)
            org_domains=domains
            on_added=on_added
            two_step_only=needs_two_step
        />
        <DefaultMethodDialog
            open=changing_default
            methods=two_step
            current=default_id
            on_close=move |()| changing_default.set(false)
            on_changed=on_default_changed
        />
        <RenameDialog
            method=renaming
            on_close=move |()| renaming.set(None)
            on_renamed=on_renamed
        />
        <DeleteDialog
            method=deleting
            on_close=move |()| deleting.set(None)
            on_deleted=on_deleted
        />
        <SignOutEverywhereDialog
            open=signing_out_everywhere
            on_close=move |()| signing_out_everywhere.set(false)
        />
    }
}

fn focus_add_button() {
    let document = document();
    let active = document.active_element();
    let body: Option<web_sys::Element> = document.body().map(Into::into);
    if (active.is_none() || active == body)
        && let Some(button) = document
            .get_element_by_id("add-method")
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = button.focus();
    }
}

/// The help article's table: what each method type can be used for.
#[component]
fn UsageTable(
    /// The types this server knows, with their uses and whether they are allowed.
    types: Vec<MethodTypeInfo>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows = types
        .into_iter()
        .map(|info| {
            let both = info.usable_for.contains(&Usage::TwoStepVerification);
            let not_allowed = info.reason == Some(UnavailableReason::NotAllowedByPolicy);
            view! {
                <tr>
                    <th scope="row">{move || methods::name(&i18n, info.method_type)}</th>
                    <td>
                        {move || {
                            if both {
                                i18n.t(Key::UsageBoth)
                            } else {
                                i18n.t(Key::UsagePasswordResetOnlyLong)
                            }
                        }}
                        {not_allowed
                            .then(|| {
                                view! {
                                    <span class="tag">{i18n.text(Key::UsageNotAllowed)}</span>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="usage-table">
            <thead>
                <tr>
                    <th scope="col">{i18n.text(Key::UsageColumnMethod)}</th>
                    <th scope="col">{i18n.text(Key::UsageColumnUsedFor)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
