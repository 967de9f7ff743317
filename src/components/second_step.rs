//! **Verify your identity**: the second step of a sign-in, and of a step-up (the password
//! dialog), built once for both. The user's default way comes first: the code of an
//! authenticator app, a security key's prompt, or a code texted to or spoken in a call to a
//! phone. **Sign in another way** lists every way the server offered, and **Use a recovery
//! code** when the user has some. The way's challenge is asked for only when the user picks it
//! (a text or a call costs money and reaches a phone), except an app's, which sends nothing.
//!
//! Answers the server refuses are said at their field; a flow that is gone (too slow, too many
//! wrong answers) goes back to the password with the reason ([`SecondStepForm::on_cancel`]).

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    Channel, ProblemCode, SecondStep, SecondStepAnswer, SecondStepChallenge, SecondStepChoice,
    SecondStepPassed, SecondStepWay, VerificationCode,
};

use crate::add_method::normalize_code_input;
use crate::api::{self, ApiError};
use crate::clock::ticking_now;
use crate::components::app_setup::wrong_code_text;
use crate::components::cancel_button::CancelButton;
use crate::components::code_form::{CodeInput, typed_code_error};
use crate::components::field_error::FieldError;
use crate::components::key_prompt::{KeyFailed, KeyPromptForm};
use crate::components::load_error::Loading;
use crate::components::modal::focus_on_mount;
use crate::components::status::use_status;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::format::{self, format_countdown, parse_rfc3339_ms, seconds_until};
use crate::i18n::{I18n, Key, use_i18n};
use crate::webauthn;

/// The longest recovery code the server takes as typed (its schema's limit).
const RECOVERY_CODE_MAX: usize = 64;

/// What the second step shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    /// One way, by its index in the server's list. `picked`: the user chose it from the list,
    /// so its action starts at once (a phone's code is sent, the key's prompt opens).
    Way { index: usize, picked: bool },
    /// **Sign in another way**: every way, and the recovery code.
    Choose,
    /// A recovery code.
    Recovery,
}

/// What every way needs from the form around it.
#[derive(Clone, Copy)]
struct Flow {
    on_passed: Callback<SecondStepPassed>,
    on_cancel: Callback<Option<Shown>>,
    /// What to say when the flow is gone: sign in again, or enter the password again.
    expired: Key,
}

impl Flow {
    /// What to show of a failed call, or `None` when the flow is gone (the owner was told and
    /// goes back to the password).
    fn failed(self, error: ApiError) -> Option<Shown> {
        if error.code() == Some(ProblemCode::SignInExpired) {
            self.on_cancel.run(Some(Shown::Text(self.expired)));
            None
        } else {
            Some(Shown::Api(error))
        }
    }

    fn cancel(self) {
        self.on_cancel.run(None);
    }
}

/// The second step, for the ways in `second_step`.
#[component]
pub fn SecondStepForm(
    /// The ways the server offers, the default first, and whether recovery codes work.
    second_step: SecondStep,
    /// A step-up (the password dialog) rather than a sign-in: only some words differ.
    #[prop(optional)]
    step_up: bool,
    /// Called once an answer was right.
    #[prop(into)]
    on_passed: Callback<SecondStepPassed>,
    /// Called on **Cancel** (`None`), or with the reason when the flow is gone and the password
    /// must be given again.
    #[prop(into)]
    on_cancel: Callback<Option<Shown>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let flow = Flow {
        on_passed,
        on_cancel,
        expired: if step_up {
            Key::SecondStepExpiredReauth
        } else {
            Key::ProblemSignInExpired
        },
    };
    let ways = StoredValue::new(second_step.ways);
    let recovery = second_step.recovery_codes;
    let first = if ways.with_value(Vec::is_empty) {
        Panel::Recovery
    } else {
        Panel::Way {
            index: 0,
            picked: false,
        }
    };
    let panel = RwSignal::new(first);
    let choices = ways.with_value(Vec::len) + usize::from(recovery);
    let another_way = if step_up {
        Key::SecondStepAnotherWayReauth
    } else {
        Key::SecondStepAnotherWay
    };

    let shown = move || match panel.get() {
        Panel::Way { index, picked } => {
            let Some(way) = ways.with_value(|ways| ways.get(index).cloned()) else {
                return view! { <Recovery flow=flow /> }.into_any();
            };
            match way.choice {
                SecondStepChoice::AuthenticatorApp {} => view! { <AppWay flow=flow /> }.into_any(),
                SecondStepChoice::SecurityKey {} => {
                    view! { <KeyWay flow=flow picked=picked /> }.into_any()
                }
                choice @ SecondStepChoice::Phone { .. } => {
                    view! { <PhoneWay flow=flow way=SecondStepWay { choice, ..way } picked=picked /> }
                        .into_any()
                }
            }
        }
        Panel::Choose => {
            view! { <Choose flow=flow ways=ways.get_value() recovery=recovery panel=panel /> }
                .into_any()
        }
        Panel::Recovery => view! { <Recovery flow=flow /> }.into_any(),
    };

    view! {
        <div class="second-step">
            {shown}
            <Show when=move || { choices > 1 && panel.get() != Panel::Choose }>
                <p class="second-step-other">
                    <button
                        type="button"
                        class="link-button"
                        id="second-step-another-way"
                        on:click=move |_| panel.set(Panel::Choose)
                    >
                        {i18n.text(another_way)}
                    </button>
                </p>
            </Show>
        </div>
    }
}

/// What a way is called in the list (and on a phone's button): "Text +31 • ••••••78".
fn way_label(i18n: &I18n, way: &SecondStepWay) -> String {
    match &way.choice {
        SecondStepChoice::AuthenticatorApp {} => i18n.t(Key::SecondStepWayApp).to_owned(),
        SecondStepChoice::SecurityKey {} => i18n.t(Key::SecondStepWayKey).to_owned(),
        SecondStepChoice::Phone { channel, .. } => {
            let destination = way.hint.clone().unwrap_or_default();
            i18n.tf(phone_label(*channel), &[("destination", &destination)])
        }
    }
}

fn phone_label(channel: Channel) -> Key {
    match channel {
        Channel::Voice => Key::SecondStepSendVoice,
        Channel::Sms | Channel::Email => Key::SecondStepSendSms,
    }
}

/// **Sign in another way**: one button per way, then the recovery code.
#[component]
fn Choose(
    flow: Flow,
    ways: Vec<SecondStepWay>,
    recovery: bool,
    panel: RwSignal<Panel>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first_ref = NodeRef::<html::Button>::new();
    focus_on_mount(first_ref);
    let buttons = ways
        .into_iter()
        .enumerate()
        .map(|(index, way)| {
            let node_ref = if index == 0 {
                first_ref
            } else {
                NodeRef::new()
            };
            view! {
                <li>
                    <button
                        type="button"
                        class="button way-button"
                        node_ref=node_ref
                        on:click=move |_| panel.set(Panel::Way { index, picked: true })
                    >
                        {move || way_label(&i18n, &way)}
                    </button>
                </li>
            }
        })
        .collect_view();
    let recovery_button = recovery.then(|| {
        view! {
            <li>
                <button
                    type="button"
                    class="button way-button"
                    on:click=move |_| panel.set(Panel::Recovery)
                >
                    {i18n.text(Key::SecondStepWayRecovery)}
                </button>
            </li>
        }
    });
    view! {
        <p id="second-step-choose" class="step-title">
            {i18n.text(Key::SecondStepChoose)}
        </p>
        <ul class="way-list" aria-labelledby="second-step-choose">
            {buttons}
            {recovery_button}
        </ul>
        <div class="actions">
            <CancelStep flow=flow />
        </div>
    }
}

/// **Cancel**: ends the sign-in's second step.
#[component]
fn CancelStep(flow: Flow) -> impl IntoView {
    view! { <CancelButton on_cancel=move |()| flow.cancel() /> }
}

/// An authenticator app: its challenge (nothing is sent) is asked for at once, then its code.
#[component]
fn AppWay(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<Shown>);
    let ask = Action::new_local(|(): &()| {
        api::second_step_challenge(SecondStepChoice::AuthenticatorApp {})
    });
    ask.dispatch_local(());
    let length = RwSignal::new(None::<u8>);
    Effect::new(move |_| match ask.value().get() {
        Some(Ok(SecondStepChallenge::AppCode { code_length })) => length.set(Some(code_length)),
        Some(Ok(_)) => error.set(Some(Shown::Api(ApiError::Decode))),
        Some(Err(api_error)) => error.set(flow.failed(api_error)),
        None => {}
    });
    let retry_ref = NodeRef::<html::Button>::new();
    focus_on_mount(retry_ref);
    view! {
        <p id="second-step-text">{i18n.text(Key::SecondStepAppText)}</p>
        {move || match length.get() {
            Some(length) => {
                view! {
                    <CodeEntry
                        flow=flow
                        code_length=length
                        app=true
                        described_by="second-step-text second-step-code-hint"
                    />
                }
                    .into_any()
            }
            None if error.with(Option::is_some) => {
                view! {
                    <FieldError error=error alert=true />
                    <div class="actions">
                        <CancelStep flow=flow />
                        <button
                            type="button"
                            class="button button-primary"
                            node_ref=retry_ref
                            on:click=move |_| {
                                error.set(None);
                                ask.dispatch_local(());
                            }
                        >
                            {i18n.text(Key::TryAgain)}
                        </button>
                    </div>
                }
                    .into_any()
            }
            None => view! { <Loading /> }.into_any(),
        }}
    }
}

/// A code sent to a phone, as the form shows it.
#[derive(Debug, Clone, PartialEq)]
struct SentCode {
    channel: Channel,
    destination: String,
    code_length: u8,
    expires_at_ms: Option<f64>,
    resend_at_ms: Option<f64>,
}

/// A phone: **Text ...** or **Call ...** sends the code (at once when picked from the list),
/// then the code, with **Resend code** after the cooldown.
#[component]
fn PhoneWay(flow: Flow, way: SecondStepWay, picked: bool) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let channel = match &way.choice {
        SecondStepChoice::Phone { channel, .. } => *channel,
        _ => Channel::Sms,
    };
    let destination = way.hint.clone().unwrap_or_default();
    let choice = way.choice.clone();
    let sent = RwSignal::new(None::<SentCode>);
    let error = RwSignal::new(None::<Shown>);
    let notice = RwSignal::new(None::<Shown>);
    let ask = Action::new_local(move |(): &()| api::second_step_challenge(choice.clone()));
    Effect::new(move |_| match ask.value().get() {
        Some(Ok(SecondStepChallenge::Code {
            channel,
            destination,
            code_length,
            expires_at,
            resend_available_at,
        })) => {
            let again = sent.with_untracked(Option::is_some);
            let fresh = SentCode {
                channel,
                destination,
                code_length,
                expires_at_ms: parse_rfc3339_ms(&expires_at),
                resend_at_ms: parse_rfc3339_ms(&resend_available_at),
            };
            if again {
                let resent = Shown::Filled(
                    crate::components::code_form::resent_text(fresh.channel),
                    vec![("destination", fresh.destination.clone())],
                );
                status.say(resent.text(&i18n));
                notice.set(Some(resent));
            }
            error.set(None);
            sent.set(Some(fresh));
        }
        Some(Ok(_)) => error.set(Some(Shown::Api(ApiError::Decode))),
        Some(Err(api_error)) => {
            notice.set(None);
            error.set(flow.failed(api_error));
        }
        None => {}
    });
    if picked {
        ask.dispatch_local(());
    }
    let asking = ask.pending();
    let send_ref = NodeRef::<html::Button>::new();
    focus_on_mount(send_ref);
    let intro = match channel {
        Channel::Voice => Key::SecondStepVoiceText,
        Channel::Sms | Channel::Email => Key::SecondStepSmsText,
    };
    let intro_destination = destination.clone();
    let label_destination = destination.clone();

    let now = ticking_now();
    let resend_wait = Memo::new(move |_| {
        sent.with(|s| s.as_ref().and_then(|s| s.resend_at_ms))
            .map_or(0, |at| seconds_until(now.get(), at))
    });

    // Only sending the first code changes the view: a resend keeps the field and its input.
    let has_sent = Memo::new(move |_| sent.with(Option::is_some));
    move || {
        if !has_sent.get() {
            let intro_destination = intro_destination.clone();
            let label_destination = label_destination.clone();
            return view! {
                <form
                    novalidate
                    on:submit=move |event| {
                        event.prevent_default();
                        if !asking.get_untracked() {
                            error.set(None);
                            ask.dispatch_local(());
                        }
                    }
                >
                    <p id="second-step-text">
                        {move || i18n.tf(intro, &[("destination", &intro_destination)])}
                    </p>
                    <FieldError error=error alert=true />
                    <div class="actions">
                        <CancelStep flow=flow />
                        <button
                            type="submit"
                            class="button button-primary"
                            node_ref=send_ref
                            aria-disabled=move || asking.get().to_string()
                        >
                            {move || {
                                if asking.get() {
                                    i18n.t(Key::BusySending).to_owned()
                                } else {
                                    i18n.tf(phone_label(channel), &[("destination", &label_destination)])
                                }
                            }}
                        </button>
                    </div>
                </form>
            }
            .into_any();
        }
        let code_length = sent.with_untracked(|s| s.as_ref().map_or(6, |s| s.code_length));
        view! {
            <p id="second-step-text">
                {move || {
                    sent.with(|s| {
                        s.as_ref()
                            .map(|s| {
                                i18n.tf(
                                    crate::components::code_form::sent_text(s.channel),
                                    &[
                                        ("destination", &s.destination),
                                        ("length", &s.code_length.to_string()),
                                    ],
                                )
                            })
                            .unwrap_or_default()
                    })
                }}
            </p>
            <CodeEntry
                flow=flow
                code_length=code_length
                app=false
                described_by="second-step-text second-step-code-hint second-step-code-expiry"
            >
                <p id="second-step-code-expiry" class="hint">
                    {move || {
                        let time = sent
                            .with(|s| s.as_ref().and_then(|s| s.expires_at_ms))
                            .map(|at| format::time_of_day(at, i18n.lang()))
                            .unwrap_or_default();
                        i18n.tf(Key::CodeExpires, &[("time", &time)])
                    }}
                </p>
                <Show when=move || notice.with(Option::is_some)>
                    <p class="hint">{move || notice.get().map(|shown| shown.text(&i18n))}</p>
                </Show>
                <FieldError error=error alert=true />
                <div class="resend">
                    <button
                        type="button"
                        class="link-button"
                        id="second-step-resend"
                        aria-disabled=move || (resend_wait.get() > 0 || asking.get()).to_string()
                        aria-describedby=move || {
                            (resend_wait.get() > 0).then_some("second-step-resend-wait")
                        }
                        on:click=move |_| {
                            if resend_wait.get_untracked() == 0 && !asking.get_untracked() {
                                ask.dispatch_local(());
                            }
                        }
                    >
                        {move || {
                            if asking.get() { i18n.t(Key::BusySending) } else { i18n.t(Key::Resend) }
                        }}
                    </button>
                    <Show when=move || { resend_wait.get() > 0 }>
                        <span id="second-step-resend-wait" class="hint">
                            {move || {
                                i18n.tf(
                                    Key::ResendIn,
                                    &[("time", &format_countdown(resend_wait.get()))],
                                )
                            }}
                        </span>
                    </Show>
                </div>
            </CodeEntry>
        }
        .into_any()
    }
}

/// The code field of an app or a phone, **Cancel** and **Verify**.
#[component]
fn CodeEntry(
    flow: Flow,
    code_length: u8,
    /// An authenticator app's code (a wrong one speaks of the phone's clock).
    app: bool,
    /// The ids of the texts that describe the field.
    described_by: &'static str,
    /// What goes between the field and the buttons (a phone's expiry and resend).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let verify = Action::new_local(|code: &String| {
        api::second_step_answer(SecondStepAnswer::Code { code: code.clone() })
    });
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(passed)) => flow.on_passed.run(passed),
        Some(Err(api_error)) => {
            let shown = if app && api_error.code() == Some(ProblemCode::CodeIncorrect) {
                Some(wrong_code_text(api_error))
            } else {
                flow.failed(api_error)
            };
            if shown.is_some() {
                code.set(String::new());
                error.set(shown);
                focus_input();
            }
        }
        None => {}
    });
    let verifying = verify.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if verifying.get_untracked() {
            return;
        }
        match VerificationCode::parse(&code.get_untracked(), usize::from(code_length)) {
            Ok(parsed) => {
                error.set(None);
                verify.dispatch_local(parsed.as_str().to_owned());
            }
            Err(problem) => {
                error.set(Some(typed_code_error(problem)));
                focus_input();
            }
        }
    };
    let hint = if app {
        Key::AppCodePrompt
    } else {
        Key::CodeHint
    };
    view! {
        <form novalidate on:submit=submit>
            <div class="field">
                <label for="second-step-code">{i18n.text(Key::CodeLabel)}</label>
                <CodeInput
                    id="second-step-code"
                    code=code
                    error=error
                    input_ref=input_ref
                    error_id="second-step-code-error"
                    described_by=described_by
                />
                <FieldError error=error id="second-step-code-error" />
                <p id="second-step-code-hint" class="hint">
                    {move || i18n.tf(hint, &[("length", &code_length.to_string())])}
                </p>
            </div>
            {children.map(|children| children())}
            <div class="actions">
                <CancelStep flow=flow />
                <SubmitButton pending=verifying label=Key::Verify busy_label=Key::BusyChecking />
            </div>
        </form>
    }
}

/// A security key or passkey: **Next** asks for the challenge and opens the browser's prompt
/// (at once when picked from the list, the click being the user's gesture).
#[component]
fn KeyWay(flow: Flow, picked: bool) -> impl IntoView {
    let prompt = || async {
        let challenge = api::second_step_challenge(SecondStepChoice::SecurityKey {})
            .await
            .map_err(KeyFailed::Api)?;
        let SecondStepChallenge::WebAuthn { options } = challenge else {
            return Err(KeyFailed::Api(ApiError::Decode));
        };
        let credential = webauthn::get_credential(&options)
            .await
            .map_err(KeyFailed::Browser)?;
        api::second_step_answer(SecondStepAnswer::Assertion { credential })
            .await
            .map_err(KeyFailed::Api)
    };
    view! {
        <KeyPromptForm
            prompt=prompt
            on_passed=move |passed| flow.on_passed.run(passed)
            on_refused=move |error| flow.failed(error)
            text=Key::SecondStepKeyText
            text_id="second-step-text"
            at_once=picked
            focus_button=true
        >
            <CancelStep flow=flow />
        </KeyPromptForm>
    }
}

/// A recovery code, as typed (case, spaces and dashes do not matter to the server).
#[component]
fn Recovery(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let verify = Action::new_local(|code: &String| {
        api::second_step_answer(SecondStepAnswer::RecoveryCode { code: code.clone() })
    });
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(passed)) => flow.on_passed.run(passed),
        Some(Err(api_error)) => {
            if let Some(shown) = flow.failed(api_error) {
                error.set(Some(shown));
                focus_input();
            }
        }
        None => {}
    });
    let verifying = verify.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if verifying.get_untracked() {
            return;
        }
        let typed = code.get_untracked().trim().to_owned();
        let cleaned = normalize_code_input(&typed);
        if cleaned.is_empty() || typed.chars().count() > RECOVERY_CODE_MAX {
            error.set(Some(Shown::Text(Key::SecondStepRecoveryEmpty)));
            focus_input();
            return;
        }
        error.set(None);
        verify.dispatch_local(typed);
    };
    view! {
        <form novalidate on:submit=submit>
            <p id="second-step-text">{i18n.text(Key::SecondStepRecoveryText)}</p>
            <div class="field">
                <label for="recovery-code">{i18n.text(Key::SecondStepRecoveryLabel)}</label>
                <input
                    id="recovery-code"
                    class="code-input recovery-code-input"
                    node_ref=input_ref
                    type="text"
                    name="recovery-code"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    maxlength="64"
                    prop:value=move || code.get()
                    on:input=move |event| code.set(event_target_value(&event))
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if error.with(Option::is_some) {
                            "recovery-code-error second-step-text"
                        } else {
                            "second-step-text"
                        }
                    }
                />
                <FieldError error=error id="recovery-code-error" />
            </div>
            <div class="actions">
                <CancelStep flow=flow />
                <SubmitButton pending=verifying label=Key::Verify busy_label=Key::BusyChecking />
            </div>
        </form>
    }
}

/// What to say after a recovery code passed the second step: how many are left, and, when few
/// are, to make new ones. `None` when no recovery code was used.
pub fn recovery_codes_left(passed: &SecondStepPassed) -> Option<(Shown, bool)> {
    let left = passed.recovery_codes_left?;
    let low = left < security_info_api::RECOVERY_CODES_LOW;
    let key = if low {
        Key::RecoveryCodeUsedLow
    } else {
        Key::RecoveryCodeUsed
    };
    Some((Shown::Filled(key, vec![("count", left.to_string())]), low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn phone(channel: Channel) -> SecondStepWay {
        SecondStepWay {
            choice: SecondStepChoice::Phone {
                method_id: "m1".into(),
                channel,
            },
            hint: Some("+31 • ••••••78".into()),
            is_default: false,
        }
    }

    #[test]
    fn a_phone_way_is_named_by_how_and_where_the_code_goes() {
        let en = I18n::fixed(Lang::En);
        assert_eq!(way_label(&en, &phone(Channel::Sms)), "Text +31 • ••••••78");
        assert_eq!(
            way_label(&en, &phone(Channel::Voice)),
            "Call +31 • ••••••78"
        );
        let nl = I18n::fixed(Lang::Nl);
        assert_eq!(way_label(&nl, &phone(Channel::Voice)), "Bel +31 • ••••••78");
        let app = SecondStepWay {
            choice: SecondStepChoice::AuthenticatorApp {},
            hint: None,
            is_default: true,
        };
        assert_eq!(way_label(&en, &app), "Use a code from my authenticator app");
    }

    #[test]
    fn few_recovery_codes_left_ask_for_new_ones() {
        let passed = |left| SecondStepPassed {
            user: None,
            recovery_codes_left: left,
        };
        assert_eq!(recovery_codes_left(&passed(None)), None);
        assert_eq!(
            recovery_codes_left(&passed(Some(9))),
            Some((
                Shown::Filled(Key::RecoveryCodeUsed, vec![("count", "9".into())]),
                false
            ))
        );
        let low = recovery_codes_left(&passed(Some(security_info_api::RECOVERY_CODES_LOW - 1)));
        assert!(low.is_some_and(
            |(shown, low)| low && matches!(shown, Shown::Filled(Key::RecoveryCodeUsedLow, _))
        ));
        assert!(recovery_codes_left(&passed(Some(0))).is_some_and(|(_, low)| low));
    }
}
