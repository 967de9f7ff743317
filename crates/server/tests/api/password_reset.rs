//! Self-service password reset over HTTP, for the built-in accounts: a code to the registered
//! email or phone (only when the visitor types it in full), an authenticator app, two gates,
//! wrong answers and an expired reset, the password policy, and what a reset does (the new
//! password works, the old one and every session do not, the user is told); and that an
//! unknown name, an account without methods and an account with them cannot be told apart
//! before a gate is passed.

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use security_info_api::{MethodType, PasswordReset, PasswordVerdict, Registration, ResetChallenge};
use security_info_server::domain::totp;
use serde_json::{Value, json};

use crate::helpers::*;

/// A strong password nobody has used.
pub const NEW_PASSWORD: &str = "Tulpen bloeien laat in april";

/// A browser of its own (its cookies: the reset's, later a session's).
pub struct Visitor {
    client: reqwest::Client,
    base: String,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: client(),
            base: app.api(""),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn start(&self, username: &str) -> reqwest::Response {
        self.post("/password-reset", json!({"username": username}))
            .await
    }

    pub async fn choose(&self, choice: Value) -> reqwest::Response {
        self.post("/password-reset/challenge", choice).await
    }

    pub async fn answer_code(&self, code: &str) -> reqwest::Response {
        self.post(
            "/password-reset/verify",
            json!({"kind": "code", "code": code}),
        )
        .await
    }

    pub async fn set_password(&self, password: &str) -> reqwest::Response {
        self.post("/password-reset/password", json!({"password": password}))
            .await
    }

    pub async fn check_password(&self, password: &str) -> PasswordVerdict {
        let response = self
            .post(
                "/password-reset/password-check",
                json!({"password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("verdict")
    }
}

/// Adds `address` as an email method of the user signed in on `app`'s own client.
pub(crate) async fn add_email(app: &TestApp, address: &str) {
    let registration = app.start_registration(address).await;
    let code = app.code_sent_to(address).await;
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
}

/// Adds an authenticator app; its key.
pub async fn add_app(app: &TestApp) -> Vec<u8> {
    let response = app
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    let registration: Registration = response.json().await.expect("registration");
    let key = app_key(&registration);
    let code = app_code(&key, 0);
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
    key
}

/// The code an app with `key` shows one step from now (registration used the current one).
pub fn next_app_code(key: &[u8]) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    totp::code(key, totp::step_at(now) + 1, totp::DIGITS)
}

/// How many messages went to `address` so far.
async fn count_to(app: &TestApp, address: &str) -> usize {
    app.mailbox()
        .await
        .messages
        .iter()
        .filter(|m| m.to == address)
        .count()
}

#[tokio::test]
async fn a_code_goes_only_to_the_address_typed_in_full_and_passes_the_reset() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    add_email(&app, "alain@gmail.com").await;
    let visitor = Visitor::new(&app);
    let response = visitor.start("Alain@Contoso.example").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.starts_with("si_reset=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let reset: PasswordReset = response.json().await.expect("reset");
    assert_eq!(
        reset.ways,
        [
            MethodType::AuthenticatorApp,
            MethodType::Phone,
            MethodType::SecurityKey,
            MethodType::Email
        ]
    );
    assert_eq!((reset.gates, reset.passed.len()), (1, 0));
    assert!(!reset.password_allowed && reset.hints.is_empty());
    assert_eq!(reset.policy.min_length, 12);

    // Before any gate: no password.
    assert_problem(
        visitor.set_password(NEW_PASSWORD).await,
        403,
        "reset_not_verified",
    )
    .await;

    // An address the account does not have: the same answer, and nothing is sent.
    let before = count_to(&app, "alain@gmail.com").await;
    let other = visitor
        .choose(json!({"type": "email", "emailAddress": "someone@gmail.com"}))
        .await;
    assert_eq!(other.status(), StatusCode::OK);
    let other: ResetChallenge = other.json().await.expect("challenge");
    assert!(
        matches!(&other, ResetChallenge::Code { destination, .. } if destination == "someone@gmail.com")
    );
    assert_eq!(count_to(&app, "someone@gmail.com").await, 0);

    // The registered one, in any case: a code.
    let response = visitor
        .choose(json!({"type": "email", "emailAddress": "ALAIN@gmail.com"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.wait_for_mail_count("alain@gmail.com", before + 1).await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let again = visitor
        .choose(json!({"type": "email", "emailAddress": "alain@gmail.com"}))
        .await;
    assert_problem(again, 429, "resend_too_soon").await;
    let wrong_code = visitor.answer_code(&wrong(&code)).await;
    let problem = assert_problem(wrong_code, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(4));
    let response = visitor.answer_code(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reset: PasswordReset = response.json().await.expect("reset");
    assert!(reset.password_allowed);
    assert_eq!(reset.passed, [MethodType::Email]);

    // The policy, checked by the server while the user types and when it is set.
    let short = visitor.check_password("Zq9!vT2#").await;
    assert_eq!(
        short.problem.map(|p| p.as_str()),
        Some("password_too_short")
    );
    let weak = visitor.check_password("password1234").await;
    assert_eq!(weak.problem.map(|p| p.as_str()), Some("password_too_weak"));
    assert_eq!(weak.reason.as_deref(), Some("common_password"));
    let named = visitor.check_password("alain loves long walks").await;
    assert_eq!(
        named.problem.map(|p| p.as_str()),
        Some("password_contains_name")
    );
    assert_eq!(visitor.check_password(NEW_PASSWORD).await.problem, None);
    let refused = visitor.set_password("password1234").await;
    let problem = assert_problem(refused, 422, "password_too_weak").await;
    assert_eq!(problem.reason.as_deref(), Some("common_password"));

    let mails_before = count_to(&app, ALAIN).await;
    let response = visitor.set_password(NEW_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Every session ended; the old password no longer works, the new one does.
    assert_eq!(app.get("/me").await.status(), StatusCode::UNAUTHORIZED);
    let old = app
        .post("/session", json!({"username": ALAIN, "password": PASSWORD}))
        .await;
    assert_problem(old, 401, "invalid_credentials").await;
    let new = app
        .post(
            "/session",
            json!({"username": ALAIN, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(new.status(), StatusCode::OK);
    // The reset is over.
    assert_problem(
        visitor.set_password(NEW_PASSWORD).await,
        410,
        "reset_expired",
    )
    .await;
    // Told at the work address and the registered one.
    let mailbox = app.wait_for_mail_count(ALAIN, mails_before + 1).await;
    let told = |to: &str| {
        mailbox.messages.iter().any(|m| {
            m.to == to
                && m.subject
                    .contains("password of your Contoso account was changed")
        })
    };
    assert!(told(ALAIN));
    app.wait_for_mail_count("alain@gmail.com", before + 2).await;
    let mailbox = app.mailbox().await;
    assert!(
        mailbox
            .messages
            .iter()
            .any(|m| m.to == "alain@gmail.com" && m.subject.contains("was changed"))
    );
    let activity: Value = app.get_json("/me/activity").await;
    let kinds: Vec<&str> = activity["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in [
        "password_changed",
        "password_reset_gate_passed",
        "password_reset_gate_failed",
        "password_reset_started",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn two_gates_need_two_different_ways_and_the_second_may_show_hints() {
    let app = TestApp::spawn_with(&["--reset-gates", "2"]).await;
    app.sign_in(ALAIN).await;
    add_email(&app, "alain@gmail.com").await;
    let key = add_app(&app).await;
    let visitor = Visitor::new(&app);
    let reset: PasswordReset = visitor.start(ALAIN).await.json().await.expect("reset");
    assert_eq!(reset.gates, 2);
    assert_eq!(
        visitor
            .choose(json!({"type": "authenticatorApp"}))
            .await
            .status(),
        StatusCode::OK
    );
    let response = visitor.answer_code(&next_app_code(&key)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reset: PasswordReset = response.json().await.expect("reset");
    assert!(!reset.password_allowed);
    assert_eq!(reset.passed, [MethodType::AuthenticatorApp]);
    // The account is proven: the next gate may name what it would use.
    assert_eq!(reset.hints.len(), 1);
    assert_eq!(reset.hints[0].method_type, MethodType::Email);
    assert_eq!(reset.hints[0].hint, "a***@gmail.com");
    assert_problem(
        visitor.set_password(NEW_PASSWORD).await,
        403,
        "reset_not_verified",
    )
    .await;
    let again = visitor.choose(json!({"type": "authenticatorApp"})).await;
    assert_problem(again, 409, "way_already_passed").await;

    // Wait for the reset's own code: the registration's is in the mailbox too.
    let before = count_to(&app, "alain@gmail.com").await;
    visitor
        .choose(json!({"type": "email", "emailAddress": "alain@gmail.com"}))
        .await;
    app.wait_for_mail_count("alain@gmail.com", before + 1).await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let reset: PasswordReset = visitor
        .answer_code(&code)
        .await
        .json()
        .await
        .expect("reset");
    assert!(reset.password_allowed);
    assert_eq!(
        visitor.set_password(NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_texted_code_to_the_registered_number_passes_the_reset() {
    let app = TestApp::spawn().await;
    app.sign_in(MEGAN).await;
    app.add_mobile_phone("0612345678").await;
    let visitor = Visitor::new(&app);
    visitor.start(MEGAN).await;
    let texts = count_to(&app, "+31612345678").await;
    // Another number: nothing sent, the same answer.
    let other = visitor
        .choose(json!({"type": "phone", "region": "NL", "number": "0687654321", "channel": "sms"}))
        .await;
    assert_eq!(other.status(), StatusCode::OK);
    let response = visitor
        .choose(
            json!({"type": "phone", "region": "NL", "number": "+31 6 1234 5678", "channel": "sms"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let challenge: ResetChallenge = response.json().await.expect("challenge");
    assert!(matches!(
        challenge,
        ResetChallenge::Code { ref destination, .. } if destination == "+31 6 12345678"
    ));
    app.wait_for_mail_count("+31612345678", texts + 1).await;
    let code = app.code_sent_to("+31612345678").await;
    let response = visitor.answer_code(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        visitor.set_password(NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    // The phone hears of it too.
    let mailbox = app.wait_for_mail_count("+31612345678", texts + 2).await;
    assert!(
        mailbox.messages.iter().any(|m| m.to == "+31612345678"
            && m.text
                .contains("password of your Contoso account was just changed")),
        "{:?}",
        mailbox.messages.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
    // The reset is over; a number that is none is told before the reset is looked up.
    let bad_number = visitor
        .choose(json!({"type": "phone", "region": "NL", "number": "12", "channel": "sms"}))
        .await;
    assert_problem(bad_number, 422, "invalid_phone_number").await;
    let good_number = visitor
        .choose(json!({"type": "phone", "region": "NL", "number": "0612345678", "channel": "sms"}))
        .await;
    assert_problem(good_number, 410, "reset_expired").await;
}

#[tokio::test]
async fn a_step_outside_the_documents_rules_is_refused_alike_with_or_without_a_reset() {
    let app = TestApp::spawn().await;
    let long_id = "q".repeat(65);
    let refused = [
        (
            "/password-reset/challenge",
            json!({"type": "email", "emailAddress": "no address"}),
            422,
            "invalid_email",
        ),
        (
            "/password-reset/challenge",
            json!({"type": "phone", "region": "NL", "number": "06 1234567A", "channel": "sms"}),
            422,
            "invalid_phone_number",
        ),
        (
            "/password-reset/challenge",
            json!({"type": "authenticatorApp", "extra": true}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/verify",
            json!({"kind": "code", "code": "12345a"}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/verify",
            json!({"kind": "code", "code": "1".repeat(65)}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/verify",
            json!({"kind": "answers", "answers": [{"id": "q0", "answer": ""}]}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/verify",
            json!({"kind": "answers", "answers": [{"id": long_id, "answer": "Utrecht"}]}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/verify",
            json!({"kind": "assertion", "credential": ["not", "an", "object"]}),
            400,
            "malformed_request",
        ),
        (
            "/password-reset/password-check",
            json!({"password": "x".repeat(1025)}),
            422,
            "password_too_long",
        ),
        (
            "/password-reset/password",
            json!({"password": "x".repeat(1025)}),
            422,
            "password_too_long",
        ),
    ];
    // No reset, an unknown name's, an account's: the same answers.
    let nobody = Visitor::new(&app);
    let unknown = Visitor::new(&app);
    assert_eq!(
        unknown.start("nobody@contoso.example").await.status(),
        StatusCode::ACCEPTED
    );
    let known = Visitor::new(&app);
    assert_eq!(known.start(ALAIN).await.status(), StatusCode::ACCEPTED);
    for visitor in [&nobody, &unknown, &known] {
        for (path, body, status, code) in &refused {
            let response = visitor.post(path, body.clone()).await;
            assert_problem(response, *status, code).await;
        }
    }
    // Well-formed, without a reset: the reset is what is missing.
    for (path, body) in [
        (
            "/password-reset/challenge",
            json!({"type": "phone", "region": "NL", "number": "06 12345678", "channel": "sms"}),
        ),
        (
            "/password-reset/verify",
            json!({"kind": "code", "code": "123 456"}),
        ),
        (
            "/password-reset/password-check",
            json!({"password": "x".repeat(1024)}),
        ),
    ] {
        assert_problem(nobody.post(path, body).await, 410, "reset_expired").await;
    }
}

#[tokio::test]
async fn five_wrong_answers_or_fifteen_minutes_end_a_reset() {
    let app = TestApp::spawn().await;
    let visitor = Visitor::new(&app);
    visitor.start(ALAIN).await;
    assert_problem(visitor.answer_code("123456").await, 409, "no_challenge").await;
    visitor.choose(json!({"type": "authenticatorApp"})).await;
    for left in (1..=4).rev() {
        let problem =
            assert_problem(visitor.answer_code("123456").await, 422, "code_incorrect").await;
        assert_eq!(problem.attempts_left, Some(left));
    }
    assert_problem(visitor.answer_code("123456").await, 410, "reset_expired").await;
    assert_problem(
        visitor.choose(json!({"type": "authenticatorApp"})).await,
        410,
        "reset_expired",
    )
    .await;

    let late = Visitor::new(&app);
    late.start(MEGAN).await;
    app.sql("update password_reset set expires_at = '2000-01-01T00:00:00.000Z'")
        .await;
    assert_problem(
        late.choose(json!({"type": "authenticatorApp"})).await,
        410,
        "reset_expired",
    )
    .await;
    // Without a reset at all.
    assert_problem(
        Visitor::new(&app)
            .choose(json!({"type": "authenticatorApp"}))
            .await,
        410,
        "reset_expired",
    )
    .await;
    assert_problem(visitor.start("not an address").await, 422, "invalid_email").await;
}

#[tokio::test]
async fn resets_are_throttled_per_name_whether_or_not_it_has_an_account() {
    let app = TestApp::spawn_with(&["--resets-per-username-per-hour", "2"]).await;
    for name in [ALAIN, "nobody@contoso.example"] {
        let visitor = Visitor::new(&app);
        for _ in 0..2 {
            assert_eq!(visitor.start(name).await.status(), StatusCode::ACCEPTED);
        }
        let problem = assert_problem(visitor.start(name).await, 429, "too_many_requests").await;
        assert!(problem.retry_after_seconds.is_some_and(|s| s > 3500));
    }
}

/// What a visitor sees of a reset for `username` up to a wrong answer, as comparable JSON
/// (times left out).
async fn seen(app: &TestApp, username: &str) -> Vec<(u16, Value)> {
    let visitor = Visitor::new(app);
    let mut seen = Vec::new();
    let mut record = |status: StatusCode, mut body: Value| {
        if let Some(object) = body.as_object_mut() {
            for time in ["expiresAt", "resendAvailableAt"] {
                object.remove(time);
            }
        }
        seen.push((status.as_u16(), body));
    };
    let response = visitor.start(username).await;
    record(response.status(), response.json().await.expect("json"));
    for choice in [
        json!({"type": "email", "emailAddress": "guess@gmail.com"}),
        json!({"type": "phone", "region": "NL", "number": "0611111111", "channel": "sms"}),
        json!({"type": "authenticatorApp"}),
    ] {
        let response = visitor.choose(choice).await;
        record(response.status(), response.json().await.expect("json"));
        let response = visitor.answer_code("000000").await;
        record(response.status(), response.json().await.expect("json"));
    }
    seen
}

#[tokio::test]
async fn an_unknown_name_and_an_account_without_methods_look_the_same_as_one_with_them() {
    let app = TestApp::spawn_with(&[
        "--resets-per-username-per-hour",
        "1000",
        "--resets-per-address-per-hour",
        "1000",
    ])
    .await;
    // Alain has an email method; Megan has none; nobody has no account.
    app.sign_in(ALAIN).await;
    add_email(&app, "alain@gmail.com").await;
    let alain = seen(&app, ALAIN).await;
    let megan = seen(&app, MEGAN).await;
    let nobody = seen(&app, "nobody@contoso.example").await;
    assert_eq!(alain, megan);
    assert_eq!(alain, nobody);

    // And in the same time: the median of many starts, each kind in turn.
    let visitor = Visitor::new(&app);
    let mut times: [Vec<Duration>; 3] = Default::default();
    for round in 0..200 {
        for (index, name) in [ALAIN, MEGAN, "nobody@contoso.example"]
            .into_iter()
            .enumerate()
        {
            let started = Instant::now();
            let response = visitor.start(name).await;
            times[index].push(started.elapsed());
            assert_eq!(response.status(), StatusCode::ACCEPTED, "round {round}");
        }
    }
    let medians: Vec<Duration> = times
        .iter_mut()
        .map(|times| {
            times.sort();
            times[times.len() / 2]
        })
        .collect();
    let spread = *medians.iter().max().expect("max") - *medians.iter().min().expect("min");
    report(format_args!(
        "password reset start medians (with an email, without methods, no account): {medians:?}"
    ));
    assert!(
        spread < Duration::from_millis(10),
        "medians {medians:?} differ by {spread:?}"
    );
}
