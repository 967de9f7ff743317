//! Component tests in headless Chromium: the modal primitive (open, focus in, Esc, focus back),
//! the email form's checks, the code input with a pasted code, and the resend countdown.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use leptos::prelude::*;
use security_info_api::EmailRegistration;
use security_info_app::components::code_form::CodeForm;
use security_info_app::components::email_form::EmailForm;
use security_info_app::components::modal::Modal;
use security_info_app::components::status::provide_status;
use security_info_app::i18n::{Key, Lang, provide_i18n};
use security_info_app::step_up::provide_step_up;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Waits `ms` of real time (effects and timers run meanwhile).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A fresh container in the page, with the app's contexts provided around `view`.
fn mount<F, V>(view: F) -> HtmlElement
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
    handle.forget();
    container
}

fn by_id<T: JsCast>(id: &str) -> T {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("#{id} is in the page"))
        .unchecked_into()
}

fn active_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

fn submit(form_child_id: &str) {
    let input: HtmlInputElement = by_id(form_child_id);
    let form = input.form().expect("inside a form");
    form.request_submit().expect("submits");
}

fn type_into(id: &str, value: &str) {
    let input: HtmlInputElement = by_id(id);
    input.set_value(value);
    let event = web_sys::Event::new_with_event_init_dict("input", &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .expect("event");
    input.dispatch_event(&event).expect("dispatched");
}

fn registration(resend_in_ms: f64) -> EmailRegistration {
    let iso = |ms: f64| String::from(js_sys::Date::new(&ms.into()).to_iso_string());
    let now = js_sys::Date::now();
    EmailRegistration {
        id: "reg-1".into(),
        email_address: "alain@gmail.com".into(),
        expires_at: iso(now + 600_000.0),
        resend_available_at: iso(now + resend_in_ms),
        code_length: 6,
    }
}

#[wasm_bindgen_test]
async fn the_modal_takes_focus_names_itself_closes_on_esc_and_gives_focus_back() {
    let open = RwSignal::new(false);
    mount(move || {
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
    let opener: HtmlElement = by_id("opener");
    opener.focus().expect("focus");
    opener.click();
    sleep(50).await;
    let dialog: web_sys::HtmlDialogElement = by_id("test-modal");
    assert!(dialog.open(), "showModal() was called");
    assert_eq!(active_id(), "first-field", "focus moved into the dialog");
    let title_id = dialog.get_attribute("aria-labelledby").expect("labelled");
    assert_eq!(
        by_id::<HtmlElement>(&title_id).text_content().as_deref(),
        Some("Test title")
    );

    // Esc makes the browser fire `cancel` on the dialog.
    let cancel = web_sys::Event::new_with_event_init_dict("cancel", &{
        let init = web_sys::EventInit::new();
        init.set_cancelable(true);
        init
    })
    .expect("event");
    dialog.dispatch_event(&cancel).expect("dispatched");
    sleep(50).await;
    assert!(!open.get_untracked(), "the owner was told");
    assert!(!dialog.open(), "the dialog closed");
    assert_eq!(active_id(), "opener", "focus went back to the opener");
}

#[wasm_bindgen_test]
async fn the_email_form_refuses_bad_and_work_addresses_and_ties_the_error_to_the_field() {
    let address = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    mount(move || {
        view! {
            <EmailForm
                address=address
                org_domains=vec!["contoso.example".to_owned()]
                on_sent=move |_| sent.set(true)
                on_cancel=|()| {}
            />
        }
    });
    sleep(20).await;
    submit("email-address");
    sleep(20).await;
    let error = || {
        by_id::<HtmlElement>("email-error")
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(error(), Key::EmailErrorEmpty.text(Lang::En));

    type_into("email-address", "Megan@CONTOSO.example");
    submit("email-address");
    sleep(20).await;
    assert_eq!(error(), Key::EmailErrorWork.text(Lang::En));
    let input: HtmlInputElement = by_id("email-address");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(
        input
            .get_attribute("aria-describedby")
            .unwrap_or_default()
            .contains("email-error")
    );
    assert_eq!(active_id(), "email-address", "focus is on the field to fix");

    type_into("email-address", "not an address");
    submit("email-address");
    sleep(20).await;
    assert_eq!(error(), Key::EmailErrorSyntax.text(Lang::En));
    assert!(!sent.get_untracked(), "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_pasted_code_with_spaces_is_kept_as_digits_and_a_short_code_is_refused() {
    mount(move || {
        view! {
            <CodeForm
                registration=registration(60_000.0)
                on_resent=|_| {}
                on_back=|()| {}
                on_void=|()| {}
                on_verified=|_| {}
            />
        }
    });
    sleep(20).await;
    type_into("verification-code", " 123 456\n");
    let input: HtmlInputElement = by_id("verification-code");
    assert_eq!(input.value(), "123456");
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );

    type_into("verification-code", "12 34");
    submit("verification-code");
    sleep(20).await;
    let error = by_id::<HtmlElement>("code-error")
        .text_content()
        .unwrap_or_default();
    assert_eq!(
        error,
        Key::CodeErrorLength.text(Lang::En).replace("{length}", "6")
    );
}

#[wasm_bindgen_test]
async fn the_resend_countdown_runs_down_and_then_allows_a_new_code() {
    mount(move || {
        view! {
            <CodeForm
                registration=registration(2_500.0)
                on_resent=|_| {}
                on_back=|()| {}
                on_void=|()| {}
                on_verified=|_| {}
            />
        }
    });
    sleep(20).await;
    let resend: HtmlElement = by_id("resend-code");
    assert_eq!(
        resend.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    let countdown = by_id::<HtmlElement>("resend-wait")
        .text_content()
        .unwrap_or_default();
    assert!(
        countdown.contains("0:03") || countdown.contains("0:02"),
        "{countdown}"
    );
    sleep(1_200).await;
    let later = by_id::<HtmlElement>("resend-wait")
        .text_content()
        .unwrap_or_default();
    assert_ne!(later, countdown, "the countdown moves");
    sleep(Duration::from_millis(2_500).as_millis() as i32).await;
    assert_eq!(
        resend.get_attribute("aria-disabled").as_deref(),
        Some("false")
    );
    assert!(
        document().get_element_by_id("resend-wait").is_none(),
        "the wait is over"
    );
}
