use reqwest::StatusCode;
use security_info_api::{MethodCreated, MethodList, MethodTypeList, UnavailableReason, Usage};
use serde_json::json;

use crate::helpers::*;

/// Registers `address` as Alain's email method and returns the method.
async fn register(app: &TestApp, address: &str) -> MethodCreated {
    let registration = app.start_registration(address).await;
    let code = app.code_sent_to(address).await;
    let response = app
        .post(
            &format!("/me/registrations/{}/verify", registration.id),
            json!({"kind": "code", "code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("method")
}

#[tokio::test]
async fn a_new_user_has_no_methods_and_may_add_an_email_address() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    let names: Vec<&str> = types
        .method_types
        .iter()
        .map(|info| info.method_type.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "authenticatorApp",
            "phone",
            "securityKey",
            "email",
            "securityQuestions"
        ]
    );
    let email = type_info(&types, "email");
    assert_eq!(email.usable_for, vec![Usage::PasswordReset]);
    assert!(email.allowed);
    assert_eq!(email.reason, None);
}

#[tokio::test]
async fn a_registered_address_is_listed_for_password_reset_only() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let created = register(&app, "alain@gmail.com").await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert_eq!(methods.methods, vec![created.method.clone()]);
    let raw: serde_json::Value = app.get_json("/me/methods").await;
    assert_eq!(raw["methods"][0]["type"], "email");
    assert_eq!(raw["methods"][0]["detail"]["type"], "email");
    assert_eq!(
        raw["methods"][0]["detail"]["emailAddress"],
        "alain@gmail.com"
    );
    assert_eq!(raw["methods"][0]["usableFor"], json!(["passwordReset"]));
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    assert!(!type_info(&types, "email").allowed);
    assert_eq!(
        type_info(&types, "email").reason,
        Some(UnavailableReason::AlreadyRegistered)
    );
}

#[tokio::test]
async fn email_is_not_offered_and_not_accepted_when_policy_disallows_it() {
    let app = TestApp::spawn_with(&["--allowed-methods", ""]).await;
    app.sign_in(ALAIN).await;
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    assert!(!type_info(&types, "email").allowed);
    assert_eq!(
        type_info(&types, "email").reason,
        Some(UnavailableReason::NotAllowedByPolicy)
    );
    let response = app.register_email("alain@gmail.com").await;
    assert_problem(response, 403, "method_not_allowed").await;
}

#[tokio::test]
async fn deleting_a_method_removes_it_and_notifies_the_work_address() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let created = register(&app, "alain@gmail.com").await;
    let mailbox = app.wait_for_mail_count(ALAIN, 1).await;
    let added = mailbox
        .messages
        .iter()
        .find(|m| m.to == ALAIN)
        .expect("notice");
    assert!(added.subject.contains("added"), "{}", added.subject);
    assert!(added.text.contains("a***@gmail.com") && added.text.contains("127.0.0.1"));

    let response = app
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
    let mailbox = app.wait_for_mail_count(ALAIN, 2).await;
    let deleted = &mailbox
        .messages
        .iter()
        .find(|m| m.to == ALAIN)
        .expect("notice");
    assert!(deleted.subject.contains("deleted"), "{}", deleted.subject);
    // Deleting again: it is gone.
    let again = app
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_problem(again, 404, "not_found").await;
}

/// The signed-in user's methods, as `GET /me/methods` lists them.
async fn listed(app: &TestApp) -> Vec<security_info_api::Method> {
    let list: MethodList = app.get_json("/me/methods").await;
    list.methods
}

#[tokio::test]
async fn the_method_list_shows_every_change_at_once() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let megan = TestAppClient::new(&app).await;
    // Read before each change, twice, so a kept copy of the list would be served if the
    // change did not replace it.
    assert!(listed(&app).await.is_empty());
    assert!(listed(&app).await.is_empty());
    let created = register(&app, "alain@gmail.com").await;
    assert_eq!(listed(&app).await, vec![created.method.clone()]);
    assert_eq!(listed(&app).await, vec![created.method.clone()]);
    let megans: MethodList = megan.get_json("/me/methods").await;
    assert!(
        megans.methods.is_empty(),
        "another user's list is untouched"
    );
    let response = app
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(listed(&app).await.is_empty());
    // The list the next registration checks against is the new one too.
    let again = register(&app, "alain@outlook.com").await;
    assert_eq!(listed(&app).await, vec![again.method]);
}

#[tokio::test]
async fn notices_are_in_dutch_for_a_user_who_signed_in_in_dutch() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.api("/session"))
        .header("accept-language", "nl")
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    register(&app, "alain@gmail.com").await;
    let mailbox = app.wait_for_mail_count(ALAIN, 1).await;
    let notice = mailbox
        .messages
        .iter()
        .find(|m| m.to == ALAIN)
        .expect("notice");
    assert!(notice.subject.contains("toegevoegd"), "{}", notice.subject);
}

#[tokio::test]
async fn deleting_needs_a_recent_sign_in() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let created = register(&app, "alain@gmail.com").await;
    app.sql(&age_authentication_sql(11)).await;
    let response = app
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_problem(response, 401, "reauthentication_required").await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert_eq!(methods.methods.len(), 1);
}

#[tokio::test]
async fn another_users_method_is_not_found_rather_than_forbidden() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let created = register(&app, "alain@gmail.com").await;
    let megan = TestAppClient::new(&app).await;
    let response = megan
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_problem(response, 404, "not_found").await;
    assert_problem(
        megan.delete("/me/methods/does-not-exist").await,
        404,
        "not_found",
    )
    .await;
    let methods: MethodList = app.get_json("/me/methods").await;
    assert_eq!(methods.methods.len(), 1);
}
