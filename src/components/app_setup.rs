//! **Set up your account**: the answer to an authenticator app challenge, in two steps. First
//! the QR code to scan (an SVG the server draws, fetched like every other call and shown
//! inline), a link that opens the app on the phone the page is on, and, behind **Can't scan
//! the image?**, the key in groups of four with a copy button and the account name; **Next**
//! asks for the code the app then shows, and **Back** returns to the QR code.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{Method, ProblemCode, VerificationCode};
use wasm_bindgen_futures::JsFuture;

use crate::add_method::TotpChallenge;
use crate::api::{self, ApiError};
use crate::components::code_form::{
    ChallengeActions, CodeInput, answer_with_code, typed_code_error, voids_registration,
};
use crate::components::field_error::FieldError;
use crate::components::load_error::LoadError;
use crate::components::modal::focus_on_mount;
use crate::components::status::use_status;
use crate::errors::Shown;
use crate::format;
use crate::i18n::{Key, use_i18n};
use crate::step_up::use_step_up;

/// The setup steps of an authenticator app.
#[component]
pub fn AppSetup(
    /// The key, its QR code and the registration.
    challenge: TotpChallenge,
    /// Called on **Back** from the QR code.
    #[prop(into)]
    on_back: Callback<()>,
    /// Called on **Start again** once the registration is void.
    #[prop(into)]
    on_void: Callback<()>,
    /// Called with the new method once the code was right.
    #[prop(into)]
    on_verified: Callback<Method>,
) -> impl IntoView {
    let scanning = RwSignal::new(true);
    move || {
        let challenge = challenge.clone();
        if scanning.get() {
            view! {
                <AppScan
                    challenge=challenge
                    on_back=on_back
                    on_next=move |()| scanning.set(false)
                />
            }
            .into_any()
        } else {
            view! {
                <AppCode
                    challenge=challenge
                    on_back=move |()| scanning.set(true)
                    on_void=on_void
                    on_verified=on_verified
                />
            }
            .into_any()
        }
    }
}

/// The QR code, and the key for typing it in.
#[component]
fn AppScan(
    challenge: TotpChallenge,
    #[prop(into)] on_back: Callback<()>,
    #[prop(into)] on_next: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = use_status();
    let manual = RwSignal::new(false);
    let copied = RwSignal::new(None::<Shown>);
    let next_ref = NodeRef::<html::Button>::new();
    focus_on_mount(next_ref);
    let secret = challenge.secret.clone();
    let copy = Action::new_local(move |(): &()| {
        let secret = secret.clone();
        async move {
            let promise = window().navigator().clipboard().write_text(&secret);
            JsFuture::from(promise).await.is_ok()
        }
    });
    Effect::new(move |_| {
        if let Some(done) = copy.value().get() {
            let shown = Shown::Text(if done {
                Key::AppCopied
            } else {
                Key::AppCopyFailed
            });
            status.say(shown.text(&i18n));
            copied.set(Some(shown));
        }
    });
    let until = challenge.expires_at_ms;
    let qr_code_url = challenge.qr_code_url.clone();
    let qr = LocalResource::new(move || api::qr_code(qr_code_url.clone()));

    view! {
        <div class="app-setup">
            <h3 class="step-title">{i18n.text(Key::AppScanTitle)}</h3>
            <p>{i18n.text(Key::AppScanText)}</p>
            <Transition fallback=|| view! { <div class="qr-code" aria-hidden="true"></div> }>
                {move || {
                    qr.get()
                        .map(|result| match result {
                            Ok(svg) => {
                                view! {
                                    <div
                                        class="qr-code"
                                        role="img"
                                        aria-label=move || i18n.t(Key::AppQrAlt)
                                        inner_html=svg_element(&svg)
                                    ></div>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <LoadError error=error on_retry=move |()| qr.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            // A phone cannot scan its own screen: the link hands the key to the app there.
            <p>
                <a href=challenge.uri.clone() id="app-open-link">
                    {i18n.text(Key::AppOpenLink)}
                </a>
            </p>
            <button
                type="button"
                class="link-button"
                id="app-cant-scan"
                aria-expanded=move || manual.get().to_string()
                aria-controls="app-manual"
                on:click=move |_| manual.update(|open| *open = !*open)
            >
                {i18n.text(Key::AppCantScan)}
            </button>
            <div id="app-manual" class="app-manual" hidden=move || !manual.get()>
                <p>{i18n.text(Key::AppManualText)}</p>
                <dl>
                    <dt>{i18n.text(Key::AppAccountName)}</dt>
                    <dd data-testid="app-account-name">{challenge.account_name.clone()}</dd>
                    <dt>{i18n.text(Key::AppSecretKey)}</dt>
                    <dd>
                        <code class="secret-key" data-testid="app-secret">
                            {challenge.grouped_secret()}
                        </code>
                    </dd>
                </dl>
                <button type="button" class="button" on:click=move |_| { copy.dispatch_local(()); }>
                    {i18n.text(Key::AppCopy)}
                </button>
                <Show when=move || copied.with(Option::is_some)>
                    <p class="hint">{move || copied.get().map(|shown| shown.text(&i18n))}</p>
                </Show>
            </div>
            {until
                .map(|at| {
                    view! {
                        <p class="hint">
                            {move || {
                                i18n.tf(
                                    Key::AppSetupUntil,
                                    &[("time", &format::time_of_day(at, i18n.lang()))],
                                )
                            }}
                        </p>
                    }
                })}
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_back.run(())>
                    {i18n.text(Key::Back)}
                </button>
                <button
                    type="button"
                    class="button button-primary"
                    node_ref=next_ref
                    on:click=move |_| on_next.run(())
                >
                    {i18n.text(Key::Next)}
                </button>
            </div>
        </div>
    }
}

/// The code the app shows.
#[component]
fn AppCode(
    challenge: TotpChallenge,
    #[prop(into)] on_back: Callback<()>,
    #[prop(into)] on_void: Callback<()>,
    #[prop(into)] on_verified: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Shown>);
    let void = RwSignal::new(false);
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let length = challenge.code_length;
    let id = challenge.registration_id.clone();

    let verify =
        Action::new_local(move |code: &String| answer_with_code(step_up, id.clone(), code.clone()));
    Effect::new(move |_| {
        if let Some(result) = verify.value().get() {
            match result {
                Ok(created) => on_verified.run(created.method),
                Err(api_error) => {
                    if voids_registration(&api_error)
                        || api_error.code() == Some(ProblemCode::RegistrationExpired)
                    {
                        void.set(true);
                    }
                    error.set(Some(wrong_code_text(api_error)));
                    focus_input();
                }
            }
        }
    });
    let verifying = verify.pending();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if verifying.get_untracked() || void.get_untracked() {
            return;
        }
        match VerificationCode::parse(&code.get_untracked(), usize::from(length)) {
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

    view! {
        <form novalidate on:submit=submit>
            <div class="field">
                <label for="app-code">{i18n.text(Key::CodeLabel)}</label>
                <CodeInput
                    id="app-code"
                    code=code
                    error=error
                    input_ref=input_ref
                    error_id="app-code-error"
                    described_by="app-code-hint"
                />
                <FieldError error=error id="app-code-error" />
                <p id="app-code-hint" class="hint">
                    {move || i18n.tf(Key::AppCodePrompt, &[("length", &length.to_string())])}
                </p>
            </div>
            <ChallengeActions verifying=verifying void=void on_back=on_back on_void=on_void />
        </form>
    }
}

/// The `<svg>` element of the server's SVG document, without the XML declaration that only a
/// standalone file needs. The server draws it from the key's URI alone: modules as one path,
/// no text, scripts or styles, so the page's CSP holds for it inline.
fn svg_element(document: &str) -> String {
    document
        .find("<svg")
        .map_or_else(String::new, |start| document[start..].to_owned())
}

/// A wrong code says to check the phone's clock (an app whose clock is off shows codes the
/// server does not expect); other problems read as everywhere else.
pub fn wrong_code_text(error: ApiError) -> Shown {
    let left = match &error {
        ApiError::Problem(problem) if problem.code == ProblemCode::CodeIncorrect => {
            problem.attempts_left
        }
        _ => None,
    };
    match left {
        Some(1) => Shown::Text(Key::AppCodeIncorrectOne),
        Some(left) => Shown::Filled(Key::AppCodeIncorrect, vec![("attempts", left.to_string())]),
        None => Shown::Api(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_qr_code_is_the_svg_element_alone() {
        let document = r#"<?xml version="1.0" standalone="yes"?><svg viewBox="0 0 8 8"><path d="M0 0h1v1H0z"/></svg>"#;
        assert_eq!(
            svg_element(document),
            r#"<svg viewBox="0 0 8 8"><path d="M0 0h1v1H0z"/></svg>"#
        );
        assert_eq!(svg_element("not an image"), "");
    }
}
