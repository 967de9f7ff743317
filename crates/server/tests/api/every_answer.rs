//! Every answer of the API is a problem body with the security headers, whatever went wrong:
//! a path parameter that does not decode, an unknown API version, a head too large, a method
//! the resource does not have, JSON of the wrong shape.

use reqwest::{Response, StatusCode, header};
use serde_json::json;

use crate::helpers::*;

/// Asserts the problem and the headers every response carries; returns the response's `Allow`.
async fn assert_guarded_problem(response: Response, status: u16, code: &str) -> Option<String> {
    let headers = response.headers().clone();
    assert_problem(response, status, code).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{code}");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii")
            .starts_with("default-src 'none';"),
        "{code}"
    );
    headers
        .get(header::ALLOW)
        .map(|v| v.to_str().expect("ascii").to_owned())
}

#[tokio::test]
async fn a_path_parameter_that_does_not_decode_is_a_problem() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let response = app.delete("/me/methods/%FF").await;
    assert_guarded_problem(response, 400, "malformed_request").await;
}

#[tokio::test]
async fn every_path_under_api_is_a_problem_never_an_empty_page() {
    let app = TestApp::spawn().await;
    for path in ["/api", "/api/", "/api/v2/me", "/api/v1x", "/api/v1"] {
        let response = app.get_page(path).await;
        assert_guarded_problem(response, 404, "not_found").await;
    }
}

#[tokio::test]
async fn a_method_the_resource_lacks_is_a_405_with_allow_whatever_the_body() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    for (path, allow) in [
        ("/me/methods/x", "DELETE,PATCH"),
        ("/session", "POST,DELETE"),
    ] {
        let response = app
            .client
            .put(app.api(path))
            .header(header::CONTENT_TYPE, "text/plain")
            .body("x")
            .send()
            .await
            .expect("request");
        let allowed = assert_guarded_problem(response, 405, "method_not_supported").await;
        assert_eq!(allowed.as_deref(), Some(allow), "{path}");
    }
}

#[tokio::test]
async fn a_json_array_is_not_an_object() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    for body in [
        r#"["alain@gmail.com"]"#,
        r#""alain@gmail.com""#,
        "null",
        "1",
    ] {
        let response = app
            .client
            .post(app.api("/me/registrations"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_guarded_problem(response, 400, "malformed_request").await;
    }
    // The empty body still reads as `{}`, and an object with whitespace around it is fine.
    let response = app
        .client
        .post(app.api("/me/registrations"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(" \n{\"type\": \"email\", \"emailAddress\": \"alain@gmail.com\"} ")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_head_too_large_is_a_431_problem() {
    let app = TestApp::spawn().await;
    // Too many header fields.
    let mut many = app.client.get(app.api("/me"));
    for n in 0..120 {
        many = many.header(format!("x-filler-{n}"), "1");
    }
    let response = many.send().await.expect("request");
    assert_guarded_problem(response, 431, "headers_too_large").await;
    // A few fields, too many bytes.
    let response = app
        .client
        .get(app.api("/me"))
        .header("x-filler", "a".repeat(40 * 1024))
        .send()
        .await
        .expect("request");
    assert_guarded_problem(response, 431, "headers_too_large").await;
    // An ordinary request on the same server is fine.
    let response = app
        .client
        .post(app.api("/session"))
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}
