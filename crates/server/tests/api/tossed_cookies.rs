//! Cookie tossing: a page on a sibling subdomain, or any plain-http answer on the domain, can
//! set a second `si_session` cookie (another `Domain` or `Path`) that the browser then sends
//! beside the real one, often first. The server tries each (a few at most) instead of only
//! the first, so such a cookie cannot sign the user out.

use reqwest::{StatusCode, header};
use security_info_api::User;

use crate::helpers::*;

/// A well-formed token no session has.
const BOGUS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The session token the sign-in answer sets.
fn token_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("a session cookie")
}

/// `GET /me` with exactly this `Cookie` header.
async fn me_with(app: &TestApp, cookie: &str) -> reqwest::Response {
    client()
        .get(app.api("/me"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_tossed_cookie_beside_the_real_one_does_not_sign_the_user_out() {
    let app = TestApp::spawn().await;
    let token = token_of(&app.sign_in(ALAIN).await);
    for cookie in [
        format!("si_session={BOGUS}; si_session={token}"),
        format!("si_session=; si_session=junk; theme=dark; si_session={token}"),
        format!("si_session={token}; si_session={BOGUS}"),
    ] {
        let response = me_with(&app, &cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "{cookie}");
        let user: User = response.json().await.expect("user");
        assert_eq!(user.user_principal_name, ALAIN);
    }
    // Also when the cookies come in separate `Cookie` headers (HTTP/2 splits them).
    let response = client()
        .get(app.api("/me"))
        .header(header::COOKIE, format!("si_session={BOGUS}"))
        .header(header::COOKIE, format!("si_session={token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_the_first_four_well_formed_session_cookies_are_looked_up() {
    let app = TestApp::spawn().await;
    let token = token_of(&app.sign_in(ALAIN).await);
    let three = format!("si_session={BOGUS}; ").repeat(3);
    let response = me_with(&app, &format!("{three}si_session={token}")).await;
    assert_eq!(response.status(), StatusCode::OK, "the fourth is looked up");
    let four = format!("si_session={BOGUS}; ").repeat(4);
    let response = me_with(&app, &format!("{four}si_session={token}")).await;
    assert_problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn two_live_sessions_of_different_users_in_one_request_are_refused() {
    let app = TestApp::spawn().await;
    let alain = token_of(&app.sign_in(ALAIN).await);
    let megan = client()
        .post(app.api("/session"))
        .json(&serde_json::json!({"username": MEGAN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(megan.status(), StatusCode::OK);
    let megan = token_of(&megan);
    // Which one the browser meant cannot be told: acting as either could be a tossed
    // sign-in (the attacker's own session), so neither is used.
    let response = me_with(&app, &format!("si_session={megan}; si_session={alain}")).await;
    assert_problem(response, 401, "unauthenticated").await;
}
