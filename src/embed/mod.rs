//! Running inside a portal's iframe (`docs/embedding.md`, "postMessage contract (v1)").
//!
//! The app detects embedding (`?embed=1`, or a frame whose host answers the `ready`
//! handshake), then drops its own header and navigation. It talks only to a host origin the
//! operator configured (`GET /api/v1/embedding`), never to `*`, and reads only messages from
//! that exact origin, from its parent window, in the exact documented shape. The contract's
//! types and checks are plain Rust in [`messages`] and [`origin`]; [`host`] is the browser
//! glue; [`token`] holds a handed-over token in memory.

pub mod host;
pub mod messages;
pub mod origin;
pub mod token;

use leptos::prelude::*;
use security_info_api::MethodType;

use crate::i18n::I18n;
use messages::{Change, Outgoing};
use origin::query_param;

/// Embedding state shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Embed {
    look: RwSignal<bool>,
}

impl Embed {
    /// Whether the app shows only its content, without header and navigation (tracked).
    pub fn is_embedded(&self) -> bool {
        self.look.get()
    }
}

/// Reads `?embed=1` and `?host=` from the first address (the router may drop them later),
/// starts talking to the host when framed, and puts the [`Embed`] state in context.
pub fn provide_embed(i18n: I18n) -> Embed {
    let search = window().location().search().unwrap_or_default();
    let embed = Embed {
        look: RwSignal::new(query_param(&search, "embed").as_deref() == Some("1")),
    };
    let look = embed.look;
    host::start(i18n, query_param(&search, "host"), move || {
        if !look.get_untracked() {
            look.set(true);
        }
    });
    provide_context(embed);
    embed
}

/// The embedding state; panics outside [`provide_embed`]'s tree (a programming error).
pub fn use_embed() -> Embed {
    use_context::<Embed>().expect("provide_embed() runs in App")
}

/// Tells the host a method was added or deleted (its type only, no personal data).
pub fn methods_changed(change: Change, method_type: MethodType) {
    host::send(&Outgoing::MethodsChanged {
        change,
        method_type: method_type.as_str().to_owned(),
    });
}
