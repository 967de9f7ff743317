use reqwest::{StatusCode, header};
use security_info_api::{MethodCreated, MethodDetail, Registration};
use serde_json::json;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    helpers::*,
    test_db::{ago, earlier},
};

/// Lets the resend cooldown pass by moving every code of the database back `seconds`.
async fn age_codes(app: &TestApp, seconds: i64) {
    app.sql(&format!(
        "update one_time_code set created_at = {}",
        earlier("created_at", seconds)
    ))
    .await;
}

#[tokio::test]
async fn a_mailed_code_registers_the_address() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let response = app.register_email(" Alain.Dupont@GMail.com ").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    assert_eq!(
        code_sent(&registration).destination,
        "Alain.Dupont@gmail.com"
    );
    assert_eq!(code_sent(&registration).code_length, 6);
    let expires =
        OffsetDateTime::parse(code_sent(&registration).expires_at, &Rfc3339).expect("time");
    let resend = OffsetDateTime::parse(code_sent(&registration).resend_available_at, &Rfc3339)
        .expect("time");
    let now = OffsetDateTime::now_utc();
    assert!((expires - now - time::Duration::minutes(10)).abs() < time::Duration::seconds(5));
    assert!((resend - now - time::Duration::seconds(60)).abs() < time::Duration::seconds(5));

    let mailbox = app.wait_for_mail_count("Alain.Dupont@gmail.com", 1).await;
    let mail = &mailbox.messages[0];
    assert_eq!(mail.subject, "Your Contoso verification code");
    assert!(mail.text.contains("10 minutes"));
    let code = code_in(&mail.text).expect("code");
    assert_eq!(code.len(), 6);

    let response = app
        .submit_code(&registration, &format!("{} {}", &code[..3], &code[3..]))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(
        created.method.detail,
        MethodDetail::Email {
            email_address: "Alain.Dupont@gmail.com".into()
        }
    );
}

#[tokio::test]
async fn the_code_mail_is_in_dutch_when_the_app_asks_in_dutch() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let response = app
        .client
        .post(app.api("/me/registrations"))
        .header(header::ACCEPT_LANGUAGE, "nl-NL,nl;q=0.9,en;q=0.5")
        .json(&json!({"type": "email", "emailAddress": "alain@gmail.com"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mailbox = app.wait_for_mail_count("alain@gmail.com", 1).await;
    assert_eq!(
        mailbox.messages[0].subject,
        "Uw verificatiecode voor Contoso"
    );
    assert!(mailbox.messages[0].text.contains("minuten"));
}

#[tokio::test]
async fn invalid_addresses_are_refused_as_invalid_email() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let too_long = format!(
        "{}@{}.com",
        "a".repeat(60),
        [
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(60),
            "e".repeat(10)
        ]
        .join(".")
    );
    assert!(too_long.len() > 254);
    for bad in [
        "",
        "alain",
        "alain@",
        "alain@gmail",
        "a b@gmail.com",
        "alain@[192.0.2.1]",
        "x@y.com\r\nBcc: z@y.com",
        too_long.as_str(),
    ] {
        let response = app.register_email(bad).await;
        assert_problem(response, 422, "invalid_email").await;
    }
}

#[tokio::test]
async fn internationalized_addresses_are_accepted() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("jörg@bücher.example").await;
    assert_eq!(code_sent(&registration).destination, "jörg@bücher.example");
}

#[tokio::test]
async fn the_organizations_own_addresses_are_refused() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    for work in [
        "alain@contoso.example",
        "Alain@CONTOSO.Example",
        "alain@students.contoso.example",
    ] {
        let response = app.register_email(work).await;
        assert_problem(response, 422, "work_email_not_allowed").await;
    }
}

#[tokio::test]
async fn other_spellings_of_the_organizations_domain_are_refused() {
    let app = TestApp::spawn_with(&["--org-domains", "contoso.example,bücher.example"]).await;
    app.sign_in(ALAIN).await;
    for work in [
        "alain@ｃｏｎｔｏｓｏ.example",
        "alain@ＣＯＮＴＯＳＯ.ＥＸＡＭＰＬＥ",
        "alain@students.ｃｏｎｔｏｓｏ.example",
        "alain@xn--bcher-kva.example",
        "alain@BÜCHER.example",
    ] {
        let response = app.register_email(work).await;
        assert_problem(response, 422, "work_email_not_allowed").await;
    }
    // A look-alike (a Greek omicron) is another domain, whose mail never reaches the
    // organization; broken punycode is no address at all.
    app.start_registration("alain@c\u{3bf}ntoso.example").await;
    let response = app.register_email("alain@xn--a.example").await;
    assert_problem(response, 422, "invalid_email").await;
}

#[tokio::test]
async fn a_second_email_method_is_refused_as_already_registered() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    // Two registrations in flight; the first one completes.
    let first = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let response = app.submit_code(&first, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app.register_email("alain@outlook.example").await;
    assert_problem(response, 409, "method_already_registered").await;
}

#[tokio::test]
async fn a_wrong_code_says_how_many_tries_are_left() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let response = app.submit_code(&registration, &wrong(&code)).await;
    let problem = assert_problem(response, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(4));
    let response = app.submit_code(&registration, &wrong(&wrong(&code))).await;
    let problem = assert_problem(response, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(3));
    // Input that cannot be a code is refused without costing a try.
    let response = app.submit_code(&registration, "12ab").await;
    let problem = assert_problem(response, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(3));
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_wrong_code_five_times_voids_the_registration() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    for left in (1..=4).rev() {
        let response = app.submit_code(&registration, &wrong(&code)).await;
        let problem = assert_problem(response, 422, "code_incorrect").await;
        assert_eq!(problem.attempts_left, Some(left));
    }
    let response = app.submit_code(&registration, &wrong(&code)).await;
    assert_problem(response, 410, "verification_locked").await;
    // Even the right code no longer works, and no new code can be asked for.
    let response = app.submit_code(&registration, &code).await;
    assert_problem(response, 410, "verification_locked").await;
    age_codes(&app, 120).await;
    let response = app.resend(&registration).await;
    assert_problem(response, 410, "verification_locked").await;
}

#[tokio::test]
async fn the_count_of_wrong_codes_survives_a_resend() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let first = app.code_sent_to("alain@gmail.com").await;
    for _ in 0..3 {
        let response = app.submit_code(&registration, &wrong(&first)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    age_codes(&app, 61).await;
    let response = app.resend(&registration).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    app.wait_for_mail_count("alain@gmail.com", 2).await;
    let second = app.code_sent_to("alain@gmail.com").await;
    let response = app.submit_code(&registration, &wrong(&second)).await;
    let problem = assert_problem(response, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(1));
    let response = app.submit_code(&registration, &wrong(&second)).await;
    assert_problem(response, 410, "verification_locked").await;
}

#[tokio::test]
async fn a_resent_code_replaces_the_previous_one() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let first = app.code_sent_to("alain@gmail.com").await;
    age_codes(&app, 61).await;
    // An empty body is read as `{}`.
    let response = app
        .client
        .post(app.api(&resend_path(&registration)))
        .header(header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let resent: Registration = response.json().await.expect("registration");
    assert_eq!(resent.id, registration.id);
    app.wait_for_mail_count("alain@gmail.com", 2).await;
    let second = app.code_sent_to("alain@gmail.com").await;
    if first != second {
        let response = app.submit_code(&registration, &first).await;
        assert_problem(response, 422, "code_incorrect").await;
    }
    let response = app.submit_code(&registration, &second).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn asking_for_a_new_code_within_a_minute_is_too_soon() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let response = app.resend(&registration).await;
    let retry_after: u64 = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    let problem = assert_problem(response, 429, "resend_too_soon").await;
    assert!((55..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(problem.retry_after_seconds, Some(retry_after));
}

#[tokio::test]
async fn an_expired_code_is_refused_as_code_expired() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    app.sql(&format!("update one_time_code set expires_at = {}", ago(1)))
        .await;
    let response = app.submit_code(&registration, &code).await;
    assert_problem(response, 410, "code_expired").await;
    // A new code brings the registration back to life.
    age_codes(&app, 61).await;
    assert_eq!(
        app.resend(&registration).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn a_code_works_only_once() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
    let again = app.submit_code(&registration, &code).await;
    assert_problem(again, 404, "not_found").await;
}

#[tokio::test]
async fn a_new_registration_voids_the_previous_one() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let first = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    app.start_registration("alain@outlook.example").await;
    let response = app.submit_code(&first, &code).await;
    assert_problem(response, 410, "code_expired").await;
}

#[tokio::test]
async fn at_most_five_codes_per_user_per_hour() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    for _ in 0..4 {
        age_codes(&app, 61).await;
        assert_eq!(
            app.resend(&registration).await.status(),
            StatusCode::ACCEPTED
        );
    }
    age_codes(&app, 61).await;
    let response = app.resend(&registration).await;
    let problem = assert_problem(response, 429, "too_many_requests").await;
    let wait = problem.retry_after_seconds.expect("retry after");
    assert!(wait > 3000 && wait <= 3600, "{wait}");
    let other = app.register_email("alain@outlook.example").await;
    assert_problem(other, 429, "too_many_requests").await;
}

/// Sends ten codes within the day, five from Alain to `alains_spelling` and five from Megan
/// to `megans_spelling`, leaving both users' hourly limits behind.
async fn ten_codes_from_two_users(app: &TestApp, alains_spelling: &str, megans_spelling: &str) {
    let megan = TestAppClient::new(app).await;
    let registration = app.start_registration(alains_spelling).await;
    for _ in 0..4 {
        age_codes(app, 61).await;
        assert_eq!(
            app.resend(&registration).await.status(),
            StatusCode::ACCEPTED
        );
    }
    age_codes(app, 2 * 3600).await;
    let response = megan.register_email(megans_spelling).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let megans: Registration = response.json().await.expect("registration");
    for _ in 0..4 {
        age_codes(app, 61).await;
        let resend = megan.resend(&megans).await;
        assert_eq!(resend.status(), StatusCode::ACCEPTED);
    }
    age_codes(app, 2 * 3600).await;
}

#[tokio::test]
async fn at_most_ten_codes_per_address_per_day() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    ten_codes_from_two_users(&app, "shared@gmail.com", "Shared@GMAIL.com").await;
    let response = app.register_email("shared@gmail.com").await;
    assert_problem(response, 429, "too_many_requests").await;
    // Another address is fine.
    app.start_registration("alain@outlook.example").await;
}

#[tokio::test]
async fn the_daily_limit_counts_every_spelling_of_an_address_as_one() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    ten_codes_from_two_users(
        &app,
        "shared@bücher.example",
        "shared@xn--bcher-kva.example",
    )
    .await;
    for spelling in ["shared@ＢÜＣＨＥＲ.example", "shared@bücher.example"] {
        let response = app.register_email(spelling).await;
        assert_problem(response, 429, "too_many_requests").await;
    }
}

#[tokio::test]
async fn another_users_registration_is_not_found() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let megan = TestAppClient::new(&app).await;
    let verify = megan.submit_code(&registration, &code).await;
    assert_problem(verify, 404, "not_found").await;
    age_codes(&app, 61).await;
    let resend = megan.resend(&registration).await;
    assert_problem(resend, 404, "not_found").await;
    let unknown = app
        .post(
            "/me/registrations/nope/verify",
            json!({"kind": "code", "code": code}),
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
}

#[tokio::test]
async fn verifying_needs_a_recent_sign_in() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    app.sql(&age_authentication_sql(11)).await;
    let response = app.submit_code(&registration, &code).await;
    assert_problem(response, 401, "reauthentication_required").await;
    let reauth = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(reauth.status(), StatusCode::NO_CONTENT);
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_code_length_is_configurable() {
    let app = TestApp::spawn_with(&["--code-length", "8"]).await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    assert_eq!(code_sent(&registration).code_length, 8);
    let code = app.code_sent_to("alain@gmail.com").await;
    assert_eq!(code.len(), 8);
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}
