//! Dates and times in the page's language, by the browser's `Intl` (no date crate in the bundle).

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::Lang;

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (name, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    object.into()
}

fn date(rfc3339: &str) -> Option<Date> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    (!date.get_time().is_nan()).then_some(date)
}

/// `24 Nov 2026` / `24 nov 2026`; the input itself when it is not a timestamp.
pub fn day(rfc3339: &str, lang: Lang) -> String {
    date(rfc3339).map_or_else(
        || rfc3339.to_owned(),
        |d| {
            String::from(d.to_locale_date_string(lang.code(), &options(&[("dateStyle", "medium")])))
        },
    )
}

/// `24 Nov 2026, 10:02`; the input itself when it is not a timestamp.
pub fn day_and_time(rfc3339: &str, lang: Lang) -> String {
    date(rfc3339).map_or_else(
        || rfc3339.to_owned(),
        |d| {
            String::from(d.to_locale_string(
                lang.code(),
                &options(&[("dateStyle", "medium"), ("timeStyle", "short")]),
            ))
        },
    )
}

/// `10:12` of a time in epoch milliseconds.
pub fn time_of_day(epoch_ms: f64, lang: Lang) -> String {
    let d = Date::new(&JsValue::from_f64(epoch_ms));
    String::from(
        d.to_locale_time_string_with_options(lang.code(), &options(&[("timeStyle", "short")])),
    )
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> f64 {
    Date::now()
}
