//! Component tests in headless Chromium: the modal primitive (open, focus in, Esc, focus back),
//! the email form's checks, the code form with a pasted code, its resend countdown and expiry
//! on a test clock, and the method list's per-type name, icon and detail.
//!
//! Each test mounts into a container of its own, finds elements only inside it (two tests
//! mount the code form, whose ids are the same), waits for what it expects by polling with a
//! deadline rather than sleeping, and unmounts when it ends, even when it fails.
#![cfg(target_arch = "wasm32")]

use std::any::Any;

use leptos::prelude::*;
use security_info_api::{Channel, Method, MethodDetail, MethodType};
use security_info_app::add_method::CodeChallenge;
use security_info_app::clock::ManualClock;
use security_info_app::components::code_form::CodeForm;
use security_info_app::components::method_list::MethodList;
use security_info_app::components::modal::Modal;
use security_info_app::components::status::provide_status;
use security_info_app::format::parse_rfc3339_ms;
use security_info_app::i18n::{Key, Lang, provide_i18n};
use security_info_app::methods::{self, email::EmailForm};
use security_info_app::step_up::provide_step_up;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A view mounted in a container of its own, with the app's contexts around it. Dropping it
/// unmounts the view (its timers stop) and takes the container out of the page.
struct Mounted {
    container: HtmlElement,
    handle: Option<Box<dyn Any>>,
}

impl Mounted {
    fn new<F, V>(view: F) -> Mounted
    where
        F: FnOnce() -> V + 'static,
        V: IntoView + 'static,
    {
        let _ = window()
            .local_storage()
            .map(|s| s.map(|s| s.set_item("security-info.lang", "en")));
        let container: HtmlElement = document()
            .create_element("div")
            .expect("div")
            .unchecked_into();
        document()
            .body()
            .expect("body")
            .append_child(&container)
            .expect("append");
        let handle = leptos::mount::mount_to(container.clone(), move || {
            provide_i18n();
            provide_status();
            provide_step_up();
            view()
        });
        Mounted {
            container,
            handle: Some(Box::new(handle)),
        }
    }

    /// The element matching `selector` inside this container, if any.
    fn query(&self, selector: &str) -> Option<Element> {
        self.container
            .query_selector(selector)
            .expect("a valid selector")
    }

    /// The element matching `selector` inside this container.
    fn find<T: JsCast>(&self, selector: &str) -> T {
        self.query(selector)
            .unwrap_or_else(|| panic!("{selector} is in the container"))
            .unchecked_into()
    }

    /// The text of `selector`, or `""` when it is not there.
    fn text(&self, selector: &str) -> String {
        self.query(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.container.remove();
    }
}

/// Lets the browser run timers, effects and rendering once.
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits until `condition` holds, for at most five seconds.
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = js_sys::Date::now() + 5_000.0;
    while !condition() {
        assert!(
            js_sys::Date::now() < deadline,
            "timed out waiting until {what}"
        );
        tick().await;
    }
}

fn active_element() -> Option<Element> {
    document().active_element()
}

fn submit(input: &HtmlInputElement) {
    let form = input.form().expect("inside a form");
    form.request_submit().expect("submits");
}

fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let event = web_sys::Event::new_with_event_init_dict("input", &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .expect("event");
    input.dispatch_event(&event).expect("dispatched");
}

/// When the code forms' test clock starts.
const START: &str = "2026-11-24T10:00:00Z";

fn start_ms() -> f64 {
    parse_rfc3339_ms(START).expect("a timestamp")
}

/// A code mailed at [`START`]: it expires after ten minutes, another may be asked for after
/// `resend_after_ms`.
fn challenge(resend_after_ms: f64) -> CodeChallenge {
    CodeChallenge {
        registration_id: "reg-1".into(),
        channel: Channel::Email,
        destination: "alain@gmail.com".into(),
        code_length: 6,
        expires_at_ms: Some(start_ms() + 600_000.0),
        resend_at_ms: Some(start_ms() + resend_after_ms),
    }
}

/// The code form for `challenge`, on a test clock reading [`START`].
fn code_form(challenge: CodeChallenge) -> (Mounted, ManualClock) {
    let clock = ManualClock::new(start_ms());
    let mounted = Mounted::new(move || {
        clock.provide();
        view! {
            <CodeForm
                challenge=challenge
                on_resent=|_| {}
                on_back=|()| {}
                on_void=|()| {}
                on_verified=|_| {}
            />
        }
    });
    (mounted, clock)
}

#[wasm_bindgen_test]
async fn the_modal_takes_focus_names_itself_closes_on_esc_and_gives_focus_back() {
    let open = RwSignal::new(false);
    let mounted = Mounted::new(move || {
        view! {
            <button id="opener" on:click=move |_| open.set(true)>
                "open"
            </button>
            <Modal id="test-modal" open=open on_close=move |()| open.set(false) title="Test title">
                <div class="modal-body">
                    <input id="first-field" />
                </div>
            </Modal>
        }
    });
    let opener: HtmlElement = mounted.find("#opener");
    let dialog: web_sys::HtmlDialogElement = mounted.find("#test-modal");
    assert!(
        mounted.query("#first-field").is_none(),
        "the content renders only while open"
    );
    opener.focus().expect("focus");
    opener.click();
    until("the dialog is open", || dialog.open()).await;
    until("focus moved into the dialog", || {
        active_element().is_some() && active_element() == mounted.query("#first-field")
    })
    .await;
    let title_id = dialog.get_attribute("aria-labelledby").expect("labelled");
    assert_eq!(mounted.text(&format!("#{title_id}")), "Test title");

    // Esc makes the browser fire `cancel` on the dialog.
    let cancel = web_sys::Event::new_with_event_init_dict("cancel", &{
        let init = web_sys::EventInit::new();
        init.set_cancelable(true);
        init
    })
    .expect("event");
    dialog.dispatch_event(&cancel).expect("dispatched");
    until("the dialog closed", || !dialog.open()).await;
    assert!(!open.get_untracked(), "the owner was told");
    let opener_element: &Element = opener.as_ref();
    until("focus went back to the opener", || {
        active_element().as_ref() == Some(opener_element)
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_email_form_refuses_bad_and_work_addresses_and_ties_the_error_to_the_field() {
    let started = RwSignal::new(false);
    let mounted = Mounted::new(move || {
        view! {
            <EmailForm
                address=""
                org_domains=vec!["contoso.example".to_owned()]
                on_started=move |_| started.set(true)
                on_cancel=|()| {}
            />
        }
    });
    let input: HtmlInputElement = mounted.find("#email-address");
    let error = || mounted.text("#email-error");

    submit(&input);
    until("the empty address is refused", || {
        error() == Key::EmailErrorEmpty.text(Lang::En)
    })
    .await;

    type_into(&input, "Megan@CONTOSO.example");
    submit(&input);
    until("the work address is refused", || {
        error() == Key::EmailErrorWork.text(Lang::En)
    })
    .await;
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(
        input
            .get_attribute("aria-describedby")
            .unwrap_or_default()
            .split(' ')
            .any(|id| id == "email-error")
    );
    let input_element: &Element = input.as_ref();
    assert_eq!(
        active_element().as_ref(),
        Some(input_element),
        "focus is on the field to fix"
    );

    type_into(&input, "not an address");
    submit(&input);
    until("the malformed address is refused", || {
        error() == Key::EmailErrorSyntax.text(Lang::En)
    })
    .await;
    assert!(!started.get_untracked(), "nothing was sent");
}

#[wasm_bindgen_test]
async fn an_email_form_shown_again_keeps_the_address_typed_before() {
    let ui = methods::of(MethodType::Email).expect("the app adds email methods");
    let mounted = Mounted::new(move || {
        ui.form(methods::FormContext {
            previous: Some(security_info_api::StartRegistration::Email {
                email_address: "alain@gmail.com".into(),
            }),
            org_domains: Signal::stored(Vec::new()),
            on_started: Callback::new(|_| {}),
            on_added: Callback::new(|_| {}),
            on_cancel: Callback::new(|()| {}),
        })
    });
    let input: HtmlInputElement = mounted.find("#email-address");
    until("the address is back in the field", || {
        input.value() == "alain@gmail.com"
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_pasted_code_with_spaces_is_kept_as_digits_and_a_short_code_is_refused() {
    let (mounted, _clock) = code_form(challenge(60_000.0));
    let input: HtmlInputElement = mounted.find("#verification-code");
    assert_eq!(
        mounted.text("#code-sent"),
        Key::CodeSent
            .text(Lang::En)
            .replace("{destination}", "alain@gmail.com")
    );
    type_into(&input, " 123 456\n");
    until("the code is cleaned", || input.value() == "123456").await;
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );

    type_into(&input, "12 34");
    submit(&input);
    let expected = Key::CodeErrorLength.text(Lang::En).replace("{length}", "6");
    until("the short code is refused", || {
        mounted.text("#code-error") == expected
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_resend_countdown_runs_down_on_the_clock_and_then_allows_a_new_code() {
    let (mounted, clock) = code_form(challenge(60_000.0));
    let resend: HtmlElement = mounted.find("#resend-code");
    let countdown = || mounted.text("#resend-wait");
    let wait = |time: &str| Key::ResendIn.text(Lang::En).replace("{time}", time);
    until("the countdown shows a minute", || {
        countdown() == wait("1:00")
    })
    .await;
    assert_eq!(
        resend.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );

    clock.advance(1_000.0);
    until("the countdown moves", || countdown() == wait("0:59")).await;
    assert_eq!(
        resend.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );

    clock.advance(58_500.0);
    until("the countdown rounds up", || countdown() == wait("0:01")).await;
    clock.advance(500.0);
    until("a new code may be asked for", || {
        resend.get_attribute("aria-disabled").as_deref() == Some("false")
    })
    .await;
    assert!(mounted.query("#resend-wait").is_none(), "the wait is over");
}

#[wasm_bindgen_test]
async fn the_code_says_it_has_expired_once_its_ten_minutes_are_over() {
    let (mounted, clock) = code_form(challenge(60_000.0));
    let expired = Key::CodeExpiredLocal.text(Lang::En);
    let expiry: HtmlElement = mounted.find("#code-expiry");
    until("the expiry time shows", || {
        expiry
            .text_content()
            .is_some_and(|text| !text.is_empty() && text != expired)
    })
    .await;
    clock.advance(599_000.0);
    tick().await;
    assert_ne!(expiry.text_content().as_deref(), Some(expired));
    clock.advance(1_000.0);
    until("the code reads as expired", || {
        expiry.text_content().as_deref() == Some(expired)
    })
    .await;
    assert!(expiry.class_list().contains("warning"));
}

#[wasm_bindgen_test]
async fn the_list_shows_each_method_with_its_types_name_icon_and_detail() {
    let used = Method::new(
        "m1".into(),
        MethodDetail::Email {
            email_address: "alain@gmail.com".into(),
        },
        None,
        "2026-11-24T10:02:00Z".into(),
        Some("2026-11-25T08:00:00Z".into()),
    );
    let mounted = Mounted::new(move || {
        view! { <MethodList methods=vec![used] on_delete=|_| {} on_rename=|_| {} /> }
    });
    until("the list is shown", || mounted.query(".method").is_some()).await;
    assert_eq!(
        mounted.text(".method-type"),
        Key::MethodTypeEmail.text(Lang::En)
    );
    assert_eq!(mounted.text(".method-detail"), "alain@gmail.com");
    let icon: Element = mounted.find(".method-icon path");
    assert_eq!(
        icon.get_attribute("d").as_deref(),
        Some(methods::icon(MethodType::Email))
    );
    assert!(
        mounted
            .container
            .text_content()
            .unwrap_or_default()
            .contains(
                Key::MethodLastUsed
                    .text(Lang::En)
                    .trim_end_matches("{date}")
            ),
        "the last use is shown"
    );
}

#[wasm_bindgen_test]
async fn a_named_method_reads_as_its_name_and_only_it_offers_rename() {
    let app = Method::new(
        "m2".into(),
        MethodDetail::AuthenticatorApp {},
        Some("Work phone".into()),
        "2026-11-24T10:02:00Z".into(),
        None,
    );
    let email = Method::new(
        "m1".into(),
        MethodDetail::Email {
            email_address: "alain@gmail.com".into(),
        },
        None,
        "2026-11-24T10:02:00Z".into(),
        None,
    );
    let renamed = RwSignal::new(None::<String>);
    let mounted = Mounted::new(move || {
        view! {
            <MethodList
                methods=vec![app.clone(), email.clone()]
                on_delete=|_| {}
                on_rename=move |m: Method| renamed.set(Some(m.id))
            />
        }
    });
    until("the list is shown", || mounted.query(".method").is_some()).await;
    assert_eq!(
        mounted.text("[data-method-id='m2'] .method-type"),
        Key::MethodTypeAuthenticatorApp.text(Lang::En)
    );
    assert_eq!(
        mounted.text("[data-method-id='m2'] .method-detail"),
        "Work phone"
    );
    let rename = Key::Rename.text(Lang::En);
    let buttons = |id: &str| -> Vec<String> {
        let list = mounted
            .container
            .query_selector_all(&format!("[data-method-id='{id}'] button"))
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.text_content())
            .collect()
    };
    assert!(buttons("m2").contains(&rename.to_owned()));
    assert!(!buttons("m1").contains(&rename.to_owned()));
    let button: HtmlElement = mounted.find("[data-method-id='m2'] button");
    button.click();
    until("Rename reports its method", || {
        renamed.get_untracked().as_deref() == Some("m2")
    })
    .await;
}
