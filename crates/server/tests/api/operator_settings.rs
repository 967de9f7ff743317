//! The operator's timing settings: `SECURITY_INFO_CODE_TTL_SECONDS` (how long a code works),
//! `SECURITY_INFO_RESEND_COOLDOWN_SECONDS` (how long before another code may be asked for) and
//! `SECURITY_INFO_STEP_UP_SECONDS` (how recent an authentication must be for a change).
//! The short ones are waited out for real; the long ones move the database's clock.

use std::time::Duration;

use reqwest::StatusCode;
use security_info_api::Registration;
use serde_json::json;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{helpers::*, test_db::earlier};

fn seconds_left(registration: &Registration) -> i64 {
    let expires_at = OffsetDateTime::parse(code_sent(registration).expires_at, &Rfc3339)
        .expect("RFC 3339 expiresAt");
    (expires_at - OffsetDateTime::now_utc()).whole_seconds()
}

#[tokio::test]
async fn a_code_stops_working_after_the_configured_code_ttl() {
    let app = TestApp::spawn_with(&["--code-ttl-seconds", "3"]).await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    assert!((0..=3).contains(&seconds_left(&registration)));
    let code = app.code_sent_to("alain@gmail.com").await;
    let mail = app.mailbox().await;
    assert!(
        mail.messages[0].text.contains("valid for 1 minute,"),
        "{}",
        mail.messages[0].text
    );
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let verify = format!("/me/registrations/{}/verify", registration.id);
    let response = app
        .post(&verify, json!({"kind": "code", "code": code}))
        .await;
    assert_problem(response, 410, "code_expired").await;

    // A new code (after the resend cooldown, moved back here) works while it is fresh.
    app.sql(&format!(
        "update one_time_code set created_at = {}",
        earlier("created_at", 61)
    ))
    .await;
    let resend = app
        .post(
            &format!("/me/registrations/{}/resend", registration.id),
            json!({}),
        )
        .await;
    assert_eq!(resend.status(), StatusCode::ACCEPTED);
    app.wait_for_mail_count("alain@gmail.com", 2).await;
    let fresh = app.mailbox().await.messages[0].text.clone();
    let fresh = code_in(&fresh).expect("a code");
    assert_ne!(fresh, code);
    let response = app
        .post(&verify, json!({"kind": "code", "code": fresh}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_longer_code_ttl_is_announced_in_the_answer_and_the_mail() {
    let app = TestApp::spawn_with(&["--code-ttl-seconds", "3600"]).await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    assert!((3590..=3600).contains(&seconds_left(&registration)));
    app.code_sent_to("alain@gmail.com").await;
    let mail = app.mailbox().await;
    assert!(mail.messages[0].text.contains("valid for 60 minutes"));
}

#[tokio::test]
async fn a_change_after_the_configured_step_up_window_needs_reauthentication() {
    let app = TestApp::spawn_with(&["--step-up-seconds", "3"]).await;
    app.sign_in(ALAIN).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let response = app.register_email("alain@gmail.com").await;
    assert_problem(response, 401, "reauthentication_required").await;
    let right = app
        .post("/session/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    app.start_registration("alain@gmail.com").await;
}

#[tokio::test]
async fn a_longer_step_up_window_keeps_an_older_sign_in_recent_enough() {
    let app = TestApp::spawn_with(&["--step-up-seconds", "3600"]).await;
    app.sign_in(ALAIN).await;
    app.sql(&age_authentication_sql(30)).await;
    app.start_registration("alain@gmail.com").await;
    app.sql(&age_authentication_sql(61)).await;
    let response = app.register_email("alain@outlook.example").await;
    assert_problem(response, 401, "reauthentication_required").await;
}

/// Runs the real binary with `variable=value` and returns its exit status and standard error.
async fn start_binary_with(variable: &str, value: &str) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_security-info-server"))
        .env(
            "SECURITY_INFO_DATABASE_URL",
            format!("sqlite://{}/x.db?mode=rwc", dir.path().display()),
        )
        .env("SECURITY_INFO_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .env(variable, value)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("the server stops at once on a bad setting")
        .expect("the binary runs");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn zero_or_absurd_timing_settings_stop_the_server_at_start() {
    for (variable, value, message) in [
        (
            "SECURITY_INFO_CODE_TTL_SECONDS",
            "0",
            "SECURITY_INFO_CODE_TTL_SECONDS must be a number of seconds from 1 to 3600 (got 0)",
        ),
        (
            "SECURITY_INFO_CODE_TTL_SECONDS",
            "86400",
            "SECURITY_INFO_CODE_TTL_SECONDS must be a number of seconds from 1 to 3600 (got 86400)",
        ),
        (
            "SECURITY_INFO_STEP_UP_SECONDS",
            "0",
            "SECURITY_INFO_STEP_UP_SECONDS must be a number of seconds from 1 to 43200 (got 0)",
        ),
        (
            "SECURITY_INFO_STEP_UP_SECONDS",
            "31536000",
            "SECURITY_INFO_STEP_UP_SECONDS must be a number of seconds from 1 to 43200 (got 31536000)",
        ),
        ("SECURITY_INFO_STEP_UP_SECONDS", "10m", "--step-up-seconds"),
    ] {
        let (status, stderr) = start_binary_with(variable, value).await;
        assert!(!status.success(), "{variable}={value} was accepted");
        assert!(stderr.contains(message), "{variable}={value}: {stderr}");
    }
}

#[tokio::test]
async fn the_resend_cooldown_is_the_operators_setting() {
    let app = TestApp::spawn_with(&["--resend-cooldown-seconds", "2"]).await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let created = time::OffsetDateTime::now_utc();
    let available = time::OffsetDateTime::parse(
        code_sent(&registration).resend_available_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("a time");
    let wait = (available - created).as_seconds_f64();
    assert!((0.5..=2.0).contains(&wait), "resend available in {wait} s");
    let response = app.resend(&registration).await;
    let problem = assert_problem(response, 429, "resend_too_soon").await;
    assert!(matches!(problem.retry_after_seconds, Some(1 | 2)));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.resend(&registration).await.status(),
        StatusCode::ACCEPTED
    );
}
