//! The code limits of a password reset's phone and email ways count a destination's codes
//! whether or not anything was sent to it: a number nobody registered reaches the per-number
//! limit exactly as a registered one does, so the limit's 429 tells a visitor nothing about
//! which numbers an account has.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{helpers::*, password_reset::Visitor};

/// Codes a number may get per hour in these tests.
const PER_NUMBER: usize = 3;

fn phone_way(number: &str) -> Value {
    json!({"type": "phone", "region": "NL", "number": number, "channel": "sms"})
}

/// Starts a new reset of `username` and chooses a text to `number`: the answer.
async fn choose_number(app: &TestApp, username: &str, number: &str) -> reqwest::Response {
    let visitor = Visitor::new(app);
    assert_eq!(visitor.start(username).await.status(), StatusCode::ACCEPTED);
    visitor.choose(phone_way(number)).await
}

#[tokio::test]
async fn a_number_nobody_registered_reaches_the_per_number_limit_like_a_registered_one() {
    let per_number = PER_NUMBER.to_string();
    let app = TestApp::spawn_with(&[
        "--phone-codes-per-number-per-hour",
        &per_number,
        "--phone-codes-per-address-per-hour",
        "50",
        "--resets-per-username-per-hour",
        "50",
    ])
    .await;

    // A name without an account, and a number nobody has: the limit holds all the same.
    for _ in 0..PER_NUMBER {
        let chosen = choose_number(&app, "nobody@contoso.example", "0611111111").await;
        assert_eq!(chosen.status(), StatusCode::OK);
    }
    let limited = choose_number(&app, "nobody@contoso.example", "0611111111").await;
    let problem = assert_problem(limited, 429, "too_many_requests").await;
    assert!(problem.retry_after_seconds.is_some_and(|s| s > 3500));
    // The limit is the number's, whatever name asks.
    assert_problem(
        choose_number(&app, MEGAN, "0611111111").await,
        429,
        "too_many_requests",
    )
    .await;
    // Nothing went to it.
    let mailbox = app.mailbox().await;
    assert!(!mailbox.messages.iter().any(|m| m.to == "+31611111111"));

    // A number Megan registered: its registration's text counts too, then the reset's texts,
    // which arrive, up to the same limit.
    app.sign_in(MEGAN).await;
    app.add_mobile_phone("0612345678").await;
    for sent in 2..=PER_NUMBER {
        let chosen = choose_number(&app, MEGAN, "0612345678").await;
        assert_eq!(chosen.status(), StatusCode::OK);
        app.wait_for_mail_count("+31612345678", sent).await;
    }
    assert_problem(
        choose_number(&app, MEGAN, "0612345678").await,
        429,
        "too_many_requests",
    )
    .await;
}

#[tokio::test]
async fn a_decoy_code_is_never_right() {
    let app = TestApp::spawn().await;
    let visitor = Visitor::new(&app);
    assert_eq!(
        visitor.start("nobody@contoso.example").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        visitor.choose(phone_way("0611111111")).await.status(),
        StatusCode::OK
    );
    // Every code of the length is wrong (a few here; the hash is random, so none can be
    // right), counted like any wrong code.
    for (tries_left, code) in [(4, "000000"), (3, "123456"), (2, "999999")] {
        let problem = assert_problem(visitor.answer_code(code).await, 422, "code_incorrect").await;
        assert_eq!(problem.attempts_left, Some(tries_left));
    }
}

/// Wrong authenticator app answers of `username`, over as many resets as it takes, until the
/// check limit answers 429: how many were counted before it.
async fn wrong_app_answers_until_limited(app: &TestApp, username: &str) -> usize {
    let mut counted = 0;
    for _ in 0..5 {
        let visitor = Visitor::new(app);
        assert_eq!(visitor.start(username).await.status(), StatusCode::ACCEPTED);
        let chosen = visitor.choose(json!({"type": "authenticatorApp"})).await;
        assert_eq!(chosen.status(), StatusCode::OK);
        loop {
            let answer = visitor.answer_code("000000").await;
            match answer.status() {
                StatusCode::TOO_MANY_REQUESTS => {
                    let problem = assert_problem(answer, 429, "too_many_requests").await;
                    assert!(problem.retry_after_seconds.is_some());
                    return counted;
                }
                StatusCode::UNPROCESSABLE_ENTITY => {
                    let problem = assert_problem(answer, 422, "code_incorrect").await;
                    counted += 1;
                    if problem.attempts_left == Some(0) {
                        break;
                    }
                }
                // The fifth wrong answer ends the reset (counted all the same).
                StatusCode::GONE => {
                    assert_problem(answer, 410, "reset_expired").await;
                    counted += 1;
                    break;
                }
                status => panic!("{username}: a wrong answer got {status}"),
            }
        }
    }
    panic!("{username}: no limit after {counted} wrong answers")
}

#[tokio::test]
async fn the_limit_on_app_answers_comes_at_the_same_answer_with_or_without_an_account() {
    let app = TestApp::spawn().await;
    let with_account = wrong_app_answers_until_limited(&app, ALAIN).await;
    let without = wrong_app_answers_until_limited(&app, "nobody@contoso.example").await;
    assert_eq!(with_account, without);
    // The account's limit of ten failed checks in 15 minutes.
    assert_eq!(with_account, 10);
}
