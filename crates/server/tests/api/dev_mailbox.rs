//! The development mailbox: only when asked for, only for the machine itself, and never a code
//! in the log.

use clap::Parser;
use reqwest::{StatusCode, header};
use security_info_server::{config::Config, startup::Application};
use serde_json::Value;

use crate::{
    helpers::*,
    server_process::{ServerProcess, sign_in_and_register, temp_database},
};

#[tokio::test]
async fn without_smtp_the_server_starts_only_when_the_development_mailbox_is_asked_for() {
    let config = Config::try_parse_from([
        "security-info-server",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        "sqlite::memory:",
    ])
    .expect("the arguments parse");
    let error = match Application::build(config).await {
        Ok(_) => {
            panic!("without SMTP and without the development mailbox the server must not start")
        }
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("SECURITY_INFO_SMTP_URL"), "{error}");
    assert!(error.contains("SECURITY_INFO_DEV_MAILBOX=true"), "{error}");
}

#[tokio::test]
async fn the_development_mailbox_answers_only_for_a_loopback_name() {
    let app = TestApp::spawn_with(&["--public-origin", "http://security.contoso.example"]).await;
    let public = app
        .client
        .get(format!("{}/dev/mailbox", app.address))
        .header(header::HOST, "security.contoso.example")
        .send()
        .await
        .expect("request");
    assert_problem(public, 404, "not_found").await;
    let port = app.authority().rsplit(':').next().expect("port").to_owned();
    for name in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let response = app
            .client
            .get(format!("{}/dev/mailbox", app.address))
            .header(header::HOST, &name)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{name}");
    }
}

#[tokio::test]
async fn the_development_mailbox_keeps_codes_out_of_the_log() {
    let (_dir, database) = temp_database();
    let server = ServerProcess::start(
        &database,
        &[
            ("SECURITY_INFO_DEV_MAILBOX", "true"),
            ("SECURITY_INFO_CODE_LENGTH", "10"),
        ],
    )
    .await;
    let client = client();
    sign_in_and_register(&client, &server, "alain@gmail.com").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let code = loop {
        let mailbox: Value = client
            .get(format!("{}/dev/mailbox", server.address))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("mailbox");
        if let Some(text) = mailbox["messages"][0]["text"].as_str() {
            break code_in(text).expect("a code in the mail");
        }
        assert!(std::time::Instant::now() < deadline, "no mail arrived");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(code.len(), 10);
    let log = server.kill().await;
    assert!(
        log.contains("dev_outbox"),
        "the outbox's log line is captured:\n{log}"
    );
    assert!(!log.contains(&code), "the code is in the log:\n{log}");
}
