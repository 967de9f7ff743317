//! The browser side of embedding: finds the host origin (only among the configured ones),
//! listens for its messages, and posts the app's messages to that exact origin.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::messages::{Incoming, Outgoing, TokenReason, parse_incoming};
use super::origin::choose_host_origin;
use super::token;
use crate::api;
use crate::i18n::{I18n, Lang};

/// How long the app waits for a token it asked for before falling back to sign-in.
const TOKEN_WAIT: Duration = Duration::from_secs(10);
/// How long the app waits for the host to re-authenticate the user at the provider.
const REAUTHENTICATION_WAIT: Duration = Duration::from_secs(300);
/// How long before a token's `exp` the app asks for a new one.
const EXPIRY_MARGIN_SECONDS: f64 = 60.0;

/// The host the app talks to.
#[derive(Clone)]
struct Link {
    origin: String,
    bearer_tokens: bool,
    /// The server's step-up window, passed on to the host with `reauthentication-required`.
    step_up_seconds: u64,
}

/// Whether the host is known yet.
enum State {
    /// Not framed, or no configured origin fits: the app works on its own.
    Alone,
    /// Framed; `GET /embedding` has not answered yet. The senders wake waiting calls.
    Pending(Vec<futures_channel::oneshot::Sender<()>>),
    /// Talking to this host.
    Linked(Link),
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Alone) };
    /// A token was asked for (by `ready` or `token-request`) and has not arrived yet.
    static ASKED: Cell<bool> = const { Cell::new(false) };
    static LAST_HEIGHT: Cell<u32> = const { Cell::new(0) };
    /// Watches what the app's height depends on, once the host is known.
    static HEIGHT_OBSERVER: RefCell<Option<web_sys::ResizeObserver>> = const { RefCell::new(None) };
}

/// Space a modal dialog keeps around itself (`.modal`'s `max-height: calc(100dvh - 1rem)`).
const DIALOG_ROOM: f64 = 16.0;

/// Whether this page runs inside a frame.
pub fn is_framed() -> bool {
    let window = window();
    window
        .parent()
        .ok()
        .flatten()
        .is_some_and(|parent| !js_sys::Object::is(&parent, &window))
}

/// Starts talking to the host: asks the server for the configured origins, picks the host
/// among them, listens, and says `ready`. `host_param` is the frame URL's `host` parameter;
/// `on_handshake` runs on the first valid message from the host.
pub(super) fn start(i18n: I18n, host_param: Option<String>, on_handshake: impl Fn() + 'static) {
    if !is_framed() {
        return;
    }
    STATE.with(|state| *state.borrow_mut() = State::Pending(Vec::new()));
    spawn_local(async move {
        let link = api::embedding().await.ok().and_then(|info| {
            let origin = choose_host_origin(
                host_param.as_deref(),
                ancestor_origin().as_deref(),
                &info.embed_origins,
            )?;
            Some(Link {
                origin,
                bearer_tokens: info.bearer_tokens,
                step_up_seconds: info.step_up_seconds,
            })
        });
        let waiting = STATE.with(|state| {
            let next = match &link {
                Some(link) => State::Linked(link.clone()),
                None => State::Alone,
            };
            match std::mem::replace(&mut *state.borrow_mut(), next) {
                State::Pending(waiting) => waiting,
                _ => Vec::new(),
            }
        });
        if let Some(link) = link {
            listen(i18n, link.origin.clone(), on_handshake);
            if link.bearer_tokens && token::current().is_none() {
                ASKED.with(|asked| asked.set(true));
            }
            send(&Outgoing::Ready {
                locale: i18n.lang_untracked().code().to_owned(),
                bearer_tokens: link.bearer_tokens,
            });
            observe_height();
        }
        for sender in waiting {
            let _ = sender.send(());
        }
    });
}

/// The host, once known (waits while `GET /embedding` is under way).
async fn link() -> Option<Link> {
    let receiver = STATE.with(|state| match &mut *state.borrow_mut() {
        State::Pending(waiting) => {
            let (sender, receiver) = futures_channel::oneshot::channel();
            waiting.push(sender);
            Some(receiver)
        }
        _ => None,
    });
    if let Some(receiver) = receiver {
        let _ = receiver.await;
    }
    STATE.with(|state| match &*state.borrow() {
        State::Linked(link) => Some(link.clone()),
        _ => None,
    })
}

/// Posts `message` to the host's exact origin; does nothing when there is no host.
pub fn send(message: &Outgoing) {
    let origin = STATE.with(|state| match &*state.borrow() {
        State::Linked(link) => Some(link.origin.clone()),
        _ => None,
    });
    let (Some(origin), Ok(Some(parent))) = (origin, window().parent()) else {
        return;
    };
    if let Ok(value) = js_sys::JSON::parse(&message.to_json()) {
        let _ = parent.post_message(&value, &origin);
    }
}

/// After a call answered 401 `unauthenticated` with `used` (the token it carried, if any):
/// whether a fresh token is there to try once more. In bearer mode the app asks the host and
/// waits a little; otherwise (no host, or the API takes no tokens) `false` at once.
pub async fn fresh_token(used: Option<String>) -> bool {
    match link().await {
        Some(link) if link.bearer_tokens => {}
        _ => return false,
    }
    let current = token::current();
    if current.is_some() && current != used {
        return true;
    }
    let reason = if used.is_some() {
        TokenReason::Rejected
    } else {
        TokenReason::Missing
    };
    if reason == TokenReason::Rejected || !ASKED.with(Cell::get) {
        ASKED.with(|asked| asked.set(true));
        send(&Outgoing::TokenRequest { reason });
    }
    wait_for_token(TOKEN_WAIT).await
}

/// When a change made with a token needs a recent authentication: asks the host for a
/// re-authenticated token and waits for it. `None` when the app does not use tokens (the
/// password dialog applies), else whether a new token came.
pub async fn reauthenticate_with_host() -> Option<bool> {
    token::current()?;
    let link = link().await.filter(|link| link.bearer_tokens)?;
    ASKED.with(|asked| asked.set(true));
    send(&Outgoing::ReauthenticationRequired {
        max_age_seconds: link.step_up_seconds,
    });
    Some(wait_for_token(REAUTHENTICATION_WAIT).await)
}

async fn wait_for_token(limit: Duration) -> bool {
    let (waiter, receiver) = token::wait();
    set_timeout(
        move || {
            if let Some(sender) = waiter.borrow_mut().take() {
                let _ = sender.send(false);
            }
        },
        limit,
    );
    receiver.await.unwrap_or(false)
}

fn ancestor_origin() -> Option<String> {
    let origins = js_sys::Reflect::get(&window().location(), &"ancestorOrigins".into()).ok()?;
    let first = js_sys::Reflect::get(&origins, &0.into()).ok()?;
    first.as_string()
}

fn listen(i18n: I18n, origin: String, on_handshake: impl Fn() + 'static) {
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_parent = match (event.source(), window().parent()) {
                (Some(source), Ok(Some(parent))) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            if !from_parent || event.origin() != origin {
                return;
            }
            let data = js_sys::JSON::stringify(&event.data())
                .ok()
                .and_then(|text| text.as_string())
                .and_then(|text| serde_json::from_str(&text).ok());
            let Some(message) = data.as_ref().and_then(parse_incoming) else {
                web_sys::console::debug_1(
                    &"security-info: ignored a message that is not in the documented shape".into(),
                );
                return;
            };
            on_handshake();
            apply(i18n, message);
        });
    let _ =
        window().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();
}

fn apply(i18n: I18n, message: Incoming) {
    match message {
        Incoming::Token(value) => {
            let expires = token::expires_at(&value);
            ASKED.with(|asked| asked.set(false));
            token::set(value.clone());
            if let Some(expires) = expires {
                ask_before_expiry(value, expires);
            }
        }
        Incoming::Locale(tag) => {
            if let Some(lang) = Lang::from_tag(&tag) {
                i18n.set_lang(lang);
            }
        }
        Incoming::Theme(tokens) => {
            let root = document()
                .document_element()
                .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(root) = root {
                let style = root.style();
                for (name, value) in tokens {
                    let _ = style.set_property(&name, &value);
                }
            }
        }
    }
}

/// Asks for a new token a minute before `token` expires, if it is still the one in use then.
fn ask_before_expiry(value: String, expires: f64) {
    let now = js_sys::Date::now() / 1000.0;
    let wait = expires - EXPIRY_MARGIN_SECONDS - now;
    if wait <= 0.0 {
        // Too short-lived to ask ahead: a refused call asks instead (no request loop).
        return;
    }
    set_timeout(
        move || {
            if token::current().as_deref() == Some(value.as_str()) && !ASKED.with(Cell::get) {
                ASKED.with(|asked| asked.set(true));
                send(&Outgoing::TokenRequest {
                    reason: TokenReason::Expiring,
                });
            }
        },
        Duration::from_secs_f64(wait),
    );
}

/// Sends `resize` with the height the app needs whenever it changes (ResizeObserver reports
/// at most once per animation frame): the document's content, or an open dialog's if taller.
fn observe_height() {
    let Some(root) = document().document_element() else {
        return;
    };
    let report = Closure::<dyn Fn()>::new(move || {
        let height = needed_height();
        if LAST_HEIGHT.with(|last| last.replace(height)) != height {
            send(&Outgoing::Resize { height });
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(report.as_ref().unchecked_ref()) {
        observer.observe(&root);
        HEIGHT_OBSERVER.with(|slot| *slot.borrow_mut() = Some(observer));
    }
    report.forget();
}

/// Lets an open modal dialog count in the height sent to the host. A modal dialog sits in
/// the top layer and adds nothing to the document's height, so in a frame sized to the page
/// it would be cut off or scroll inside itself. Observing it reports its height now, as it
/// changes, and (as it shrinks to nothing) when it closes. Does nothing when not embedded.
pub fn fit_dialog(dialog: &web_sys::Element) {
    HEIGHT_OBSERVER.with(|slot| {
        if let Some(observer) = slot.borrow().as_ref() {
            observer.observe(dialog);
        }
    });
}

/// The document's height, or the tallest open dialog's with the room it keeps around itself.
fn needed_height() -> u32 {
    let document = document();
    let mut height = document
        .document_element()
        .map_or(0.0, |root| root.get_bounding_client_rect().height());
    if let Ok(dialogs) = document.query_selector_all("dialog[open]") {
        for index in 0..dialogs.length() {
            let Some(dialog) = dialogs
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                continue;
            };
            // scrollHeight is the whole content, also while max-height cuts the box short.
            let borders = f64::from(dialog.offset_height() - dialog.client_height());
            height = height.max(f64::from(dialog.scroll_height()) + borders + DIALOG_ROOM);
        }
    }
    height.ceil().max(0.0) as u32
}
