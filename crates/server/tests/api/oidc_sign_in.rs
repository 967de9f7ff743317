//! Sign-in with the organization's identity provider (the authorization code flow with PKCE)
//! against a real provider (npm `oidc-provider`): a browser (a cookie-keeping client that
//! follows each redirect itself) goes from the sign-in page to the provider and back, and the
//! server makes a session; a wrong state, a replayed code, a wrong nonce, a provider that is
//! down and a stale step-up are refused; sign-out ends the session here and points at the
//! provider's; the browser never sees a token.

use reqwest::{StatusCode, Url, header};
use security_info_api::{SignInOptions, SignedOut, User};
use security_info_server::{
    config::OidcClient,
    oidc::code_flow::{CodeFlow, PendingLogin, check_id_token},
    secret::Secret,
};
use serde_json::{Value, json};

use crate::{
    helpers::*,
    oidc::{OidcProvider, now},
};

/// The server signing in with `provider`, its own client registered there.
async fn app_for(provider: &mut OidcProvider, extra: &[&str]) -> TestApp {
    let mut args = vec![
        "--oidc-issuer",
        &provider.issuer,
        "--oidc-client-id",
        "security-info",
        "--oidc-client-secret",
        "security-info-secret",
    ];
    args.extend_from_slice(extra);
    let app = TestApp::spawn_with(&args).await;
    let origin = public_origin(&app);
    provider
        .command(
            json!({
                "cmd": "client",
                "redirect_uri": format!("{origin}/api/v1/oidc/callback"),
                "post_logout_redirect_uri": format!("{origin}/signin"),
            }),
            "client_id",
        )
        .await;
    app
}

/// The app's public origin: its loopback name.
fn public_origin(app: &TestApp) -> String {
    let port = app.authority().rsplit(':').next().expect("a port");
    format!("http://localhost:{port}")
}

/// An API URL under the public origin, where the browser's cookies are.
fn local(app: &TestApp, path: &str) -> String {
    format!("{}/api/v1{path}", public_origin(app))
}

/// What one hop of the browser saw.
struct Hop {
    url: Url,
    status: StatusCode,
    set_cookies: Vec<String>,
    body: String,
}

/// A browser: follows redirects itself, recording every hop, until a page that is not a
/// redirect (or the callback, when `stop_at_callback`).
async fn browse(browser: &reqwest::Client, start: Url, stop_at_callback: bool) -> Vec<Hop> {
    let mut hops = Vec::new();
    let mut url = start;
    for _ in 0..15 {
        if stop_at_callback && url.path() == "/api/v1/oidc/callback" {
            hops.push(Hop {
                url,
                status: StatusCode::OK,
                set_cookies: Vec::new(),
                body: String::new(),
            });
            return hops;
        }
        let response = browser.get(url.clone()).send().await.expect("request");
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        let next = location.map(|l| url.join(&l).expect("a location"));
        hops.push(Hop {
            url: url.clone(),
            status,
            set_cookies,
            body,
        });
        match next {
            Some(next) if status.is_redirection() => url = next,
            _ => return hops,
        }
    }
    panic!("more than 15 redirects");
}

fn sign_in_url(app: &TestApp, query: &str) -> Url {
    Url::parse(&format!(
        "{}/api/v1/oidc/sign-in{query}",
        public_origin(app)
    ))
    .expect("url")
}

/// Whether `text` holds something shaped like a JWT.
fn has_jwt(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .any(|word| word.starts_with("eyJ") && word.split('.').count() == 3)
}

/// The hops that were answered by this server (not the provider).
fn ours<'a>(app: &TestApp, hops: &'a [Hop]) -> impl Iterator<Item = &'a Hop> {
    let origin = public_origin(app);
    hops.iter()
        .filter(move |hop| hop.url.as_str().starts_with(&origin))
}

#[tokio::test]
async fn a_user_signs_in_with_the_provider_and_the_browser_never_sees_a_token() {
    let mut provider = OidcProvider::start("ES256").await;
    let app = app_for(&mut provider, &[]).await;
    let options: SignInOptions = app.get_json("/sign-in-options").await;
    assert_eq!(
        options,
        SignInOptions {
            organization: "Contoso".into(),
            identity_provider: true,
            password: true
        }
    );
    let browser = client();
    let hops = browse(&browser, sign_in_url(&app, ""), false).await;
    let first = &hops[0];
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(
        first.set_cookies.iter().any(|c| c.starts_with("si_oidc=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")),
        "{:?}",
        first.set_cookies
    );
    let authorize = &hops[1].url;
    assert!(authorize.as_str().starts_with(&provider.issuer));
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "security-info");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["state"].len(), 43);
    assert_eq!(query["nonce"].len(), 43);
    assert!(!query.contains_key("prompt"));

    let last = hops.last().expect("a last page");
    let callback = hops
        .iter()
        .position(|h| h.url.path() == "/api/v1/oidc/callback")
        .expect("the callback");
    assert_eq!(hops[callback].status, StatusCode::SEE_OTHER);
    assert_eq!(last.url.path(), "/", "lands on the app");
    assert!(
        hops[callback]
            .set_cookies
            .iter()
            .any(|c| c.starts_with("si_session=")),
        "a session"
    );
    assert!(
        hops[callback]
            .set_cookies
            .iter()
            .any(|c| c.starts_with("si_oidc=;")),
        "the sign-in cookie is cleared"
    );
    for hop in ours(&app, &hops) {
        let seen = format!("{} {} {:?}", hop.url, hop.body, hop.set_cookies);
        assert!(!has_jwt(&seen), "a token reached the browser: {seen}");
    }

    let me: User = browser
        .get(local(&app, "/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("user");
    assert_eq!(me.user_principal_name, "alice@example.net");
    assert_eq!(me.display_name, "Alice Example");
    assert!(me.identity_provider, "step-up goes back to the provider");
    let activity: Value = browser
        .get(local(&app, "/me/activity"))
        .send()
        .await
        .expect("activity")
        .json()
        .await
        .expect("json");
    assert_eq!(activity["events"][0]["kind"], "sign_in");
    assert_eq!(activity["events"][0]["detail"], "identity provider");

    // Signing out ends the session here and says where to end the provider's.
    let response = browser
        .delete(local(&app, "/session"))
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), StatusCode::OK);
    let signed_out: SignedOut = response.json().await.expect("end session");
    let end = Url::parse(&signed_out.end_session_url).expect("url");
    assert!(end.as_str().starts_with(&provider.issuer), "{end}");
    let query: std::collections::HashMap<_, _> = end.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "security-info");
    assert_eq!(
        query["post_logout_redirect_uri"],
        format!("{}/signin", public_origin(&app))
    );
    let page = browser.get(end).send().await.expect("provider logout");
    assert_eq!(page.status(), StatusCode::OK, "the provider's logout page");
    let me = browser.get(local(&app, "/me")).send().await.expect("me");
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_state_a_replayed_code_and_a_callback_from_another_browser_make_no_session() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&mut provider, &[]).await;
    let browser = client();
    // Stop where the provider sends the browser back: the code is not used yet.
    let hops = browse(&browser, sign_in_url(&app, ""), true).await;
    let callback = hops.last().expect("callback").url.clone();
    let refused = |hops: &[Hop]| {
        let callback = hops
            .iter()
            .find(|h| h.url.path() == "/api/v1/oidc/callback")
            .expect("the callback");
        assert_eq!(callback.status, StatusCode::SEE_OTHER);
        assert!(
            !callback
                .set_cookies
                .iter()
                .any(|c| c.starts_with("si_session=")),
            "no session"
        );
        assert_eq!(
            hops.last().expect("last").url.as_str(),
            format!("{}/signin?error=identity_provider", public_origin(&app))
        );
    };

    // Another browser (an attacker pushing their code into a victim's browser) is refused.
    let other = client();
    refused(&browse(&other, callback.clone(), false).await);

    // A wrong state is refused, and spends the login.
    let mut tampered = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(&pairs);
    refused(&browse(&browser, tampered, false).await);
    refused(&browse(&browser, callback.clone(), false).await);

    // A new login in this browser, answered with the old code under the new state.
    let hops = browse(&browser, sign_in_url(&app, ""), true).await;
    let fresh = hops.last().expect("callback").url.clone();
    let state = fresh
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let mut replayed = fresh.clone();
    replayed
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", &state);
    refused(&browse(&browser, replayed, false).await);
    let me = browser.get(local(&app, "/me")).send().await.expect("me");
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    // A refusal from the provider (the user cancelled) goes back to the sign-in page too.
    let hops = browse(&browser, sign_in_url(&app, ""), true).await;
    let mut cancelled = hops.last().expect("callback").url.clone();
    let state = cancelled
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    cancelled
        .query_pairs_mut()
        .clear()
        .append_pair("error", "access_denied")
        .append_pair("state", &state);
    refused(&browse(&browser, cancelled, false).await);
}

#[tokio::test]
async fn an_id_token_with_another_nonce_or_audience_is_refused() {
    let mut provider = OidcProvider::start("RS256").await;
    let flow = CodeFlow::new(OidcClient {
        issuer: provider.issuer.clone(),
        client_id: "security-info".into(),
        client_secret: Secret::new("security-info-secret".into()),
    })
    .expect("flow");
    let login = PendingLogin::new(None, time::OffsetDateTime::now_utc()).expect("login");
    let issuer = provider.issuer.clone();
    let claims = |nonce: &str, aud: &str| {
        let now = now();
        json!({"iss": issuer, "aud": aud, "sub": "alice", "iat": now, "exp": now + 300,
               "auth_time": now, "nonce": nonce, "email": "alice@example.net"})
    };
    let right = provider
        .forge(claims(&login.nonce, "security-info"), "current")
        .await;
    let token = flow
        .verify_id_token(&right)
        .await
        .expect("a valid ID token");
    assert!(check_id_token(&token, &login).is_ok());
    let wrong_nonce = provider
        .forge(claims("another-login", "security-info"), "current")
        .await;
    let token = flow.verify_id_token(&wrong_nonce).await.expect("signed");
    assert!(check_id_token(&token, &login).is_err());
    let portal = provider
        .forge(claims(&login.nonce, "portal"), "current")
        .await;
    assert!(flow.verify_id_token(&portal).await.is_err());
    let stranger = provider
        .forge(claims(&login.nonce, "security-info"), "stranger")
        .await;
    assert!(flow.verify_id_token(&stranger).await.is_err());
}

#[tokio::test]
async fn step_up_goes_back_to_the_provider_which_must_ask_again() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&mut provider, &[]).await;
    let browser = client();
    browse(&browser, sign_in_url(&app, ""), false).await;
    app.sql(&age_authentication_sql(30)).await;
    let stale = browser
        .post(local(&app, "/me/recovery-codes"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_problem(stale, 401, "reauthentication_required").await;

    // The provider's sign-in is old: refused.
    provider
        .command(json!({"cmd": "auth_age", "seconds": 600}), "auth_age")
        .await;
    let hops = browse(&browser, sign_in_url(&app, "?purpose=step-up"), false).await;
    let authorize: std::collections::HashMap<_, _> =
        hops[1].url.query_pairs().into_owned().collect();
    assert_eq!(
        (authorize["prompt"].as_str(), authorize["max_age"].as_str()),
        ("login", "0")
    );
    assert!(
        hops.last()
            .expect("last")
            .url
            .as_str()
            .ends_with("/signin?error=identity_provider")
    );
    let still = browser
        .post(local(&app, "/me/recovery-codes"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_problem(still, 401, "reauthentication_required").await;

    // Asked again now: the session is fresh and the change goes through.
    provider
        .command(json!({"cmd": "auth_age", "seconds": 0}), "auth_age")
        .await;
    let hops = browse(&browser, sign_in_url(&app, "?purpose=step-up"), false).await;
    assert_eq!(hops.last().expect("last").url.path(), "/security-info");
    let fresh = browser
        .post(local(&app, "/me/recovery-codes"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_problem(fresh, 409, "no_two_step_method").await;

    // A step-up without a session goes to the sign-in page.
    let hops = browse(&client(), sign_in_url(&app, "?purpose=step-up"), false).await;
    assert_eq!(hops.last().expect("last").url.path(), "/signin");
}

#[tokio::test]
async fn a_provider_that_is_down_sends_the_user_back_with_a_reason() {
    let mut provider = OidcProvider::start("RS256").await;
    let app = app_for(&mut provider, &["--password-sign-in", "false"]).await;
    let options: SignInOptions = app.get_json("/sign-in-options").await;
    assert!(!options.password && options.identity_provider);
    let password = app
        .post("/session", json!({"username": ALAIN, "password": PASSWORD}))
        .await;
    assert_problem(password, 403, "method_not_allowed").await;
    provider.stop().await;
    let hops = browse(&client(), sign_in_url(&app, ""), false).await;
    assert_eq!(
        hops.last().expect("last").url.as_str(),
        format!("{}/signin?error=provider_unavailable", public_origin(&app))
    );
    let unknown = browse(&client(), sign_in_url(&app, "?purpose=admin"), false).await;
    assert_eq!(unknown[0].status, StatusCode::BAD_REQUEST);
    // Without a provider the routes are not there.
    let plain = TestApp::spawn().await;
    let options: SignInOptions = plain.get_json("/sign-in-options").await;
    assert!(options.password && !options.identity_provider);
    assert_eq!(
        plain.get("/oidc/sign-in").await.status(),
        StatusCode::NOT_FOUND
    );
}
