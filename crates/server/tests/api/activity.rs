use reqwest::StatusCode;
use security_info_api::{ActivityKind, ActivityList, User};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn me_returns_the_signed_in_user_and_organization() {
    let app = TestApp::spawn_with(&[
        "--org-name",
        "Fabrikam",
        "--org-domains",
        "fabrikam.example,Contoso.example",
    ])
    .await;
    app.sign_in(MEGAN).await;
    let response = app.get("/me").await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: User = response.json().await.expect("user");
    assert_eq!(user.display_name, "Megan Bowen");
    assert_eq!(user.user_principal_name, MEGAN);
    assert_eq!(user.organization.name, "Fabrikam");
    assert_eq!(
        user.organization.domains,
        vec!["fabrikam.example", "contoso.example"]
    );
    assert_eq!(user.id.len(), 32);
}

#[tokio::test]
async fn activity_lists_the_users_own_security_events_newest_first() {
    let app = TestApp::spawn().await;
    let _ = app
        .client
        .post(app.api("/session"))
        .header("user-agent", "TestBrowser/1.0")
        .json(&json!({"username": ALAIN, "password": "wrong"}))
        .send()
        .await
        .expect("request");
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let path = format!("/me/registrations/{}/verify", registration.id);
    let response = app
        .post(&path, json!({"kind": "code", "code": wrong(&code)}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app.post(&path, json!({"kind": "code", "code": code})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Megan's activity is hers only.
    let megan = TestAppClient::new(&app).await;
    let list: ActivityList = app.get_json("/me/activity").await;
    let kinds: Vec<ActivityKind> = list.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ActivityKind::MethodAdded,
            ActivityKind::VerificationFailed,
            ActivityKind::RegistrationStarted,
            ActivityKind::SignIn,
            ActivityKind::SignInFailed,
        ]
    );
    let first = &list.events[0];
    assert_eq!(first.ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(first.detail.as_deref(), Some("a***@gmail.com"));
    assert_eq!(
        list.events[4].user_agent.as_deref(),
        Some("TestBrowser/1.0")
    );
    let megans: ActivityList = megan.get_json("/me/activity").await;
    assert_eq!(megans.events.len(), 1);
    assert_eq!(megans.events[0].kind, ActivityKind::SignIn);
}
