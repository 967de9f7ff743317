//! The phone method over HTTP against a real gateway receiver (`tests/support/sms_gateway.mjs`,
//! which checks every request's signature): a mobile phone by text, an office phone by call
//! with its extension in Dutch, every kind of bad number refused before anything is sent, one
//! phone of each kind, each abuse limit (429 with Retry-After), a gateway that fails once, and
//! one that is down while the server is killed.

use std::time::Duration;

use reqwest::{StatusCode, header};
use security_info_api::{
    Challenge, Channel, MethodCreated, MethodDetail, MethodList, PhoneKind, PhoneRegions,
    Registration, Usage,
};
use serde_json::{Value, json};

use crate::{
    gateway_receiver::{GATEWAY_SECRET, Receiver, code_in_message},
    helpers::*,
    server_process::{ServerProcess, sign_in, temp_database},
    test_db::{ago, as_text},
};

/// A server sending texts and calls to `receiver`, with `extra` arguments.
async fn app_with(receiver: &Receiver, extra: &[&str]) -> TestApp {
    let mut args = receiver.server_args();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    TestApp::spawn_with(&args).await
}

fn mobile(number: &str, channel: &str) -> Value {
    json!({"type": "phone", "kind": "mobile", "region": "NL", "number": number, "channel": channel})
}

async fn start(app: &TestApp, body: Value) -> Registration {
    let response = app.post("/me/registrations", body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json().await.expect("registration")
}

/// The next message the gateway got, checked as signed and taken.
async fn delivered(receiver: &mut Receiver) -> Value {
    let request = receiver.next().await;
    assert_eq!(request["verified"], true, "{request}");
    assert_eq!(request["status"], 202, "{request}");
    request["message"].clone()
}

/// The phone outbox rows once the first is recorded as sent (the gateway may have the message
/// a moment before the worker writes that down).
async fn outbox_rows_once_sent(app: &TestApp) -> Vec<(String, Option<String>, i64, bool)> {
    for _ in 0..100 {
        let rows = outbox_rows(app).await;
        if rows.first().is_some_and(|row| row.1.is_some()) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not recorded as sent: {:?}", outbox_rows(app).await);
}

async fn outbox_rows(app: &TestApp) -> Vec<(String, Option<String>, i64, bool)> {
    let db = app.db().await;
    let pool = db.pool();
    let rows: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(&format!(
        "select recipient, {}, attempts, case when sealed_secret is null then 0 else 1 end
         from outbox_message where template in ('sms_code', 'voice_code') order by created_at",
        as_text("sent_at")
    ))
    .fetch_all(pool)
    .await
    .expect("outbox");
    db.close().await;
    rows.into_iter()
        .map(|(recipient, sent_at, attempts, sealed)| (recipient, sent_at, attempts, sealed == 1))
        .collect()
}

#[tokio::test]
async fn a_mobile_phone_is_added_with_a_texted_code() {
    let mut receiver = Receiver::taking_all().await;
    let app = app_with(&receiver, &[]).await;
    app.sign_in(ALAIN).await;
    let registration = start(&app, mobile("06 12345678", "sms")).await;
    let Challenge::Code {
        channel,
        destination,
        code_length,
        ..
    } = &registration.challenge
    else {
        panic!("a code challenge: {:?}", registration.challenge);
    };
    assert_eq!(*channel, Channel::Sms);
    assert_eq!(destination, "+31 6 12345678");
    let message = delivered(&mut receiver).await;
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["to"], "+31612345678");
    assert_eq!(message["language"], "en");
    assert!(message.get("extension").is_none(), "{message}");
    let text = message["text"].as_str().expect("text");
    let code = code_in_message(text);
    assert_eq!(code.len(), usize::from(*code_length), "{text}");
    assert!(
        text.ends_with(&format!("@localhost #{code}")),
        "the WebOTP line: {text}"
    );
    // Delivered: the sealed code is gone from the outbox.
    let rows = outbox_rows_once_sent(&app).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1.is_some() && !rows[0].3, "{rows:?}");

    let response = app.submit_code(&registration, &wrong(&code)).await;
    assert_problem(response, 422, "code_incorrect").await;
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(
        created.method.detail,
        MethodDetail::Phone {
            kind: PhoneKind::Mobile,
            number: "+31 6 12345678".into(),
            extension: None,
            texts: true,
        }
    );
    assert_eq!(
        created.method.usable_for,
        vec![Usage::TwoStepVerification, Usage::PasswordReset]
    );
    let list: MethodList = app.get_json("/me/methods").await;
    assert_eq!(list.methods.len(), 1);
    let activity: Value = app.get_json("/me/activity").await;
    assert!(
        activity.to_string().contains("+31 • ••••••78"),
        "the trail shows the masked number: {activity}"
    );
}

#[tokio::test]
async fn an_office_phone_is_called_at_its_extension_in_dutch() {
    let mut receiver = Receiver::taking_all().await;
    let app = app_with(&receiver, &[]).await;
    app.sign_in(ALAIN).await;
    let response = app
        .client
        .post(app.api("/me/registrations"))
        .header(header::ACCEPT_LANGUAGE, "nl-NL,nl;q=0.9")
        .json(&json!({"type": "phone", "kind": "office", "region": "NL",
                      "number": "020 555 0123", "extension": " 4321 ", "channel": "voice"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    let message = delivered(&mut receiver).await;
    assert_eq!(message["channel"], "voice");
    assert_eq!(message["to"], "+31205550123");
    assert_eq!(message["extension"], "4321");
    assert_eq!(message["language"], "nl");
    let spoken = message["text"].as_str().expect("text");
    let code = code_in_message(spoken);
    let digits = code
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(spoken.matches(&digits).count(), 2, "spoken twice: {spoken}");
    assert!(spoken.contains("Nogmaals"), "{spoken}");

    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(
        created.method.detail,
        MethodDetail::Phone {
            kind: PhoneKind::Office,
            number: "+31 20 555 0123".into(),
            extension: Some("4321".into()),
            texts: false,
        }
    );
    // A resend calls again, at the same extension.
    let registration = start(
        &app,
        json!({"type": "phone", "kind": "alternateMobile", "region": "", "number": "+31 6 87654321", "channel": "voice"}),
    )
    .await;
    let first = delivered(&mut receiver).await;
    assert_eq!(first["to"], "+31687654321");
    app.sql("update one_time_code set created_at = '2000-01-01T00:00:00.000Z'")
        .await;
    let response = app.resend(&registration).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let again = delivered(&mut receiver).await;
    assert_eq!(again["channel"], "voice");
    assert_ne!(again["messageId"], first["messageId"]);
    assert_ne!(code_in_message(again["text"].as_str().expect("text")), "");
}

#[tokio::test]
async fn bad_numbers_are_refused_with_their_reason_and_nothing_is_sent() {
    let mut receiver = Receiver::taking_all().await;
    let app = app_with(&receiver, &["--phone-regions", "31,32"]).await;
    app.sign_in(ALAIN).await;
    let office = |number: &str, extension: &str| {
        json!({"type": "phone", "kind": "office", "region": "NL", "number": number,
               "extension": extension, "channel": "voice"})
    };
    let cases = [
        (mobile("zes twaalf", "sms"), "invalid_phone_number"),
        (mobile("06 1234", "sms"), "invalid_phone_number"),
        (mobile("", "sms"), "invalid_phone_number"),
        (
            json!({"type": "phone", "kind": "mobile", "region": "XX", "number": "0612345678", "channel": "sms"}),
            "invalid_phone_number",
        ),
        (mobile("0900 1234567", "voice"), "phone_number_not_personal"),
        (mobile("0800 1234567", "voice"), "phone_number_not_personal"),
        (mobile("+44 7400 123456", "sms"), "phone_region_not_allowed"),
        (mobile("020 555 0123", "sms"), "texts_not_possible"),
        (
            json!({"type": "phone", "kind": "alternateMobile", "region": "NL", "number": "06 12345678", "channel": "sms"}),
            "texts_not_possible",
        ),
        (office("020 555 0123", "12a"), "invalid_extension"),
        (office("020 555 0123", "12345678901"), "invalid_extension"),
        (
            json!({"type": "phone", "kind": "mobile", "region": "NL", "number": "06 12345678",
                   "extension": "12", "channel": "voice"}),
            "invalid_extension",
        ),
    ];
    for (body, code) in cases {
        let response = app.post("/me/registrations", body.clone()).await;
        assert_eq!(response.status().as_u16(), 422, "{body} -> {code}");
        let problem: Value = response.json().await.expect("problem");
        assert_eq!(problem["code"], code, "{body}");
    }
    // Not phone-shaped at all: malformed, not a number problem.
    for body in [
        json!({"type": "phone", "kind": "desk", "region": "NL", "number": "06 12345678", "channel": "sms"}),
        json!({"type": "phone", "kind": "mobile", "number": "06 12345678", "channel": "pigeon"}),
        json!({"type": "phone", "kind": "mobile", "region": "NL", "channel": "sms"}),
    ] {
        let response = app.post("/me/registrations", body).await;
        assert_problem(response, 400, "malformed_request").await;
    }
    assert!(
        receiver
            .anything_within(Duration::from_millis(500))
            .await
            .is_none(),
        "nothing reached the gateway"
    );
    assert!(outbox_rows(&app).await.is_empty());
    // The region list has what the organization allows.
    let regions: PhoneRegions = app.get_json("/phone-regions").await;
    let codes: Vec<u16> = regions.regions.iter().map(|r| r.calling_code).collect();
    assert!(codes.contains(&31) && codes.contains(&32));
    assert!(codes.iter().all(|c| [31, 32].contains(c)), "{codes:?}");
}

#[tokio::test]
async fn an_account_has_one_phone_of_each_kind() {
    let mut receiver = Receiver::taking_all().await;
    let app = app_with(&receiver, &[]).await;
    app.sign_in(ALAIN).await;
    let registration = start(&app, mobile("06 12345678", "sms")).await;
    let code = code_in_message(
        delivered(&mut receiver).await["text"]
            .as_str()
            .expect("text"),
    );
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Another mobile phone is refused before a code is paid for.
    let response = app
        .post("/me/registrations", mobile("06 87654321", "sms"))
        .await;
    assert_problem(response, 409, "method_already_registered").await;
    assert!(
        receiver
            .anything_within(Duration::from_millis(300))
            .await
            .is_none()
    );
    // An alternate mobile phone is another kind.
    start(
        &app,
        json!({"type": "phone", "kind": "alternateMobile", "region": "NL", "number": "06 87654321", "channel": "voice"}),
    )
    .await;
    delivered(&mut receiver).await;
}

/// Asserts a 429 `too_many_requests` whose Retry-After is within the hour or day.
async fn assert_limited(response: reqwest::Response, at_most: u64) {
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("Retry-After in seconds");
    let problem = assert_problem(response, 429, "too_many_requests").await;
    assert_eq!(problem.retry_after_seconds, Some(retry_after));
    assert!(retry_after > 0 && retry_after <= at_most, "{retry_after} s");
}

#[tokio::test]
async fn each_phone_limit_answers_429_with_retry_after() {
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    let receiver = Receiver::taking_all().await;
    // Per number per hour: Megan cannot have Alain's number texted again.
    let app = app_with(&receiver, &["--phone-codes-per-number-per-hour", "1"]).await;
    app.sign_in(ALAIN).await;
    start(&app, mobile("06 12345678", "sms")).await;
    let megan = TestAppClient::new(&app).await;
    assert_limited(
        megan
            .post("/me/registrations", mobile("06 12345678", "voice"))
            .await,
        HOUR,
    )
    .await;
    assert_eq!(
        megan
            .post("/me/registrations", mobile("06 11111111", "sms"))
            .await
            .status(),
        StatusCode::ACCEPTED,
        "another number is fine"
    );

    // Per number per day, counted over an hour's worth of older codes.
    let app = app_with(&receiver, &["--phone-codes-per-number-per-day", "1"]).await;
    app.sign_in(ALAIN).await;
    start(&app, mobile("06 12345678", "sms")).await;
    app.sql(&format!(
        "update one_time_code set created_at = {}",
        ago(3 * 3600)
    ))
    .await;
    assert_limited(
        app.post("/me/registrations", mobile("06 12345678", "sms"))
            .await,
        DAY - 3 * HOUR,
    )
    .await;

    // Per account per hour, whatever the numbers.
    let app = app_with(&receiver, &["--phone-codes-per-account-per-hour", "2"]).await;
    app.sign_in(ALAIN).await;
    start(&app, mobile("06 12345678", "sms")).await;
    start(&app, mobile("06 22222222", "sms")).await;
    assert_limited(
        app.post("/me/registrations", mobile("06 33333333", "sms"))
            .await,
        HOUR,
    )
    .await;

    // Per client address per hour, whoever is signed in.
    let app = app_with(&receiver, &["--phone-codes-per-address-per-hour", "1"]).await;
    app.sign_in(ALAIN).await;
    start(&app, mobile("06 12345678", "sms")).await;
    let megan = TestAppClient::new(&app).await;
    assert_limited(
        megan
            .post("/me/registrations", mobile("06 22222222", "sms"))
            .await,
        HOUR,
    )
    .await;

    // The whole server per hour; mail codes do not count.
    let app = app_with(&receiver, &["--phone-codes-per-hour", "1"]).await;
    app.sign_in(ALAIN).await;
    start(&app, mobile("06 12345678", "sms")).await;
    let megan = TestAppClient::new(&app).await;
    assert_limited(
        megan
            .post("/me/registrations", mobile("06 22222222", "voice"))
            .await,
        HOUR,
    )
    .await;
    assert_eq!(
        megan.register_email("megan@gmail.com").await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn a_gateway_that_fails_once_gets_the_same_message_once_more() {
    let mut receiver = Receiver::start(GATEWAY_SECRET, 1, 500).await;
    let app = app_with(&receiver, &[]).await;
    app.sign_in(ALAIN).await;
    let registration = start(&app, mobile("06 12345678", "sms")).await;
    let failed = receiver.next().await;
    assert_eq!(failed["status"], 500);
    assert_eq!(failed["verified"], true);
    // Retried after the first backoff (2 s), with the same id for the gateway to drop repeats.
    let retried = delivered(&mut receiver).await;
    assert_eq!(retried["messageId"], failed["message"]["messageId"]);
    assert_eq!(retried["text"], failed["message"]["text"]);
    // One delivery: recorded once, and nothing more reaches the gateway.
    let rows = outbox_rows_once_sent(&app).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1.is_some(), "marked sent: {rows:?}");
    assert_eq!(rows[0].2, 1, "one failed attempt before it");
    assert!(
        receiver
            .anything_within(Duration::from_secs(3))
            .await
            .is_none(),
        "delivered exactly once"
    );
    let code = code_in_message(retried["text"].as_str().expect("text"));
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_text_queued_while_the_gateway_is_down_arrives_after_the_server_is_killed() {
    let (_dir, database) = temp_database();
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let dead_url = format!("http://127.0.0.1:{dead_port}/send");
    let gateway = |url: &str| {
        vec![
            ("SECURITY_INFO_SMS_GATEWAY_URL", url.to_owned()),
            (
                "SECURITY_INFO_SMS_GATEWAY_SECRET",
                GATEWAY_SECRET.to_owned(),
            ),
            ("SECURITY_INFO_DEV_MAILBOX", "true".to_owned()),
        ]
    };
    let settings = gateway(&dead_url);
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = ServerProcess::start(&database, &env).await;
    let client = client();
    sign_in(&client, &server).await;
    let response = client
        .post(server.api("/me/registrations"))
        .json(&mobile("06 12345678", "sms"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    // Killed once the first delivery has failed.
    let mut log = String::new();
    for _ in 0..100 {
        log = server.log();
        if log.contains("message delivery failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(log.contains("message delivery failed"), "{log}");
    server.kill().await;

    let mut receiver = Receiver::taking_all().await;
    let settings = gateway(&receiver.url());
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = ServerProcess::start(&database, &env).await;
    let message = delivered(&mut receiver).await;
    assert_eq!(message["to"], "+31612345678");
    let code = code_in_message(message["text"].as_str().expect("text"));
    let client = crate::helpers::client();
    sign_in(&client, &server).await;
    let response = client
        .post(server.api(&format!("/me/registrations/{}/verify", registration.id)))
        .json(&json!({"kind": "code", "code": code}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the code from before the crash works"
    );
    server.kill().await;
}

#[tokio::test]
async fn without_a_gateway_the_development_mailbox_keeps_texts_and_calls() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = start(&app, mobile("06 12345678", "voice")).await;
    let mut kept = None;
    for _ in 0..100 {
        kept = app
            .mailbox()
            .await
            .messages
            .into_iter()
            .find(|m| m.to == "+31612345678");
        if kept.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kept = kept.expect("the call is in the development mailbox");
    assert_eq!(kept.channel, Channel::Voice);
    assert_eq!(kept.subject, "Call");
    let code = code_in_message(&kept.text);
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
    // With SMTP and no gateway, there is nowhere to send them: phones are off.
    let with_smtp = TestApp::spawn_with(&["--smtp-url", "smtp://127.0.0.1:9"]).await;
    with_smtp.sign_in(ALAIN).await;
    let response = with_smtp
        .post("/me/registrations", mobile("06 12345678", "sms"))
        .await;
    assert_problem(response, 403, "method_not_allowed").await;
}
