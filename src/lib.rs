//! The Security info app: a Leptos client-side app where users manage the verification
//! methods of their work or school account.

mod app;

pub use app::App;
