//! One file per page.

pub mod activity;
pub mod add_security_key;
pub mod not_found;
pub mod overview;
pub mod reset_password;
pub mod security_info;
pub mod sign_in;

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// Keeps the document title as "<page> - My Profile" in the chosen language.
pub fn use_page_title(key: Key) {
    let i18n = use_i18n();
    Effect::new(move |_| {
        document().set_title(&format!("{} - {}", i18n.t(key), i18n.t(Key::TitleSuffix)));
    });
}
