//! Embedding in a portal: who may frame the app (`Content-Security-Policy: frame-ancestors`,
//! never `X-Frame-Options`), strict validation of the configured origins, and the session
//! cookie's mode when the app is framed cross-site.

use reqwest::{Response, StatusCode, header};
use serde_json::json;

use crate::helpers::*;

fn assert_framing(path: &str, response: &Response, expected: &str) {
    let policies: Vec<_> = response
        .headers()
        .get_all(header::CONTENT_SECURITY_POLICY)
        .iter()
        .map(|v| v.to_str().expect("ascii"))
        .collect();
    assert_eq!(policies.len(), 1, "one CSP on {path}: {policies:?}");
    assert_eq!(frame_ancestors(policies[0]), expected, "CSP of {path}");
    assert!(
        response.headers().get("x-frame-options").is_none(),
        "no X-Frame-Options on {path}: it would contradict frame-ancestors"
    );
}

#[tokio::test]
async fn without_embed_origins_only_the_app_itself_may_frame_it() {
    let app = TestApp::spawn().await;
    for (path, response) in sample_responses(&app).await {
        assert_framing(&path, &response, "frame-ancestors 'self'");
    }
}

#[tokio::test]
async fn configured_portals_may_frame_every_response_and_nobody_else() {
    let app = TestApp::spawn_with(&[
        "--embed-origins",
        "https://Portal.Contoso.Example/,http://127.0.0.1:4000,https://intranet.fabrikam.example:8443",
    ])
    .await;
    for (path, response) in sample_responses(&app).await {
        assert_framing(
            &path,
            &response,
            "frame-ancestors 'self' https://portal.contoso.example http://127.0.0.1:4000 \
             https://intranet.fabrikam.example:8443",
        );
    }
}

#[tokio::test]
async fn the_app_page_may_run_only_its_own_scripts_and_its_inline_loader() {
    let app = TestApp::spawn().await;
    let page = app.get_page("/security-info").await;
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_owned();
    let loader = INDEX_HTML
        .split_once("<script type=\"module\">")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(text, _)| text)
        .expect("the stand-in page has an inline script");
    let hash = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader))
    };
    for directive in [
        "default-src 'none'",
        &format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"),
        "style-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ] {
        assert!(
            policy.split("; ").any(|d| d == directive),
            "`{directive}` in {policy}"
        );
    }
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
}

#[tokio::test]
async fn a_wildcard_a_path_or_a_smuggled_directive_in_the_embed_origins_stops_the_server() {
    for bad in [
        "*",
        "https://*.contoso.example",
        "https://portal.contoso.example/app",
        "https://portal.contoso.example; script-src *",
        "portal.contoso.example",
        "'self'",
    ] {
        let error = start_up_error(&["--embed-origins", bad]).await;
        assert!(error.contains("SECURITY_INFO_EMBED_ORIGINS"), "{error}");
    }
}

async fn sign_in_cookie(app: &TestApp) -> String {
    let response = app
        .post("/session", json!({"username": ALAIN, "password": PASSWORD}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned()
}

fn without_token(cookie: &str) -> String {
    let (name, rest) = cookie.split_once('=').expect("name=value");
    let (_, attributes) = rest.split_once(';').expect("attributes");
    format!("{name}=…;{attributes}")
}

#[tokio::test]
async fn embedded_over_https_the_session_cookie_is_partitioned_and_sent_cross_site() {
    let app = TestApp::spawn_with(&[
        "--public-origin",
        "https://security.contoso.example",
        "--embed-origins",
        "https://portal.contoso.example",
    ])
    .await;
    assert_eq!(
        without_token(&sign_in_cookie(&app).await),
        "__Host-si_session=…; Path=/; HttpOnly; SameSite=None; Secure; Partitioned; Max-Age=43200"
    );
}

#[tokio::test]
async fn a_same_site_deployment_can_keep_the_lax_cookie_with_portals_configured() {
    let app = TestApp::spawn_with(&[
        "--public-origin",
        "https://security.contoso.example",
        "--embed-origins",
        "https://portal.contoso.example",
        "--embed-cookie",
        "lax",
    ])
    .await;
    assert_eq!(
        without_token(&sign_in_cookie(&app).await),
        "__Host-si_session=…; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200"
    );
}

#[tokio::test]
async fn over_https_without_portals_the_session_cookie_stays_same_site_lax() {
    let app = TestApp::spawn_with(&["--public-origin", "https://security.contoso.example"]).await;
    assert_eq!(
        without_token(&sign_in_cookie(&app).await),
        "__Host-si_session=…; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200"
    );
}

#[tokio::test]
async fn over_plain_http_the_session_cookie_stays_lax_even_with_portals() {
    let app = TestApp::spawn_with(&["--embed-origins", "http://127.0.0.1:4000"]).await;
    assert_eq!(
        without_token(&sign_in_cookie(&app).await),
        "si_session=…; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"
    );
}

#[tokio::test]
async fn the_app_can_learn_the_exact_portal_origins_it_may_talk_to() {
    let app = TestApp::spawn_with(&["--embed-origins", "https://Portal.Contoso.Example/"]).await;
    let response = app.get("/embedding").await;
    assert_eq!(response.status(), StatusCode::OK);
    let info: security_info_api::EmbeddingInfo = response.json().await.expect("embedding");
    assert_eq!(info.protocol_version, 1);
    assert_eq!(info.embed_origins, vec!["https://portal.contoso.example"]);
    assert!(!info.bearer_tokens);
    assert_eq!(info.step_up_seconds, 600, "the default step-up window");
    // The portal may let the framed page use security keys (its iframe must allow them too).
    let permissions = permissions_policy(&app, "/").await;
    for feature in ["publickey-credentials-create", "publickey-credentials-get"] {
        assert!(
            permissions.contains(&format!(
                "{feature}=(self \"https://portal.contoso.example\")"
            )),
            "{permissions}"
        );
    }

    let strict = TestApp::spawn_with(&["--step-up-seconds", "120"]).await;
    let info: security_info_api::EmbeddingInfo = strict.get_json("/embedding").await;
    assert_eq!(info.step_up_seconds, 120, "the configured step-up window");

    let plain = TestApp::spawn().await;
    let info: security_info_api::EmbeddingInfo = plain.get_json("/embedding").await;
    assert!(info.embed_origins.is_empty());
}

/// The `Permissions-Policy` of the page at `path`.
async fn permissions_policy(app: &TestApp, path: &str) -> String {
    let page = app.get_page(path).await;
    page.headers()["permissions-policy"]
        .to_str()
        .expect("ascii")
        .to_owned()
}
