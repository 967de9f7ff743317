//! The polite live region where outcomes are announced ("... was added to your security info").

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The current status message, shared through context.
#[derive(Clone, Copy)]
pub struct Status(RwSignal<String>);

impl Status {
    /// Announces `message` (and shows it until the next one).
    pub fn say(&self, message: impl Into<String>) {
        self.0.set(message.into());
    }

    /// Removes the message.
    pub fn clear(&self) {
        self.0.set(String::new());
    }
}

/// Puts the status in context.
pub fn provide_status() -> Status {
    let status = Status(RwSignal::new(String::new()));
    provide_context(status);
    status
}

/// The status; panics outside [`provide_status`]'s tree (a programming error).
pub fn use_status() -> Status {
    use_context::<Status>().expect("provide_status() runs in App")
}

/// Clears the status when the page changes: a confirmation belongs to the page it happened
/// on ("You have signed out." must not follow the user into the password reset). Going to
/// sign-in keeps it, since signing out says it on the way there. Renders nothing; place it
/// inside the router.
#[component]
pub fn StatusFollowsPage() -> impl IntoView {
    let status = use_status();
    let pathname = use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let path = pathname.get();
        if previous.is_some_and(|previous| previous != path) && path != "/signin" {
            status.clear();
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
            class:status-empty=move || status.0.with(String::is_empty)
            role="status"
            aria-live="polite"
            aria-atomic="true"
        >
            {move || status.0.get()}
        </div>
    }
}
