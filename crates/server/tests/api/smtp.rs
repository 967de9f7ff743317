//! Delivery to a real SMTP server (npm `smtp-server` via `tests/support/smtp_sink.mjs`), and
//! the real binary: killed between accepting and delivering, and scanned for leaked codes.

use std::{path::Path, process::Stdio, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

use crate::{
    helpers::*,
    server_process::{ServerProcess, sign_in_and_register, temp_database},
    test_db::on_postgres,
};

/// The SMTP sink: a Node process printing each message (and each fault it injects) as a JSON
/// line.
pub(crate) struct SmtpSink {
    port: u16,
    /// What it printed after its port, in order.
    pub(crate) messages: mpsc::UnboundedReceiver<Value>,
    _child: Child,
}

impl SmtpSink {
    pub(crate) async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts one failing `rate` of the time (see `smtp_sink.mjs`), the same way for `seed`.
    pub(crate) async fn with_faults(rate: f64, seed: u32) -> Self {
        Self::start_with(&[
            ("SMTP_SINK_FAULT_RATE", &rate.to_string()),
            ("SMTP_SINK_SEED", &seed.to_string()),
        ])
        .await
    }

    async fn start_with(env: &[(&str, &str)]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.mjs");
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("`node` runs the SMTP sink (install Node.js and run `npm ci` in tests/e2e)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the SMTP sink starts (did `npm ci` run in tests/e2e?)")
            .expect("read")
            .expect("the SMTP sink prints its port");
        let port = serde_json::from_str::<Value>(&first).expect("json")["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("port");
        let (sender, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(message) = serde_json::from_str::<Value>(&line) {
                    let _ = sender.send(message);
                }
            }
        });
        Self {
            port,
            messages,
            _child: child,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://tester:secret@127.0.0.1:{}", self.port)
    }

    /// The next message to `to`, skipping others.
    pub(crate) async fn next_to(&mut self, to: &str, within: Duration) -> Value {
        tokio::time::timeout(within, async {
            loop {
                let message = self.messages.recv().await.expect("sink running");
                if message["envelopeTo"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|a| a == to))
                {
                    return message;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no mail reached {to} over SMTP"))
    }
}

#[tokio::test]
async fn codes_and_notices_are_delivered_over_smtp_in_text_and_html() {
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[
        "--smtp-url",
        &sink.url(),
        "--mail-from",
        "Contoso IT <it@contoso.example>",
    ])
    .await;
    app.sign_in(ALAIN).await;
    let registration = app.start_registration("alain@gmail.com").await;
    let mail = sink
        .next_to("alain@gmail.com", Duration::from_secs(60))
        .await;
    assert_eq!(mail["subject"], "Your Contoso verification code");
    let from = mail["from"].as_str().expect("from");
    assert!(
        from.contains("Contoso IT") && from.contains("<it@contoso.example>"),
        "{from}"
    );
    assert_eq!(
        mail["user"], "tester",
        "authenticated with the URL's credentials"
    );
    let text = mail["text"].as_str().expect("text");
    let html = mail["html"].as_str().expect("html");
    let code = code_in(text).expect("code in text");
    assert!(html.contains(&code), "code in HTML");
    assert!(!html.contains("href"), "no links");
    let response = app
        .post(
            &format!("/me/registrations/{}/verify", registration.id),
            json!({"kind": "code", "code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let notice = sink.next_to(ALAIN, Duration::from_secs(60)).await;
    assert!(
        notice["subject"]
            .as_str()
            .expect("subject")
            .contains("added")
    );
    assert!(!notice["text"].as_str().expect("text").contains(&code));
}

#[tokio::test]
async fn mail_accepted_before_a_crash_is_delivered_after_the_restart() {
    let (_dir, database) = temp_database();
    // No SMTP server yet: delivery fails and is retried.
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let server = ServerProcess::start(
        &database,
        &[(
            "SECURITY_INFO_SMTP_URL",
            &format!("smtp://127.0.0.1:{dead_port}"),
        )],
    )
    .await;
    let client = client();
    let registration_id = sign_in_and_register(&client, &server, "alain@gmail.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.kill().await;
    assert!(
        log.contains("message delivery failed"),
        "the first attempt failed:\n{log}"
    );

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("database");
    let pending: i64 =
        sqlx::query_scalar("select count(*) from outbox_message where sent_at is null")
            .fetch_one(&pool)
            .await
            .expect("outbox");
    assert_eq!(pending, 1, "the mail is still in the outbox");
    pool.close().await;

    let mut sink = SmtpSink::start().await;
    let server = ServerProcess::start(&database, &[("SECURITY_INFO_SMTP_URL", &sink.url())]).await;
    let mail = sink
        .next_to("alain@gmail.com", Duration::from_secs(30))
        .await;
    let code = code_in(mail["text"].as_str().expect("text")).expect("code");
    let client = self::client_signed_in(&server).await;
    let response = client
        .post(server.api(&format!("/me/registrations/{registration_id}/verify")))
        .json(&json!({"kind": "code", "code": code}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the code from before the crash works"
    );
    server.kill().await;
}

async fn client_signed_in(server: &ServerProcess) -> reqwest::Client {
    let client = client();
    crate::server_process::sign_in(&client, server).await;
    client
}

#[tokio::test]
async fn the_plaintext_code_is_in_neither_the_logs_nor_the_database() {
    let (dir, database) = temp_database();
    let mut sink = SmtpSink::start().await;
    let server = ServerProcess::start(
        &database,
        &[
            ("SECURITY_INFO_SMTP_URL", &sink.url()),
            ("SECURITY_INFO_CODE_LENGTH", "10"),
        ],
    )
    .await;
    let client = client();
    let registration_id = sign_in_and_register(&client, &server, "alain@gmail.com").await;
    let mail = sink
        .next_to("alain@gmail.com", Duration::from_secs(60))
        .await;
    let code = code_in(mail["text"].as_str().expect("text")).expect("code");
    assert_eq!(code.len(), 10);
    let verify = |code: String| {
        client
            .post(server.api(&format!("/me/registrations/{registration_id}/verify")))
            .json(&json!({"kind": "code", "code": code}))
            .send()
    };
    assert_eq!(
        verify(wrong(&code)).await.expect("request").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        verify(code.clone()).await.expect("request").status(),
        StatusCode::CREATED
    );
    let _ = sink.next_to(ALAIN, Duration::from_secs(60)).await;
    let log = server.kill().await;
    assert!(
        log.contains("message delivered"),
        "the log is captured:\n{log}"
    );
    assert!(!log.contains(&code), "the code is in the log");
    assert!(!log.contains(PASSWORD), "the password is in the log");
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes.windows(code.len()).any(|w| w == code.as_bytes()),
                "the code is in {}",
                path.display()
            );
        }
    }
}

/// Statements that make every write of an outbox message's `sent_at` fail (as a full disk
/// would) after counting the try where the failure does not undo it: a table on SQLite (its
/// `raise(fail)` keeps what the trigger wrote), a sequence on PostgreSQL (whose steps no
/// rollback undoes).
fn refuse_marking_sent() -> &'static [&'static str] {
    if on_postgres() {
        &[
            "create sequence mark_try",
            "create function refuse_mark() returns trigger language plpgsql as $$
             begin perform nextval('mark_try'); raise exception 'could not extend file'; end $$",
            "create trigger refuse_mark before update of sent_at on outbox_message
             for each row execute function refuse_mark()",
        ]
    } else {
        &[
            "create table mark_try (at text)",
            "create trigger refuse_mark before update of sent_at on outbox_message begin
                 insert into mark_try values (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
                 select raise(fail, 'database or disk is full');
             end",
        ]
    }
}

/// How many times a write of `sent_at` was tried since [`refuse_marking_sent`].
fn tries_to_mark_sent() -> &'static str {
    if on_postgres() {
        "select case when is_called then last_value else 0 end from mark_try"
    } else {
        "select count(*) from mark_try"
    }
}

/// Polls `query` (one number) until it reaches `at_least`, for up to 30 seconds.
async fn wait_for_count(app: &TestApp, query: &str, at_least: i64) {
    let db = app.db().await;
    let pool = db.pool();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let count: i64 = sqlx::query_scalar(query)
            .fetch_one(pool)
            .await
            .expect("count");
        if count >= at_least {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{query}` stayed at {count}, below {at_least}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db.close().await;
}

#[tokio::test]
async fn a_delivered_mail_is_not_sent_again_while_recording_it_fails() {
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&["--smtp-url", &sink.url()]).await;
    // Every write of `sent_at` fails (as with a full disk) and leaves a trace of its try.
    for statement in refuse_marking_sent() {
        app.sql(statement).await;
    }
    app.sign_in(ALAIN).await;
    app.start_registration("alain@gmail.com").await;
    let first = sink
        .next_to("alain@gmail.com", Duration::from_secs(60))
        .await;
    wait_for_count(&app, tries_to_mark_sent(), 3).await;
    app.sql(if on_postgres() {
        "drop trigger refuse_mark on outbox_message"
    } else {
        "drop trigger refuse_mark"
    })
    .await;
    wait_for_count(
        &app,
        "select count(*) from outbox_message where sent_at is not null",
        1,
    )
    .await;

    // Mail to another address after that: whatever reached the sink before it is all there is.
    let megan = TestAppClient::new(&app).await;
    let response = megan.register_email("megan@gmail.com").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mut again = 0;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(60), sink.messages.recv())
            .await
            .expect("Megan's code arrives")
            .expect("sink running");
        let to = message["envelopeTo"].to_string();
        if to.contains("megan@gmail.com") {
            break;
        }
        if to.contains("alain@gmail.com") {
            again += 1;
        }
    }
    assert_eq!(
        again, 0,
        "the code mail ({}) went out {again} more times",
        first["subject"]
    );
}
