//! Password guessing: the limits hold under concurrency (an attempt is counted before its
//! password is checked), and they are kept per (account, address) so that guessing from one
//! address never locks the account's owner out elsewhere.

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use serde_json::json;
use tokio::task::JoinSet;

use crate::helpers::*;

/// The failures one address may make for one account in 15 minutes.
const LIMIT_PER_ACCOUNT_AND_ADDRESS: usize = 10;
/// The longest account-wide slow-down of a sign-in (`policy::SIGN_IN_DELAY_MAX`).
const LONGEST_DELAY: Duration = Duration::from_secs(3);

/// `POST /session` for `username` as the client at `address` (the test app trusts 127.0.0.1
/// as its proxy, so `X-Forwarded-For` names the client).
async fn sign_in_from(
    client: &reqwest::Client,
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.api("/session"))
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request")
}

/// `POST /session/reauthenticate` with `client`'s session, from `address`.
async fn reauthenticate_from(
    client: &reqwest::Client,
    app: &TestApp,
    address: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.api("/session/reauthenticate"))
        .header("x-forwarded-for", address)
        .json(&json!({"password": password}))
        .send()
        .await
        .expect("request")
}

/// The app behind a "proxy" on 127.0.0.1, so each test can speak from several addresses.
async fn app_behind_a_proxy() -> TestApp {
    TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1"]).await
}

/// Sends every request at once and returns the answers' statuses, in no particular order.
async fn all_at_once(requests: Vec<reqwest::RequestBuilder>) -> Vec<StatusCode> {
    let mut set = JoinSet::new();
    for request in requests {
        set.spawn(async move { request.send().await.expect("request").status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = set.join_next().await {
        statuses.push(status.expect("task"));
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn forty_wrong_passwords_at_once_get_no_more_checks_than_the_limit() {
    let app = TestApp::spawn().await;
    let guesses = (0..40)
        .map(|n| {
            app.client
                .post(app.api("/session"))
                .json(&json!({"username": MEGAN, "password": format!("guess-{n}")}))
        })
        .collect();
    let statuses = all_at_once(guesses).await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        LIMIT_PER_ACCOUNT_AND_ADDRESS,
        "exactly the limit was checked: {statuses:?}"
    );
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 30);
    // The limit is reached: the right password is refused too, unchecked.
    let right = app
        .post("/session", json!({"username": MEGAN, "password": PASSWORD}))
        .await;
    assert_problem(right, 429, "too_many_requests").await;
}

#[tokio::test]
async fn the_right_password_among_forty_wrong_ones_at_once_is_one_of_the_limited_checks() {
    let app = TestApp::spawn().await;
    let mut requests: Vec<_> = (0..40)
        .map(|n| {
            app.client
                .post(app.api("/session"))
                .json(&json!({"username": MEGAN, "password": format!("guess-{n}")}))
        })
        .collect();
    requests.insert(
        20,
        app.client
            .post(app.api("/session"))
            .json(&json!({"username": MEGAN, "password": PASSWORD})),
    );
    let statuses = all_at_once(requests).await;
    let checked = count(&statuses, StatusCode::UNAUTHORIZED) + count(&statuses, StatusCode::OK);
    assert!(
        checked <= LIMIT_PER_ACCOUNT_AND_ADDRESS,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert_eq!(
        checked + count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        41
    );
    let db = app.db().await;
    let pool = db.pool();
    let attempts: i64 =
        sqlx::query_scalar("select count(*) from sign_in_attempt where username = $1")
            .bind(MEGAN)
            .fetch_one(pool)
            .await
            .expect("attempts");
    assert_eq!(
        attempts, checked as i64,
        "one attempt row per password checked"
    );
}

#[tokio::test]
async fn forty_wrong_reauthentications_at_once_get_no_more_checks_than_the_limit() {
    let app = TestApp::spawn().await;
    app.sign_in(MEGAN).await;
    let guesses = (0..40)
        .map(|n| {
            app.client
                .post(app.api("/session/reauthenticate"))
                .json(&json!({"password": format!("guess-{n}")}))
        })
        .collect();
    let statuses = all_at_once(guesses).await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        LIMIT_PER_ACCOUNT_AND_ADDRESS,
        "exactly the limit was checked: {statuses:?}"
    );
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 30);
    let right = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_problem(right, 429, "too_many_requests").await;
}

#[tokio::test]
async fn an_attacker_reaches_the_limit_of_their_address_while_the_owner_signs_in_from_another() {
    let app = app_behind_a_proxy().await;
    let attacker = client();
    for n in 0..LIMIT_PER_ACCOUNT_AND_ADDRESS {
        let guess = sign_in_from(&attacker, &app, "198.51.100.66", MEGAN, &format!("g{n}")).await;
        assert_problem(guess, 401, "invalid_credentials").await;
    }
    // The attacker's address is stopped for this account, even with the right password...
    let refused = sign_in_from(&attacker, &app, "198.51.100.66", MEGAN, PASSWORD).await;
    let retry_after: u64 = refused
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(refused, 429, "too_many_requests").await;

    // ...while the owner, elsewhere, signs in: slowed down a little, never locked out.
    let started = Instant::now();
    let owner = sign_in_from(&client(), &app, "203.0.113.9", MEGAN, PASSWORD).await;
    let took = started.elapsed();
    assert_eq!(owner.status(), StatusCode::OK);
    assert!(
        took >= Duration::from_millis(250),
        "ten failures slow the account's sign-ins down ({took:?})"
    );
    assert!(
        took <= LONGEST_DELAY + Duration::from_secs(2),
        "the slow-down is bounded ({took:?})"
    );
}

#[tokio::test]
async fn a_signed_in_session_reauthenticates_despite_failures_from_other_addresses() {
    let app = app_behind_a_proxy().await;
    let owner = client();
    let response = sign_in_from(&owner, &app, "203.0.113.9", MEGAN, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    // An attacker uses up their address's limit for the account.
    let attacker = client();
    for n in 0..LIMIT_PER_ACCOUNT_AND_ADDRESS {
        let guess = sign_in_from(&attacker, &app, "198.51.100.66", MEGAN, &format!("g{n}")).await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let over = sign_in_from(&attacker, &app, "198.51.100.66", MEGAN, "one more").await;
    assert_problem(over, 429, "too_many_requests").await;
    // The owner's step-up is not held hostage by them.
    let wrong = reauthenticate_from(&owner, &app, "203.0.113.9", "typo").await;
    assert_problem(wrong, 401, "invalid_credentials").await;
    let right = reauthenticate_from(&owner, &app, "203.0.113.9", PASSWORD).await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
}
