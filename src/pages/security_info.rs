//! **Security info** (`/security-info`): the methods, **Add method**, **Rename**, **Delete**,
//! which method serves what, and **Sign out everywhere** (offered again right after a delete:
//! a method is often deleted because its device was lost, OWASP ASVS 7.4.3).

use std::time::Duration;

use leptos::prelude::*;
use security_info_api::{Method, MethodTypeInfo, UnavailableReason, Usage};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::add_method_dialog::AddMethodDialog;
use crate::components::delete_dialog::DeleteDialog;
use crate::components::load_error::{LoadError, Loading};
use crate::components::method_list::MethodList;
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

    let on_added = move |method: Method| {
        adding.set(false);
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
        status.say(i18n.tf(
            Key::MethodDeleted,
            &[("detail", &methods::detail(&i18n, &method))],
        ));
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

    view! {
        <h1 tabindex="-1">{i18n.text(Key::SecurityTitle)}</h1>
        <p class="lead">{i18n.text(Key::SecurityIntro)}</p>
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
