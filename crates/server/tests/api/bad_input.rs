use reqwest::{StatusCode, header};
use serde_json::json;

use crate::{
    helpers::*,
    test_db::{hold_registrations, ignore_updates},
};

#[tokio::test]
async fn malformed_json_unknown_fields_and_wrong_types_are_malformed_requests() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"username": "a", "password": "#,
        r#"{"username": "a", "password": "b", "admin": true}"#,
        r#"{"username": 1, "password": "b"}"#,
        r#"{"username": "a"}"#,
        r#"[]"#,
        "\u{0}\u{1}",
    ] {
        let response = app
            .client
            .post(app.api("/session"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_problem(response, 400, "malformed_request").await;
    }
}

#[tokio::test]
async fn a_post_that_is_not_json_is_an_unsupported_media_type() {
    let app = TestApp::spawn().await;
    let body = r#"{"username": "alain@contoso.example", "password": "Contoso-demo-2026"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = app.client.post(app.api("/session")).body(body);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let response = request.send().await.expect("request");
        assert_problem(response, 415, "unsupported_media_type").await;
    }
    // Also without a body, as a cross-site form would post to an action.
    app.sign_in(ALAIN).await;
    let response = app
        .client
        .post(app.api("/me/registrations/x/resend"))
        .header(header::CONTENT_TYPE, "text/plain")
        .send()
        .await
        .expect("request");
    assert_problem(response, 415, "unsupported_media_type").await;
    // A JSON content type with parameters is fine.
    let response = app
        .client
        .post(app.api("/session"))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_sixteen_kib_are_too_large() {
    let app = TestApp::spawn().await;
    let huge = json!({"username": "a".repeat(17 * 1024), "password": "x"});
    let response = app.post("/session", huge).await;
    assert_problem(response, 413, "payload_too_large").await;
    // Just under the limit is read (and is an ordinary wrong sign-in).
    let fits = json!({"username": "a".repeat(15 * 1024), "password": "x"});
    assert_problem(app.post("/session", fits).await, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn a_foreign_origin_is_forbidden_and_the_apps_own_origin_allowed() {
    let app = TestApp::spawn_with(&["--embed-origins", "https://portal.contoso.example"]).await;
    let sign_in = |origin: &'static str| {
        app.client
            .post(app.api("/session"))
            .header(header::ORIGIN, origin)
            .json(&json!({"username": ALAIN, "password": PASSWORD}))
            .send()
    };
    for origin in [
        "https://evil.example",
        "null",
        "http://127.0.0.1.evil.example",
    ] {
        assert_problem(
            sign_in(origin).await.expect("request"),
            403,
            "forbidden_origin",
        )
        .await;
    }
    assert_eq!(
        sign_in("https://portal.contoso.example")
            .await
            .expect("request")
            .status(),
        StatusCode::OK
    );
    let own = app
        .client
        .post(app.api("/session"))
        .header(header::ORIGIN, app.address.clone())
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(own.status(), StatusCode::OK);
    // DELETE is guarded too.
    let delete = app
        .client
        .delete(app.api("/session"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_problem(delete, 403, "forbidden_origin").await;
    assert_eq!(
        app.get("/me").await.status(),
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn a_configured_public_origin_replaces_the_listen_address() {
    let app = TestApp::spawn_with(&["--public-origin", "http://security.contoso.example"]).await;
    let own_address = app
        .client
        .post(app.api("/session"))
        .header(header::ORIGIN, app.address.clone())
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_problem(own_address, 403, "forbidden_origin").await;
    let public = app
        .client
        .post(app.api("/session"))
        .header(header::ORIGIN, "http://security.contoso.example")
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(public.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_problems_not_the_app() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/nope").await, 404, "not_found").await;
    assert_problem(app.get("/me/methods/x/y").await, 404, "not_found").await;
    let put = app
        .client
        .put(app.api("/me"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_problem(put, 405, "method_not_supported").await;
    // Client-side routes get the app.
    let page = app.get_page("/security-info").await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_broken_database_is_an_internal_problem_with_a_correlation_id() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    app.sql("drop table audit_event").await;
    let response = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    let problem = assert_problem(response, 500, "internal").await;
    let id = problem.correlation_id.expect("a correlation id");
    assert_eq!(id.len(), 32);
    assert!(problem.detail.is_none(), "no internals leak");
}

#[tokio::test]
async fn api_answers_are_never_cached_and_the_app_may_only_be_framed_by_portals() {
    let app = TestApp::spawn_with(&["--embed-origins", "https://portal.contoso.example"]).await;
    let response = app.get("/me").await;
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    assert_eq!(
        frame_ancestors(policy),
        "frame-ancestors 'self' https://portal.contoso.example"
    );
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
}

#[tokio::test]
async fn a_database_held_by_another_writer_is_a_503_to_retry_and_loses_nothing() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    // Another process (a backup, an operator's shell) holds the write lock past the server's
    // 10 s busy (or lock) timeout.
    let db = app.db().await;
    let pool = db.pool();
    let mut holder = pool.acquire().await.expect("connection");
    for statement in hold_registrations() {
        sqlx::query(statement)
            .execute(&mut *holder)
            .await
            .expect("lock");
    }
    let response = app.register_email("alain@gmail.com").await;
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let problem = assert_problem(response, 503, "service_unavailable").await;
    assert_eq!(problem.retry_after_seconds, Some(5));
    assert_eq!(retry_after.expect("Retry-After"), "5");
    assert!(problem.correlation_id.is_none() && problem.detail.is_none());
    sqlx::query("rollback")
        .execute(&mut *holder)
        .await
        .expect("unlock");
    drop(holder);
    db.close().await;
    // Once the lock is gone the same request goes through, and nothing half-done is left.
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_registration_that_keeps_changing_under_a_verification_is_a_503_to_retry() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    // Every conditional update of the registration now finds it changed, as if other
    // verifications kept winning the race.
    for statement in ignore_updates("registration") {
        app.sql(&statement).await;
    }
    let response = app.submit_code(&registration, &wrong(&code)).await;
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let problem = assert_problem(response, 503, "service_unavailable").await;
    assert_eq!(retry_after.expect("Retry-After"), "1");
    assert_eq!(problem.retry_after_seconds, Some(1));
    assert!(problem.correlation_id.is_none());
}
