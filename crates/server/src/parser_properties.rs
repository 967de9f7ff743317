//! Property tests of every parser that takes outside input: whatever the string, no panic (a
//! panic in a handler drops the connection instead of answering a problem), and what a parser
//! accepts it accepts again in the form it gives back (normalizing twice changes nothing). A
//! bearer token, whatever its header and claims, is refused unless a provider's key signed it.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use security_info_api::{EmailAddress, VerificationCode};

use crate::{
    client_address::{IpRange, TrustedProxies},
    config::parse_origin,
    domain::{mask, phone},
    oidc::{OidcSettings, OidcVerifier},
};

/// Strings made of what phone numbers are typed with, and numbers shaped like real ones
/// (Dutch mobiles, North American and British numbers), so that many of them parse.
fn dialled() -> impl Strategy<Value = String> {
    prop_oneof![
        r"\+?[0-9 ()./-]{0,22}",
        r"06[ -]?[1-6][0-9]{7}",
        r"\+31 ?[1-9][0-9 ]{8,10}",
        r"\+1 ?[2-9][0-9]{2} ?[2-9][0-9]{6}",
        r"\+44 ?7[0-9]{9}",
    ]
}

/// Regions as a form sends them: real ones, lower case, unknown, empty.
fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("NL".to_owned()),
        Just("us".to_owned()),
        Just("GB".to_owned()),
        Just(String::new()),
        "[A-Za-z0-9]{0,4}",
    ]
}

/// A compact JWS: a header with an algorithm (accepted or not), a key id and other members,
/// claims of any shape, and a signature of random bytes, each part base64url (or not quite).
fn token() -> impl Strategy<Value = String> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let alg = prop_oneof![
        Just("RS256"),
        Just("ES256"),
        Just("EdDSA"),
        Just("HS256"),
        Just("none"),
        Just("RS256 "),
    ];
    let header = (alg, ".{0,12}", any::<bool>()).prop_map(|(alg, kid, jku)| {
        let mut header = serde_json::json!({"alg": alg, "kid": kid, "typ": "JWT"});
        if jku {
            header["jku"] = "https://evil.example/keys".into();
        }
        header.to_string()
    });
    let claims = prop_oneof![
        Just(
            r#"{"iss":"http://127.0.0.1:9","aud":"security-info","sub":"u","exp":4102444800}"#
                .to_owned()
        ),
        any::<String>(),
        "\\{.{0,40}\\}",
    ];
    let signature = proptest::collection::vec(any::<u8>(), 0..80);
    prop_oneof![
        3 => (header, claims, signature).prop_map(|(header, claims, signature)| {
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(claims),
                URL_SAFE_NO_PAD.encode(signature)
            )
        }),
        1 => any::<String>(),
        1 => "[A-Za-z0-9_.=-]{0,60}",
    ]
}

// Fewer cases here: each verification goes as far as asking the (absent) provider for keys.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_bearer_token_no_provider_key_signed_is_refused(tokens in proptest::collection::vec(token(), 1..8)) {
        // A provider that is not there (a closed loopback port): no key can be found, so every
        // token must fail, by its shape, its algorithm or the missing key, without a panic.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let verifier = OidcVerifier::new(OidcSettings {
            issuer: "http://127.0.0.1:9".into(),
            audience: "security-info".into(),
        })
        .expect("verifier");
        for token in tokens {
            prop_assert!(runtime.block_on(verifier.verify(&token)).is_err(), "{token}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_phone_number_parses_again_to_itself_from_its_stored_and_shown_forms(
        typed in prop_oneof![dialled(), any::<String>()],
        region in region(),
    ) {
        let anywhere = phone::AllowedRegions::default();
        if let Ok(number) = phone::parse(&typed, &region, &anywhere) {
            prop_assert!(number.e164.starts_with('+'));
            prop_assert!(number.e164[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(number.e164.len() <= 16, "{}", number.e164);
            let stored = phone::parse(&number.e164, "", &anywhere);
            prop_assert_eq!(stored.as_ref(), Ok(&number));
            let shown = phone::parse(&number.international, "", &anywhere);
            prop_assert_eq!(shown.as_ref(), Ok(&number));
            let only_its_own = phone::AllowedRegions::parse(
                &[number.calling_code.to_string()],
                "X",
            )
            .expect("a calling code");
            prop_assert!(phone::parse(&typed, &region, &only_its_own).is_ok());
            prop_assert!(!mask::phone(&number.international).contains(&number.e164[1..]));
        }
    }

    #[test]
    fn an_email_address_is_accepted_again_as_it_was_normalized(typed in any::<String>()) {
        let _ = mask::email(&typed);
        if let Ok(address) = EmailAddress::parse(&typed) {
            let again = EmailAddress::parse(address.as_str());
            prop_assert_eq!(again.as_ref().map(EmailAddress::as_str), Ok(address.as_str()));
        }
    }

    #[test]
    fn an_accepted_code_is_exactly_its_digits(
        typed in prop_oneof![r"[0-9 \-]{0,14}", any::<String>()],
        length in 6usize..=10,
    ) {
        if let Ok(code) = VerificationCode::parse(&typed, length) {
            prop_assert_eq!(code.as_str().len(), length);
            prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn an_origin_setting_is_accepted_again_as_it_was_normalized(
        typed in prop_oneof![r"https?://[a-zA-Z0-9.\-\[\]:]{0,30}/?", any::<String>()],
    ) {
        if let Ok(origin) = parse_origin(&typed, "X") {
            prop_assert_eq!(parse_origin(&origin, "X").ok(), Some(origin.clone()));
            prop_assert!(!origin.contains([';', ' ', '\'', '"', ',']));
        }
    }

    #[test]
    fn the_client_address_is_the_peer_or_a_forwarded_hop(
        hops in proptest::collection::vec(
            prop_oneof![
                any::<IpAddr>().prop_map(|a| a.to_string()),
                r"\[?[0-9a-f:.]{0,20}\]?(:[0-9]{0,6})?",
                any::<String>(),
            ],
            0..5,
        ),
        range in prop_oneof![r"[0-9./a-f:]{0,20}", any::<String>()],
    ) {
        let _ = IpRange::parse(&range);
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let proxies = TrustedProxies::parse(&["127.0.0.1".to_owned()], "X").expect("valid");
        let header = hops.join(",");
        let client = proxies.client_address(peer, [header.as_str()].into_iter());
        let named = client == peer
            || hops.iter().any(|hop| hop.contains(&client.to_string())
                || hop.parse::<IpAddr>().is_ok_and(|a| a.to_canonical() == client));
        prop_assert!(named, "{client} from {header:?}");
    }
}

/// The phone property is worth something only if many generated numbers parse: a quarter of
/// them at least (the rest try the refusals).
#[test]
fn many_generated_phone_numbers_are_valid_ones() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let anywhere = phone::AllowedRegions::default();
    let samples = 400;
    let parsed = (0..samples)
        .filter(|_| {
            let typed = dialled().new_tree(&mut runner).expect("a value").current();
            phone::parse(&typed, "NL", &anywhere).is_ok()
        })
        .count();
    assert!(parsed * 4 >= samples, "{parsed} of {samples} parsed");
}
