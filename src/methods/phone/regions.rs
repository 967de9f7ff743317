//! The phone form's list of countries and regions: the server's list (the regions the
//! organization allows, with their calling codes), named by the browser in the page's language
//! and the one the user most likely has their phone in first.

use std::cmp::Ordering;

use leptos::prelude::*;
use security_info_api::PhoneRegion;

use crate::i18n::Lang;

/// The region of a language tag (`en-US` -> `US`, `zh-Hant-TW` -> `TW`), if it names one.
pub fn tag_region(tag: &str) -> Option<String> {
    tag.split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// The region a user most likely has their phone in, among `regions`: the Netherlands on the
/// Dutch page; on the English one the region of the browser's language (`en-GB`), else the
/// United States; else the first of the list.
pub fn likely_region(
    lang: Lang,
    browser_language: Option<&str>,
    regions: &[PhoneRegion],
) -> Option<String> {
    let preferred = match lang {
        Lang::Nl => Some("NL".to_owned()),
        Lang::En => browser_language.and_then(tag_region),
    };
    [preferred, Some("US".to_owned())]
        .into_iter()
        .flatten()
        .find(|code| regions.iter().any(|r| &r.region == code))
        .or_else(|| regions.first().map(|r| r.region.clone()))
}

/// A country or region as the list offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionOption {
    /// Its ISO 3166 code, the value sent.
    pub region: String,
    /// What the list shows: "Netherlands (+31)".
    pub label: String,
}

/// The list's options: `first` at the top, then the others by `name`, ordered by `order`.
pub fn region_options(
    regions: &[PhoneRegion],
    first: Option<&str>,
    name: impl Fn(&str) -> String,
    order: impl Fn(&str, &str) -> Ordering,
) -> Vec<RegionOption> {
    let mut named: Vec<(String, &PhoneRegion)> = regions
        .iter()
        .map(|region| (name(&region.region), region))
        .collect();
    let is_first = |region: &PhoneRegion| Some(region.region.as_str()) == first;
    named.sort_by(|(a_name, a), (b_name, b)| {
        is_first(b)
            .cmp(&is_first(a))
            .then_with(|| order(a_name, b_name))
    });
    named
        .into_iter()
        .map(|(name, region)| RegionOption {
            region: region.region.clone(),
            label: format!("{name} (+{})", region.calling_code),
        })
        .collect()
}

/// The browser's own language tag (`en-GB`), whose region is a good guess at the phone's.
pub fn browser_language() -> Option<String> {
    window().navigator().language()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(codes: &[(&str, u16)]) -> Vec<PhoneRegion> {
        codes
            .iter()
            .map(|(region, calling_code)| PhoneRegion {
                region: (*region).to_owned(),
                calling_code: *calling_code,
            })
            .collect()
    }

    #[test]
    fn the_likely_region_is_the_pages_or_the_browsers_then_the_us_then_the_first() {
        let list = regions(&[("BE", 32), ("GB", 44), ("NL", 31), ("US", 1)]);
        assert_eq!(
            likely_region(Lang::Nl, Some("en-GB"), &list).as_deref(),
            Some("NL")
        );
        assert_eq!(
            likely_region(Lang::En, Some("en-GB"), &list).as_deref(),
            Some("GB")
        );
        assert_eq!(
            likely_region(Lang::En, Some("fr-BE"), &list).as_deref(),
            Some("BE")
        );
        assert_eq!(
            likely_region(Lang::En, Some("en"), &list).as_deref(),
            Some("US")
        );
        assert_eq!(
            likely_region(Lang::En, Some("de-AT"), &list).as_deref(),
            Some("US")
        );
        assert_eq!(likely_region(Lang::En, None, &list).as_deref(), Some("US"));
        let europe = regions(&[("BE", 32), ("DE", 49)]);
        assert_eq!(
            likely_region(Lang::Nl, None, &europe).as_deref(),
            Some("BE")
        );
        assert_eq!(likely_region(Lang::En, None, &[]), None);
        assert_eq!(tag_region("zh-Hant-TW").as_deref(), Some("TW"));
        assert_eq!(tag_region("nl_nl").as_deref(), Some("NL"));
        assert_eq!(tag_region("es-419"), None);
    }

    #[test]
    fn regions_are_listed_by_name_with_their_calling_code_and_the_likely_one_first() {
        let list = regions(&[("BE", 32), ("DE", 49), ("NL", 31)]);
        let dutch = |code: &str| {
            match code {
                "BE" => "België",
                "DE" => "Duitsland",
                "NL" => "Nederland",
                _ => code,
            }
            .to_owned()
        };
        let options = region_options(&list, Some("NL"), dutch, str::cmp);
        let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Nederland (+31)", "België (+32)", "Duitsland (+49)"]
        );
        assert_eq!(options[0].region, "NL");
        let unnamed = region_options(&list, None, str::to_owned, |a, b| b.cmp(a));
        assert_eq!(unnamed[0].label, "NL (+31)");
    }
}
