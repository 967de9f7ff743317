//! **Recovery codes** on Security info: how many of the set are left, **Make recovery codes**
//! (or **Make new codes**, after a warning that the old ones stop working) and the new set,
//! shown this once with **Copy codes** and **Download**. A recovery code passes the second
//! step of a sign-in when none of the user's methods can (a lost phone); the section shows
//! only once the user has a method for two-step verification.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    RECOVERY_CODE_COUNT, RECOVERY_CODES_LOW, RecoveryCodeStatus, RecoveryCodes,
};
use wasm_bindgen_futures::JsFuture;

use crate::api;
use crate::components::field_error::FieldError;
use crate::components::modal::{Modal, focus_on_mount};
use crate::components::shell::use_current_user;
use crate::components::status::use_status;
use crate::errors::Shown;
use crate::format;
use crate::i18n::{I18n, Key, use_i18n};
use crate::step_up::{use_step_up, with_step_up};

/// What the section says of the set: "7 of 10 codes left", none made yet, all used.
pub fn count_text(i18n: &I18n, status: &RecoveryCodeStatus) -> String {
    if status.remaining > 0 {
        i18n.tf(
            Key::RecoveryCount,
            &[
                ("remaining", &status.remaining.to_string()),
                ("total", &RECOVERY_CODE_COUNT.to_string()),
            ],
        )
    } else if status.created_at.is_some() {
        i18n.t(Key::RecoveryAllUsed).to_owned()
    } else {
        i18n.t(Key::RecoveryNone).to_owned()
    }
}

/// The section; `version` is the page's, bumped after every change of methods (the first
/// two-step method makes codes available, deleting the last one takes them away).
#[component]
pub fn RecoveryCodesSection(
    /// Bumped by the page after a change: the status is read again.
    version: RwSignal<usize>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let step_up = use_step_up();
    let loaded = LocalResource::new(move || {
        version.track();
        api::recovery_code_status()
    });
    let info = Memo::new(move |_| loaded.get().and_then(Result::ok));
    let available =
        Memo::new(move |_| info.with(|info| info.as_ref().is_some_and(|i| i.available)));
    // The dialog: open with the warning first (replacing a set), or with the new codes.
    let open = RwSignal::new(false);
    let codes = RwSignal::new(None::<RecoveryCodes>);
    let error = RwSignal::new(None::<Shown>);
    let make = Action::new_local(move |(): &()| with_step_up(step_up, api::create_recovery_codes));
    Effect::new(move |_| {
        if let Some(result) = make.value().get() {
            match result {
                Ok(made) => {
                    error.set(None);
                    codes.set(Some(made));
                    open.set(true);
                    status.say(i18n.t(Key::RecoveryCodesCreated));
                    loaded.refetch();
                }
                Err(api_error) => error.set(Some(Shown::Api(api_error))),
            }
        }
    });
    let making = make.pending();
    let replacing = move || info.with(|info| info.as_ref().is_some_and(|i| i.remaining > 0));
    let start = move |_| {
        if making.get_untracked() {
            return;
        }
        error.set(None);
        if replacing() {
            codes.set(None);
            open.set(true);
        } else {
            make.dispatch_local(());
        }
    };
    let close = Callback::new(move |()| {
        open.set(false);
        codes.set(None);
        error.set(None);
    });
    let low = move || {
        info.with(|info| {
            info.as_ref()
                .is_some_and(|i| i.remaining > 0 && i.remaining < RECOVERY_CODES_LOW)
        })
    };

    view! {
        <Show when=move || available.get()>
            <section class="recovery" aria-labelledby="recovery-heading">
                <h2 id="recovery-heading">{i18n.text(Key::RecoveryHeading)}</h2>
                <p>{i18n.text(Key::RecoveryText)}</p>
                <p class="recovery-count" data-testid="recovery-count">
                    {move || {
                        info.with(|info| info.as_ref().map(|i| count_text(&i18n, i)))
                            .unwrap_or_default()
                    }}
                    {move || {
                        info.with(|info| {
                            info.as_ref()
                                .filter(|i| i.remaining > 0)
                                .and_then(|i| i.created_at.clone())
                        })
                            .map(|at| {
                                view! {
                                    <span class="hint recovery-made">
                                        {move || {
                                            i18n.tf(
                                                Key::RecoveryMadeOn,
                                                &[("date", &format::day(&at, i18n.lang()))],
                                            )
                                        }}
                                    </span>
                                }
                            })
                    }}
                </p>
                <Show when=low>
                    <p class="warning">{i18n.text(Key::RecoveryLow)}</p>
                </Show>
                <Show when=move || !open.get()>
                    <FieldError error=error alert=true />
                </Show>
                <button
                    type="button"
                    class="button"
                    id="make-recovery-codes"
                    aria-disabled=move || making.get().to_string()
                    on:click=start
                >
                    {move || {
                        if making.get() {
                            i18n.t(Key::BusyMaking)
                        } else if info
                            .with(|info| info.as_ref().is_some_and(|i| i.created_at.is_some()))
                        {
                            i18n.t(Key::RecoveryMakeNew)
                        } else {
                            i18n.t(Key::RecoveryMake)
                        }
                    }}
                </button>
            </section>
        </Show>
        <Modal
            id="recovery-codes"
            open=open
            on_close=close
            title=Signal::derive(move || {
                i18n.t(
                    if codes.with(Option::is_some) {
                        Key::RecoveryCodesTitle
                    } else {
                        Key::RecoveryMakeNew
                    },
                )
            })
        >
            <div class="modal-body">
                {move || match codes.get() {
                    Some(made) => view! { <CodeSheet codes=made on_done=close /> }.into_any(),
                    None => {
                        view! {
                            <p class="warning" id="recovery-replace">
                                {i18n.text(Key::RecoveryReplaceWarning)}
                            </p>
                            <FieldError error=error alert=true />
                            <div class="actions">
                                <button
                                    type="button"
                                    class="button"
                                    on:click=move |_| close.run(())
                                >
                                    {i18n.text(Key::Cancel)}
                                </button>
                                <button
                                    type="button"
                                    class="button button-primary"
                                    autofocus
                                    aria-disabled=move || making.get().to_string()
                                    on:click=move |_| {
                                        if !making.get_untracked() {
                                            error.set(None);
                                            make.dispatch_local(());
                                        }
                                    }
                                >
                                    {move || {
                                        if making.get() {
                                            i18n.t(Key::BusyMaking)
                                        } else {
                                            i18n.t(Key::RecoveryMakeNew)
                                        }
                                    }}
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </div>
        </Modal>
    }
}

/// The new codes, shown once: what they are for, the list, **Copy codes**, **Download** and
/// **Done**.
#[component]
fn CodeSheet(
    /// The new set.
    codes: RecoveryCodes,
    /// Called on **Done**.
    #[prop(into)]
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let user = use_current_user().0;
    let copy_ref = NodeRef::<html::Button>::new();
    focus_on_mount(copy_ref);
    let copied = RwSignal::new(None::<Shown>);
    let list = codes.codes.join("\n");
    let copy = Action::new_local(move |(): &()| {
        let list = list.clone();
        async move {
            let promise = window().navigator().clipboard().write_text(&list);
            JsFuture::from(promise).await.is_ok()
        }
    });
    Effect::new(move |_| {
        if let Some(done) = copy.value().get() {
            let shown = Shown::Text(if done {
                Key::RecoveryCopied
            } else {
                Key::RecoveryCopyFailed
            });
            status.say(shown.text(&i18n));
            copied.set(Some(shown));
        }
    });
    let file_codes = codes.clone();
    let file = move || {
        let account = user
            .get()
            .and_then(Result::ok)
            .map(|user| user.user_principal_name)
            .unwrap_or_default();
        let made_on = format::day(&file_codes.created_at, i18n.lang());
        let text = file_text(&i18n, &account, &made_on, &file_codes.codes);
        format!(
            "data:text/plain;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(&text))
        )
    };
    let items = codes
        .codes
        .iter()
        .map(|code| view! { <li><code>{code.clone()}</code></li> })
        .collect_view();
    view! {
        <p id="recovery-save">{i18n.text(Key::RecoverySaveText)}</p>
        <ol
            class="recovery-code-list"
            data-testid="recovery-code-list"
            aria-label=i18n.text(Key::RecoveryHeading)
        >
            {items}
        </ol>
        <Show when=move || copied.with(Option::is_some)>
            <p class="hint">{move || copied.get().map(|shown| shown.text(&i18n))}</p>
        </Show>
        <div class="actions">
            // First focus whether the dialog opens with the codes or shows them after the
            // warning.
            <button
                type="button"
                class="button"
                node_ref=copy_ref
                autofocus
                on:click=move |_| {
                    copy.dispatch_local(());
                }
            >
                {i18n.text(Key::RecoveryCopy)}
            </button>
            <a class="button" href=file download="recovery-codes.txt">
                {i18n.text(Key::RecoveryDownload)}
            </a>
            <button type="button" class="button button-primary" on:click=move |_| on_done.run(())>
                {i18n.text(Key::Done)}
            </button>
        </div>
    }
}

/// The downloaded file: whose codes, when they were made (`made_on`, a day in the page's
/// language), how they work, one code a line.
pub fn file_text(i18n: &I18n, account: &str, made_on: &str, codes: &[String]) -> String {
    let mut text = i18n.tf(Key::RecoveryFileTitle, &[("account", account)]);
    text.push('\n');
    text.push_str(&i18n.tf(Key::RecoveryMadeOn, &[("date", made_on)]));
    text.push_str("\n\n");
    text.push_str(i18n.t(Key::RecoverySaveText));
    text.push_str("\n\n");
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_count_says_how_many_are_left_or_that_none_were_made() {
        let en = I18n::fixed(Lang::En);
        let status = |remaining, created: bool| RecoveryCodeStatus {
            remaining,
            created_at: created.then(|| "2026-12-02T10:00:00Z".to_owned()),
            available: true,
        };
        assert_eq!(count_text(&en, &status(7, true)), "7 of 10 codes left");
        assert_eq!(
            count_text(&en, &status(0, false)),
            Key::RecoveryNone.text(Lang::En)
        );
        assert_eq!(
            count_text(&en, &status(0, true)),
            Key::RecoveryAllUsed.text(Lang::En)
        );
    }

    #[test]
    fn the_file_names_the_account_and_has_one_code_a_line() {
        let en = I18n::fixed(Lang::En);
        let codes = ["abcde-fghij".to_owned(), "klmno-pqrst".to_owned()];
        let text = file_text(&en, "alain@contoso.example", "2 December 2026", &codes);
        assert!(
            text.starts_with("Recovery codes for alain@contoso.example\nMade 2 December 2026\n")
        );
        assert!(text.ends_with("\n\nabcde-fghij\nklmno-pqrst\n"));
        assert!(text.contains(Key::RecoverySaveText.text(Lang::En)));
    }
}
