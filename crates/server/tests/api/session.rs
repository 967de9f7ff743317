use reqwest::{StatusCode, header};
use security_info_api::SessionResponse;
use serde_json::json;

use crate::{
    helpers::*,
    test_db::{ago, as_text},
};

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned()
}

fn token_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("cookie value")
}

#[tokio::test]
async fn signing_in_with_the_right_password_returns_the_user_and_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/session",
            json!({"username": "Alain@Contoso.example", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response);
    assert!(cookie.starts_with("si_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(!cookie.contains("Secure"));
    assert_eq!(token_of(&cookie).len(), 64, "256 bits as hex");
    let body: SessionResponse = response.json().await.expect("session");
    assert_eq!(body.user.user_principal_name, ALAIN);
    assert_eq!(body.user.display_name, "Alain Dupont");
    assert_eq!(body.user.organization.name, "Contoso");
}

#[tokio::test]
async fn the_session_token_is_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let token = token_of(&session_cookie(&app.sign_in(ALAIN).await));
    let db = app.db().await;
    let pool = db.pool();
    let hashes: Vec<String> = sqlx::query_scalar("select token_hash from session")
        .fetch_all(pool)
        .await
        .expect("sessions");
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes[0], token);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_invalid_credentials_answer() {
    let app = TestApp::spawn().await;
    let wrong_password = app
        .post("/session", json!({"username": ALAIN, "password": "nope"}))
        .await;
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let unknown_user = app
        .post(
            "/session",
            json!({"username": "nobody@contoso.example", "password": "nope"}),
        )
        .await;
    let b = assert_problem(unknown_user, 401, "invalid_credentials").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn requests_without_a_session_are_unauthenticated() {
    let app = TestApp::spawn().await;
    for path in ["/me", "/me/methods", "/me/method-types", "/me/activity"] {
        assert_problem(app.get(path).await, 401, "unauthenticated").await;
    }
    let create = app.register_email("a@gmail.com").await;
    assert_problem(create, 401, "unauthenticated").await;
    assert_problem(app.delete("/me/methods/x").await, 401, "unauthenticated").await;
    let reauth = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_problem(reauth, 401, "unauthenticated").await;
}

#[tokio::test]
async fn signing_out_destroys_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let token = token_of(&session_cookie(&app.sign_in(ALAIN).await));
    let response = app.delete("/session").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(session_cookie(&response).contains("Max-Age=0"));
    // Replaying the old token from another client does not work.
    let replay = client()
        .get(app.api("/me"))
        .header(header::COOKIE, format!("si_session={token}"))
        .send()
        .await
        .expect("request");
    assert_problem(replay, 401, "unauthenticated").await;
    // Signing out twice is harmless.
    assert_eq!(
        app.delete("/session").await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn signing_in_again_issues_a_new_token_and_ends_the_old_session() {
    let app = TestApp::spawn().await;
    let first = token_of(&session_cookie(&app.sign_in(ALAIN).await));
    let second = token_of(&session_cookie(&app.sign_in(ALAIN).await));
    assert_ne!(first, second);
    let old = client()
        .get(app.api("/me"))
        .header(header::COOKIE, format!("si_session={first}"))
        .send()
        .await
        .expect("request");
    assert_problem(old, 401, "unauthenticated").await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_is_over() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    app.sql(&format!(
        "update session set last_seen_at = {}",
        ago(29 * 60)
    ))
    .await;
    assert_eq!(
        app.get("/me").await.status(),
        StatusCode::OK,
        "29 minutes is fine"
    );
    app.sql(&format!(
        "update session set last_seen_at = {}",
        ago(31 * 60)
    ))
    .await;
    assert_problem(app.get("/me").await, 401, "unauthenticated").await;
}

/// The stored last use of the one session.
async fn last_seen_at(app: &TestApp) -> String {
    let db = app.db().await;
    let pool = db.pool();
    let at = sqlx::query_scalar(&format!("select {} from session", as_text("last_seen_at")))
        .fetch_one(pool)
        .await
        .expect("session");
    db.close().await;
    at
}

#[tokio::test]
async fn a_sessions_last_use_is_written_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    app.sql(&format!("update session set last_seen_at = {}", ago(50)))
        .await;
    let before = last_seen_at(&app).await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);
    assert_eq!(
        last_seen_at(&app).await,
        before,
        "used 50 s ago: a read does not write"
    );
    app.sql(&format!("update session set last_seen_at = {}", ago(70)))
        .await;
    let before = last_seen_at(&app).await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);
    assert!(
        last_seen_at(&app).await > before,
        "used 70 s ago: the last use moves forward"
    );
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_used() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let db = app.db().await;
    let pool = db.pool();
    let (created, expires): (String, String) = sqlx::query_as(&format!(
        "select {}, {} from session",
        as_text("created_at"),
        as_text("expires_at")
    ))
    .fetch_one(pool)
    .await
    .expect("session");
    let created =
        time::OffsetDateTime::parse(&created, &time::format_description::well_known::Rfc3339)
            .expect("time");
    let expires =
        time::OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339)
            .expect("time");
    assert_eq!(expires - created, time::Duration::hours(12));
    app.sql(&format!("update session set expires_at = {}", ago(1)))
        .await;
    assert_problem(app.get("/me").await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn an_https_public_origin_makes_the_cookie_host_prefixed_and_secure() {
    let app = TestApp::spawn_with(&["--public-origin", "https://security.contoso.example"]).await;
    let response = app
        .post("/session", json!({"username": ALAIN, "password": PASSWORD}))
        .await;
    let cookie = session_cookie(&response);
    assert!(cookie.starts_with("__Host-si_session="), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    // The app's session works when the browser sends the prefixed cookie.
    let token = token_of(&cookie);
    let me = client()
        .get(app.api("/me"))
        .header(header::COOKIE, format!("__Host-si_session={token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn ten_failed_sign_ins_from_one_address_throttle_it_for_the_account_with_retry_after() {
    let app = TestApp::spawn().await;
    for _ in 0..10 {
        let response = app
            .post("/session", json!({"username": MEGAN, "password": "guess"}))
            .await;
        assert_problem(response, 401, "invalid_credentials").await;
    }
    let response = app
        .post("/session", json!({"username": MEGAN, "password": PASSWORD}))
        .await;
    let retry_after: u64 = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    let problem = assert_problem(response, 429, "too_many_requests").await;
    assert!((1..=900).contains(&retry_after));
    assert_eq!(problem.retry_after_seconds, Some(retry_after));
    // Another account is not affected.
    app.sign_in(ALAIN).await;
}

#[tokio::test]
async fn many_failed_sign_ins_from_one_ip_address_are_throttled() {
    let app = TestApp::spawn().await;
    for n in 0..50 {
        let response = app
            .post(
                "/session",
                json!({"username": format!("user{n}@contoso.example"), "password": "x"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .post("/session", json!({"username": ALAIN, "password": PASSWORD}))
        .await;
    assert_problem(response, 429, "too_many_requests").await;
}

#[tokio::test]
async fn step_up_expires_after_ten_minutes_and_reauthentication_renews_it() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    app.sql(&age_authentication_sql(11)).await;
    let response = app.register_email("alain@gmail.com").await;
    assert_problem(response, 401, "reauthentication_required").await;
    let wrong = app
        .post("/session/reauthenticate", json!({"password": "wrong"}))
        .await;
    assert_problem(wrong, 401, "invalid_credentials").await;
    let right = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    app.start_registration("alain@gmail.com").await;
}

#[tokio::test]
async fn reauthentication_issues_a_new_session_token_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let before = token_of(&session_cookie(&app.sign_in(ALAIN).await));
    let response = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = session_cookie(&response);
    assert!(
        cookie.starts_with("si_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.parse().ok())
        .expect("Max-Age");
    assert!(
        (1..=12 * 3600).contains(&max_age),
        "no longer than the session: {max_age}"
    );
    let after = token_of(&cookie);
    assert_ne!(after, before);
    assert_eq!(after.len(), 64);
    let with = |token: String| {
        client()
            .get(app.api("/me"))
            .header(header::COOKIE, format!("si_session={token}"))
            .send()
    };
    assert_problem(with(before).await.expect("request"), 401, "unauthenticated").await;
    assert_eq!(with(after).await.expect("request").status(), StatusCode::OK);
    // The browser's jar took the new cookie: the step-up holds for it.
    app.start_registration("alain@gmail.com").await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account_and_no_other() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    // Alain on a second device, and Megan.
    let elsewhere = client();
    let response = elsewhere
        .post(app.api("/session"))
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let megan = TestAppClient::new(&app).await;

    // Refused from another site's page (CSRF) and without a session, ending nothing.
    let response = app
        .client
        .delete(app.api("/me/sessions"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_problem(response, 403, "forbidden_origin").await;
    let response = client()
        .delete(app.api("/me/sessions"))
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "unauthenticated").await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);

    let response = app.delete("/me/sessions").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(app.get("/me").await.status(), StatusCode::UNAUTHORIZED);
    let response = elsewhere.get(app.api("/me")).send().await.expect("request");
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the other device is signed out too"
    );
    assert_eq!(megan.get("/me").await.status(), StatusCode::OK);

    let db = app.db().await;
    let pool = db.pool();
    let left: i64 = sqlx::query_scalar(
        "select count(*) from session join account using (account_id)
         where user_principal_name = $1",
    )
    .bind(ALAIN)
    .fetch_one(pool)
    .await
    .expect("count");
    assert_eq!(left, 0);
    db.close().await;
    app.sign_in(ALAIN).await;
    let activity: serde_json::Value = app.get_json("/me/activity").await;
    assert!(
        activity["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["kind"] == "sign_out_everywhere"),
        "{activity}"
    );
}
