//! The password accounts in an LDAP directory, against a real OpenLDAP server ([`Slapd`]):
//! sign-in and step-up by a bind as the user's entry, a password reset that sets the password
//! in the directory (the new one binds, the old one no longer does), the directory's own
//! password policy (ppolicy) reaching the user, a directory that does not answer (503, and
//! nothing lost), and TLS: `ldaps://` and StartTLS against the directory's own certificate
//! authority.

use reqwest::StatusCode;
use security_info_api::SessionResponse;
use serde_json::json;

use crate::{
    helpers::*,
    password_reset::{Visitor, add_email},
    slapd::*,
};

/// A new password that meets the server's policy and the directory's length.
const NEW_PASSWORD: &str = "Zeven zwanen zwemmen in de gracht";
/// A strong password of 20 characters: enough for the server (12), too short for the
/// directory (24).
const TOO_SHORT_FOR_THE_DIRECTORY: &str = "Vlinders boven Texel";

/// The settings of a server whose password accounts are in `url`.
fn directory_settings(url: &str) -> Vec<String> {
    [
        "--ldap-url",
        url,
        "--ldap-bind-dn",
        SERVICE_DN,
        "--ldap-bind-password",
        SERVICE_PASSWORD,
        "--ldap-user-base",
        PEOPLE,
    ]
    .map(str::to_owned)
    .to_vec()
}

async fn spawn_on(slapd: &Slapd) -> TestApp {
    spawn_with_settings(directory_settings(&slapd.url)).await
}

async fn spawn_with_settings(settings: Vec<String>) -> TestApp {
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    TestApp::spawn_with(&settings).await
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.post(
        "/session",
        json!({"username": username, "password": password}),
    )
    .await
}

#[tokio::test]
async fn users_of_the_directory_sign_in_with_a_bind_and_step_up_with_it() {
    let slapd = Slapd::start();
    let app = spawn_on(&slapd).await;

    // Wrong password, a name the directory does not have, one with no `mail` to match, and a
    // built-in demo account: all the same 401 while the directory holds the passwords.
    for (username, password) in [
        (GRACE, "Not the password of Grace"),
        ("nobody@contoso.example", GRACE_PASSWORD),
        ("linus@contoso.example", "Directory password of Linus 1"),
        (ALAIN, PASSWORD),
        (GRACE, ""),
    ] {
        assert_problem(
            sign_in(&app, username, password).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_eq!(app.get("/me").await.status(), StatusCode::UNAUTHORIZED);

    // The right one: signed in, as the directory names her (any case of the name).
    let response = sign_in(&app, "Grace@Contoso.example", GRACE_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: SessionResponse = response.json().await.expect("session");
    assert_eq!(session.user.display_name, "Grace Hopper");
    assert_eq!(session.user.user_principal_name, GRACE);
    assert!(!session.user.identity_provider);

    // Step-up binds again: a wrong password is refused, the right one accepted.
    assert_problem(
        app.post(
            "/session/reauthenticate",
            json!({"password": "Not the password of Grace"}),
        )
        .await,
        401,
        "invalid_credentials",
    )
    .await;
    let response = app
        .post(
            "/session/reauthenticate",
            json!({"password": GRACE_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // A second sign-in finds the account made at the first (one account, same id).
    let first = session.user;
    app.delete("/session").await;
    let again: SessionResponse = sign_in(&app, GRACE, GRACE_PASSWORD)
        .await
        .json()
        .await
        .expect("session");
    assert_eq!(again.user.id, first.id);
    let accounts: i64 =
        sqlx::query_scalar("select count(*) from account where user_principal_name = $1")
            .bind(GRACE)
            .fetch_one(app.db().await.pool())
            .await
            .expect("count");
    assert_eq!(accounts, 1);
}

/// Signs Grace in on `app`, adds her personal address, and passes a reset's email gate as a
/// visitor: the visitor, ready to set a password.
async fn verified_reset(app: &TestApp) -> Visitor {
    assert_eq!(
        sign_in(app, GRACE, GRACE_PASSWORD).await.status(),
        StatusCode::OK
    );
    add_email(app, "grace@gmail.com").await;
    let visitor = Visitor::new(app);
    assert_eq!(visitor.start(GRACE).await.status(), StatusCode::ACCEPTED);
    let before = app
        .mailbox()
        .await
        .messages
        .iter()
        .filter(|m| m.to == "grace@gmail.com")
        .count();
    let chosen = visitor
        .choose(json!({"type": "email", "emailAddress": "grace@gmail.com"}))
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);
    app.wait_for_mail_count("grace@gmail.com", before + 1).await;
    let code = app.code_sent_to("grace@gmail.com").await;
    assert_eq!(visitor.answer_code(&code).await.status(), StatusCode::OK);
    visitor
}

#[tokio::test]
async fn a_reset_sets_the_password_in_the_directory_and_its_policy_reaches_the_user() {
    let slapd = Slapd::start();
    let app = spawn_on(&slapd).await;
    let visitor = verified_reset(&app).await;
    assert!(TOO_SHORT_FOR_THE_DIRECTORY.chars().count() < DIRECTORY_MIN_LENGTH);
    assert!(NEW_PASSWORD.chars().count() >= DIRECTORY_MIN_LENGTH);

    // Long enough for the server, too short for the directory's ppolicy: its refusal and its
    // words reach the user, and the reset goes on.
    let refused = visitor.set_password(TOO_SHORT_FOR_THE_DIRECTORY).await;
    let problem = assert_problem(refused, 422, "password_refused_by_directory").await;
    assert_eq!(
        problem.reason.as_deref(),
        Some("Password fails quality checking policy")
    );
    assert!(binds(&slapd.url, GRACE_DN, GRACE_PASSWORD).await);
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);

    let response = visitor.set_password(NEW_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // In the directory itself: the new password binds, the old one no longer does.
    assert!(binds(&slapd.url, GRACE_DN, NEW_PASSWORD).await);
    assert!(!binds(&slapd.url, GRACE_DN, GRACE_PASSWORD).await);
    // Every session ended; signing in takes the new password only.
    assert_eq!(app.get("/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_problem(
        sign_in(&app, GRACE, GRACE_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        sign_in(&app, GRACE, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    // The reset is over.
    assert_problem(
        visitor.set_password(NEW_PASSWORD).await,
        410,
        "reset_expired",
    )
    .await;
}

#[tokio::test]
async fn a_directory_that_does_not_answer_gets_a_503_and_loses_nothing() {
    let mut slapd = Slapd::start();
    let app = spawn_on(&slapd).await;
    let visitor = verified_reset(&app).await;
    let signed_in = Visitor::new(&app);

    slapd.stop();
    let problem = assert_problem(
        visitor.set_password(NEW_PASSWORD).await,
        503,
        "service_unavailable",
    )
    .await;
    assert_eq!(problem.retry_after_seconds, Some(5));
    assert_problem(
        sign_in(&app, GRACE, GRACE_PASSWORD).await,
        503,
        "service_unavailable",
    )
    .await;
    assert_problem(
        app.post(
            "/session/reauthenticate",
            json!({"password": GRACE_PASSWORD}),
        )
        .await,
        503,
        "service_unavailable",
    )
    .await;
    // Her session is untouched by the outage.
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);
    drop(signed_in);

    // Back up: the same reset sets the password.
    slapd.run();
    assert_eq!(
        visitor.set_password(NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(binds(&slapd.url, GRACE_DN, NEW_PASSWORD).await);
}

#[tokio::test]
async fn a_service_account_the_directory_refuses_is_an_outage_not_a_wrong_password() {
    let slapd = Slapd::start();
    let mut settings = directory_settings(&slapd.url);
    let password = settings
        .iter()
        .position(|s| s == SERVICE_PASSWORD)
        .expect("password");
    settings[password] = "not-the-service-password".to_owned();
    let app = spawn_with_settings(settings).await;
    assert_problem(
        sign_in(&app, GRACE, GRACE_PASSWORD).await,
        503,
        "service_unavailable",
    )
    .await;
}

#[tokio::test]
async fn tls_and_starttls_trust_only_the_directory_authority_given() {
    let slapd = Slapd::start_with_tls();
    let ca_file = slapd.ca_file.clone().expect("CA").display().to_string();
    let tls_url = slapd.tls_url.clone().expect("ldaps");

    // ldaps:// with the directory's authority.
    let mut settings = directory_settings(&tls_url);
    settings.extend(["--ldap-ca-file".to_owned(), ca_file.clone()]);
    let app = spawn_with_settings(settings).await;
    assert_eq!(
        sign_in(&app, GRACE, GRACE_PASSWORD).await.status(),
        StatusCode::OK
    );

    // StartTLS on the plain port, with the same authority.
    let mut settings = directory_settings(&slapd.url);
    settings.extend([
        "--ldap-starttls".to_owned(),
        "true".to_owned(),
        "--ldap-ca-file".to_owned(),
        ca_file,
    ]);
    let app = spawn_with_settings(settings).await;
    assert_eq!(
        sign_in(&app, GRACE, GRACE_PASSWORD).await.status(),
        StatusCode::OK
    );

    // Without it the system's authorities do not know the certificate: no password is sent.
    let app = spawn_with_settings(directory_settings(&tls_url)).await;
    assert_problem(
        sign_in(&app, GRACE, GRACE_PASSWORD).await,
        503,
        "service_unavailable",
    )
    .await;
}
