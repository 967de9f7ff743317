//! The one modal primitive every dialog uses: a native `<dialog>` opened with `showModal()`.
//!
//! The browser makes the rest of the page inert (focus cannot leave the dialog for the page),
//! puts the dialog in the top layer and sends `cancel` on Esc. This component adds what the
//! browser leaves to us: focus moves into the dialog, the dialog is named by its title, Esc and
//! the close button tell the owner, and focus returns to the control that opened it.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::i18n::{Key, use_i18n};

/// Elements that can take focus, in the order a dialog's first focus prefers them.
const FOCUSABLE: &str = "[autofocus], input:not([type=hidden]):not([disabled]), select:not([disabled]), \
    textarea:not([disabled]), button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/// A modal dialog: shown while `open` is true, named by `title`.
#[component]
pub fn Modal(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the user dismisses the dialog (Esc or the close button).
    #[prop(into)]
    on_close: Callback<()>,
    /// The dialog's title, shown as its heading and used as its accessible name.
    #[prop(into)]
    title: Signal<&'static str>,
    /// A page-unique id; the title gets `{id}-title`.
    id: &'static str,
    /// The dialog's content, rendered only while it is open.
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let dialog_ref = NodeRef::<html::Dialog>::new();
    let opener: Rc<RefCell<Option<HtmlElement>>> = Rc::default();
    let title_id = format!("{id}-title");
    let heading_id = title_id.clone();

    Effect::new(move |_| {
        let is_open = open.get();
        let Some(dialog) = dialog_ref.get() else {
            return;
        };
        if is_open && !dialog.open() {
            *opener.borrow_mut() = active_element();
            if dialog.show_modal().is_ok() {
                crate::embed::host::fit_dialog(&dialog);
                // The content renders in the same update; focus it once it is in the page.
                request_animation_frame(move || focus_first(&dialog));
            }
        } else if !is_open && dialog.open() {
            dialog.close();
            restore_focus(opener.borrow_mut().take());
        }
    });

    let children = StoredValue::new(children);
    view! {
        <dialog
            node_ref=dialog_ref
            id=id
            class="modal"
            aria-labelledby=title_id
            on:cancel=move |event: web_sys::Event| {
                event.prevent_default();
                on_close.run(());
            }
            on:close=move |_| {
                if open.get_untracked() {
                    on_close.run(());
                }
            }
        >
            <Show when=move || open.get()>
                <div class="modal-header">
                    <h2 id=heading_id.clone() class="modal-title">
                        {title}
                    </h2>
                    <button
                        type="button"
                        class="icon-button"
                        aria-label=i18n.text(Key::Close)
                        on:click=move |_| on_close.run(())
                    >
                        <svg aria-hidden="true" viewBox="0 0 16 16" width="16" height="16">
                            <path
                                d="M3 3l10 10M13 3L3 13"
                                stroke="currentColor"
                                stroke-width="1.6"
                                fill="none"
                            />
                        </svg>
                    </button>
                </div>
                {children.read_value()()}
            </Show>
        </dialog>
    }
}

fn active_element() -> Option<HtmlElement> {
    document()
        .active_element()
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
}

/// Focuses the first field of the dialog's content, else its first control.
fn focus_first(dialog: &web_sys::HtmlDialogElement) {
    let content_first = dialog
        .query_selector(".modal-body [autofocus], .modal-body input, .modal-body select")
        .ok()
        .flatten();
    let any_first = || dialog.query_selector(FOCUSABLE).ok().flatten();
    if let Some(element) = content_first.or_else(any_first)
        && let Ok(element) = element.dyn_into::<HtmlElement>()
    {
        let _ = element.focus();
    }
}

/// Gives focus back to the opener; if it is gone or disabled (a deleted row's button), to the
/// topmost dialog still open, else to the page heading.
fn restore_focus(opener: Option<HtmlElement>) {
    if let Some(opener) = opener.filter(|opener| opener.is_connected()) {
        let _ = opener.focus();
        if active_element().as_ref() == Some(&opener) {
            return;
        }
    }
    let open_dialogs = document().query_selector_all("dialog[open]").ok();
    let topmost = open_dialogs
        .and_then(|list| {
            list.length()
                .checked_sub(1)
                .and_then(|last| list.item(last))
        })
        .and_then(|node| node.dyn_into::<web_sys::HtmlDialogElement>().ok());
    if let Some(dialog) = topmost {
        focus_first(&dialog);
        return;
    }
    if let Some(heading) = document()
        .query_selector("#main h1")
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
    {
        let _ = heading.focus();
    }
}

/// Focuses an element as soon as it is in the page (a dialog step's first field).
pub fn focus_on_mount<E>(node: NodeRef<E>)
where
    E: html::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        if let Some(element) = node.get()
            && let Some(element) = element.dyn_ref::<HtmlElement>()
        {
            let _ = element.focus();
        }
    });
}
