//! **Sign in** (`/signin`) with the organization account (standalone mode).

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use security_info_api::{SecondStep, SecondStepPassed, User};

use crate::api::{self, PasswordAccepted};
use crate::components::field_error::FieldError;
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::second_step::{SecondStepForm, recovery_codes_left};
use crate::components::status::{StatusRegion, use_status};
use crate::components::submit_button::SubmitButton;
use crate::components::top_bar::TopBar;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::pages::use_page_title;

/// Where to go after signing in: `next` when it is a path of this app, else the overview.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/signin") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Where a signed-in user goes: to Security info when the organization requires two-step
/// verification and they have no method for it yet (the page then offers to add one), to
/// `next` otherwise.
pub fn after_sign_in(user: &User, next: Option<&str>) -> String {
    if user.needs_two_step_method {
        "/security-info".to_owned()
    } else {
        safe_next(next)
    }
}

/// The sign-in page: the password, then, for a user with a two-step method, the second step.
#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SigninTitle);
    let navigate = use_navigate();
    let query = use_query_map();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username_error = RwSignal::new(None::<Shown>);
    let password_error = RwSignal::new(None::<Shown>);
    let form_error = RwSignal::new(None::<Shown>);
    let username_ref = NodeRef::<html::Input>::new();
    let password_ref = NodeRef::<html::Input>::new();

    let status = use_status();
    // What this organization signs in with: its identity provider, passwords, or both.
    let options = LocalResource::new(api::sign_in_options);
    let organization = move || {
        options
            .get()
            .and_then(Result::ok)
            .map(|options| options.organization)
            .unwrap_or_default()
    };
    let with_provider = move || {
        options
            .get()
            .and_then(Result::ok)
            .is_some_and(|options| options.identity_provider)
    };
    // The password form shows until the options say otherwise (and when they cannot load).
    let with_password = move || {
        options
            .get()
            .and_then(Result::ok)
            .is_none_or(|options| options.password)
    };
    // Why the identity provider sent the user back, if it did.
    let provider_error = move || {
        let key = match query.with(|q| q.get("error"))?.as_str() {
            "provider_unavailable" => Key::SigninProviderUnavailable,
            "identity_provider" => Key::SigninProviderRefused,
            _ => return None,
        };
        Some(i18n.tf(key, &[("org", &organization())]))
    };
    // Set after a right password when the server asks for the second step.
    let second_step = RwSignal::new(None::<SecondStep>);
    let focus_password = move || {
        request_animation_frame(move || {
            if let Some(input) = password_ref.get_untracked() {
                let _ = input.focus();
            }
        });
    };
    let signed_in = move |user: User, low_on_codes: bool| {
        password.set(String::new());
        let next = query.with_untracked(|q| q.get("next"));
        let path = if low_on_codes && !user.needs_two_step_method {
            // The page where new codes are made.
            "/security-info".to_owned()
        } else {
            after_sign_in(&user, next.as_deref())
        };
        navigate(&path, Default::default());
    };
    let sign_in = Action::new_local(|(username, password): &(String, String)| {
        api::sign_in(username.clone(), password.clone())
    });
    let signed_in_now = signed_in.clone();
    Effect::new(move |_| match sign_in.value().get() {
        Some(Ok(PasswordAccepted::Done(user))) => signed_in_now(user, false),
        Some(Ok(PasswordAccepted::SecondStep(step))) => {
            password.set(String::new());
            form_error.set(None);
            second_step.set(Some(step));
        }
        Some(Err(error)) => {
            password.set(String::new());
            form_error.set(Some(Shown::Api(error)));
            if let Some(input) = password_ref.get_untracked() {
                let _ = input.focus();
            }
        }
        None => {}
    });
    let on_passed = Callback::new(move |passed: SecondStepPassed| {
        let left = recovery_codes_left(&passed);
        if let Some((said, _)) = &left {
            status.say_on_next_page(said.text(&i18n));
        }
        match passed.user {
            Some(user) => signed_in(user, left.is_some_and(|(_, low)| low)),
            // A sign-in always names its user; without one, sign in again.
            None => {
                second_step.set(None);
                form_error.set(Some(Shown::Api(api::ApiError::Decode)));
                focus_password();
            }
        }
    });
    let on_cancel = Callback::new(move |why: Option<Shown>| {
        second_step.set(None);
        form_error.set(why);
        focus_password();
    });
    let pending = sign_in.pending();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (user, pass) = (
            username.get_untracked().trim().to_owned(),
            password.get_untracked(),
        );
        username_error.set(
            user.is_empty()
                .then_some(Shown::Text(Key::SigninRequiredUsername)),
        );
        password_error.set(
            pass.is_empty()
                .then_some(Shown::Text(Key::SigninRequiredPassword)),
        );
        form_error.set(None);
        let first_bad = if user.is_empty() {
            Some(username_ref)
        } else if pass.is_empty() {
            Some(password_ref)
        } else {
            None
        };
        match first_bad {
            Some(input) => {
                if let Some(input) = input.get_untracked() {
                    let _ = input.focus();
                }
            }
            None => {
                sign_in.dispatch_local((user, pass));
            }
        }
    };
    let described = move |error: RwSignal<Option<Shown>>, id: &'static str| {
        move || {
            let mut ids = Vec::new();
            if error.with(Option::is_some) {
                ids.push(id);
            }
            if form_error.with(Option::is_some) {
                ids.push("signin-error");
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };

    view! {
        <TopBar>
            <LanguageSwitcher />
        </TopBar>
        <main id="main" class="single" tabindex="-1">
            <StatusRegion />
            <Show when=move || second_step.with(Option::is_some)>
                <div class="card signin">
                    <h1 tabindex="-1">{i18n.text(Key::SecondStepTitle)}</h1>
                    {move || {
                        second_step
                            .get()
                            .map(|step| {
                                view! {
                                    <SecondStepForm
                                        second_step=step
                                        on_passed=on_passed
                                        on_cancel=on_cancel
                                    />
                                }
                            })
                    }}
                </div>
            </Show>
            <form
                class="card signin"
                novalidate
                on:submit=submit
                hidden=move || second_step.with(Option::is_some)
            >
                <h1 tabindex="-1">{i18n.text(Key::SigninTitle)}</h1>
                <p>{i18n.text(Key::SigninIntro)}</p>
                {move || {
                    provider_error()
                        .map(|text| {
                            view! {
                                <p id="signin-provider-error" class="notice notice-error" role="alert">
                                    {text}
                                </p>
                            }
                        })
                }}
                <Show when=with_provider>
                    <p class="actions actions-start">
                        <a class="button button-primary" href=api::PROVIDER_SIGN_IN>
                            {move || i18n.tf(Key::SigninProvider, &[("org", &organization())])}
                        </a>
                    </p>
                    <Show when=with_password>
                        <h2 class="signin-or">{i18n.text(Key::SigninOr)}</h2>
                    </Show>
                </Show>
                <div class="password-fields" hidden=move || !with_password()>
                <Show when=move || form_error.with(Option::is_some)>
                    <p id="signin-error" class="notice notice-error" role="alert">
                        {move || form_error.get().map(|shown| shown.text(&i18n))}
                    </p>
                </Show>
                <div class="field">
                    <label for="username">{i18n.text(Key::SigninUsername)}</label>
                    <input
                        id="username"
                        node_ref=username_ref
                        type="email"
                        name="username"
                        autocomplete="username"
                        spellcheck="false"
                        autocapitalize="none"
                        prop:value=move || username.get()
                        on:input=move |event| username.set(event_target_value(&event))
                        aria-invalid=move || username_error.with(Option::is_some).to_string()
                        aria-describedby=described(username_error, "username-error")
                    />
                    <FieldError error=username_error id="username-error" />
                </div>
                <div class="field">
                    <label for="password">{i18n.text(Key::SigninPassword)}</label>
                    <input
                        id="password"
                        node_ref=password_ref
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |event| password.set(event_target_value(&event))
                        aria-invalid=move || password_error.with(Option::is_some).to_string()
                        aria-describedby=described(password_error, "password-error")
                    />
                    <FieldError error=password_error id="password-error" />
                    <p class="forgot-password">
                        <a href="/reset-password">{i18n.text(Key::ResetForgot)}</a>
                    </p>
                </div>
                <div class="actions">
                    <SubmitButton
                        pending=pending
                        label=Key::SigninSubmit
                        busy_label=Key::BusySigningIn
                    />
                </div>
                </div>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::{Organization, User};

    use super::{after_sign_in, safe_next};

    #[test]
    fn only_paths_of_this_app_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/security-info")), "/security-info");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/signin")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_user_the_organization_requires_a_two_step_method_of_goes_to_add_one() {
        let mut user = User {
            id: "u1".into(),
            display_name: "Alain".into(),
            user_principal_name: "alain@contoso.example".into(),
            organization: Organization {
                name: "Contoso".into(),
                domains: vec!["contoso.example".into()],
            },
            needs_two_step_method: false,
            identity_provider: false,
        };
        assert_eq!(after_sign_in(&user, Some("/activity")), "/activity");
        user.needs_two_step_method = true;
        assert_eq!(after_sign_in(&user, Some("/activity")), "/security-info");
    }
}
