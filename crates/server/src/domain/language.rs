//! The mail language, from the app's `Accept-Language` header: Dutch or English.

/// Languages mail is written in.
pub const SUPPORTED: [&str; 2] = ["en", "nl"];

/// Picks the supported language the header prefers most (English when none matches).
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let Some(header) = accept_language else {
        return "en";
    };
    let mut best: Option<(&'static str, f32)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(language) = SUPPORTED.iter().find(|l| **l == primary)
            && quality > 0.0
            && best.is_none_or(|(_, q)| quality > q)
        {
            best = Some((language, quality));
        }
    }
    best.map_or("en", |(language, _)| language)
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn dutch_is_chosen_when_preferred() {
        assert_eq!(negotiate(Some("nl")), "nl");
        assert_eq!(negotiate(Some("nl-BE,nl;q=0.9,en;q=0.8")), "nl");
        assert_eq!(negotiate(Some("fr,en;q=0.5,nl;q=0.7")), "nl");
    }

    #[test]
    fn english_is_the_fallback() {
        assert_eq!(negotiate(None), "en");
        assert_eq!(negotiate(Some("de")), "en");
        assert_eq!(negotiate(Some("en-GB,nl;q=0.1")), "en");
        assert_eq!(negotiate(Some("nl;q=0")), "en");
    }
}
