//! Timestamps: UTC, stored and sent as fixed-width RFC 3339 text (`2026-11-24T10:00:00.000Z`),
//! so they sort as text in SQL and need no conversion on the wire.

use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

/// The current time in UTC, truncated to milliseconds (what the database keeps).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_millisecond(now.millisecond()).unwrap_or(now)
}

/// Formats a timestamp the one way the server writes them.
pub fn format(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let description =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    utc.format(&description)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Parses a timestamp written by [`format`] (any RFC 3339 text is accepted).
pub fn parse(text: &str) -> anyhow::Result<OffsetDateTime> {
    Ok(OffsetDateTime::parse(text, &Rfc3339)?)
}

/// Whole seconds from `now` until `later`, at least 1 (for `Retry-After`).
pub fn seconds_until(now: OffsetDateTime, later: OffsetDateTime) -> u64 {
    let seconds = (later - now).as_seconds_f64().ceil();
    if seconds < 1.0 { 1 } else { seconds as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = now();
        let b = a + time::Duration::milliseconds(1);
        let (fa, fb) = (format(a), format(b));
        assert_eq!(fa.len(), 24);
        assert!(fa < fb);
        assert_eq!(parse(&fa).expect("parses"), a);
    }
}
