//! **Reset your password** (`/reset-password`), public, also inside a portal's frame: **Who are
//! you?** (the work or school address), **How do you want to verify?** (the organization's
//! ways, not the account's), the way's own step (the full email address or phone number the
//! user registered, an authenticator app's code, the browser's prompt for a security key or
//! passkey, the security questions), once more with
//! **Verify another way** when the organization asks for two, then **Choose a new password**
//! (checked by the server while the user types) and **Done**.
//!
//! Nothing on the page tells whether the address has an account, or whether a typed address or
//! number is registered: the page says a code went out *if* it is. A reset that has ended (too
//! slow, too many wrong answers) goes back to the first step with the reason.

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use security_info_api::{
    AskedQuestion, Channel, EmailAddress, MethodType, PasswordReset, PasswordVerdict, PhoneChannel,
    PhoneRegion, ProblemCode, ResetAnswer, ResetChallenge, ResetChoice, ResetQuestionAnswer,
    VerificationCode,
};

use crate::api::{self, ApiError};
use crate::clock::ticking_now;
use crate::components::app_setup::wrong_code_text;
use crate::components::code_form::{CodeInput, typed_code_error};
use crate::components::field_error::FieldError;
use crate::components::key_prompt::{KeyFailed, KeyPromptForm};
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::load_error::{LoadError, Loading};
use crate::components::modal::focus_on_mount;
use crate::components::status::{StatusRegion, use_status};
use crate::components::submit_button::SubmitButton;
use crate::components::top_bar::TopBar;
use crate::embed::use_embed;
use crate::errors::Shown;
use crate::format::{self, format_countdown, parse_rfc3339_ms, seconds_until};
use crate::i18n::{I18n, Key, use_i18n};
use crate::methods;
use crate::methods::phone::{RegionField, check_number, first_region};
use crate::pages::use_page_title;
use crate::webauthn;

/// How long the new password field waits after the last key before asking the server.
const CHECK_DELAY: Duration = Duration::from_millis(400);

/// Where the reset is.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// **Who are you?**
    Who,
    /// **How do you want to verify?** (or **Verify another way**).
    Choose,
    /// The email address the user registered.
    Email,
    /// The phone number the user registered.
    Phone,
    /// A code: sent to the address or number (if registered), or an app's.
    Code {
        /// What was chosen (asked again for a new code).
        choice: ResetChoice,
        /// What the server said to answer.
        challenge: ResetChallenge,
    },
    /// The browser's prompt for a security key or passkey.
    Key,
    /// The security questions asked.
    Questions(Vec<AskedQuestion>),
    /// **Choose a new password**.
    Password,
    /// **Done**.
    Done,
}

/// The reset's state shared by its steps.
#[derive(Clone, Copy)]
struct Flow {
    step: RwSignal<Step>,
    reset: RwSignal<Option<PasswordReset>>,
    username: RwSignal<String>,
    /// Why the reset began again (said on the first step).
    restarted: RwSignal<Option<Shown>>,
    /// Whether the user has left the first step once (focus then follows each step).
    moved: StoredValue<bool>,
}

impl Flow {
    fn go(self, step: Step) {
        self.moved.set_value(true);
        self.step.set(step);
    }

    /// What to show of a failed call, or `None` when the reset has ended: then the page goes
    /// back to the first step and says why.
    fn failed(self, error: ApiError) -> Option<Shown> {
        if error.code() == Some(ProblemCode::ResetExpired) {
            self.restarted.set(Some(Shown::Api(error)));
            self.reset.set(None);
            self.go(Step::Who);
            None
        } else {
            Some(Shown::Api(error))
        }
    }

    /// A gate was passed: the new password, or the next gate.
    fn passed(self, reset: PasswordReset) {
        let next = if reset.password_allowed {
            Step::Password
        } else {
            Step::Choose
        };
        self.reset.set(Some(reset));
        self.go(next);
    }
}

/// The page.
#[component]
pub fn ResetPassword() -> impl IntoView {
    use_page_title(Key::ResetTitle);
    let embed = use_embed();
    let flow = Flow {
        step: RwSignal::new(Step::Who),
        reset: RwSignal::new(None),
        username: RwSignal::new(String::new()),
        restarted: RwSignal::new(None),
        moved: StoredValue::new(false),
    };
    let shown = move || match flow.step.get() {
        Step::Who => view! { <Who flow=flow /> }.into_any(),
        Step::Choose => match flow.reset.get_untracked() {
            Some(reset) => view! { <Choose flow=flow reset=reset /> }.into_any(),
            None => view! { <Who flow=flow /> }.into_any(),
        },
        Step::Email => view! { <EmailWay flow=flow /> }.into_any(),
        Step::Phone => view! { <PhoneWay flow=flow /> }.into_any(),
        Step::Code { choice, challenge } => {
            view! { <CodeStep flow=flow choice=choice challenge=challenge /> }.into_any()
        }
        Step::Key => view! { <KeyStep flow=flow /> }.into_any(),
        Step::Questions(questions) => {
            view! { <QuestionsStep flow=flow questions=questions /> }.into_any()
        }
        Step::Password => view! { <PasswordStep flow=flow /> }.into_any(),
        Step::Done => view! { <DoneStep /> }.into_any(),
    };
    view! {
        {move || {
            (!embed.is_embedded())
                .then(|| {
                    view! {
                        <TopBar>
                            <LanguageSwitcher />
                        </TopBar>
                    }
                })
        }}
        <main id="main" class="single" tabindex="-1">
            <StatusRegion />
            <div class="card signin reset">{shown}</div>
        </main>
    }
}

/// The step's heading, focused when the step appears (unless the page just opened).
#[component]
fn StepTitle(key: Key, #[prop(optional)] focus: Option<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let heading = NodeRef::<html::H1>::new();
    if focus.unwrap_or(true) {
        focus_on_mount(heading);
    }
    view! {
        <h1 id="reset-step-title" tabindex="-1" node_ref=heading>
            {i18n.text(key)}
        </h1>
    }
}

/// **Back** to the choice of way.
#[component]
fn BackButton(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class="button" on:click=move |_| flow.go(Step::Choose)>
            {i18n.text(Key::Back)}
        </button>
    }
}

/// Focuses an input, if it is on the page.
fn focus_input(node: NodeRef<html::Input>) {
    if let Some(input) = node.get_untracked() {
        let _ = input.focus();
    }
}

/// **Who are you?**: the work or school address.
#[component]
fn Who(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    let start = Action::new_local(|username: &String| api::start_password_reset(username.clone()));
    Effect::new(move |_| match start.value().get() {
        Some(Ok(reset)) => {
            flow.restarted.set(None);
            flow.reset.set(Some(reset));
            flow.go(Step::Choose);
        }
        Some(Err(api_error)) => {
            error.set(Some(Shown::Api(api_error)));
            focus_input(input_ref);
        }
        None => {}
    });
    let pending = start.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let username = flow.username.get_untracked().trim().to_owned();
        if username.is_empty() {
            error.set(Some(Shown::Text(Key::ResetErrorUsername)));
            focus_input(input_ref);
            return;
        }
        error.set(None);
        start.dispatch_local(username);
    };
    view! {
        <StepTitle key=Key::ResetWhoTitle focus=flow.moved.get_value() />
        <form novalidate on:submit=submit>
            <p id="reset-who-text">{i18n.text(Key::ResetWhoText)}</p>
            <Show when=move || flow.restarted.with(Option::is_some)>
                <p class="notice notice-error" role="alert">
                    {move || flow.restarted.get().map(|shown| shown.text(&i18n))}
                </p>
            </Show>
            <div class="field">
                <label for="reset-username">{i18n.text(Key::SigninUsername)}</label>
                <input
                    id="reset-username"
                    node_ref=input_ref
                    type="email"
                    name="username"
                    autocomplete="username"
                    spellcheck="false"
                    autocapitalize="none"
                    prop:value=move || flow.username.get()
                    on:input=move |event| flow.username.set(event_target_value(&event))
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if error.with(Option::is_some) {
                            "reset-username-error reset-who-text"
                        } else {
                            "reset-who-text"
                        }
                    }
                />
                <FieldError error=error id="reset-username-error" />
            </div>
            <div class="actions">
                <a class="button" href="/signin">
                    {i18n.text(Key::ResetBackToSignIn)}
                </a>
                <SubmitButton pending=pending label=Key::Next busy_label=Key::ResetBusyStarting />
            </div>
        </form>
    }
}

/// What a way is called in the list.
fn way_key(method_type: MethodType) -> Key {
    match method_type {
        MethodType::Email => Key::ResetWayEmail,
        MethodType::Phone => Key::ResetWayPhone,
        MethodType::AuthenticatorApp => Key::ResetWayApp,
        MethodType::SecurityQuestions => Key::ResetWayQuestions,
        MethodType::SecurityKey => Key::ResetWayKey,
    }
}

/// A way's label, with the hints the server gave for it once a gate is passed.
fn way_label(i18n: &I18n, reset: &PasswordReset, method_type: MethodType) -> String {
    let way = i18n.t(way_key(method_type));
    let hints: Vec<&str> = reset
        .hints
        .iter()
        .filter(|hint| hint.method_type == method_type)
        .map(|hint| hint.hint.as_str())
        .collect();
    if hints.is_empty() {
        way.to_owned()
    } else {
        i18n.tf(
            Key::ResetWayWithHint,
            &[("way", way), ("hint", &hints.join(", "))],
        )
    }
}

/// The ways still to offer: the organization's, in its order, without those passed.
fn remaining_ways(reset: &PasswordReset) -> Vec<MethodType> {
    reset
        .ways
        .iter()
        .copied()
        .filter(|way| !reset.passed.contains(way))
        .collect()
}

/// **How do you want to verify?** (**Verify another way** after a first gate): the ways not
/// passed yet, with the server's hints once the account is proven.
#[component]
fn Choose(flow: Flow, reset: PasswordReset) -> impl IntoView {
    let i18n = use_i18n();
    let remaining = remaining_ways(&reset);
    let chosen = RwSignal::new(remaining.first().copied());
    let error = RwSignal::new(None::<Shown>);
    let another = !reset.passed.is_empty();
    let passed = reset.passed.clone();
    let ask = Action::new_local(|choice: &ResetChoice| {
        let choice = choice.clone();
        async move {
            let challenge = api::choose_reset_way(choice.clone()).await?;
            Ok::<_, ApiError>((choice, challenge))
        }
    });
    Effect::new(move |_| match ask.value().get() {
        Some(Ok((_, ResetChallenge::Questions { questions }))) => {
            flow.go(Step::Questions(questions));
        }
        Some(Ok((choice, challenge))) => flow.go(Step::Code { choice, challenge }),
        Some(Err(api_error)) => error.set(flow.failed(api_error)),
        None => {}
    });
    let pending = ask.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        match chosen.get_untracked() {
            Some(MethodType::Email) => flow.go(Step::Email),
            Some(MethodType::Phone) => flow.go(Step::Phone),
            Some(MethodType::AuthenticatorApp) => {
                ask.dispatch_local(ResetChoice::AuthenticatorApp {});
            }
            Some(MethodType::SecurityQuestions) => {
                ask.dispatch_local(ResetChoice::SecurityQuestions {});
            }
            // The key's step asks for the challenge and opens the prompt at once, this click
            // being the user's gesture.
            Some(MethodType::SecurityKey) => flow.go(Step::Key),
            None => {}
        }
    };
    let reset = StoredValue::new(reset);
    let radios = remaining
        .into_iter()
        .map(|way| {
            let id = format!("reset-way-{}", way.as_str());
            view! {
                <div class="choice">
                    <input
                        type="radio"
                        id=id.clone()
                        name="reset-way"
                        value=way.as_str()
                        prop:checked=move || chosen.get() == Some(way)
                        on:change=move |_| {
                            chosen.set(Some(way));
                            error.set(None);
                        }
                    />
                    <label for=id>{move || reset.with_value(|reset| way_label(&i18n, reset, way))}</label>
                </div>
            }
        })
        .collect_view();
    let intro = move || {
        if another {
            let names: Vec<&str> = passed.iter().map(|t| methods::name(&i18n, *t)).collect();
            i18n.tf(Key::ResetAnotherText, &[("passed", &names.join(", "))])
        } else {
            i18n.t(Key::ResetChooseText).to_owned()
        }
    };
    view! {
        <StepTitle key=if another { Key::ResetAnotherTitle } else { Key::ResetChooseTitle } />
        <form novalidate on:submit=submit>
            <fieldset class="choices">
                <legend>{intro}</legend>
                {radios}
            </fieldset>
            <FieldError error=error alert=true />
            <div class="actions">
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusyChecking />
            </div>
        </form>
    }
}

/// The email address the user registered: a code goes to it only if it is.
#[component]
fn EmailWay(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    let address = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    let ask = Action::new_local(|choice: &ResetChoice| {
        let choice = choice.clone();
        async move {
            let challenge = api::choose_reset_way(choice.clone()).await?;
            Ok::<_, ApiError>((choice, challenge))
        }
    });
    Effect::new(move |_| match ask.value().get() {
        Some(Ok((choice, challenge))) => flow.go(Step::Code { choice, challenge }),
        Some(Err(api_error)) => {
            if let Some(shown) = flow.failed(api_error) {
                error.set(Some(shown));
                focus_input(input_ref);
            }
        }
        None => {}
    });
    let pending = ask.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = address.get_untracked().trim().to_owned();
        match EmailAddress::parse(&typed) {
            Ok(_) => {
                error.set(None);
                ask.dispatch_local(ResetChoice::Email {
                    email_address: typed,
                });
            }
            Err(_) => {
                error.set(Some(Shown::Text(Key::EmailErrorSyntax)));
                focus_input(input_ref);
            }
        }
    };
    view! {
        <StepTitle key=Key::ResetEmailTitle />
        <form novalidate on:submit=submit>
            <div class="field">
                <label for="reset-email">{i18n.text(Key::ResetEmailLabel)}</label>
                <input
                    id="reset-email"
                    node_ref=input_ref
                    type="email"
                    name="email"
                    autocomplete="email"
                    spellcheck="false"
                    autocapitalize="none"
                    prop:value=move || address.get()
                    on:input=move |event| address.set(event_target_value(&event))
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if error.with(Option::is_some) {
                            "reset-email-error reset-email-hint"
                        } else {
                            "reset-email-hint"
                        }
                    }
                />
                <FieldError error=error id="reset-email-error" />
                <p id="reset-email-hint" class="hint">
                    {i18n.text(Key::ResetEmailHint)}
                </p>
            </div>
            <div class="actions">
                <BackButton flow=flow />
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusySending />
            </div>
        </form>
    }
}

/// The account's security key or passkey: the prompt opens at once (the choice's **Next** was
/// the user's gesture); **Try again** asks for a new challenge after a cancelled prompt or a
/// refused answer.
#[component]
fn KeyStep(flow: Flow) -> impl IntoView {
    let prompt = || async {
        let challenge = api::choose_reset_way(ResetChoice::SecurityKey {})
            .await
            .map_err(KeyFailed::Api)?;
        let ResetChallenge::WebAuthn { options } = challenge else {
            return Err(KeyFailed::Api(ApiError::Decode));
        };
        let credential = webauthn::get_credential(&options)
            .await
            .map_err(KeyFailed::Browser)?;
        api::verify_reset_way(ResetAnswer::Assertion { credential })
            .await
            .map_err(KeyFailed::Api)
    };
    view! {
        <StepTitle key=Key::ResetKeyTitle />
        <KeyPromptForm
            prompt=prompt
            on_passed=move |reset| flow.passed(reset)
            on_refused=move |error| flow.failed(error)
            text=Key::ResetKeyText
            text_id="reset-key-text"
            at_once=true
        >
            <BackButton flow=flow />
        </KeyPromptForm>
    }
}

/// The phone number the user registered, its country or region, and text or call.
#[component]
fn PhoneWay(flow: Flow) -> impl IntoView {
    let regions = LocalResource::new(api::phone_regions);
    view! {
        <StepTitle key=Key::ResetPhoneTitle />
        <Transition fallback=Loading>
            {move || {
                regions
                    .get()
                    .map(|result| match result {
                        Ok(list) => view! { <PhoneFields flow=flow regions=list.regions /> }.into_any(),
                        Err(error) => {
                            view! {
                                <LoadError error=error on_retry=move |()| regions.refetch() />
                                <div class="actions">
                                    <BackButton flow=flow />
                                </div>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn PhoneFields(flow: Flow, regions: Vec<PhoneRegion>) -> impl IntoView {
    let i18n = use_i18n();
    let region = RwSignal::new(first_region(i18n.lang_untracked(), &regions));
    let number = RwSignal::new(String::new());
    let channel = RwSignal::new(PhoneChannel::Sms);
    let region_error = RwSignal::new(None::<Shown>);
    let number_error = RwSignal::new(None::<Shown>);
    let form_error = RwSignal::new(None::<Shown>);
    let number_ref = NodeRef::<html::Input>::new();
    let region_ref = NodeRef::<html::Select>::new();
    let ask = Action::new_local(|choice: &ResetChoice| {
        let choice = choice.clone();
        async move {
            let challenge = api::choose_reset_way(choice.clone()).await?;
            Ok::<_, ApiError>((choice, challenge))
        }
    });
    Effect::new(move |_| match ask.value().get() {
        Some(Ok((choice, challenge))) => flow.go(Step::Code { choice, challenge }),
        Some(Err(api_error)) => {
            let about_number = matches!(
                api_error.code(),
                Some(
                    ProblemCode::InvalidPhoneNumber
                        | ProblemCode::PhoneNumberNotPersonal
                        | ProblemCode::PhoneRegionNotAllowed
                )
            );
            if let Some(shown) = flow.failed(api_error) {
                if about_number {
                    number_error.set(Some(shown));
                    focus_input(number_ref);
                } else {
                    form_error.set(Some(shown));
                }
            }
        }
        None => {}
    });
    let pending = ask.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        region_error.set(None);
        number_error.set(None);
        form_error.set(None);
        let typed = check_number(&number.get_untracked());
        let region_now = region.get_untracked();
        let region_missing =
            region_now.is_empty() && !typed.as_ref().is_ok_and(|n| n.starts_with('+'));
        if region_missing {
            region_error.set(Some(Shown::Text(Key::PhoneErrorRegion)));
            if let Some(select) = region_ref.get_untracked() {
                let _ = select.focus();
            }
            return;
        }
        match typed {
            Ok(number) => {
                ask.dispatch_local(ResetChoice::Phone {
                    region: region_now,
                    number,
                    channel: channel.get_untracked(),
                });
            }
            Err(key) => {
                number_error.set(Some(Shown::Text(key)));
                focus_input(number_ref);
            }
        }
    };
    let radio = move |value: PhoneChannel, id: &'static str, label: Key, name: &'static str| {
        view! {
            <div class="choice">
                <input
                    type="radio"
                    id=id
                    name="reset-phone-channel"
                    value=name
                    prop:checked=move || channel.get() == value
                    on:change=move |_| channel.set(value)
                />
                <label for=id>{i18n.text(label)}</label>
            </div>
        }
    };
    view! {
        <form novalidate on:submit=submit>
            <p id="reset-phone-text">{i18n.text(Key::ResetPhoneText)}</p>
            <RegionField regions=regions region=region error=region_error select_ref=region_ref />
            <div class="field">
                <label for="reset-phone-number">{i18n.text(Key::PhoneNumberLabel)}</label>
                <input
                    id="reset-phone-number"
                    node_ref=number_ref
                    type="tel"
                    name="phone-number"
                    autocomplete="tel-national"
                    inputmode="tel"
                    spellcheck="false"
                    prop:value=move || number.get()
                    on:input=move |event| number.set(event_target_value(&event))
                    aria-invalid=move || number_error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        if number_error.with(Option::is_some) {
                            "reset-phone-number-error reset-phone-number-hint"
                        } else {
                            "reset-phone-number-hint"
                        }
                    }
                />
                <FieldError error=number_error id="reset-phone-number-error" />
                <p id="reset-phone-number-hint" class="hint">
                    {i18n.text(Key::PhoneNumberHint)}
                </p>
            </div>
            <fieldset class="choices">
                <legend>{i18n.text(Key::PhoneChannelLegend)}</legend>
                {radio(PhoneChannel::Sms, "reset-phone-channel-sms", Key::PhoneChannelSms, "sms")}
                {radio(PhoneChannel::Voice, "reset-phone-channel-voice", Key::PhoneChannelVoice, "voice")}
            </fieldset>
            <FieldError error=form_error alert=true />
            <div class="actions">
                <BackButton flow=flow />
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusySending />
            </div>
        </form>
    }
}

/// What the code step says of where the code went: only *if* the destination is registered.
fn sent_key(channel: Channel) -> Key {
    match channel {
        Channel::Email => Key::ResetCodeSentEmail,
        Channel::Sms => Key::ResetCodeSentSms,
        Channel::Voice => Key::ResetCodeSentVoice,
    }
}

/// A code: one sent to an address or number (with **Resend code** after the cooldown), or an
/// authenticator app's.
#[component]
fn CodeStep(flow: Flow, choice: ResetChoice, challenge: ResetChallenge) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let app = matches!(challenge, ResetChallenge::AppCode { .. });
    let challenge = RwSignal::new(challenge);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    // Why a new code could not be asked for (too soon, too many): announced, as focus stays
    // on **Resend code**.
    let resend_error = RwSignal::new(None::<Shown>);
    let input_ref = NodeRef::<html::Input>::new();
    let code_length = move || match challenge.get() {
        ResetChallenge::Code { code_length, .. } | ResetChallenge::AppCode { code_length } => {
            code_length
        }
        _ => 6,
    };
    let times = move || match challenge.get() {
        ResetChallenge::Code {
            expires_at,
            resend_available_at,
            ..
        } => (
            parse_rfc3339_ms(&expires_at),
            parse_rfc3339_ms(&resend_available_at),
        ),
        _ => (None, None),
    };
    let now = ticking_now();
    let resend_wait = Memo::new(move |_| times().1.map_or(0, |at| seconds_until(now.get(), at)));

    let verify = Action::new_local(|code: &String| {
        api::verify_reset_way(ResetAnswer::Code { code: code.clone() })
    });
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(reset)) => flow.passed(reset),
        Some(Err(api_error)) => {
            let shown = if app && api_error.code() == Some(ProblemCode::CodeIncorrect) {
                Some(wrong_code_text(api_error))
            } else {
                flow.failed(api_error)
            };
            if let Some(shown) = shown {
                code.set(String::new());
                error.set(Some(shown));
                focus_input(input_ref);
            }
        }
        None => {}
    });
    let resend = Action::new_local(move |(): &()| api::choose_reset_way(choice.clone()));
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(fresh)) => {
            status.say(i18n.t(Key::ResetCodeResent));
            challenge.set(fresh);
            error.set(None);
            resend_error.set(None);
            code.set(String::new());
            focus_input(input_ref);
        }
        Some(Err(api_error)) => resend_error.set(flow.failed(api_error)),
        None => {}
    });
    let verifying = verify.pending();
    let resending = resend.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if verifying.get_untracked() {
            return;
        }
        let length = usize::from(code_length());
        match VerificationCode::parse(&code.get_untracked(), length) {
            Ok(parsed) => {
                error.set(None);
                verify.dispatch_local(parsed.as_str().to_owned());
            }
            Err(problem) => {
                error.set(Some(typed_code_error(problem)));
                focus_input(input_ref);
            }
        }
    };
    let text = move || match challenge.get() {
        ResetChallenge::Code {
            channel,
            destination,
            ..
        } => i18n.tf(sent_key(channel), &[("destination", &destination)]),
        _ => i18n.t(Key::SecondStepAppText).to_owned(),
    };
    let hint = if app {
        Key::AppCodePrompt
    } else {
        Key::CodeHint
    };
    let resend_part = (!app).then(|| {
        view! {
            <p id="reset-code-expiry" class="hint">
                {move || {
                    let time = times()
                        .0
                        .map(|at| format::time_of_day(at, i18n.lang()))
                        .unwrap_or_default();
                    i18n.tf(Key::CodeExpires, &[("time", &time)])
                }}
            </p>
            <div class="resend">
                <button
                    type="button"
                    class="link-button"
                    id="reset-resend"
                    aria-disabled=move || (resend_wait.get() > 0 || resending.get()).to_string()
                    aria-describedby=move || (resend_wait.get() > 0).then_some("reset-resend-wait")
                    on:click=move |_| {
                        if resend_wait.get_untracked() == 0 && !resending.get_untracked() {
                            resend_error.set(None);
                            resend.dispatch_local(());
                        }
                    }
                >
                    {move || {
                        if resending.get() { i18n.t(Key::BusySending) } else { i18n.t(Key::Resend) }
                    }}
                </button>
                <Show when=move || { resend_wait.get() > 0 }>
                    <span id="reset-resend-wait" class="hint">
                        {move || {
                            i18n.tf(Key::ResendIn, &[("time", &format_countdown(resend_wait.get()))])
                        }}
                    </span>
                </Show>
            </div>
            <FieldError error=resend_error alert=true />
        }
    });
    let described = if app {
        "reset-code-text reset-code-hint"
    } else {
        "reset-code-text reset-code-hint reset-code-expiry"
    };
    view! {
        <StepTitle key=if app { Key::ResetAppTitle } else { Key::ResetCodeTitle } />
        <form novalidate on:submit=submit>
            <p id="reset-code-text">{text}</p>
            <div class="field">
                <label for="reset-code">{i18n.text(Key::CodeLabel)}</label>
                <CodeInput
                    id="reset-code"
                    code=code
                    error=error
                    input_ref=input_ref
                    error_id="reset-code-error"
                    described_by=described
                />
                <FieldError error=error id="reset-code-error" />
                <p id="reset-code-hint" class="hint">
                    {move || i18n.tf(hint, &[("length", &code_length().to_string())])}
                </p>
            </div>
            {resend_part}
            <div class="actions">
                <BackButton flow=flow />
                <SubmitButton pending=verifying label=Key::Verify busy_label=Key::BusyChecking />
            </div>
        </form>
    }
}

/// The security questions asked: one answer each.
#[component]
fn QuestionsStep(flow: Flow, questions: Vec<AskedQuestion>) -> impl IntoView {
    let i18n = use_i18n();
    let rows: Vec<(AskedQuestion, RwSignal<String>, NodeRef<html::Input>)> = questions
        .into_iter()
        .map(|question| (question, RwSignal::new(String::new()), NodeRef::new()))
        .collect();
    let rows = StoredValue::new(rows);
    let error = RwSignal::new(None::<Shown>);
    let verify = Action::new_local(|answers: &Vec<ResetQuestionAnswer>| {
        api::verify_reset_way(ResetAnswer::Answers {
            answers: answers.clone(),
        })
    });
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(reset)) => flow.passed(reset),
        Some(Err(api_error)) => {
            if let Some(shown) = flow.failed(api_error) {
                error.set(Some(shown));
                if let Some(first) = rows.with_value(|rows| rows.first().map(|row| row.2)) {
                    focus_input(first);
                }
            }
        }
        None => {}
    });
    let pending = verify.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let empty = rows.with_value(|rows| {
            rows.iter()
                .find(|row| row.1.get_untracked().trim().is_empty())
                .map(|row| row.2)
        });
        if let Some(input) = empty {
            error.set(Some(Shown::Text(Key::ResetQuestionsErrorEmpty)));
            focus_input(input);
            return;
        }
        error.set(None);
        let answers = rows.with_value(|rows| {
            rows.iter()
                .map(|(question, answer, _)| ResetQuestionAnswer {
                    id: question.id.clone(),
                    answer: answer.get_untracked(),
                })
                .collect()
        });
        verify.dispatch_local(answers);
    };
    let fields = rows.with_value(|rows| {
        rows.iter()
            .enumerate()
            .map(|(index, (question, answer, node))| {
                let id = format!("reset-answer-{index}");
                let answer = *answer;
                view! {
                    <div class="field">
                        <label for=id.clone()>{question.text.clone()}</label>
                        <input
                            id=id
                            node_ref=*node
                            type="text"
                            name="answer"
                            autocomplete="off"
                            spellcheck="false"
                            maxlength="200"
                            prop:value=move || answer.get()
                            on:input=move |event| answer.set(event_target_value(&event))
                            aria-describedby="reset-questions-text"
                        />
                    </div>
                }
            })
            .collect_view()
    });
    view! {
        <StepTitle key=Key::ResetQuestionsTitle />
        <form novalidate on:submit=submit>
            <p id="reset-questions-text">{i18n.text(Key::ResetQuestionsText)}</p>
            {fields}
            <FieldError error=error alert=true />
            <div class="actions">
                <BackButton flow=flow />
                <SubmitButton pending=pending label=Key::Verify busy_label=Key::BusyChecking />
            </div>
        </form>
    }
}

/// The text for a reason the server gave for a weak password.
fn reason_key(reason: &str) -> Option<Key> {
    Some(match reason {
        "common_password" => Key::ResetReasonCommonPassword,
        "keyboard_pattern" => Key::ResetReasonKeyboardPattern,
        "repeats" => Key::ResetReasonRepeats,
        "sequence" => Key::ResetReasonSequence,
        "dates" => Key::ResetReasonDates,
        "single_word" => Key::ResetReasonSingleWord,
        "names" => Key::ResetReasonNames,
        _ => return None,
    })
}

/// What the page says of a password the server refused: the problem and, for a weak one, why.
fn refusal_text(i18n: &I18n, error: &ApiError, reason: Option<&str>) -> String {
    let mut text = crate::errors::message(i18n, error);
    // A directory's reason is its own words (not one of ours), repeated as it said them.
    let directory = error.code() == Some(ProblemCode::PasswordRefusedByDirectory);
    match reason {
        Some(words) if directory => {
            text.push(' ');
            text.push_str(&i18n.tf(Key::ResetDirectorySaid, &[("reason", words)]));
        }
        _ => {
            if let Some(key) = reason.and_then(reason_key) {
                text.push(' ');
                text.push_str(i18n.t(key));
            }
        }
    }
    text
}

/// The server's verdict on what is typed, as shown under the field.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Fine,
    Refused(ApiError, Option<String>),
}

impl Verdict {
    fn of(verdict: PasswordVerdict) -> Self {
        match verdict.problem {
            None => Verdict::Fine,
            Some(code) => Verdict::Refused(
                ApiError::Problem(security_info_api::Problem::new(code)),
                verdict.reason,
            ),
        }
    }

    fn text(&self, i18n: &I18n) -> String {
        match self {
            Verdict::Fine => i18n.t(Key::ResetPasswordOk).to_owned(),
            Verdict::Refused(error, reason) => refusal_text(i18n, error, reason.as_deref()),
        }
    }
}

/// **Choose a new password**, twice, with the rules and the server's check while typing.
#[component]
fn PasswordStep(flow: Flow) -> impl IntoView {
    let i18n = use_i18n();
    let min = flow
        .reset
        .with_untracked(|reset| reset.as_ref().map_or(12, |r| r.policy.min_length))
        .to_string();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let reveal = RwSignal::new(false);
    let verdict = RwSignal::new(None::<Verdict>);
    let error = RwSignal::new(None::<Shown>);
    // The server's refusal of the password sent.
    let refused = RwSignal::new(None::<Verdict>);
    let confirm_error = RwSignal::new(None::<Shown>);
    let password_ref = NodeRef::<html::Input>::new();
    let confirm_ref = NodeRef::<html::Input>::new();
    // Which input the last check was for: an older answer is dropped.
    let generation = StoredValue::new(0_u64);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    let on_password = move |event: leptos::ev::Event| {
        let typed = event_target_value(&event);
        password.set(typed.clone());
        error.set(None);
        refused.set(None);
        generation.update_value(|g| *g += 1);
        let this = generation.get_value();
        if typed.is_empty() {
            verdict.set(None);
            return;
        }
        set_timeout(
            move || {
                if !alive.get_value() || generation.get_value() != this {
                    return;
                }
                spawn_local(async move {
                    let answer = api::check_new_password(typed).await;
                    if !alive.get_value() || generation.get_value() != this {
                        return;
                    }
                    match answer {
                        Ok(answer) => verdict.set(Some(Verdict::of(answer))),
                        Err(api_error) => {
                            if let Some(shown) = flow.failed(api_error) {
                                error.set(Some(shown));
                            }
                        }
                    }
                });
            },
            CHECK_DELAY,
        );
    };
    let save = Action::new_local(|password: &String| api::set_new_password(password.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => flow.go(Step::Done),
        Some(Err(api_error)) => {
            let reason = match &api_error {
                ApiError::Problem(problem) => problem.reason.clone(),
                _ => None,
            };
            let password_problem = matches!(
                api_error.code(),
                Some(
                    ProblemCode::PasswordTooShort
                        | ProblemCode::PasswordTooLong
                        | ProblemCode::PasswordContainsName
                        | ProblemCode::PasswordTooWeak
                        | ProblemCode::PasswordRefusedByDirectory
                        | ProblemCode::MalformedRequest
                )
            );
            if password_problem {
                verdict.set(None);
                refused.set(Some(Verdict::Refused(api_error, reason)));
                focus_input(password_ref);
            } else if let Some(shown) = flow.failed(api_error) {
                error.set(Some(shown));
                focus_input(password_ref);
            }
        }
        None => {}
    });
    let pending = save.pending();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = password.get_untracked();
        confirm_error.set(None);
        if typed.is_empty() {
            error.set(Some(Shown::Text(Key::ResetPasswordErrorEmpty)));
            focus_input(password_ref);
            return;
        }
        if confirm.get_untracked() != typed {
            confirm_error.set(Some(Shown::Text(Key::ResetPasswordErrorMismatch)));
            focus_input(confirm_ref);
            return;
        }
        error.set(None);
        save.dispatch_local(typed);
    };
    let kind = move || if reveal.get() { "text" } else { "password" };
    view! {
        <StepTitle key=Key::ResetPasswordTitle />
        <form novalidate on:submit=submit>
            <p id="reset-password-rules">
                {move || i18n.tf(Key::ResetPasswordRules, &[("min", &min)])}
            </p>
            <div class="field">
                <label for="reset-new-password">{i18n.text(Key::ResetPasswordLabel)}</label>
                <input
                    id="reset-new-password"
                    node_ref=password_ref
                    type=kind
                    name="new-password"
                    autocomplete="new-password"
                    spellcheck="false"
                    autocapitalize="none"
                    prop:value=move || password.get()
                    on:input=on_password
                    aria-invalid=move || {
                        (error.with(Option::is_some)
                            || refused.with(Option::is_some)
                            || matches!(verdict.get(), Some(Verdict::Refused(..))))
                            .to_string()
                    }
                    aria-describedby=move || {
                        if error.with(Option::is_some) || refused.with(Option::is_some) {
                            "reset-password-error reset-password-rules reset-password-check"
                        } else {
                            "reset-password-rules reset-password-check"
                        }
                    }
                />
                <Show when=move || error.with(Option::is_some) || refused.with(Option::is_some)>
                    <p id="reset-password-error" class="field-error">
                        {move || {
                            error
                                .get()
                                .map(|shown| shown.text(&i18n))
                                .or_else(|| refused.get().map(|refusal| refusal.text(&i18n)))
                        }}
                    </p>
                </Show>
                <p
                    id="reset-password-check"
                    class="hint"
                    class:warning=move || matches!(verdict.get(), Some(Verdict::Refused(..)))
                    aria-live="polite"
                >
                    {move || verdict.get().map(|verdict| verdict.text(&i18n))}
                </p>
            </div>
            <div class="field">
                <label for="reset-confirm-password">
                    {i18n.text(Key::ResetPasswordConfirmLabel)}
                </label>
                <input
                    id="reset-confirm-password"
                    node_ref=confirm_ref
                    type=kind
                    name="confirm-password"
                    autocomplete="new-password"
                    spellcheck="false"
                    autocapitalize="none"
                    prop:value=move || confirm.get()
                    on:input=move |event| {
                        confirm.set(event_target_value(&event));
                        confirm_error.set(None);
                    }
                    aria-invalid=move || confirm_error.with(Option::is_some).to_string()
                    aria-describedby=move || {
                        confirm_error.with(Option::is_some).then_some("reset-confirm-error")
                    }
                />
                <FieldError error=confirm_error id="reset-confirm-error" />
            </div>
            <div class="choice">
                <input
                    type="checkbox"
                    id="reset-show-password"
                    prop:checked=move || reveal.get()
                    on:change=move |event| reveal.set(event_target_checked(&event))
                />
                <label for="reset-show-password">{i18n.text(Key::ResetPasswordShow)}</label>
            </div>
            <div class="actions">
                <SubmitButton
                    pending=pending
                    label=Key::ResetPasswordSubmit
                    busy_label=Key::BusySaving
                />
            </div>
        </form>
    }
}

/// **Done**: the password was changed; **Sign in** (no automatic sign-in).
#[component]
fn DoneStep() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <StepTitle key=Key::ResetDoneTitle />
        <p role="status">{i18n.text(Key::ResetDoneText)}</p>
        <p class="actions actions-start">
            <a class="button button-primary" href="/signin">
                {i18n.text(Key::ResetDoneSignIn)}
            </a>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_reason_the_server_gives_has_a_text() {
        for reason in [
            "common_password",
            "keyboard_pattern",
            "repeats",
            "sequence",
            "dates",
            "single_word",
            "names",
        ] {
            assert!(reason_key(reason).is_some(), "{reason}");
        }
        assert_eq!(reason_key("something_new"), None);
    }

    fn reset(passed: Vec<MethodType>, hints: Vec<(MethodType, &str)>) -> PasswordReset {
        PasswordReset {
            ways: vec![
                MethodType::AuthenticatorApp,
                MethodType::Phone,
                MethodType::Email,
            ],
            gates: 2,
            passed,
            hints: hints
                .into_iter()
                .map(|(method_type, hint)| security_info_api::ResetHint {
                    method_type,
                    hint: hint.to_owned(),
                })
                .collect(),
            password_allowed: false,
            policy: security_info_api::PasswordRules {
                min_length: 12,
                max_length: 256,
            },
            expires_at: "2026-12-02T17:00:00Z".into(),
        }
    }

    #[test]
    fn the_second_gate_offers_the_other_ways_with_their_hints() {
        let first = reset(Vec::new(), Vec::new());
        assert_eq!(remaining_ways(&first), first.ways);
        let second = reset(
            vec![MethodType::AuthenticatorApp],
            vec![
                (MethodType::Phone, "+31 • ••••••78"),
                (MethodType::Phone, "+31 • ••••••12"),
                (MethodType::Email, "a***@gmail.com"),
            ],
        );
        assert_eq!(
            remaining_ways(&second),
            [MethodType::Phone, MethodType::Email]
        );
        let en = I18n::fixed(Lang::En);
        assert_eq!(
            way_label(&en, &second, MethodType::Email),
            "A code to my email address (a***@gmail.com)"
        );
        assert_eq!(
            way_label(&en, &second, MethodType::Phone),
            "A code to my phone (+31 • ••••••78, +31 • ••••••12)"
        );
        assert_eq!(
            way_label(&en, &first, MethodType::Email),
            "A code to my email address"
        );
    }

    #[test]
    fn a_weak_password_says_why() {
        let i18n = I18n::fixed(Lang::En);
        let error = ApiError::Problem(security_info_api::Problem::new(
            ProblemCode::PasswordTooWeak,
        ));
        let text = refusal_text(&i18n, &error, Some("common_password"));
        assert!(text.starts_with(Key::ProblemPasswordTooWeak.text(Lang::En)));
        assert!(text.ends_with(Key::ResetReasonCommonPassword.text(Lang::En)));
    }

    #[test]
    fn a_directory_refusal_repeats_its_words() {
        let i18n = I18n::fixed(Lang::Nl);
        let error = ApiError::Problem(security_info_api::Problem::new(
            ProblemCode::PasswordRefusedByDirectory,
        ));
        let text = refusal_text(
            &i18n,
            &error,
            Some("Password fails quality checking policy"),
        );
        assert!(text.starts_with(Key::ProblemPasswordRefusedByDirectory.text(Lang::Nl)));
        assert!(text.contains("“Password fails quality checking policy”"));
        // Without its words, only ours.
        assert_eq!(
            refusal_text(&i18n, &error, None),
            Key::ProblemPasswordRefusedByDirectory.text(Lang::Nl)
        );
    }
}
