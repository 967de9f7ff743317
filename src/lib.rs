//! The Security info app: a Leptos client-side app where users manage the verification
//! methods of their work or school account.
//!
//! Logic that needs no browser (the add-method steps, language choice, time parsing) lives in
//! plain modules with native unit tests; components only render state and call [`api`]. What
//! is particular to a method type lives in its module under [`methods`].

pub mod add_method;
pub mod api;
mod app;
pub mod clock;
pub mod components;
pub mod embed;
pub mod errors;
pub mod format;
pub mod i18n;
pub mod methods;
pub mod pages;
pub mod step_up;
pub mod webauthn;

pub use app::App;
