//! Dates, times and the names of countries and regions: shown in the page's language by the
//! browser's `Intl` (no date crate and no country names in the bundle), and the plain
//! arithmetic the countdowns need (RFC 3339 timestamps to epoch milliseconds, seconds left,
//! `m:ss`), which is tested natively.

use std::cmp::Ordering;

use js_sys::{Array, Date, Function, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

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

/// Names regions (ISO 3166 `NL`) in `lang` with `Intl.DisplayNames`: "Netherlands",
/// "Nederland". Reached through `Reflect` so that a browser without it (or a code it does not
/// know) shows the code itself instead of failing.
pub fn region_namer(lang: Lang) -> impl Fn(&str) -> String {
    let display_names = || -> Option<(JsValue, Function)> {
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let class = Reflect::get(&intl, &"DisplayNames".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?;
        let arguments = Array::of2(&lang.code().into(), &options(&[("type", "region")]));
        let names = Reflect::construct(&class, &arguments).ok()?;
        let of = Reflect::get(&names, &"of".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?;
        Some((names, of))
    };
    let names = display_names();
    move |code: &str| {
        names
            .as_ref()
            .and_then(|(names, of)| of.call1(names, &code.into()).ok())
            .and_then(|name| name.as_string())
            .unwrap_or_else(|| code.to_owned())
    }
}

/// Compares texts as a dictionary of `lang` orders them (`Intl` collation: "Åland" with the
/// A's, "Österreich" with the O's), for lists sorted by a translated name.
pub fn text_order(lang: Lang) -> impl Fn(&str, &str) -> Ordering {
    let locales = Array::of1(&lang.code().into());
    let options = Object::new();
    move |a: &str, b: &str| {
        JsString::from(a)
            .locale_compare(b, &locales, &options)
            .cmp(&0)
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> f64 {
    Date::now()
}

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp (`2026-11-24T10:00:00.5Z`,
/// `...+01:00`), or `None` when it is not one. Digits below the millisecond are dropped.
pub fn parse_rfc3339_ms(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Whole milliseconds from the first three digits, in integers: parsing the fraction as
        // an f64 would link core's float parser and its 10 KB table into the wasm for nothing.
        millis = after_dot[..digits]
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0, |ms, digit| ms * 10 + i64::from(digit - b'0'));
        rest = &after_dot[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some((seconds * 1000 + millis) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whole seconds from `now_ms` until `target_ms`, rounded up; zero once it has passed.
pub fn seconds_until(now_ms: f64, target_ms: f64) -> u64 {
    let left = ((target_ms - now_ms) / 1000.0).ceil();
    if left.is_finite() && left > 0.0 {
        left as u64
    } else {
        0
    }
}

/// A countdown as `m:ss` (`0:59`, `1:00`, `12:05`).
pub fn format_countdown(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_epoch_milliseconds() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_rfc3339_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.250Z"),
            Some(1_795_514_400_250.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T11:00:00+01:00"),
            parse_rfc3339_ms("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.5Z"),
            Some(1_795_514_400_500.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-11-24T10:00:00.123999Z"),
            Some(1_795_514_400_123.0)
        );
        assert_eq!(parse_rfc3339_ms("2026-11-24T10:00:00.Z"), None);
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
        assert_eq!(parse_rfc3339_ms("2026-13-24T10:00:00Z"), None);
    }

    #[test]
    fn countdowns_round_up_and_stop_at_zero() {
        assert_eq!(seconds_until(0.0, 59_001.0), 60);
        assert_eq!(seconds_until(0.0, 60_000.0), 60);
        assert_eq!(seconds_until(61_000.0, 60_000.0), 0);
        assert_eq!(format_countdown(60), "1:00");
        assert_eq!(format_countdown(9), "0:09");
        assert_eq!(format_countdown(725), "12:05");
    }
}
