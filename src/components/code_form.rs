//! **Code**: "We just sent a code to ...", the answer to every challenge that is a code sent
//! over a channel (whatever the type). Takes a typed or pasted code (`123 456` works), shows
//! when the code expires and when a new one may be asked for, and says how many tries are left
//! after a wrong code. Only its sentences depend on the channel (a mail, a text, a call): see
//! [`sent_text`].

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    Channel, CodeError, Method, MethodCreated, ProblemCode, Registration, RegistrationAnswer,
    VerificationCode,
};

use crate::add_method::{CodeChallenge, normalize_code_input};
use crate::api::{self, ApiError, ApiResult};
use crate::clock::ticking_now;
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::status::use_status;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::format::{self, format_countdown, seconds_until};
use crate::i18n::{Key, use_i18n};
use crate::step_up::{StepUp, use_step_up, with_step_up};

/// The code step of adding a method whose challenge is a code.
#[component]
pub fn CodeForm(
    /// Where the code went and its times.
    challenge: CodeChallenge,
    /// Called when a new code was sent (the registration's times changed).
    #[prop(into)]
    on_resent: Callback<Registration>,
    /// Called on **Back**.
    #[prop(into)]
    on_back: Callback<()>,
    /// Called on **Start again** once the registration is void.
    #[prop(into)]
    on_void: Callback<()>,
    /// Called with the new method once the code was right.
    #[prop(into)]
    on_verified: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let step_up = use_step_up();
    let challenge = RwSignal::new(challenge);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let void = RwSignal::new(false);
    let server_expired = RwSignal::new(false);
    let notice = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };

    // The countdowns' clock, stopped with the form.
    let now = ticking_now();
    let resend_wait = Memo::new(move |_| {
        let at = challenge.with(|c| c.resend_at_ms);
        at.map_or(0, |at| seconds_until(now.get(), at))
    });
    let expires_ms = Memo::new(move |_| challenge.with(|c| c.expires_at_ms));
    let expired = Memo::new(move |_| {
        server_expired.get()
            || expires_ms
                .get()
                .is_some_and(|at| seconds_until(now.get(), at) == 0)
    });

    let verify = Action::new_local(move |code: &String| {
        let id = challenge.with_untracked(|c| c.registration_id.clone());
        answer_with_code(step_up, id, code.clone())
    });
    Effect::new(move |_| {
        if let Some(result) = verify.value().get() {
            match result {
                Ok(created) => on_verified.run(created.method),
                Err(api_error) => {
                    if voids_registration(&api_error) {
                        void.set(true);
                    } else if api_error.code() == Some(ProblemCode::CodeExpired) {
                        server_expired.set(true);
                    }
                    error.set(Some(Shown::Api(api_error)));
                    focus_input();
                }
            }
        }
    });

    let resend = Action::new_local(move |(): &()| {
        let id = challenge.with_untracked(|c| c.registration_id.clone());
        async move { api::resend_registration(id).await }
    });
    Effect::new(move |_| {
        if let Some(result) = resend.value().get() {
            match result.map(|fresh| (CodeChallenge::of(&fresh), fresh)) {
                Ok((Some(renewed), fresh)) => {
                    let resent = Shown::Filled(
                        resent_text(renewed.channel),
                        vec![("destination", renewed.destination.clone())],
                    );
                    status.say(resent.text(&i18n));
                    notice.set(Some(resent));
                    challenge.set(renewed);
                    server_expired.set(false);
                    error.set(None);
                    code.set(String::new());
                    on_resent.run(fresh);
                    focus_input();
                }
                // A resend never changes the kind of challenge; if it did, this form cannot
                // answer it.
                Ok((None, _)) => {
                    void.set(true);
                    error.set(Some(Shown::Api(ApiError::Decode)));
                }
                Err(api_error) => {
                    if matches!(
                        api_error.code(),
                        Some(
                            ProblemCode::VerificationLocked
                                | ProblemCode::NotFound
                                | ProblemCode::CodeExpired
                        )
                    ) {
                        void.set(true);
                    }
                    notice.set(None);
                    error.set(Some(Shown::Api(api_error)));
                }
            }
        }
    });
    let verifying = verify.pending();
    let resending = resend.pending();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if verifying.get_untracked() || void.get_untracked() {
            return;
        }
        let length = usize::from(challenge.with_untracked(|c| c.code_length));
        match VerificationCode::parse(&code.get_untracked(), length) {
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
    let ask_again = move |_| {
        if resend_wait.get_untracked() == 0 && !resending.get_untracked() {
            resend.dispatch_local(());
        }
    };

    view! {
        <form novalidate on:submit=submit>
            <p id="code-sent">
                {move || {
                    challenge
                        .with(|c| {
                            i18n.tf(
                                sent_text(c.channel),
                                &[
                                    ("destination", &c.destination),
                                    ("length", &c.code_length.to_string()),
                                ],
                            )
                        })
                }}
            </p>
            <div class="field">
                <label for="verification-code">{i18n.text(Key::CodeLabel)}</label>
                <CodeInput
                    id="verification-code"
                    code=code
                    error=error
                    input_ref=input_ref
                    error_id="code-error"
                    described_by="code-hint code-expiry"
                />
                <FieldError error=error id="code-error" />
                <p id="code-hint" class="hint">
                    {move || {
                        i18n.tf(
                            Key::CodeHint,
                            &[("length", &challenge.with(|c| c.code_length.to_string()))],
                        )
                    }}
                </p>
                <p id="code-expiry" class="hint" class:warning=move || expired.get()>
                    {move || {
                        if expired.get() {
                            i18n.t(Key::CodeExpiredLocal).to_owned()
                        } else {
                            let time = expires_ms
                                .get()
                                .map(|at| format::time_of_day(at, i18n.lang()))
                                .unwrap_or_default();
                            i18n.tf(Key::CodeExpires, &[("time", &time)])
                        }
                    }}
                </p>
            </div>
            <Show when=move || notice.with(Option::is_some)>
                <p class="hint">{move || notice.get().map(|shown| shown.text(&i18n))}</p>
            </Show>
            <div class="resend" hidden=move || void.get()>
                <button
                    type="button"
                    class="link-button"
                    id="resend-code"
                    aria-disabled=move || (resend_wait.get() > 0 || resending.get()).to_string()
                    aria-describedby=move || (resend_wait.get() > 0).then_some("resend-wait")
                    on:click=ask_again
                >
                    {move || {
                        if resending.get() { i18n.t(Key::BusySending) } else { i18n.t(Key::Resend) }
                    }}
                </button>
                <Show when=move || { resend_wait.get() > 0 }>
                    <span id="resend-wait" class="hint" data-testid="resend-countdown">
                        {move || {
                            i18n.tf(Key::ResendIn, &[("time", &format_countdown(resend_wait.get()))])
                        }}
                    </span>
                </Show>
            </div>
            <ChallengeActions verifying=verifying void=void on_back=on_back on_void=on_void />
        </form>
    }
}

/// What the form says first: where the code went and how (`{destination}`; a text also
/// says `{length}`): "We just sent a code to ...", "We just texted a 6-digit code to ...",
/// "We're calling ... now".
pub fn sent_text(channel: Channel) -> Key {
    match channel {
        Channel::Email => Key::CodeSent,
        Channel::Sms => Key::CodeSentSms,
        Channel::Voice => Key::CodeSentVoice,
    }
}

/// What the form says after **Resend code** sent a new one (`{destination}`).
pub fn resent_text(channel: Channel) -> Key {
    match channel {
        Channel::Email => Key::CodeResent,
        Channel::Sms => Key::CodeResentSms,
        Channel::Voice => Key::CodeResentVoice,
    }
}

/// The field a code is typed or pasted into: digits on phones, the browser's one-time-code
/// autofill, and spaces and dashes dropped as they are typed (`123 456` works).
#[component]
pub fn CodeInput(
    /// The element id (its label's `for`).
    id: &'static str,
    /// What is typed, cleaned.
    code: RwSignal<String>,
    /// What is wrong with it, if anything.
    error: RwSignal<Option<Shown>>,
    /// The input element, for focus.
    input_ref: NodeRef<html::Input>,
    /// The id of the field's error text.
    error_id: &'static str,
    /// The ids of the hints that describe the field.
    described_by: &'static str,
) -> impl IntoView {
    view! {
        <input
            id=id
            class="code-input"
            node_ref=input_ref
            type="text"
            name="code"
            inputmode="numeric"
            autocomplete="one-time-code"
            spellcheck="false"
            prop:value=move || code.get()
            on:input=move |event| {
                let cleaned = normalize_code_input(&event_target_value(&event));
                code.set(cleaned.clone());
                if let Some(input) = input_ref.get_untracked()
                    && input.value() != cleaned
                {
                    input.set_value(&cleaned);
                }
            }
            aria-invalid=move || error.with(Option::is_some).to_string()
            aria-describedby=move || {
                if error.with(Option::is_some) {
                    format!("{error_id} {described_by}")
                } else {
                    described_by.to_owned()
                }
            }
        />
    }
}

/// **Back**, and **Next** to check the code, or **Start again** once the registration is void:
/// the buttons of every challenge's answer.
#[component]
pub fn ChallengeActions(
    /// Whether the answer is being checked.
    #[prop(into)]
    verifying: Signal<bool>,
    /// Whether the registration is void (too many wrong answers, or over).
    #[prop(into)]
    void: Signal<bool>,
    /// Called on **Back**.
    #[prop(into)]
    on_back: Callback<()>,
    /// Called on **Start again**.
    #[prop(into)]
    on_void: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="actions">
            <button type="button" class="button" on:click=move |_| on_back.run(())>
                {i18n.text(Key::Back)}
            </button>
            <Show
                when=move || void.get()
                fallback=move || {
                    view! {
                        <SubmitButton pending=verifying label=Key::Next busy_label=Key::BusyChecking />
                    }
                }
            >
                <button type="button" class="button button-primary" on:click=move |_| on_void.run(())>
                    {i18n.text(Key::StartAgain)}
                </button>
            </Show>
        </div>
    }
}

/// Answers registration `registration_id` with a typed code, asking for the password first if
/// the server wants a fresh sign-in.
pub async fn answer_with_code(
    step_up: StepUp,
    registration_id: String,
    code: String,
) -> ApiResult<MethodCreated> {
    let answer = RegistrationAnswer::Code { code };
    with_step_up(step_up, || {
        api::answer_registration(registration_id.clone(), answer.clone())
    })
    .await
}

/// What the code field says of input that is not a code.
pub fn typed_code_error(problem: CodeError) -> Shown {
    match problem {
        CodeError::Empty => Shown::Text(Key::CodeErrorEmpty),
        CodeError::NotDigits => Shown::Text(Key::CodeErrorDigits),
        CodeError::WrongLength { expected } => {
            Shown::Filled(Key::CodeErrorLength, vec![("length", expected.to_string())])
        }
    }
}

/// Whether a failed verification voids the registration (the user must start again).
pub fn voids_registration(error: &ApiError) -> bool {
    matches!(
        error.code(),
        Some(ProblemCode::VerificationLocked | ProblemCode::NotFound)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, fill};

    fn sent(channel: Channel, lang: Lang) -> String {
        let args = [("destination", "+31 6 12345678"), ("length", "6")];
        fill(sent_text(channel).text(lang), &args)
    }

    #[test]
    fn the_code_step_says_how_the_code_came() {
        assert_eq!(
            sent(Channel::Sms, Lang::En),
            "We just texted a 6-digit code to +31 6 12345678."
        );
        assert_eq!(
            sent(Channel::Voice, Lang::En),
            "We're calling +31 6 12345678 now. Enter the code you hear."
        );
        assert_eq!(
            sent(Channel::Voice, Lang::Nl),
            "We bellen nu +31 6 12345678. Voer de code in die u hoort."
        );
        assert_eq!(sent_text(Channel::Email), Key::CodeSent);
        assert_eq!(resent_text(Channel::Email), Key::CodeResent);
        assert_ne!(resent_text(Channel::Sms), resent_text(Channel::Voice));
    }
}
