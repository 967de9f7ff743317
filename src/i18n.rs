//! Every user-visible text, in English and Dutch.
//!
//! The texts live in `locales/<lang>.json` (the Playwright specs read the same files); `build.rs`
//! turns them into the [`Key`] enum, so a misspelt key does not compile and a language missing a
//! key fails the build. The chosen language is a signal in context: switching it re-renders
//! every text, and the API client tells the server so mail arrives in the same language.

use std::cell::Cell;

use leptos::prelude::*;

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// A language the app is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English, the fallback.
    #[default]
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// Every language, in the order of the switcher.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The BCP 47 tag (`en`, `nl`), also the name of the locale file.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// The language's own name, as the switcher shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Nl => "Nederlands",
        }
    }

    /// Matches a language tag such as `nl-BE` or `EN` by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The first supported language of `?lang=`, then the stored choice, then the browser's
    /// preferences, then English.
    pub fn negotiate<'a>(
        query: Option<&str>,
        stored: Option<&str>,
        browser: impl IntoIterator<Item = &'a str>,
    ) -> Lang {
        query
            .and_then(Lang::from_tag)
            .or_else(|| stored.and_then(Lang::from_tag))
            .or_else(|| browser.into_iter().find_map(Lang::from_tag))
            .unwrap_or_default()
    }
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language of the page right now, for code outside the reactive tree (the API client).
pub fn current_lang() -> Lang {
    CURRENT.with(Cell::get)
}

/// Fills `{name}` placeholders of `text`.
pub fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The language state shared by the whole app (through context).
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Language state set to `lang`, outside the app's context (for native tests).
    pub fn fixed(lang: Lang) -> Self {
        Self {
            lang: RwSignal::new(lang),
        }
    }

    /// The chosen language (tracked).
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// The chosen language, without tracking (for code outside views).
    pub fn lang_untracked(&self) -> Lang {
        self.lang.get_untracked()
    }

    /// Switches the language, remembers it for the next visit and tells the document.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        remember(lang);
    }

    /// The text of `key` in the chosen language (tracked).
    pub fn t(&self, key: Key) -> &'static str {
        key.text(self.lang())
    }

    /// The text of `key` as a signal, for views: one shared type for every text node keeps the
    /// bundle small (a closure per text would be a new type, and new code, each time).
    pub fn text(&self, key: Key) -> Signal<&'static str> {
        let lang = self.lang;
        Signal::derive(move || key.text(lang.get()))
    }

    /// The text of `key` with its placeholders filled (tracked).
    pub fn tf(&self, key: Key, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }
}

/// Puts the language state in context, chosen from the URL, the stored choice and the browser.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        lang: RwSignal::new(detect()),
    };
    Effect::new(move |_| {
        let lang = i18n.lang.get();
        CURRENT.with(|current| current.set(lang));
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    });
    CURRENT.with(|current| current.set(i18n.lang.get_untracked()));
    provide_context(i18n);
    i18n
}

/// The language state; panics outside [`provide_i18n`]'s tree (a programming error).
pub fn use_i18n() -> I18n {
    use_context::<I18n>().expect("provide_i18n() runs in App")
}

const STORAGE_KEY: &str = "security-info.lang";

fn detect() -> Lang {
    let window = window();
    let query = window
        .location()
        .search()
        .ok()
        .and_then(|search| query_lang(&search));
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten());
    let browser: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|value| value.as_string())
        .collect();
    let lang = Lang::negotiate(
        query.as_deref(),
        stored.as_deref(),
        browser.iter().map(String::as_str),
    );
    // A language asked for in the address (a portal's link) is kept for reloads and later visits.
    if query.as_deref().and_then(Lang::from_tag).is_some() {
        remember(lang);
    }
    lang
}

/// The value of `lang` in a query string such as `?x=1&lang=nl`.
pub fn query_lang(search: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .map(str::to_owned)
}

fn remember(lang: Lang) {
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_stored_choice_then_the_browser_then_english() {
        assert_eq!(Lang::negotiate(Some("nl"), Some("en"), ["en-US"]), Lang::Nl);
        assert_eq!(Lang::negotiate(Some("xx"), Some("nl"), ["en-US"]), Lang::Nl);
        assert_eq!(
            Lang::negotiate(None, None, ["fr-FR", "nl-BE", "en"]),
            Lang::Nl
        );
        assert_eq!(Lang::negotiate(None, None, ["fr-FR"]), Lang::En);
        assert_eq!(Lang::negotiate(None, None, []), Lang::En);
    }

    #[test]
    fn the_lang_parameter_is_found_among_others() {
        assert_eq!(query_lang("?next=%2F&lang=nl"), Some("nl".to_owned()));
        assert_eq!(query_lang("?language=nl"), None);
        assert_eq!(query_lang(""), None);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(
                Key::CodeSent.text(Lang::En),
                &[("destination", "alain@gmail.com")]
            ),
            "We just sent a code to alain@gmail.com."
        );
    }

    #[test]
    fn every_key_has_a_text_in_every_language_and_the_dutch_follows_the_article() {
        for key in ALL_KEYS {
            for lang in Lang::ALL {
                assert!(!key.text(lang).is_empty(), "{} in {lang:?}", key.name());
            }
        }
        assert_eq!(Key::SecurityTitle.text(Lang::Nl), "Beveiligingsgegevens");
        assert_eq!(Key::AddMethod.text(Lang::Nl), "Methode toevoegen");
        assert_eq!(Key::AddTitle.text(Lang::Nl), "Een methode toevoegen");
        assert_eq!(Key::Yes.text(Lang::Nl), "Ja");
    }
}
