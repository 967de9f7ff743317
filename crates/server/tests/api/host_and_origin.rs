//! The server answers only for its own host names, and only its own origins (and the portals)
//! may change state: a DNS-rebinding page, whose requests carry its own name in `Host` and
//! `Origin`, gets nothing.

use reqwest::{StatusCode, header};
use serde_json::json;

use crate::helpers::*;

/// The port of the test server.
fn port(app: &TestApp) -> &str {
    app.authority().rsplit(':').next().expect("a port")
}

#[tokio::test]
async fn a_request_for_another_host_name_is_misdirected() {
    let app = TestApp::spawn().await;
    let rebound = format!("rebind.example:{}", port(&app));
    for path in ["/dev/mailbox", "/api/v1/embedding", "/security-info", "/"] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .header(header::HOST, &rebound)
            .send()
            .await
            .expect("request");
        assert_problem(response, 421, "misdirected_request").await;
    }
    // A page on the rebound name cannot sign in either, though its `Origin` matches its `Host`.
    let response = app
        .client
        .post(app.api("/session"))
        .header(header::HOST, &rebound)
        .header(header::ORIGIN, format!("http://{rebound}"))
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 421, "misdirected_request").await;
    // Health checks answer whatever the name (load balancers probe by address).
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .header(header::HOST, &rebound)
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn on_loopback_localhost_and_the_listen_address_are_the_apps_own_origins() {
    let app = TestApp::spawn().await;
    let port = port(&app).to_owned();
    for name in [
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let response = app
            .client
            .post(app.api("/session"))
            .header(header::HOST, &name)
            .header(header::ORIGIN, format!("http://{}", name.to_lowercase()))
            .json(&json!({"username": ALAIN, "password": PASSWORD}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{name}");
    }
    // Another port of the same machine is another origin (the example portal's, say).
    let response = app
        .client
        .post(app.api("/session"))
        .header(header::ORIGIN, "http://localhost:1")
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 403, "forbidden_origin").await;
}

#[tokio::test]
async fn with_a_public_origin_its_host_and_the_listen_address_are_answered() {
    let app = TestApp::spawn_with(&["--public-origin", "https://security.contoso.example"]).await;
    let port = port(&app).to_owned();
    for (name, answered) in [
        ("security.contoso.example".to_owned(), true),
        ("Security.Contoso.Example:443".to_owned(), true),
        (format!("127.0.0.1:{port}"), true),
        (format!("localhost:{port}"), true),
        ("security.contoso.example:8443".to_owned(), false),
        ("evil.example".to_owned(), false),
        (format!("127.0.0.1.evil.example:{port}"), false),
    ] {
        let response = app
            .client
            .get(app.api("/embedding"))
            .header(header::HOST, &name)
            .send()
            .await
            .expect("request");
        if answered {
            assert_eq!(response.status(), StatusCode::OK, "{name}");
        } else {
            assert_problem(response, 421, "misdirected_request").await;
        }
    }
}
