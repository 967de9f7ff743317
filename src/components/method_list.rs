//! The registered methods: each with its type's icon, name and detail, what it serves, when it
//! was added and last used, **Rename** for those with a name, and **Delete**.

use std::cell::Cell;

use leptos::prelude::*;
use security_info_api::{Method, Usage};

use crate::format;
use crate::i18n::{I18n, Key, use_i18n};
use crate::methods::{self, MethodIcon};

thread_local! {
    static MARKED: Cell<bool> = const { Cell::new(false) };
}

/// "Password reset only" or "Two-step verification and password reset".
pub fn usage_text(i18n: &I18n, usable_for: &[Usage]) -> &'static str {
    if usable_for.contains(&Usage::TwoStepVerification) {
        i18n.t(Key::UsageBoth)
    } else {
        i18n.t(Key::UsagePasswordResetOnly)
    }
}

/// The user's methods, or the empty state.
#[component]
pub fn MethodList(
    /// The methods, oldest first.
    methods: Vec<Method>,
    /// Called with the method whose **Delete** was selected.
    #[prop(into)]
    on_delete: Callback<Method>,
    /// Called with the method whose **Rename** was selected (methods with a name only).
    #[prop(into)]
    on_rename: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    // The benchmark measures the time to the first rendered list.
    Effect::new(move |_| {
        if !MARKED.with(|marked| marked.replace(true))
            && let Some(performance) = window().performance()
        {
            let _ = performance.mark("methods-rendered");
        }
    });
    if methods.is_empty() {
        return view! {
            <p class="empty-state" data-testid="methods-empty">
                {i18n.text(Key::MethodsEmpty)}
            </p>
        }
        .into_any();
    }
    let rows = methods
        .into_iter()
        .map(|method| {
            let detail = methods::detail(&i18n, &method);
            let method_type = method.method_type;
            // Its listed name can depend on the method ("Mobile phone", "Office phone").
            let kind = StoredValue::new(method.detail.clone());
            let listed = move || kind.with_value(|detail| methods::listed_name(&i18n, detail));
            let usable_for = method.usable_for.clone();
            let created_at = method.created_at.clone();
            let last_used_at = method.last_used_at.clone();
            let label_detail = detail.clone();
            let rename_detail = detail.clone();
            let method_id = method.id.clone();
            let rename = method.name.is_some().then(|| {
                let method = method.clone();
                view! {
                    <button
                        type="button"
                        class="link-button"
                        aria-label=move || {
                            i18n.tf(
                                Key::RenameLinkLabel,
                                &[
                                    ("method", listed()),
                                    ("detail", &rename_detail),
                                ],
                            )
                        }
                        on:click=move |_| on_rename.run(method.clone())
                    >
                        {i18n.text(Key::Rename)}
                    </button>
                }
            });
            view! {
                <li class="method" data-method-id=method_id>
                    <MethodIcon method_type=method_type />
                    <div class="method-text">
                        <span class="method-type">{listed}</span>
                        <span class="method-detail">{detail}</span>
                        <span class="method-usage">{move || usage_text(&i18n, &usable_for)}</span>
                        <span class="method-date">
                            {move || {
                                i18n.tf(
                                    Key::MethodAddedOn,
                                    &[("date", &format::day(&created_at, i18n.lang()))],
                                )
                            }}
                        </span>
                        {last_used_at
                            .map(|at| {
                                view! {
                                    <span class="method-date">
                                        {move || {
                                            i18n.tf(
                                                Key::MethodLastUsed,
                                                &[("date", &format::day(&at, i18n.lang()))],
                                            )
                                        }}
                                    </span>
                                }
                            })}
                    </div>
                    {rename}
                    <button
                        type="button"
                        class="link-button"
                        aria-label=move || {
                            i18n.tf(
                                Key::DeleteLinkLabel,
                                &[
                                    ("method", listed()),
                                    ("detail", &label_detail),
                                ],
                            )
                        }
                        on:click=move |_| on_delete.run(method.clone())
                    >
                        {i18n.text(Key::Delete)}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="method-list" aria-label=i18n.text(Key::MethodsLabel)>
            {rows}
        </ul>
    }
    .into_any()
}
