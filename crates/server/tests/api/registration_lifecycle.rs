//! What every method type shares: the registration's lifetime and answer shapes, the list of
//! types with their counts, renaming, and the contract's refusals.

use reqwest::StatusCode;
use security_info_api::{MethodTypeList, UnavailableReason};
use serde_json::json;

use crate::{helpers::*, test_db::ago};

#[tokio::test]
async fn a_registration_not_finished_within_the_hour_is_over_even_with_a_fresh_code() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    app.sql(&format!("update registration set expires_at = {}", ago(1)))
        .await;
    let response = app.submit_code(&registration, &code).await;
    assert_problem(response, 410, "registration_expired").await;
    // Recorded: a resend cannot bring it back either.
    let status: String = sqlx::query_scalar("select status from registration")
        .fetch_one(app.db().await.pool())
        .await
        .expect("status");
    assert_eq!(status, "expired");
    assert_problem(app.resend(&registration).await, 410, "registration_expired").await;
    // An answer outside the document's rules is refused as such, whatever the registration's
    // state; a well-formed one hears that it is over.
    let verify = format!("/me/registrations/{}/verify", registration.id);
    for code in ["12345a".to_owned(), "1".repeat(65)] {
        let response = app
            .post(&verify, json!({"kind": "code", "code": code}))
            .await;
        assert_problem(response, 422, "code_incorrect").await;
    }
    let response = app
        .post(
            &verify,
            json!({"kind": "credential", "credential": ["not", "an", "object"]}),
        )
        .await;
    assert_problem(response, 400, "malformed_request").await;
    let response = app
        .post(&verify, json!({"kind": "code", "code": "123 456"}))
        .await;
    assert_problem(response, 410, "registration_expired").await;
}

#[tokio::test]
async fn an_answer_of_another_shape_or_a_start_of_an_unknown_type_is_malformed() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let verify = format!("/me/registrations/{}/verify", registration.id);
    for body in [
        json!({"code": "123456"}),
        json!({"kind": "webauthn", "credential": {}}),
        json!({"kind": "code", "code": "123456", "extra": 1}),
    ] {
        let response = app.post(&verify, body.clone()).await;
        assert_problem(response, 400, "malformed_request").await;
    }
    for body in [
        json!({"emailAddress": "alain@gmail.com"}),
        json!({"type": "carrierPigeon"}),
        json!({"type": "email"}),
    ] {
        let response = app.post("/me/registrations", body.clone()).await;
        assert_problem(response, 400, "malformed_request").await;
    }
}

#[tokio::test]
async fn the_types_list_counts_what_the_user_has_against_the_types_limit() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    let email = type_info(&types, "email");
    assert_eq!((email.registered, email.limit), (0, 1));
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    let email = type_info(&types, "email");
    assert_eq!((email.registered, email.limit), (1, 1));
    assert_eq!(email.reason, Some(UnavailableReason::AlreadyRegistered));
}

#[tokio::test]
async fn a_method_without_a_name_cannot_be_renamed_and_others_methods_are_not_found() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    let created: security_info_api::MethodCreated = app
        .submit_code(&registration, &code)
        .await
        .json()
        .await
        .expect("method");
    let path = app.api(&format!("/me/methods/{}", created.method.id));
    let rename = |body: serde_json::Value| app.client.patch(&path).json(&body).send();
    let response = rename(json!({"name": "Private mail"}))
        .await
        .expect("request");
    assert_problem(response, 409, "method_not_renamable").await;
    let response = rename(json!({"name": 7})).await.expect("request");
    assert_problem(response, 400, "malformed_request").await;

    let megan = TestAppClient::new(&app).await;
    let response = megan
        .patch(
            &format!("/me/methods/{}", created.method.id),
            json!({"name": "Mine"}),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}
