//! **Add a security key** in a window of the app's own: where a portal's frame sends a key's
//! registration (see [`crate::methods::security_key`]). The window has no session: the URL's
//! fragment carries the registration and its capability, which never leave the browser but in
//! the two calls that use them. When the key is added the window says so and closes; the
//! frame, which watches the registration, shows the key.

use leptos::prelude::*;
use security_info_api::{HandOff, Method};

use crate::api;
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::load_error::Loading;
use crate::components::top_bar::TopBar;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::methods::security_key::{KeySetup, Source};
use crate::pages::use_page_title;

/// The registration and capability of a `continueUrl` fragment
/// (`#registration=..&account=..&secret=..`).
pub fn hand_off_of(fragment: &str) -> Option<(String, HandOff)> {
    let field = |name: &str| {
        fragment
            .trim_start_matches('#')
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    Some((
        field("registration")?,
        HandOff {
            account: field("account")?,
            secret: field("secret")?,
        },
    ))
}

/// The page.
#[component]
pub fn AddSecurityKey() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::KeyWindowTitle);
    let handed = hand_off_of(&window().location().hash().unwrap_or_default());
    let added = RwSignal::new(None::<Method>);
    let body = match handed {
        None => view! {
            <p class="notice notice-error" role="alert">{i18n.text(Key::KeyWindowBroken)}</p>
        }
        .into_any(),
        Some((registration_id, hand_off)) => {
            let prompt = LocalResource::new({
                let (registration_id, hand_off) = (registration_id.clone(), hand_off.clone());
                move || api::key_prompt(registration_id.clone(), hand_off.clone())
            });
            let source = Source::HandedOff {
                registration_id,
                hand_off,
            };
            let close = move || {
                let _ = window().close();
            };
            view! {
                <Suspense fallback=|| view! { <Loading /> }>
                    {move || {
                        let source = source.clone();
                        prompt.get().map(|loaded| match loaded {
                            Err(error) => view! {
                                <p class="notice notice-error" role="alert">
                                    {move || Shown::Api(error.clone()).text(&i18n)}
                                </p>
                            }
                            .into_any(),
                            Ok(prompt) => match added.get() {
                                Some(method) => {
                                    set_timeout(close, std::time::Duration::from_secs(3));
                                    let name = method.name.unwrap_or_default();
                                    view! {
                                        <p role="status">
                                            {move || i18n.tf(Key::KeyWindowDone, &[("name", &name)])}
                                        </p>
                                    }
                                    .into_any()
                                }
                                None => view! {
                                    <p>
                                        {move || {
                                            i18n.tf(
                                                Key::KeyWindowFor,
                                                &[("account", &prompt.user_principal_name)],
                                            )
                                        }}
                                    </p>
                                    <KeySetup
                                        source=source
                                        on_added=move |method| added.set(Some(method))
                                        on_cancel=move |()| close()
                                    />
                                }
                                .into_any(),
                            },
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }
    };
    view! {
        <TopBar>
            <LanguageSwitcher />
        </TopBar>
        <main id="main" class="single" tabindex="-1">
            <div class="card signin">
                <h1 tabindex="-1">{i18n.text(Key::KeyWindowTitle)}</h1>
                {body}
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continue_url_fragment_gives_the_registration_and_its_capability() {
        let (registration, hand_off) =
            hand_off_of("#registration=r1&account=a2&secret=s3").expect("complete");
        assert_eq!(registration, "r1");
        assert_eq!(hand_off.account, "a2");
        assert_eq!(hand_off.secret, "s3");
        for broken in [
            "",
            "#",
            "#registration=r1&account=a2",
            "#registration=&account=a&secret=s",
        ] {
            assert_eq!(hand_off_of(broken), None, "{broken}");
        }
        // A name that only starts like a field's is not that field.
        assert_eq!(hand_off_of("#registrations=r1&account=a2&secret=s3"), None);
    }
}
