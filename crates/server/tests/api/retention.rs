//! The retention sweep: rows past their use are deleted, recent ones are kept.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::{helpers::*, test_db::earlier};

/// `select count(*) ...` on the app's database.
async fn count(app: &TestApp, query: &str) -> i64 {
    let db = app.db().await;
    let count = db.number(query).await;
    db.close().await;
    count
}

const HOURS: i64 = 3600;
const MINUTES: i64 = 60;
const DAYS: i64 = 24 * HOURS;

/// Moves `column` of the rows `filter` selects in `table` back by `seconds`.
async fn age(app: &TestApp, table: &str, column: &str, seconds: i64, filter: &str) {
    app.sql(&format!(
        "update {table} set {column} = {} where {filter}",
        earlier(column, seconds)
    ))
    .await;
}

/// Polls until `query` counts `expected`, for up to 30 seconds.
async fn wait_for(app: &TestApp, query: &str, expected: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = count(app, query).await;
        if now == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{query}` stayed at {now}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn rows_past_their_use_are_swept_at_start_and_recent_ones_kept() {
    let app = TestApp::spawn().await;
    // Alain's rows will be made old; Megan's stay recent.
    let wrong = app
        .post("/session", json!({"username": ALAIN, "password": "wrong"}))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    app.sign_in(ALAIN).await;
    let superseded = app.start_registration("alain@outlook.example").await;
    let registration = app.start_registration("alain@gmail.com").await;
    let code = app.code_sent_to("alain@gmail.com").await;
    assert_eq!(
        app.submit_code(&registration, &code).await.status(),
        StatusCode::CREATED
    );
    assert_ne!(superseded.id, registration.id);
    let megan = TestAppClient::new(&app).await;
    let response = megan.register_email("megan@gmail.com").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // Every message (two codes to Alain, his notice, Megan's code) is delivered and recorded.
    wait_for(
        &app,
        "select count(*) from outbox_message where sent_at is null",
        0,
    )
    .await;
    assert_eq!(count(&app, "select count(*) from outbox_message").await, 4);

    let alain = format!(
        "account_id = (select account_id from account where user_principal_name = '{ALAIN}')"
    );
    let megans = "account_id = (select account_id from account where user_principal_name = 'megan@contoso.example')";
    age(
        &app,
        "sign_in_attempt",
        "created_at",
        16 * MINUTES,
        &format!("username = '{ALAIN}'"),
    )
    .await;
    age(&app, "one_time_code", "created_at", 25 * HOURS, &alain).await;
    age(&app, "registration", "created_at", 25 * HOURS, &alain).await;
    age(
        &app,
        "outbox_message",
        "sent_at",
        8 * DAYS,
        "recipient <> 'megan@gmail.com'",
    )
    .await;
    age(&app, "session", "last_seen_at", 31 * MINUTES, &alain).await;
    age(&app, "audit_event", "created_at", 31 * DAYS, &alain).await;
    age(&app, "audit_event", "created_at", 29 * DAYS, megans).await;
    // Kept whatever their age: the pending registration and the account's methods.
    age(&app, "registration", "created_at", 25 * HOURS, megans).await;

    let megans_events = count(
        &app,
        &format!("select count(*) from audit_event where {megans}"),
    )
    .await;
    assert!(megans_events >= 2, "sign-in and registration");

    app.spawn_on_the_same_database(&["--audit-retention-days", "30"])
        .await;
    wait_for(
        &app,
        &format!("select count(*) from audit_event where {alain}"),
        0,
    )
    .await;
    for (what, query, left) in [
        (
            "Alain's attempts",
            format!("select count(*) from sign_in_attempt where username = '{ALAIN}'"),
            0,
        ),
        (
            "Megan's attempt",
            "select count(*) from sign_in_attempt where username = 'megan@contoso.example'"
                .to_owned(),
            1,
        ),
        (
            "Alain's codes",
            format!("select count(*) from one_time_code where {alain}"),
            0,
        ),
        (
            "Megan's code",
            format!("select count(*) from one_time_code where {megans}"),
            1,
        ),
        (
            "Alain's finished registrations",
            format!("select count(*) from registration where {alain}"),
            0,
        ),
        (
            "Megan's pending registration",
            format!("select count(*) from registration where {megans}"),
            1,
        ),
        (
            "mail sent a week ago",
            "select count(*) from outbox_message where recipient <> 'megan@gmail.com'".to_owned(),
            0,
        ),
        (
            "mail sent now",
            "select count(*) from outbox_message where recipient = 'megan@gmail.com'".to_owned(),
            1,
        ),
        (
            "Alain's idle session",
            format!("select count(*) from session where {alain}"),
            0,
        ),
        (
            "Megan's session",
            format!("select count(*) from session where {megans}"),
            1,
        ),
        (
            "Megan's audit events",
            format!("select count(*) from audit_event where {megans}"),
            megans_events,
        ),
        (
            "Alain's method",
            format!("select count(*) from method where {alain}"),
            1,
        ),
    ] {
        assert_eq!(count(&app, &query).await, left, "{what}");
    }
    // Megan is still signed in; her registration still works.
    let methods = megan.get("/me/methods").await;
    assert_eq!(methods.status(), StatusCode::OK);
}
