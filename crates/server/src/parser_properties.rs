//! Property tests of every parser that takes outside input: whatever the string, no panic (a
//! panic in a handler drops the connection instead of answering a problem), and what a parser
//! accepts it accepts again in the form it gives back (normalizing twice changes nothing). A
//! bearer token, whatever its header and claims, is refused unless a provider's key signed it.
//! An operator's accounts file reads in CSV and in JSON lines as each account checked alone;
//! the content policy hashes exactly the page's inline scripts and names each portal once.

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

/// An account as an operator's file gives it: addresses that are valid or not, names with
/// the characters that need quoting in CSV (commas, quotes, line ends) and any others,
/// languages in any case or unknown, passwords present or not.
#[derive(Debug, Clone)]
struct AccountLine {
    user_principal_name: String,
    display_name: String,
    language: String,
    password: String,
}

fn account_line() -> impl Strategy<Value = AccountLine> {
    let address = prop_oneof![
        4 => r"[a-z][a-z0-9.]{0,12}@(contoso|fabrikam)\.example",
        1 => r"[A-Z][a-z]{0,8}@CONTOSO\.EXAMPLE",
        1 => any::<String>(),
    ];
    let name = prop_oneof![
        4 => r#"[A-Za-zé ,"'\-]{1,30}"#,
        1 => r"[A-Za-z]{1,10}\r?\n[A-Za-z]{1,10}",
        1 => any::<String>(),
    ];
    let language = prop_oneof![
        Just(String::new()),
        Just("en".to_owned()),
        Just("NL".to_owned()),
        r"[a-z]{2}",
    ];
    let password = prop_oneof![Just(String::new()), r#"[ -~]{1,20}"#];
    (address, name, language, password).prop_map(
        |(user_principal_name, display_name, language, password)| AccountLine {
            user_principal_name,
            display_name,
            language,
            password,
        },
    )
}

/// What reading a file made of: a good row's fields, or the line of a refused one.
fn outcome(rows: &crate::operator::rows::Rows) -> Vec<(u64, Option<[String; 3]>)> {
    let mut lines: Vec<_> = rows
        .good
        .iter()
        .map(|row| {
            let fields = [
                row.user_principal_name.clone(),
                row.display_name.clone(),
                row.language.clone().unwrap_or_default(),
            ];
            (row.line, Some(fields))
        })
        .chain(rows.refused.iter().map(|refusal| (refusal.line, None)))
        .collect();
    lines.sort_by_key(|(line, _)| *line);
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_accounts_file_of_any_bytes_is_read_without_a_panic(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            r#"userPrincipalName,displayName(,language)?(,password)?\r?\n([a-z@.,"\r\n ]{0,40}\n){0,6}"#
                .prop_map(String::into_bytes),
        ],
    ) {
        use crate::operator::rows::{Format, read};
        let lines = bytes.split(|&b| b == b'\n').count() as u64;
        for format in [Format::Csv, Format::Jsonl] {
            if let Ok(rows) = read(&bytes, format) {
                for refusal in &rows.refused {
                    prop_assert!((1..=lines).contains(&refusal.line), "{refusal:?} of {lines} lines");
                }
                for row in &rows.good {
                    prop_assert!((1..=lines).contains(&row.line));
                }
            }
        }
    }

    /// The same accounts written by a CSV writer (the csv crate's RFC 4180 quoting, as a
    /// spreadsheet writes) and as JSON lines read to the same rows, each row to what the
    /// single-account check makes of it, one line apart per line end in the CSV fields.
    #[test]
    fn an_accounts_file_reads_as_each_account_checked_alone_in_csv_and_json_lines(
        accounts in proptest::collection::vec(account_line(), 1..8),
    ) {
        use crate::operator::rows::{Format, check_account, check_password, read};
        let mut csv_file = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        csv_file
            .write_record(["userPrincipalName", "displayName", "language", "password"])
            .expect("header");
        let mut jsonl = String::new();
        for account in &accounts {
            csv_file
                .write_record([
                    &account.user_principal_name,
                    &account.display_name,
                    &account.language,
                    &account.password,
                ])
                .expect("row");
            let line = serde_json::json!({
                "userPrincipalName": account.user_principal_name,
                "displayName": account.display_name,
                "language": account.language,
                "password": account.password,
            });
            jsonl.push_str(&line.to_string());
            jsonl.push('\n');
        }
        let csv_bytes = csv_file.into_inner().expect("written");
        let from_csv = read(&csv_bytes, Format::Csv).expect("a header");
        let from_jsonl = read(jsonl.as_bytes(), Format::Jsonl).expect("always");

        // The reference: each account checked on its own; a repeated address is refused.
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<Option<[String; 3]>> = accounts
            .iter()
            .map(|account| {
                let (upn, name, language) = check_account(
                    &account.user_principal_name,
                    &account.display_name,
                    Some(&account.language),
                )
                .ok()?;
                if !account.password.is_empty() {
                    check_password(&account.password).ok()?;
                }
                seen.insert(upn.clone()).then(|| [upn, name, language.unwrap_or_default()])
            })
            .collect();
        let fields = |rows| outcome(rows).into_iter().map(|(_, f)| f).collect::<Vec<_>>();
        prop_assert_eq!(&fields(&from_jsonl), &expected);
        prop_assert_eq!(&fields(&from_csv), &expected);

        // Line numbers: JSON lines one per account; CSV after the header, plus the line ends
        // inside quoted fields before it.
        let jsonl_lines: Vec<u64> = outcome(&from_jsonl).iter().map(|(l, _)| *l).collect();
        prop_assert_eq!(jsonl_lines, (1..=accounts.len() as u64).collect::<Vec<_>>());
        let mut line = 2;
        let mut csv_lines = Vec::new();
        for account in &accounts {
            csv_lines.push(line);
            let fields = [&account.user_principal_name, &account.display_name, &account.language, &account.password];
            line += 1 + fields.iter().map(|f| f.matches('\n').count() as u64).sum::<u64>();
        }
        let read_lines: Vec<u64> = outcome(&from_csv).iter().map(|(l, _)| *l).collect();
        prop_assert_eq!(read_lines, csv_lines);
    }

    /// Whatever the page, the policy keeps its fixed directives, and its script sources are
    /// the hashes of exactly the inline scripts, in order (a reference hash of each body).
    #[test]
    fn the_script_sources_are_the_hashes_of_the_inline_scripts(
        parts in proptest::collection::vec(
            prop_oneof![
                // Text between scripts, without an `s` so that no two parts make a script tag.
                "[a-rt-zA-RT-Z0-9 <>/=\"'\n]{0,20}",
                // An inline script, its body anything that does not close it.
                (any::<bool>(), "[^<]{0,30}").prop_map(|(upper, body)| {
                    let tag = if upper { "SCRIPT" } else { "script" };
                    format!("<{tag} type=\"module\">{body}</{tag}>")
                }),
                // An external script: no hash.
                "[a-z]{1,8}".prop_map(|file| format!("<script src=\"/{file}.js\"></script>")),
            ],
            0..6,
        ),
        page in any::<String>(),
    ) {
        use base64::{Engine, engine::general_purpose::STANDARD};
        use sha2::{Digest, Sha256};
        use crate::content_policy::content_security_policy;

        // Any page at all: no panic, and the fixed directives stay.
        let policy = content_security_policy("frame-ancestors 'self'", Some(&page));
        prop_assert!(policy.starts_with("default-src 'none';"));
        prop_assert!(policy.ends_with("; frame-ancestors 'self'"));

        let html = parts.concat();
        let expected: Vec<String> = parts
            .iter()
            .filter(|part| part.starts_with("<script type") || part.starts_with("<SCRIPT"))
            .map(|part| {
                let body = &part[part.find('>').expect("tag") + 1..part.rfind("</").expect("close")];
                format!("'sha256-{}'", STANDARD.encode(Sha256::digest(body.as_bytes())))
            })
            .collect();
        let policy = content_security_policy("frame-ancestors 'self'", Some(&html));
        let script_src = policy
            .split("; ")
            .find(|directive| directive.starts_with("script-src "))
            .expect("script-src");
        let hashes: Vec<&str> = script_src
            .split(' ')
            .filter(|source| source.starts_with("'sha256-"))
            .collect();
        prop_assert_eq!(hashes, expected);
    }

    /// The portals an operator names become `frame-ancestors` sources one for one: an origin
    /// setting cannot add a directive or a second source.
    #[test]
    fn each_embedding_origin_is_one_frame_ancestors_source(
        typed in proptest::collection::vec(
            prop_oneof![r"https?://[a-zA-Z0-9.\-\[\]:;, ']{0,30}/?", any::<String>()],
            0..5,
        ),
    ) {
        let accepted: Vec<String> = typed.iter().filter_map(|t| parse_origin(t, "X").ok()).collect();
        let origins = crate::origin::AllowedOrigins::new(
            None,
            "127.0.0.1:8080".parse().expect("address"),
            accepted.clone(),
        );
        let directive = origins.frame_ancestors();
        let sources: Vec<&str> = directive.split(' ').collect();
        prop_assert_eq!(sources[0], "frame-ancestors");
        prop_assert_eq!(sources[1], "'self'");
        let expected: Vec<&str> = accepted.iter().map(String::as_str).collect();
        prop_assert_eq!(&sources[2..], expected.as_slice());
        prop_assert!(!directive.contains([';', ',']));
    }
}
