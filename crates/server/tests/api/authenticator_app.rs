//! The authenticator app method over HTTP: the key and its QR code, the code the app shows,
//! wrong and parallel answers, expiry, the limit of five, rename and delete, and the key
//! kept out of every later answer, the log and the database files.

use reqwest::StatusCode;
use security_info_api::{
    Challenge, MethodCreated, MethodList, MethodTypeList, Registration, UnavailableReason, Usage,
};
use security_info_server::domain::totp;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::server_process::{ServerProcess, sign_in, temp_database};

/// A started registration and the key an app would have scanned.
struct Started {
    registration: Registration,
    /// The key as the challenge gives it (base32).
    secret: String,
    /// The key's bytes, decoded as an app decodes them.
    key: Vec<u8>,
}

fn decode(secret: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .expect("base32")
}

fn started(registration: Registration) -> Started {
    let Challenge::Totp { secret, .. } = &registration.challenge else {
        panic!("not a TOTP challenge: {:?}", registration.challenge);
    };
    let secret = secret.clone();
    Started {
        key: decode(&secret),
        secret,
        registration,
    }
}

/// The code an app with `key` shows now.
fn code_now(key: &[u8]) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    totp::code(key, totp::step_at(now), totp::DIGITS)
}

async fn start(app: &TestApp) -> Started {
    let response = app
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    started(response.json().await.expect("registration"))
}

async fn answer(app: &TestApp, started: &Started, code: &str) -> reqwest::Response {
    app.submit_code(&started.registration, code).await
}

/// Registers an app and returns the method.
async fn register(app: &TestApp) -> MethodCreated {
    let started = start(app).await;
    let response = answer(app, &started, &code_now(&started.key)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("method")
}

fn qr_code_path(registration: &Registration) -> String {
    format!("/me/registrations/{}/qr-code", registration.id)
}

#[tokio::test]
async fn an_app_scans_the_key_and_its_code_registers_it_for_two_step_verification_and_reset() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let started = start(&app).await;
    assert_eq!(started.key.len(), 20, "160 bits");
    assert_eq!(started.secret.len(), 32);
    let Challenge::Totp {
        uri,
        issuer,
        account_name,
        qr_code_url,
        code_length,
        period_seconds,
        expires_at,
        ..
    } = &started.registration.challenge
    else {
        unreachable!("checked by started()");
    };
    assert_eq!(issuer, "Contoso");
    assert_eq!(account_name, ALAIN);
    assert!(
        uri.starts_with("otpauth://totp/Contoso:alain@contoso.example?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={}", started.secret)), "{uri}");
    assert!(
        uri.ends_with("&issuer=Contoso&algorithm=SHA1&digits=6&period=30"),
        "{uri}"
    );
    assert_eq!((*code_length, *period_seconds), (6, 30));
    assert_eq!(
        qr_code_url,
        &format!("/api/v1{}", qr_code_path(&started.registration))
    );
    let expires =
        time::OffsetDateTime::parse(expires_at, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    let ttl = expires - time::OffsetDateTime::now_utc();
    assert!(
        ttl > time::Duration::minutes(9) && ttl <= time::Duration::minutes(10),
        "the code TTL: {ttl}"
    );

    let qr = app.get(&qr_code_path(&started.registration)).await;
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert_eq!(qr.headers()["cache-control"], "no-store");
    let svg = qr.text().await.expect("svg");
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    assert!(!svg.contains("style") && !svg.contains("<script"), "{svg}");

    // Nothing to resend: the app makes its own codes.
    let response = app.resend(&started.registration).await;
    assert_problem(response, 409, "no_code_to_resend").await;

    let response = answer(&app, &started, &code_now(&started.key)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(created.method.method_type.as_str(), "authenticatorApp");
    assert_eq!(created.method.name.as_deref(), Some("Authenticator app 1"));
    assert_eq!(
        created.method.usable_for,
        vec![Usage::TwoStepVerification, Usage::PasswordReset]
    );
    let raw: Value = app.get_json("/me/methods").await;
    assert_eq!(
        raw["methods"][0]["detail"],
        json!({"type": "authenticatorApp"})
    );

    // The key is never shown again.
    assert_problem(
        app.get(&qr_code_path(&started.registration)).await,
        404,
        "not_found",
    )
    .await;
    for path in ["/me/methods", "/me/activity", "/me", "/me/method-types"] {
        let text = app.get(path).await.text().await.expect("text");
        assert!(!text.contains(&started.secret), "the key is in {path}");
    }
    // The user hears of it at their work address.
    let mailbox = app.wait_for_mail_count(ALAIN, 1).await;
    assert!(!format!("{mailbox:?}").contains(&started.secret));
}

#[tokio::test]
async fn a_dutch_user_gets_a_dutch_default_name() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let response = app
        .client
        .post(app.api("/me/registrations"))
        .header("accept-language", "nl-NL")
        .json(&json!({"type": "authenticatorApp"}))
        .send()
        .await
        .expect("request");
    let started = started(response.json().await.expect("registration"));
    let created: MethodCreated = answer(&app, &started, &code_now(&started.key))
        .await
        .json()
        .await
        .expect("method");
    assert_eq!(created.method.name.as_deref(), Some("Authenticator-app 1"));
    // The activity page shows the audit trail's descriptions as they are: in the user's language.
    let activity: security_info_api::ActivityList = app.get_json("/me/activity").await;
    let described: Vec<(String, Option<String>)> = activity
        .events
        .iter()
        .map(|e| (format!("{:?}", e.kind), e.detail.clone()))
        .collect();
    assert!(
        described.contains(&(
            "RegistrationStarted".into(),
            Some("Authenticator-app".into())
        )),
        "{described:?}"
    );
    assert!(
        described.contains(&("MethodAdded".into(), Some("Authenticator-app 1".into()))),
        "{described:?}"
    );
}

#[tokio::test]
async fn wrong_codes_count_and_the_fifth_voids_the_registration() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let started = start(&app).await;
    let right = code_now(&started.key);
    // Not a code at all: refused without counting.
    let problem = assert_problem(
        answer(&app, &started, "12a456").await,
        422,
        "code_incorrect",
    )
    .await;
    assert_eq!(problem.attempts_left, Some(5));
    for left in (1..=4).rev() {
        let problem = assert_problem(
            answer(&app, &started, &wrong(&right)).await,
            422,
            "code_incorrect",
        )
        .await;
        assert_eq!(problem.attempts_left, Some(left));
    }
    assert_problem(
        answer(&app, &started, &wrong(&right)).await,
        410,
        "verification_locked",
    )
    .await;
    assert_problem(
        answer(&app, &started, &code_now(&started.key)).await,
        410,
        "verification_locked",
    )
    .await;
    assert_problem(
        app.get(&qr_code_path(&started.registration)).await,
        410,
        "verification_locked",
    )
    .await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
}

#[tokio::test]
async fn the_same_code_sent_twice_at_once_adds_one_app() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let started = start(&app).await;
    let code = code_now(&started.key);
    let (first, second) =
        tokio::join!(answer(&app, &started, &code), answer(&app, &started, &code));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [201, 404],
        "one wins; the other finds it completed"
    );
    let methods: MethodList = app.get_json("/me/methods").await;
    assert_eq!(methods.methods.len(), 1);
}

#[tokio::test]
async fn an_unfinished_registration_expires_after_the_code_ttl_and_is_never_listed() {
    let app = TestApp::spawn_with(&["--code-ttl-seconds", "120"]).await;
    app.sign_in(ALAIN).await;
    let started = start(&app).await;
    let Challenge::Totp { expires_at, .. } = &started.registration.challenge else {
        unreachable!("checked by started()");
    };
    let expires =
        time::OffsetDateTime::parse(expires_at, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    assert!(expires - time::OffsetDateTime::now_utc() <= time::Duration::seconds(120));
    // Its time passes.
    app.sql("update registration set expires_at = '2000-01-01T00:00:00.000000Z'")
        .await;
    assert_problem(
        answer(&app, &started, &code_now(&started.key)).await,
        410,
        "registration_expired",
    )
    .await;
    assert_problem(
        app.get(&qr_code_path(&started.registration)).await,
        410,
        "registration_expired",
    )
    .await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
}

#[tokio::test]
async fn five_apps_at_most_each_named_by_the_first_free_ordinal_renamed_and_deleted() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let mut ids = Vec::new();
    for ordinal in 1..=5 {
        let created = register(&app).await;
        assert_eq!(
            created.method.name,
            Some(format!("Authenticator app {ordinal}"))
        );
        ids.push(created.method.id);
    }
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    let info = type_info(&types, "authenticatorApp");
    assert_eq!((info.registered, info.limit), (5, 5));
    assert_eq!(info.reason, Some(UnavailableReason::LimitReached));
    let response = app
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    assert_problem(response, 409, "method_limit_reached").await;

    let rename = app.rename(&ids[1], "Work phone").await;
    assert_eq!(rename.status(), StatusCode::OK);
    let delete = app.delete(&format!("/me/methods/{}", ids[2])).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let names = app.method_names().await;
    assert_eq!(
        names,
        [
            "Authenticator app 1",
            "Work phone",
            "Authenticator app 4",
            "Authenticator app 5"
        ]
    );
    // The freed place takes the first name no app has.
    let created = register(&app).await;
    assert_eq!(created.method.name.as_deref(), Some("Authenticator app 2"));
}

#[tokio::test]
async fn a_policy_without_the_type_neither_offers_nor_accepts_it() {
    let app = TestApp::spawn_with(&["--allowed-methods", "email"]).await;
    app.sign_in(ALAIN).await;
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    assert!(!type_info(&types, "authenticatorApp").allowed);
    let response = app
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    assert_problem(response, 403, "method_not_allowed").await;
    let response = app
        .post(
            "/me/registrations",
            json!({"type": "authenticatorApp", "secret": "JBSWY3DPEHPK3PXP"}),
        )
        .await;
    assert_problem(response, 400, "malformed_request").await;
}

#[tokio::test]
async fn the_qr_code_is_its_owners_only() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let started = start(&app).await;
    let megan = TestAppClient::new(&app).await;
    let response = megan.get(&qr_code_path(&started.registration)).await;
    assert_problem(response, 404, "not_found").await;
    let anonymous = client()
        .get(app.api(&qr_code_path(&started.registration)))
        .send()
        .await
        .expect("request");
    assert_problem(anonymous, 401, "unauthenticated").await;
    // An email registration has no QR code.
    let email = app.start_registration("alain@gmail.com").await;
    assert_problem(app.get(&qr_code_path(&email)).await, 404, "not_found").await;
}

#[tokio::test]
async fn the_key_is_in_neither_the_log_nor_the_database_files() {
    let (dir, database) = temp_database();
    let server = ServerProcess::start(&database, &[("SECURITY_INFO_DEV_MAILBOX", "true")]).await;
    let client = client();
    sign_in(&client, &server).await;
    let response = client
        .post(server.api("/me/registrations"))
        .json(&json!({"type": "authenticatorApp"}))
        .send()
        .await
        .expect("request");
    let started = started(response.json().await.expect("registration"));
    let qr = client
        .get(server.api(&qr_code_path(&started.registration)))
        .send()
        .await
        .expect("request");
    assert_eq!(qr.status(), StatusCode::OK);
    let response = client
        .post(server.api(&verify_path(&started.registration)))
        .json(&json!({"kind": "code", "code": code_now(&started.key)}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let log = server.kill().await;
    // The debug log has every statement: the insert of the method is in it, its key is not.
    assert!(
        log.contains("insert into method"),
        "the log is captured:\n{log}"
    );
    assert!(!log.contains(&started.secret), "the key is in the log");
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            for needle in [started.secret.as_bytes(), &started.key] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "the key is in {}",
                    path.display()
                );
            }
        }
    }
}
