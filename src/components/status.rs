//! The polite live region where outcomes are announced ("... was added to your security info").

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The current status message, shared through context.
#[derive(Clone, Copy)]
pub struct Status {
    message: RwSignal<String>,
    /// The message was said on the way to another page: the next page change keeps it.
    carried: StoredValue<bool>,
}

impl Status {
    /// Announces `message` (and shows it until the next one, or until the page changes).
    pub fn say(&self, message: impl Into<String>) {
        self.carried.set_value(false);
        self.message.set(message.into());
    }

    /// Announces `message` just before going to another page, which shows it ("You have
    /// signed out." on the sign-in page).
    pub fn say_on_next_page(&self, message: impl Into<String>) {
        self.carried.set_value(true);
        self.message.set(message.into());
    }

    /// Removes the message.
    pub fn clear(&self) {
        self.carried.set_value(false);
        self.message.set(String::new());
    }

    /// Called when the page changes: the message goes, unless it was said for this page.
    fn page_changed(&self) {
        if self.carried.get_value() {
            self.carried.set_value(false);
        } else {
            self.message.set(String::new());
        }
    }
}

/// Puts the status in context.
pub fn provide_status() -> Status {
    let status = Status {
        message: RwSignal::new(String::new()),
        carried: StoredValue::new(false),
    };
    provide_context(status);
    status
}

/// The status; panics outside [`provide_status`]'s tree (a programming error).
pub fn use_status() -> Status {
    use_context::<Status>().expect("provide_status() runs in App")
}

/// Clears the status when the page changes: a confirmation belongs to the page it happened
/// on ("You have signed out." must not follow the user into the password reset), except one
/// said on the way to the new page ([`Status::say_on_next_page`]). Renders nothing; place
/// it inside the router.
#[component]
pub fn StatusFollowsPage() -> impl IntoView {
    let status = use_status();
    let pathname = use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            status.page_changed();
        }
        path
    });
}

/// The live region itself; always in the page so screen readers track it.
#[component]
pub fn StatusRegion() -> impl IntoView {
    let status = use_status();
    view! {
        <div
            class="status"
            class:status-empty=move || status.message.with(String::is_empty)
            role="status"
            aria-live="polite"
            aria-atomic="true"
        >
            {move || status.message.get()}
        </div>
    }
}
