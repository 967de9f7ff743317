//! A security key as a password reset's gate, against the software authenticator
//! (`tests/support/soft_key.rs`): the account's keys pass it once per challenge, other
//! origins, keys and replayed answers do not, it may be either of two gates; and a name
//! without a key (no account, no key, a disabled account) is asked for a stand-in key whose
//! prompt looks like a real one and stays the same for the name.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use security_info_api::{MethodType, PasswordReset, ResetChallenge};
use serde_json::{Value, json};

use crate::accounts_cli::accounts;
use crate::helpers::*;
use crate::password_reset::{NEW_PASSWORD, Visitor, add_app, next_app_code};
use crate::security_key::{origin, register};
use crate::soft_key::SoftKey;

/// The model the tests' keys state.
const MODEL: [u8; 16] = [0x4b; 16];

/// The transports a browser may report for a key.
const TRANSPORTS: [&str; 5] = ["usb", "nfc", "ble", "internal", "hybrid"];

impl Visitor {
    /// Chooses the security key: the options for the browser's prompt.
    async fn key_options(&self) -> Value {
        let response = self.choose(json!({"type": "securityKey"})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let challenge: ResetChallenge = response.json().await.expect("challenge");
        let ResetChallenge::WebAuthn { options } = challenge else {
            panic!("not a WebAuthn challenge: {challenge:?}");
        };
        options
    }

    /// The raw text of the options, for the order of their keys.
    async fn key_options_text(&self) -> String {
        let response = self.choose(json!({"type": "securityKey"})).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("text")
    }

    async fn answer_key(&self, credential: Value) -> reqwest::Response {
        self.post(
            "/password-reset/verify",
            json!({"kind": "assertion", "credential": credential}),
        )
        .await
    }
}

#[tokio::test]
async fn a_registered_key_passes_the_reset_once_and_other_answers_are_wrong_answers() {
    let app = TestApp::spawn().await;
    let origin = origin(&app);
    app.sign_in(ALAIN).await;
    let mut key = SoftKey::new(MODEL);
    register(&app, &mut key).await;

    let visitor = Visitor::new(&app);
    let reset: PasswordReset = visitor.start(ALAIN).await.json().await.expect("reset");
    assert!(reset.ways.contains(&MethodType::SecurityKey), "{reset:?}");
    // An answer before the key was chosen.
    let early = visitor.answer_key(json!({"id": "x"})).await;
    assert_problem(early, 409, "no_challenge").await;

    let options = visitor.key_options().await;
    assert_eq!(
        options["allowCredentials"][0]["id"],
        URL_SAFE_NO_PAD.encode(&key.credential_id)
    );
    // Signed for another site: refused, counted, and the challenge is spent.
    let phished = key.get(&options, "http://localhost:1");
    let refused = visitor.answer_key(phished).await;
    let problem = assert_problem(refused, 422, "security_key_not_accepted").await;
    assert_eq!(problem.attempts_left, Some(4));
    let late = key.get(&options, &origin);
    assert_problem(visitor.answer_key(late).await, 409, "no_challenge").await;

    // Another key, and something that is not an answer at all.
    let options = visitor.key_options().await;
    let stranger = SoftKey::new(MODEL).get(&options, &origin);
    let problem = assert_problem(
        visitor.answer_key(stranger).await,
        422,
        "security_key_not_accepted",
    )
    .await;
    assert_eq!(problem.attempts_left, Some(3));
    visitor.key_options().await;
    let problem = assert_problem(
        visitor.answer_key(json!({"id": 1})).await,
        422,
        "security_key_not_accepted",
    )
    .await;
    assert_eq!(problem.attempts_left, Some(2));

    // The key itself, on this origin.
    let options = visitor.key_options().await;
    let answer = key.get(&options, &origin);
    let response = visitor.answer_key(answer.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reset: PasswordReset = response.json().await.expect("reset");
    assert!(reset.password_allowed);
    assert_eq!(reset.passed, [MethodType::SecurityKey]);
    // The same answer again, here and in a new reset.
    let again = visitor.answer_key(answer.clone()).await;
    assert_problem(again, 409, "way_already_passed").await;
    let other = Visitor::new(&app);
    other.start(ALAIN).await;
    other.key_options().await;
    let problem = assert_problem(
        other.answer_key(answer).await,
        422,
        "security_key_not_accepted",
    )
    .await;
    assert_eq!(problem.attempts_left, Some(4));

    assert_eq!(
        visitor.set_password(NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    let signed_in = app
        .post(
            "/session",
            json!({"username": ALAIN, "password": NEW_PASSWORD}),
        )
        .await;
    // The key is a second factor too: the new password leads to the second step.
    assert_eq!(signed_in.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn with_two_gates_the_key_may_be_the_first_or_the_second() {
    let app = TestApp::spawn_with(&["--reset-gates", "2"]).await;
    let origin = origin(&app);
    app.sign_in(ALAIN).await;
    let mut key = SoftKey::new(MODEL);
    let named = register(&app, &mut key).await;
    let app_key = add_app(&app).await;

    // The key first: the account is proven, the app may be named.
    let first = Visitor::new(&app);
    first.start(ALAIN).await;
    let options = first.key_options().await;
    let reset: PasswordReset = first
        .answer_key(key.get(&options, &origin))
        .await
        .json()
        .await
        .expect("reset");
    assert_eq!(reset.passed, [MethodType::SecurityKey]);
    assert!(!reset.password_allowed);
    assert!(
        reset
            .hints
            .iter()
            .any(|h| h.method_type == MethodType::AuthenticatorApp)
    );
    let again = first.choose(json!({"type": "securityKey"})).await;
    assert_problem(again, 409, "way_already_passed").await;

    // The key second: named among the hints once the app proved the account.
    let second = Visitor::new(&app);
    second.start(ALAIN).await;
    second.choose(json!({"type": "authenticatorApp"})).await;
    let reset: PasswordReset = second
        .answer_code(&next_app_code(&app_key))
        .await
        .json()
        .await
        .expect("reset");
    let hint = reset
        .hints
        .iter()
        .find(|h| h.method_type == MethodType::SecurityKey)
        .expect("a key hint");
    assert_eq!(Some(&hint.hint), named.method.name.as_ref());
    let options = second.key_options().await;
    let response = second.answer_key(key.get(&options, &origin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reset: PasswordReset = response.json().await.expect("reset");
    assert!(reset.password_allowed);
    assert_eq!(
        reset.passed,
        [MethodType::AuthenticatorApp, MethodType::SecurityKey]
    );
}

/// The names of an object's keys in the order the text has them, at every depth.
fn keys_in_order(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let word = &after[..end];
        rest = &after[end + 1..];
        if rest.trim_start().starts_with(':') {
            keys.push(word.to_owned());
        }
    }
    keys
}

/// What a name's prompt says, less what changes with every challenge (its value, not its
/// length) and what identifies keys (their ids, not their lengths, and which transports).
fn shape(options: &Value) -> Value {
    let mut shape = options.clone();
    let challenge = options["challenge"].as_str().expect("challenge");
    shape["challenge"] = json!(challenge.len());
    for credential in shape["allowCredentials"]
        .as_array_mut()
        .expect("allowCredentials")
    {
        let id = credential["id"].as_str().expect("id");
        let bytes = URL_SAFE_NO_PAD.decode(id).expect("base64url id");
        credential["id"] = json!(bytes.len());
        // Named only when the key reported them with its attestation (see the stand-ins).
        if let Some(transports) = credential.get("transports").cloned() {
            let transports = transports.as_array().expect("transports").clone();
            assert!(!transports.is_empty());
            for transport in transports {
                assert!(
                    TRANSPORTS.contains(&transport.as_str().expect("a name")),
                    "{transport}"
                );
            }
            credential["transports"] = json!("some");
        }
    }
    shape
}

/// The options a fresh reset of `username` asks the key with, parsed and as text.
async fn prompt_of(app: &TestApp, username: &str) -> (Value, String) {
    let visitor = Visitor::new(app);
    assert_eq!(visitor.start(username).await.status(), StatusCode::ACCEPTED);
    let text = visitor.key_options_text().await;
    let challenge: Value = serde_json::from_str(&text).expect("json");
    (challenge["options"].clone(), text)
}

#[tokio::test]
async fn a_name_without_a_key_is_asked_for_a_stand_in_that_looks_real_and_stays_the_same() {
    let app = TestApp::spawn_with(&[
        "--resets-per-username-per-hour",
        "1000",
        "--resets-per-address-per-hour",
        "1000",
    ])
    .await;
    let origin = origin(&app);
    app.sign_in(ALAIN).await;
    let mut key = SoftKey::new(MODEL);
    register(&app, &mut key).await;

    let (real, real_text) = prompt_of(&app, ALAIN).await;
    assert_eq!(real["allowCredentials"].as_array().map(Vec::len), Some(1));
    assert_eq!(real["timeout"], 300_000);
    assert_eq!(real["userVerification"], "required");
    assert_eq!(real["rpId"], "localhost");
    let nobody = "nobody@contoso.example";
    let mut stand_ins = Vec::new();
    for name in [MEGAN, nobody] {
        let (options, text) = prompt_of(&app, name).await;
        assert_eq!(shape(&options), shape(&real), "{name}");
        assert_eq!(keys_in_order(&text), keys_in_order(&real_text), "{name}");
        // Stable for the name, but a new challenge each time.
        let (again, _) = prompt_of(&app, name).await;
        assert_eq!(again["allowCredentials"], options["allowCredentials"]);
        assert_ne!(again["challenge"], options["challenge"]);
        stand_ins.push(options);
    }
    assert_ne!(
        stand_ins[0]["allowCredentials"][0]["id"],
        stand_ins[1]["allowCredentials"][0]["id"]
    );

    // A disabled account is asked for a stand-in too, not for its keys.
    let run = accounts(&app.database_url, &["disable", ALAIN], None).await;
    assert_eq!(run.code, 0, "{run:?}");
    let (disabled, text) = prompt_of(&app, ALAIN).await;
    assert_eq!(shape(&disabled), shape(&real));
    assert_eq!(keys_in_order(&text), keys_in_order(&real_text));
    assert_ne!(disabled["allowCredentials"], real["allowCredentials"]);

    // Any answer to a stand-in is a wrong answer like a wrong answer to a real key, even one
    // that names the stand-in's id.
    let wrong_for_real = {
        let run = accounts(&app.database_url, &["enable", ALAIN], None).await;
        assert_eq!(run.code, 0, "{run:?}");
        let visitor = Visitor::new(&app);
        visitor.start(ALAIN).await;
        let options = visitor.key_options().await;
        let answer = SoftKey::new(MODEL).get(&options, &origin);
        let response = visitor.answer_key(answer).await;
        assert_problem(response, 422, "security_key_not_accepted").await
    };
    for name in [MEGAN, nobody] {
        let visitor = Visitor::new(&app);
        visitor.start(name).await;
        let options = visitor.key_options().await;
        let mut pretender = SoftKey::new(MODEL);
        let id = options["allowCredentials"][0]["id"].as_str().expect("id");
        pretender.credential_id = URL_SAFE_NO_PAD.decode(id).expect("id");
        let response = visitor.answer_key(pretender.get(&options, &origin)).await;
        let problem = assert_problem(response, 422, "security_key_not_accepted").await;
        assert_eq!(problem, wrong_for_real, "{name}");
        // The challenge is spent for a stand-in too.
        let again = visitor.answer_key(pretender.get(&options, &origin)).await;
        assert_problem(again, 409, "no_challenge").await;
    }
}
