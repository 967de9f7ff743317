//! Behind the operator's reverse proxy: the client's address comes from `X-Forwarded-For`,
//! but only when the connection is from a configured proxy.

use reqwest::{Response, StatusCode};
use security_info_api::{ActivityKind, ActivityList};
use serde_json::json;

use crate::helpers::*;

/// Signs in as Alain through a "proxy" that says the client is `forwarded_for`.
async fn sign_in_forwarded(app: &TestApp, forwarded_for: &str, password: &str) -> Response {
    app.client
        .post(app.api("/session"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": ALAIN, "password": password}))
        .send()
        .await
        .expect("request")
}

async fn sign_in_addresses(app: &TestApp) -> Vec<Option<String>> {
    let list: ActivityList = app.get_json("/me/activity").await;
    list.events
        .into_iter()
        .filter(|e| e.kind == ActivityKind::SignIn)
        .map(|e| e.ip_address)
        .collect()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_address_is_recorded() {
    let app = TestApp::spawn_with(&["--trusted-proxies", "10.0.0.0/8,127.0.0.1"]).await;
    // A forged first entry, the real client, then a second proxy of the operator's.
    let response = sign_in_forwarded(&app, "1.2.3.4, 203.0.113.9, 10.1.2.3", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        sign_in_addresses(&app).await,
        vec![Some("203.0.113.9".to_owned())]
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_ignored() {
    let app = TestApp::spawn_with(&["--trusted-proxies", "10.0.0.0/8"]).await;
    let response = sign_in_forwarded(&app, "203.0.113.9", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The test connects from 127.0.0.1, which is not a configured proxy.
    assert_eq!(
        sign_in_addresses(&app).await,
        vec![Some("127.0.0.1".to_owned())]
    );
}

#[tokio::test]
async fn clients_behind_one_proxy_are_throttled_one_by_one() {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1"]).await;
    for n in 0..50 {
        let response = app
            .client
            .post(app.api("/session"))
            .header("x-forwarded-for", "198.51.100.66")
            .json(&json!({"username": format!("user{n}@contoso.example"), "password": "x"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // The guessing client is throttled, even with the right password...
    assert_problem(
        sign_in_forwarded(&app, "198.51.100.66", PASSWORD).await,
        429,
        "too_many_requests",
    )
    .await;
    // ...while another user behind the same proxy signs in.
    let response = sign_in_forwarded(&app, "203.0.113.9", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_invalid_trusted_proxy_entry_stops_the_server_with_its_name() {
    for bad in ["10.0.0.0/33", "proxy.internal", "10.1.0.0/8"] {
        let error = start_up_error(&["--trusted-proxies", bad]).await;
        assert!(error.contains("SECURITY_INFO_TRUSTED_PROXIES"), "{error}");
    }
}
