//! Two-step verification over HTTP: a right password of an account with an authenticator app,
//! a security key or a phone gets a second step instead of a session; each way passes it,
//! wrong answers are counted and end it, recovery codes pass it once each, the default method
//! comes first, step-up asks for the second factor too, and `SECURITY_INFO_TWO_STEP=required`
//! sends users without a method to add one.

use reqwest::{StatusCode, header};
use security_info_api::{
    Challenge, Channel, MethodCreated, MethodList, RecoveryCodeStatus, RecoveryCodes, Registration,
    SecondStepChallenge, SecondStepChoice, SecondStepPassed, SecondStepRequired, SessionResponse,
    User,
};
use security_info_server::domain::totp;
use serde_json::{Value, json};

use crate::helpers::*;

use crate::soft_key::SoftKey;

/// The key of a registered authenticator app.
struct App {
    key: Vec<u8>,
    /// The time step whose code registered the app (kept, not recomputed: a step may end
    /// between registration and the replay).
    registered_step: u64,
    method: MethodCreated,
}

/// Registers an authenticator app for the signed-in user.
async fn add_app(app: &TestApp) -> App {
    let response = app
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    let key = app_key(&registration);
    let registered_step = totp::step_at(time::OffsetDateTime::now_utc().unix_timestamp());
    let code = totp::code(&key, registered_step, totp::DIGITS);
    let response = app.submit_code(&registration, &code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    App {
        key,
        registered_step,
        method: response.json().await.expect("method"),
    }
}

/// Signs in with the password; the answer is not checked.
async fn password(app: &TestApp, username: &str) -> reqwest::Response {
    app.post(
        "/session",
        json!({"username": username, "password": PASSWORD}),
    )
    .await
}

/// Signs out, then in with the password: the second step it gets.
async fn second_step(app: &TestApp) -> SecondStepRequired {
    assert_eq!(
        app.delete("/session").await.status(),
        StatusCode::NO_CONTENT
    );
    let response = password(app, ALAIN).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let cookies: Vec<_> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("si_second_step=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.starts_with("si_session=")),
        "no session before the second step: {cookies:?}"
    );
    response.json().await.expect("second step")
}

async fn pick(app: &TestApp, choice: Value) -> reqwest::Response {
    app.post("/session/second-step/challenge", choice).await
}

async fn answer(app: &TestApp, answer: Value) -> reqwest::Response {
    app.post("/session/second-step", answer).await
}

async fn answer_code(app: &TestApp, code: &str) -> reqwest::Response {
    answer(app, json!({"kind": "code", "code": code})).await
}

/// Whether the client has a working session.
async fn signed_in(app: &TestApp) -> bool {
    app.get("/me").await.status() == StatusCode::OK
}

#[tokio::test]
async fn an_account_with_an_app_signs_in_with_its_code_after_the_password() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let added = add_app(&app).await;
    let step = second_step(&app).await;
    assert!(
        !signed_in(&app).await,
        "the password alone is not a session"
    );
    assert_eq!(step.second_step.ways.len(), 1);
    assert_eq!(
        step.second_step.ways[0].choice,
        SecondStepChoice::AuthenticatorApp {}
    );
    assert!(step.second_step.ways[0].is_default);
    assert_eq!(step.second_step.ways[0].hint, added.method.method.name);
    assert!(!step.second_step.recovery_codes);

    // Answering before picking a way is refused, and counts nothing.
    let early = answer_code(&app, &app_code(&added.key, 1)).await;
    assert_problem(early, 409, "no_challenge").await;

    let response = pick(&app, json!({"type": "authenticatorApp"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let challenge: SecondStepChallenge = response.json().await.expect("challenge");
    assert_eq!(challenge, SecondStepChallenge::AppCode { code_length: 6 });

    // The code that registered the app has been used: it never works again.
    let used = totp::code(&added.key, added.registered_step, totp::DIGITS);
    let replayed = answer_code(&app, &used).await;
    let problem = assert_problem(replayed, 422, "code_incorrect").await;
    assert_eq!(problem.attempts_left, Some(4));

    let response = answer_code(&app, &app_code(&added.key, 1)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<_> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("si_session=")));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("si_second_step=;") && c.contains("Max-Age=0"))
    );
    let passed: SecondStepPassed = response.json().await.expect("passed");
    assert_eq!(passed.user.expect("the user").user_principal_name, ALAIN);
    assert_eq!(passed.recovery_codes_left, None);
    assert!(signed_in(&app).await);

    // The step is over: it cannot be answered again.
    let again = answer_code(&app, &app_code(&added.key, 1)).await;
    assert_problem(again, 401, "sign_in_expired").await;
    let activity: Value = app.get_json("/me/activity").await;
    let kinds: Vec<_> = activity["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (e["kind"].as_str().unwrap_or_default(), e["detail"].clone()))
        .collect();
    assert_eq!(
        kinds[0],
        ("sign_in", json!("authenticator app")),
        "{kinds:?}"
    );
    assert_eq!(kinds[1].0, "second_step_failed", "{kinds:?}");
}

#[tokio::test]
async fn five_wrong_answers_end_the_second_step_and_the_password_must_be_typed_again() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let added = add_app(&app).await;
    second_step(&app).await;
    pick(&app, json!({"type": "authenticatorApp"})).await;
    let right = app_code(&added.key, 1);
    let wrong = wrong(&right);
    for left in (1..=4).rev() {
        let problem = assert_problem(answer_code(&app, &wrong).await, 422, "code_incorrect").await;
        assert_eq!(problem.attempts_left, Some(left));
    }
    // The fifth wrong answer ends the step: even the right code is too late.
    let last = answer_code(&app, &wrong).await;
    assert_problem(last, 401, "sign_in_expired").await;
    let after = answer_code(&app, &right).await;
    assert_problem(after, 401, "sign_in_expired").await;
    assert!(!signed_in(&app).await);

    // The password again starts a new step, which the right code passes.
    let step = password(&app, ALAIN).await;
    assert_eq!(step.status(), StatusCode::ACCEPTED);
    pick(&app, json!({"type": "authenticatorApp"})).await;
    assert_eq!(answer_code(&app, &right).await.status(), StatusCode::OK);
    assert!(signed_in(&app).await);
}

#[tokio::test]
async fn a_second_step_belongs_to_its_browser_and_ends_after_its_lifetime() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let added = add_app(&app).await;
    second_step(&app).await;
    // Another browser (no cookie) cannot pick or answer it.
    let stranger = client();
    let response = stranger
        .post(app.api("/session/second-step/challenge"))
        .json(&json!({"type": "authenticatorApp"}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "sign_in_expired").await;
    // Past its lifetime it is over.
    app.sql("update second_step set expires_at = '2000-01-01T00:00:00.000Z'")
        .await;
    let response = pick(&app, json!({"type": "authenticatorApp"})).await;
    assert_problem(response, 401, "sign_in_expired").await;
    let response = answer_code(&app, &app_code(&added.key, 1)).await;
    assert_problem(response, 401, "sign_in_expired").await;
}

#[tokio::test]
async fn a_texted_code_passes_the_second_step_and_the_default_way_comes_first() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let phone = app.add_mobile_phone("06 12345678").await;
    add_app(&app).await;
    let list: MethodList = app.get_json("/me/methods").await;
    let app_id = list
        .methods
        .iter()
        .find(|m| m.name.is_some())
        .map(|m| m.id.clone());
    assert_eq!(list.default_method_id, app_id, "the app is stronger");

    // Making the phone the default puts its text first.
    let response = app
        .client
        .put(app.api("/me/default-method"))
        .json(&json!({"methodId": phone.method.id}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list: MethodList = app.get_json("/me/methods").await;
    assert_eq!(list.default_method_id.as_ref(), Some(&phone.method.id));

    let step = second_step(&app).await;
    let ways: Vec<_> = step
        .second_step
        .ways
        .iter()
        .map(|w| (w.choice.clone(), w.is_default))
        .collect();
    let by_phone = |channel| SecondStepChoice::Phone {
        method_id: phone.method.id.clone(),
        channel,
    };
    assert_eq!(
        ways,
        [
            (by_phone(Channel::Sms), true),
            (SecondStepChoice::AuthenticatorApp {}, false),
            (by_phone(Channel::Voice), false),
        ]
    );
    assert_eq!(
        step.second_step.ways[0].hint.as_deref(),
        Some("+31 • ••••••78"),
        "masked until the step is passed"
    );

    let texts_before = app.wait_for_mail_count("+31612345678", 1).await;
    let before = texts_before
        .messages
        .iter()
        .filter(|m| m.to == "+31612345678")
        .count();
    let response = pick(
        &app,
        json!({"type": "phone", "methodId": phone.method.id, "channel": "sms"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let challenge: SecondStepChallenge = response.json().await.expect("challenge");
    let SecondStepChallenge::Code {
        channel,
        destination,
        code_length,
        ..
    } = challenge
    else {
        panic!("not a code challenge: {challenge:?}");
    };
    assert_eq!(
        (channel, destination.as_str(), code_length),
        (Channel::Sms, "+31 • ••••••78", 6)
    );
    let mailbox = app.wait_for_mail_count("+31612345678", before + 1).await;
    let text = mailbox
        .messages
        .iter()
        .find(|m| m.to == "+31612345678")
        .expect("the newest text");
    let code = code_in(&text.text).expect("a code");

    // Asking again at once is too soon.
    let again = pick(
        &app,
        json!({"type": "phone", "methodId": phone.method.id, "channel": "sms"}),
    )
    .await;
    assert_problem(again, 429, "resend_too_soon").await;
    // A code of the registration, or another step's, is not this one.
    assert_problem(
        answer_code(&app, &wrong(&code)).await,
        422,
        "code_incorrect",
    )
    .await;
    let response = answer_code(&app, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(signed_in(&app).await);
}

#[tokio::test]
async fn a_phone_is_refused_a_text_it_cannot_take_and_other_users_methods_are_not_found() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let phone = app.add_mobile_phone("06 12345678").await;
    second_step(&app).await;
    let email = pick(
        &app,
        json!({"type": "phone", "methodId": phone.method.id, "channel": "email"}),
    )
    .await;
    assert_problem(email, 422, "not_a_two_step_method").await;
    let unknown = pick(
        &app,
        json!({"type": "phone", "methodId": "0123456789abcdef0123456789abcdef", "channel": "sms"}),
    )
    .await;
    assert_problem(unknown, 404, "not_found").await;
    let no_app = pick(&app, json!({"type": "authenticatorApp"})).await;
    assert_problem(no_app, 404, "not_found").await;
    let malformed = pick(&app, json!({"type": "email"})).await;
    assert_problem(malformed, 400, "malformed_request").await;
}

#[tokio::test]
async fn a_security_key_passes_the_second_step_and_its_challenge_works_once() {
    let app = TestApp::spawn().await;
    let port = app
        .authority()
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    let origin = format!("http://localhost:{port}");
    app.sign_in(ALAIN).await;
    let mut key = SoftKey::new([0x4b; 16]);
    let response = app
        .post("/me/registrations", json!({"type": "securityKey"}))
        .await;
    let registration: Registration = response.json().await.expect("registration");
    let Challenge::WebAuthn { options, .. } = &registration.challenge else {
        panic!("not a WebAuthn challenge");
    };
    let credential = key.create(options, &origin);
    let response = app
        .post(
            &verify_path(&registration),
            json!({"kind": "credential", "credential": credential}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    second_step(&app).await;
    let challenge: SecondStepChallenge = pick(&app, json!({"type": "securityKey"}))
        .await
        .json()
        .await
        .expect("challenge");
    let SecondStepChallenge::WebAuthn { options } = challenge else {
        panic!("not a WebAuthn challenge: {challenge:?}");
    };
    // An answer for another site is refused, and the challenge is spent.
    let phished = key.get(&options, "http://localhost:1");
    let refused = answer(&app, json!({"kind": "assertion", "credential": phished})).await;
    assert_problem(refused, 422, "security_key_not_accepted").await;
    let late = key.get(&options, &origin);
    let spent = answer(&app, json!({"kind": "assertion", "credential": late})).await;
    assert_problem(spent, 409, "no_challenge").await;

    let challenge: SecondStepChallenge = pick(&app, json!({"type": "securityKey"}))
        .await
        .json()
        .await
        .expect("challenge");
    let SecondStepChallenge::WebAuthn { options } = challenge else {
        panic!("not a WebAuthn challenge");
    };
    let assertion = key.get(&options, &origin);
    let response = answer(&app, json!({"kind": "assertion", "credential": assertion})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(signed_in(&app).await);
}

#[tokio::test]
async fn recovery_codes_are_shown_once_pass_the_second_step_once_each_and_a_new_set_voids_the_old()
{
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let none: RecoveryCodeStatus = app.get_json("/me/recovery-codes").await;
    assert_eq!(
        (none.remaining, none.available, none.created_at),
        (0, false, None)
    );
    let early = app.post("/me/recovery-codes", json!({})).await;
    assert_problem(early, 409, "no_two_step_method").await;
    add_app(&app).await;
    let malformed = app.post("/me/recovery-codes", json!({"count": 50})).await;
    assert_problem(malformed, 400, "malformed_request").await;

    let response = app.post("/me/recovery-codes", json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first: RecoveryCodes = response.json().await.expect("codes");
    assert_eq!(first.codes.len(), 10);
    for code in &first.codes {
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(&code[5..6], "-");
    }
    let stored: Vec<String> = sqlx::query_scalar("select code_hash from recovery_code")
        .fetch_all(app.db().await.pool())
        .await
        .expect("hashes");
    assert_eq!(stored.len(), 10);
    for hash in &stored {
        assert!(hash.starts_with("$argon2id$"), "salted hashes only: {hash}");
        assert!(first.codes.iter().all(|c| !hash.contains(c.as_str())));
    }
    // A new set voids the old one.
    let second: RecoveryCodes = app
        .post("/me/recovery-codes", json!({}))
        .await
        .json()
        .await
        .expect("codes");
    let status: RecoveryCodeStatus = app.get_json("/me/recovery-codes").await;
    assert_eq!((status.remaining, status.available), (10, true));

    let step = second_step(&app).await;
    assert!(step.second_step.recovery_codes);
    let old = answer(
        &app,
        json!({"kind": "recoveryCode", "code": first.codes[0]}),
    )
    .await;
    assert_problem(old, 422, "code_incorrect").await;
    // Any spelling of a code works: capitals, spaces for the dash.
    let typed = second.codes[3].to_uppercase().replace('-', " ");
    let response = answer(&app, json!({"kind": "recoveryCode", "code": typed})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let passed: SecondStepPassed = response.json().await.expect("passed");
    assert_eq!(passed.recovery_codes_left, Some(9));
    let status: RecoveryCodeStatus = app.get_json("/me/recovery-codes").await;
    assert_eq!(status.remaining, 9);

    // Used once, never again.
    second_step(&app).await;
    let reused = answer(
        &app,
        json!({"kind": "recoveryCode", "code": second.codes[3]}),
    )
    .await;
    assert_problem(reused, 422, "code_incorrect").await;

    // The use is in the audit trail and the user's mail.
    let response = answer(
        &app,
        json!({"kind": "recoveryCode", "code": second.codes[4]}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let activity: Value = app.get_json("/me/activity").await;
    let used: Vec<_> = activity["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "recovery_code_used")
        .map(|e| e["detail"].clone())
        .collect();
    assert_eq!(used, [json!("8 left"), json!("9 left")]);
    // Five: the app added, two sets made, two codes used.
    let mailbox = app.wait_for_mail_count(ALAIN, 5).await;
    let subjects: Vec<_> = mailbox
        .messages
        .iter()
        .filter(|m| m.to == ALAIN)
        .map(|m| m.subject.as_str())
        .collect();
    assert!(
        subjects
            .iter()
            .filter(|s| s.starts_with("A recovery code was used"))
            .count()
            == 2,
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("New recovery codes were made")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn step_up_asks_for_the_second_factor_too() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let added = add_app(&app).await;
    app.sql(&age_authentication_sql(30)).await;
    let stale = app
        .delete(&format!("/me/methods/{}", added.method.method.id))
        .await;
    assert_problem(stale, 401, "reauthentication_required").await;

    let response = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let step: SecondStepRequired = response.json().await.expect("second step");
    assert_eq!(step.second_step.ways.len(), 1);
    // The password alone did not refresh the session.
    let still = app
        .delete(&format!("/me/methods/{}", added.method.method.id))
        .await;
    assert_problem(still, 401, "reauthentication_required").await;

    // A step-up's second step passes only with its own session.
    let other = client();
    let response = other
        .post(app.api("/session"))
        .json(&json!({"username": MEGAN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);

    pick(&app, json!({"type": "authenticatorApp"})).await;
    let response = answer_code(&app, &app_code(&added.key, 1)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let passed: SecondStepPassed = response.json().await.expect("passed");
    assert_eq!(passed.user, None);
    let deleted = app
        .delete(&format!("/me/methods/{}", added.method.method.id))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    // With no two-step method left, the password alone steps up again.
    app.sql(&age_authentication_sql(30)).await;
    let response = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn deleting_the_default_method_makes_the_next_one_the_default_and_says_so() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let phone = app.add_mobile_phone("06 12345678").await;
    let added = add_app(&app).await;
    let email_only = app
        .client
        .put(app.api("/me/default-method"))
        .json(&json!({"methodId": "0123456789abcdef0123456789abcdef"}))
        .send()
        .await
        .expect("request");
    assert_problem(email_only, 404, "not_found").await;
    let list: MethodList = app.get_json("/me/methods").await;
    assert_eq!(list.default_method_id, Some(added.method.method.id.clone()));
    let deleted = app
        .delete(&format!("/me/methods/{}", added.method.method.id))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let list: MethodList = app.get_json("/me/methods").await;
    assert_eq!(list.default_method_id, Some(phone.method.id.clone()));
    let activity: Value = app.get_json("/me/activity").await;
    assert_eq!(activity["events"][0]["kind"], "default_method_changed");
    assert_eq!(activity["events"][0]["detail"], "+31 • ••••••78");
    let mailbox = app.wait_for_mail_count(ALAIN, 3).await;
    assert!(
        mailbox.messages.iter().any(|m| m.to == ALAIN
            && m.subject.starts_with("The default sign-in method")
            && m.text.contains("+31 • ••••••78")),
        "{:?}",
        mailbox
            .messages
            .iter()
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn only_a_two_step_method_can_be_the_default_and_changing_it_needs_a_recent_sign_in() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let email: MethodCreated = app
        .submit_code(&registration, &code)
        .await
        .json()
        .await
        .expect("method");
    let refused = app
        .client
        .put(app.api("/me/default-method"))
        .json(&json!({"methodId": email.method.id}))
        .send()
        .await
        .expect("request");
    assert_problem(refused, 422, "not_a_two_step_method").await;
    let list: MethodList = app.get_json("/me/methods").await;
    assert_eq!(list.default_method_id, None, "email is never a second step");
    // An email method alone does not ask for a second step.
    assert_eq!(
        app.delete("/session").await.status(),
        StatusCode::NO_CONTENT
    );
    let response = password(&app, ALAIN).await;
    assert_eq!(response.status(), StatusCode::OK);
    let _: SessionResponse = response.json().await.expect("a session");

    let added = add_app(&app).await;
    app.sql(&age_authentication_sql(30)).await;
    let stale = app
        .client
        .put(app.api("/me/default-method"))
        .json(&json!({"methodId": added.method.method.id}))
        .send()
        .await
        .expect("request");
    assert_problem(stale, 401, "reauthentication_required").await;
}

#[tokio::test]
async fn when_two_step_is_required_a_user_without_a_method_is_told_to_add_one() {
    let app = TestApp::spawn_with(&["--two-step", "required"]).await;
    let response = password(&app, ALAIN).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: SessionResponse = response.json().await.expect("session");
    assert!(session.user.needs_two_step_method);
    assert!(!session.user.identity_provider, "a password account");
    add_app(&app).await;
    let me: User = app.get_json("/me").await;
    assert!(!me.needs_two_step_method);
    // Without the setting nobody is told to.
    let relaxed = TestApp::spawn().await;
    let session: SessionResponse = password(&relaxed, MEGAN)
        .await
        .json()
        .await
        .expect("session");
    assert!(!session.user.needs_two_step_method);
}
