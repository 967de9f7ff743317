//! The security key method over HTTP, against a software authenticator
//! (`tests/support/soft_key.rs`): the options for the browser, the credential it makes, the
//! answers a relying party must refuse (another origin or relying party id, a replayed or
//! expired challenge, a model the organization does not hand out), the same key twice, the
//! limit of ten, rename and delete.

use reqwest::StatusCode;
use security_info_api::{Challenge, MethodCreated, MethodList, Registration, Usage};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::soft_key::SoftKey;

/// A model the tests' keys state unless a test says otherwise.
const MODEL: [u8; 16] = [0x4b; 16];

/// The origin a browser would be on: the app by its loopback name (WebAuthn refuses IPs).
pub fn origin(app: &TestApp) -> String {
    let port = app.authority().rsplit(':').next().expect("a port");
    format!("http://localhost:{port}")
}

async fn start(app: &TestApp) -> (Registration, Value) {
    let response = app
        .post("/me/registrations", json!({"type": "securityKey"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    let Challenge::WebAuthn { options, .. } = &registration.challenge else {
        panic!("not a WebAuthn challenge: {:?}", registration.challenge);
    };
    let options = options.clone();
    (registration, options)
}

async fn answer(
    app: &TestApp,
    registration: &Registration,
    credential: Value,
) -> reqwest::Response {
    app.post(
        &verify_path(registration),
        json!({"kind": "credential", "credential": credential}),
    )
    .await
}

/// Registers `key` and returns the method.
pub async fn register(app: &TestApp, key: &mut SoftKey) -> MethodCreated {
    let (registration, options) = start(app).await;
    let response = answer(app, &registration, key.create(&options, &origin(app))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("method")
}

#[tokio::test]
async fn a_key_makes_a_credential_for_this_origin_and_is_listed_for_two_step_verification_and_reset()
 {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["rp"]["name"], "Contoso");
    assert_eq!(options["user"]["name"], ALAIN);
    assert_eq!(options["excludeCredentials"], json!([]));
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert!(
        options["challenge"].as_str().is_some_and(|c| c.len() >= 43),
        "a 32-byte challenge in base64url: {options}"
    );
    // No PII in the user handle: not the principal name, and the same for every start.
    let handle = options["user"]["id"]
        .as_str()
        .expect("user handle")
        .to_owned();
    assert!(!handle.contains("alain"));
    // Nothing to resend: the browser answers at once.
    assert_problem(app.resend(&registration).await, 409, "no_code_to_resend").await;

    let mut key = SoftKey::new(MODEL);
    let response = answer(&app, &registration, key.create(&options, &origin(&app))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(created.method.name.as_deref(), Some("Security key"));
    assert_eq!(
        created.method.usable_for,
        vec![Usage::TwoStepVerification, Usage::PasswordReset]
    );
    let raw: Value = app.get_json("/me/methods").await;
    assert_eq!(
        raw["methods"][0]["detail"],
        json!({"type": "securityKey", "synced": false})
    );

    // The next registration tells the browser which credential the account has, under the
    // same user handle.
    let (_, options) = start(&app).await;
    assert_eq!(options["user"]["id"], handle.as_str());
    let excluded = &options["excludeCredentials"];
    assert_eq!(excluded.as_array().map(Vec::len), Some(1), "{excluded}");
    assert_eq!(excluded[0]["id"], key.create(&options, &origin(&app))["id"]);
    // The user hears of it at their work address.
    let mailbox = app.wait_for_mail_count(ALAIN, 1).await;
    assert!(
        format!("{mailbox:?}").contains("Security key"),
        "{mailbox:?}"
    );
}

#[tokio::test]
async fn the_same_credential_twice_is_one_method_and_a_second_key_gets_the_next_name() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let mut key = SoftKey::new(MODEL);
    register(&app, &mut key).await;
    // A browser that ignored excludeCredentials: the server refuses the credential it knows.
    let (registration, options) = start(&app).await;
    let response = answer(&app, &registration, key.create(&options, &origin(&app))).await;
    assert_problem(response, 409, "method_already_registered").await;

    let mut second = SoftKey::new(MODEL);
    second.transports = vec!["internal"];
    let created = register(&app, &mut second).await;
    assert_eq!(
        created.method.name.as_deref(),
        Some("Passkey on this device")
    );
    let mut third = SoftKey::new(MODEL);
    let created = register(&app, &mut third).await;
    assert_eq!(created.method.name.as_deref(), Some("Security key 2"));

    // The user names the key in the same answer; a bad name is refused before the
    // challenge is used, so the same credential can be sent again with a good one.
    let (registration, options) = start(&app).await;
    let credential = SoftKey::new(MODEL).create(&options, &origin(&app));
    for bad in ["", "   ", &"k".repeat(65), "evil\u{202e}gpj.exe"] {
        let response = app
            .post(
                &verify_path(&registration),
                json!({"kind": "credential", "credential": credential, "name": bad}),
            )
            .await;
        assert_problem(response, 422, "invalid_method_name").await;
    }
    let response = app
        .post(
            &verify_path(&registration),
            json!({"kind": "credential", "credential": credential, "name": "  Blue YubiKey "}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(created.method.name.as_deref(), Some("Blue YubiKey"));
}

#[tokio::test]
async fn answers_for_another_origin_or_relying_party_are_refused_and_void_the_registration() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let port = app.authority().rsplit(':').next().expect("port").to_owned();
    for (claimed_origin, rp_id) in [
        // A phishing site relaying the options.
        ("https://login-contoso.example".to_owned(), "localhost"),
        // Another port of the same host, and the IP the server also answers on.
        ("http://localhost:1".to_owned(), "localhost"),
        (format!("http://127.0.0.1:{port}"), "localhost"),
        // The right origin, but a credential for another relying party.
        (format!("http://localhost:{port}"), "contoso.example"),
    ] {
        let (registration, options) = start(&app).await;
        let mut key = SoftKey::new(MODEL);
        let credential = key.create_for(&options, &claimed_origin, rp_id);
        let response = answer(&app, &registration, credential.clone()).await;
        assert_problem(response, 422, "security_key_not_accepted").await;
        // The challenge is used up: a second try needs a new registration.
        let again = answer(&app, &registration, credential).await;
        assert_problem(again, 410, "verification_locked").await;
    }
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
}

#[tokio::test]
async fn a_credential_made_inside_a_portals_frame_is_refused_as_cross_origin() {
    // What a browser sends for a key added in the portal's iframe: the app's own origin, but
    // `crossOrigin: true`. webauthn-rs 0.6 refuses it; the app therefore offers its own tab.
    let app = TestApp::spawn_with(&["--embed-origins", "https://portal.contoso.example"]).await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    let mut key = SoftKey::new(MODEL);
    key.framed_by = Some("https://portal.contoso.example".into());
    let response = answer(&app, &registration, key.create(&options, &origin(&app))).await;
    assert_problem(response, 422, "security_key_not_accepted").await;
}

#[tokio::test]
async fn a_challenge_works_once_and_not_after_it_expires() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    let mut key = SoftKey::new(MODEL);
    let credential = key.create(&options, &origin(&app));
    assert_eq!(
        answer(&app, &registration, credential.clone())
            .await
            .status(),
        StatusCode::CREATED
    );
    // Replayed: the registration is complete.
    assert_problem(
        answer(&app, &registration, credential).await,
        404,
        "not_found",
    )
    .await;
    // A credential made for one challenge does not answer another.
    let (_, first_options) = start(&app).await;
    let mut other = SoftKey::new(MODEL);
    let for_first = other.create(&first_options, &origin(&app));
    let (second, _) = start(&app).await;
    assert_problem(
        answer(&app, &second, for_first).await,
        422,
        "security_key_not_accepted",
    )
    .await;
    // Expired.
    let (third, options) = start(&app).await;
    app.sql("update registration set expires_at = '2000-01-01T00:00:00.000000Z'")
        .await;
    assert_problem(
        answer(&app, &third, other.create(&options, &origin(&app))).await,
        410,
        "registration_expired",
    )
    .await;
}

#[tokio::test]
async fn malformed_answers_are_refused_without_voiding_the_registration() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    for body in [
        json!({"kind": "code", "code": "123456"}),
        json!({"kind": "credential", "credential": {"id": 7}}),
        json!({"kind": "credential", "credential": "x".repeat(100)}),
        json!({"kind": "credential"}),
    ] {
        let response = app.post(&verify_path(&registration), body.clone()).await;
        assert_problem(response, 400, "malformed_request").await;
    }
    let mut key = SoftKey::new(MODEL);
    let response = answer(&app, &registration, key.create(&options, &origin(&app))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_organization_that_hands_out_keys_accepts_only_those_models() {
    let handed_out = "4b4b4b4b-4b4b-4b4b-4b4b-4b4b4b4b4b4b";
    let app = TestApp::spawn_with(&["--webauthn-aaguids", handed_out]).await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    let mut personal = SoftKey::new([0x11; 16]);
    let response = answer(
        &app,
        &registration,
        personal.create(&options, &origin(&app)),
    )
    .await;
    assert_problem(response, 403, "security_key_model_not_allowed").await;
    // A key that does not say its model is not one of them either.
    let (registration, options) = start(&app).await;
    let mut silent = SoftKey::new([0; 16]);
    let response = answer(&app, &registration, silent.create(&options, &origin(&app))).await;
    assert_problem(response, 403, "security_key_model_not_allowed").await;
    let mut issued = SoftKey::new(MODEL);
    register(&app, &mut issued).await;
}

#[tokio::test]
async fn ten_keys_at_most_renamed_and_deleted_like_any_method() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(register(&app, &mut SoftKey::new(MODEL)).await.method.id);
    }
    let response = app
        .post("/me/registrations", json!({"type": "securityKey"}))
        .await;
    assert_problem(response, 409, "method_limit_reached").await;
    let rename = app.rename(&ids[0], "YubiKey on my keyring").await;
    assert_eq!(rename.status(), StatusCode::OK);
    let delete = app.delete(&format!("/me/methods/{}", ids[1])).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let names = app.method_names().await;
    assert_eq!(names.len(), 9);
    assert_eq!(names[0], "YubiKey on my keyring");
    // A key can be added again.
    register(&app, &mut SoftKey::new(MODEL)).await;
}

#[tokio::test]
async fn the_relying_party_id_must_fit_the_public_origin() {
    let error = start_up_error(&["--webauthn-rp-id", "fabrikam.example"]).await;
    assert!(error.contains("SECURITY_INFO_WEBAUTHN_RP_ID"), "{error}");
    let error = start_up_error(&["--webauthn-aaguids", "yubikey"]).await;
    assert!(error.contains("SECURITY_INFO_WEBAUTHN_AAGUIDS"), "{error}");
    // A suffix of the public origin's host is fine.
    let app = TestApp::spawn_with(&[
        "--public-origin",
        "https://security.contoso.example",
        "--webauthn-rp-id",
        "contoso.example",
    ])
    .await;
    assert!(app.get_page("/healthz").await.status().is_success());
}

/// The registration id, account and secret of a challenge's `continueUrl`.
fn hand_off(registration: &Registration) -> Value {
    let Challenge::WebAuthn { continue_url, .. } = &registration.challenge else {
        panic!("not a WebAuthn challenge");
    };
    let (path, fragment) = continue_url.split_once('#').expect("a fragment");
    assert_eq!(path, "/add-security-key");
    let field = |name: &str| {
        fragment
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .expect(name)
            .to_owned()
    };
    assert_eq!(field("registration"), registration.id);
    json!({"account": field("account"), "secret": field("secret")})
}

/// A POST from a window with no session (its own cookie jar, the app's origin).
async fn from_window(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(app.api(path))
        .header("origin", origin(app))
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_registration_handed_off_to_a_window_without_a_session_is_finished_there() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let (registration, options) = start(&app).await;
    let stage = |body: Value| body["stage"].as_str().map(str::to_owned);
    let progress_path = format!("/me/registrations/{}", registration.id);
    assert_eq!(
        stage(app.get_json(&progress_path).await),
        Some("pending".into())
    );
    let capability = hand_off(&registration);
    let options_path = format!("/security-key-registrations/{}/options", registration.id);
    let response = from_window(&app, &options_path, capability.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let prompt: Value = response.json().await.expect("prompt");
    assert_eq!(prompt["options"], options, "the same challenge");
    assert_eq!(prompt["userPrincipalName"], ALAIN);

    let mut key = SoftKey::new(MODEL);
    let credential = key.create(&prompt["options"], &origin(&app));
    let verify_path = format!("/security-key-registrations/{}/verify", registration.id);
    let body = json!({"handOff": capability, "credential": credential, "name": "Desk key"});
    let response = from_window(&app, &verify_path, body.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(created.method.name.as_deref(), Some("Desk key"));

    // The frame sees it done; the capability is spent.
    assert_eq!(
        stage(app.get_json(&progress_path).await),
        Some("completed".into())
    );
    assert_problem(
        from_window(&app, &verify_path, body).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        from_window(&app, &options_path, capability).await,
        404,
        "not_found",
    )
    .await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert_eq!(methods.methods.len(), 1);
    // Only its owner sees a registration's stage.
    let megan = TestApp::spawn().await;
    megan.sign_in(MEGAN).await;
    assert_eq!(
        megan.get(&progress_path).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_hand_off_works_only_with_its_own_secret_account_and_registration() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let (first, _) = start(&app).await;
    let first_capability = hand_off(&first);
    // Another user's pending key registration, on the same server.
    let megan = client();
    let sign_in = megan
        .post(app.api("/session"))
        .json(&json!({"username": MEGAN, "password": PASSWORD}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(sign_in.status(), StatusCode::OK);
    let response = megan
        .post(app.api("/me/registrations"))
        .json(&json!({"type": "securityKey"}))
        .send()
        .await
        .expect("start");
    let megans: Registration = response.json().await.expect("registration");
    let megans_capability = hand_off(&megans);

    let secret = first_capability["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let mut flipped = secret.clone().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let options = |id: &str| format!("/security-key-registrations/{id}/options");
    for (id, capability) in [
        // Another account's id with this secret, and this account with another's secret.
        (
            first.id.clone(),
            json!({"account": megans_capability["account"], "secret": secret}),
        ),
        (
            first.id.clone(),
            json!({"account": first_capability["account"], "secret": megans_capability["secret"]}),
        ),
        // One changed character, not base64url, empty.
        (
            first.id.clone(),
            json!({"account": first_capability["account"], "secret": flipped}),
        ),
        (
            first.id.clone(),
            json!({"account": first_capability["account"], "secret": "%%%"}),
        ),
        (
            first.id.clone(),
            json!({"account": first_capability["account"], "secret": ""}),
        ),
        // This capability for another registration.
        (megans.id.clone(), first_capability.clone()),
        ("unknown".to_owned(), first_capability.clone()),
    ] {
        assert_problem(
            from_window(&app, &options(&id), capability).await,
            404,
            "not_found",
        )
        .await;
    }
    let extra = json!({"account": first_capability["account"], "secret": secret, "admin": true});
    assert_problem(
        from_window(&app, &options(&first.id), extra).await,
        400,
        "malformed_request",
    )
    .await;
    // Still usable with the right one, until it expires.
    let response = from_window(&app, &options(&first.id), first_capability.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    app.sql("update registration set expires_at = '2000-01-01T00:00:00.000000Z'")
        .await;
    assert_problem(
        from_window(&app, &options(&first.id), first_capability).await,
        410,
        "registration_expired",
    )
    .await;
    let progress: Value = app
        .get_json(&format!("/me/registrations/{}", first.id))
        .await;
    assert_eq!(progress["stage"], "expired");
}
