//! The language choice on every page.

use leptos::prelude::*;

use crate::i18n::{Key, Lang, use_i18n};

/// A labelled drop-down of the app's languages, each in its own name.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="language">
            <label for="language-select">{i18n.text(Key::LanguageLabel)}</label>
            <select
                id="language-select"
                on:change=move |event| {
                    if let Some(lang) = Lang::from_tag(&event_target_value(&event)) {
                        i18n.set_lang(lang);
                        forget_query_lang();
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option
                                value=lang.code()
                                lang=lang.code()
                                selected=move || i18n.lang() == lang
                            >
                                {lang.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Drops `?lang=` from the address so a reload keeps the language just chosen.
fn forget_query_lang() {
    let window = window();
    let location = window.location();
    let (Ok(path), Ok(search), Ok(history)) =
        (location.pathname(), location.search(), window.history())
    else {
        return;
    };
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .collect();
    let url = if kept.is_empty() {
        path
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}
