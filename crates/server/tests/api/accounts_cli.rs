//! `security-info-server accounts ...`: the real binary run as an operator would, on the
//! database of a running server (in this process, or a process of its own), then the server
//! asked over HTTP what changed.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use security_info_api::{MethodList, Registration};
use serde_json::{Value, json};
use tokio::{io::AsyncWriteExt, process::Command};

use crate::{
    helpers::*,
    server_process::{ServerProcess, temp_database},
    test_db::{as_text, insertion_order},
};

/// The OS user the commands run as (it names the operator in the audit trail).
const OPERATOR: &str = "helpdesk-anna";

/// What a command did.
#[derive(Debug)]
pub struct Run {
    /// Exit status.
    pub code: i32,
    /// Its results.
    pub stdout: String,
    /// Its errors.
    pub stderr: String,
}

/// Runs `security-info-server accounts <args>` on the database at `database_url`, with
/// `stdin`.
pub async fn accounts(database_url: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-info-server"));
    for (key, _) in std::env::vars()
        .filter(|(k, _)| k.starts_with("SECURITY_INFO_") || k == "RUST_LOG" || k == "SUDO_USER")
    {
        command.env_remove(key);
    }
    command
        .env("SECURITY_INFO_DATABASE_URL", database_url)
        .env("USER", OPERATOR)
        .arg("accounts")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.expect("stdin");
    }
    drop(input);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the command ends")
        .expect("output");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
        stderr: String::from_utf8(output.stderr).expect("utf-8"),
    }
}

/// Writes `text` to a file called `name` beside the database; returns its path.
fn file(database: &Path, name: &str, text: &str) -> String {
    let path = database.with_file_name(name);
    std::fs::write(&path, text).expect("write the file");
    path.display().to_string()
}

/// Signs `username` in with `password` on `app` with a fresh client.
async fn sign_in_as(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    client()
        .post(app.api("/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request")
}

/// Every account row, as text (`"id","upn","name","hash","language","created","disabled"`),
/// in a stable order.
async fn account_rows(app: &TestApp) -> Vec<String> {
    let db = app.db().await;
    let pool = db.pool();
    let rows: Vec<String> = sqlx::query_scalar(&format!(
        "select '\"' || account_id || '\",\"' || user_principal_name || '\",\"' || display_name
                || '\",\"' || password_hash || '\",\"' || language || '\",\"' || {}
                || '\",' || coalesce('\"' || {} || '\"', 'null')
         from account order by user_principal_name",
        as_text("created_at"),
        as_text("disabled_at")
    ))
    .fetch_all(pool)
    .await
    .expect("accounts");
    db.close().await;
    rows
}

/// `(kind, detail, ip address)` of the account's audit events, oldest first.
async fn audit_trail(app: &TestApp, upn: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let db = app.db().await;
    let pool = db.pool();
    let rows = sqlx::query_as(&format!(
        "select kind, detail, ip_address from audit_event
         join account using (account_id) where user_principal_name = $1
         order by audit_event.created_at, {}",
        insertion_order("audit_event")
    ))
    .bind(upn)
    .fetch_all(pool)
    .await
    .expect("audit events");
    db.close().await;
    rows
}

/// The operator's detail in an audit event.
fn by_operator(more: Option<&str>) -> Option<String> {
    Some(match more {
        Some(more) => format!("operator {OPERATOR}: {more}"),
        None => format!("operator {OPERATOR}"),
    })
}

#[tokio::test]
async fn add_creates_an_account_that_signs_in_with_the_password_read_from_stdin() {
    let app = TestApp::spawn().await;
    let run = accounts(
        &app.database_url,
        &[
            "add",
            " Lee.Gu@Contoso.example ",
            "--display-name",
            "Lee Gu",
            "--language",
            "nl",
            "--password-stdin",
        ],
        Some("Lee-password-2026\n"),
    )
    .await;
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "created lee.gu@contoso.example\n", ""),
        "{run:?}"
    );
    let rows = account_rows(&app).await;
    let lee = rows
        .iter()
        .find(|row| row.contains("lee.gu@contoso.example"))
        .expect("the account");
    assert!(lee.contains(r#""Lee Gu","$argon2id$"#), "{lee}");
    assert!(lee.contains(r#","nl","#), "{lee}");

    let response = sign_in_as(&app, "lee.gu@contoso.example", "Lee-password-2026").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user"]["displayName"], "Lee Gu");
    assert_eq!(
        audit_trail(&app, "lee.gu@contoso.example").await[0],
        ("account_created".to_owned(), by_operator(None), None)
    );
}

#[tokio::test]
async fn an_account_added_without_a_password_signs_in_with_none() {
    let app = TestApp::spawn().await;
    let run = accounts(
        &app.database_url,
        &[
            "add",
            "sso@contoso.example",
            "--display-name",
            "Single Sign",
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let hash: String = sqlx::query_scalar(
        "select password_hash from account where user_principal_name = 'sso@contoso.example'",
    )
    .fetch_one(app.db().await.pool())
    .await
    .expect("the account");
    assert_eq!(hash, "", "as accounts of the identity provider have");
    for password in ["", "anything-at-all"] {
        let response = sign_in_as(&app, "sso@contoso.example", password).await;
        assert_problem(response, 401, "invalid_credentials").await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_status_1_and_bad_usage_with_status_2() {
    let app = TestApp::spawn().await;
    let before = account_rows(&app).await;
    let db = &app.database_url;
    for (args, stdin, code, message) in [
        (
            vec!["add", "not an address", "--display-name", "X"],
            None,
            1,
            "bad address `not an address`",
        ),
        (
            vec!["add", "ALAIN@contoso.example", "--display-name", "Alain"],
            None,
            1,
            "an account alain@contoso.example exists already",
        ),
        (
            vec!["add", "x@contoso.example", "--display-name", "  "],
            None,
            1,
            "missing display name",
        ),
        (
            vec![
                "add",
                "x@contoso.example",
                "--display-name",
                "X",
                "--password-stdin",
            ],
            Some("short\n"),
            1,
            "too short",
        ),
        (vec!["add", "x@contoso.example"], None, 2, "--display-name"),
        (
            vec![
                "add",
                "x@contoso.example",
                "--display-name",
                "X",
                "--language",
                "fr",
            ],
            None,
            2,
            "invalid value 'fr'",
        ),
        (
            vec!["disable", "nobody@contoso.example"],
            None,
            1,
            "there is no account nobody@contoso.example",
        ),
        (vec!["enable", "nobody"], None, 1, "bad address"),
        (
            vec!["clear-methods", "nobody@contoso.example"],
            None,
            1,
            "there is no account",
        ),
        (vec!["import", "accounts.txt"], None, 2, "--format"),
        (vec!["import", "missing.csv"], None, 1, "missing.csv"),
        (vec!["frobnicate"], None, 2, "unrecognized subcommand"),
    ] {
        let run = accounts(db, &args, stdin).await;
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}: results only on success");
    }
    assert_eq!(account_rows(&app).await, before, "nothing changed");

    // The command never makes a database of its own somewhere else.
    let elsewhere = app.db_path.with_file_name("elsewhere.db");
    let run = accounts(&sqlite_url(&elsewhere), &["disable", ALAIN], None).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no database at"), "{run:?}");
    assert!(!elsewhere.exists());
}

/// An accounts file with good rows and one bad row of each kind.
const MIXED_CSV: &str = "userPrincipalName,displayName,language,password\n\
    lee@contoso.example,Lee Gu,nl,Lee-password-2026\n\
    \"nestor@contoso.example\",\"Wilke, Nestor\",en,\n\
    not-an-address,Nobody,en,\n\
    pradeep@contoso.example,,en,\n\
    isaiah@contoso.example,Isaiah Langer,fr,\n\
    joni@contoso.example,\"Joni\" Sherman,en,\n\
    lynne@contoso.example,Lynne Robbins,en,\n\
    alain@contoso.example,Alain Dupont,,\n";

#[tokio::test]
async fn an_import_reports_each_bad_row_by_line_and_imports_the_good_ones() {
    let app = TestApp::spawn().await;
    let long_name = "N".repeat(201);
    let csv = format!("{MIXED_CSV}grady@contoso.example,{long_name},en,\n");
    let path = file(&app.db_path, "accounts.csv", &csv);
    let run = accounts(&app.database_url, &["import", &path], None).await;
    assert_eq!(run.code, 1, "a refused row makes the status 1: {run:?}");
    assert_eq!(
        run.stdout, "created: 3\nupdated: 0\nunchanged: 1\nrefused: 5\n",
        "{run:?}"
    );
    let refused: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(refused.len(), 5, "{run:?}");
    assert!(
        refused[0].starts_with("line 4: bad address `not-an-address`"),
        "{run:?}"
    );
    assert_eq!(refused[1], "line 5: missing display name");
    assert_eq!(refused[2], "line 6: unknown language `fr` (en or nl)");
    assert!(refused[3].starts_with("line 7: bad CSV quoting"), "{run:?}");
    assert_eq!(
        refused[4],
        "line 10: too long: the display name has more than 200 characters"
    );

    let rows = account_rows(&app).await;
    assert_eq!(
        rows.len(),
        5,
        "the demo accounts and three new ones: {rows:#?}"
    );
    for name in ["alain", "lee", "lynne", "megan", "nestor"] {
        let upn = format!("\"{name}@contoso.example\"");
        assert!(
            rows.iter().any(|row| row.contains(&upn)),
            "{upn}: {rows:#?}"
        );
    }
    assert!(rows.iter().any(|row| row.contains(r#""Wilke, Nestor","""#)));
    let response = sign_in_as(&app, "lee@contoso.example", "Lee-password-2026").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        audit_trail(&app, "nestor@contoso.example").await,
        [("account_created".to_owned(), by_operator(None), None)]
    );
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let path = file(&app.db_path, "accounts.csv", MIXED_CSV);
    let first = accounts(&app.database_url, &["import", &path], None).await;
    assert_eq!(
        first.stdout,
        "created: 3\nupdated: 0\nunchanged: 1\nrefused: 4\n"
    );
    let rows = account_rows(&app).await;
    let events = audit_count(&app).await;
    let before = generation(&app).await;

    let again = accounts(&app.database_url, &["import", &path], None).await;
    assert_eq!(again.code, 1, "the same rows are refused again");
    assert_eq!(
        again.stdout,
        "created: 0\nupdated: 0\nunchanged: 4\nrefused: 4\n"
    );
    assert_eq!(
        again.stderr, first.stderr,
        "the same reasons, the same lines"
    );
    assert_eq!(account_rows(&app).await, rows, "every row as it was");
    assert_eq!(audit_count(&app).await, events, "nothing recorded");
    assert_eq!(
        generation(&app).await,
        before,
        "nothing for the server to forget"
    );
}

async fn audit_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from audit_event")
        .fetch_one(app.db().await.pool())
        .await
        .expect("count")
}

async fn generation(app: &TestApp) -> i64 {
    sqlx::query_scalar("select generation from store_generation")
        .fetch_one(app.db().await.pool())
        .await
        .expect("generation")
}

#[tokio::test]
async fn an_import_updates_names_and_languages_and_passwords_only_when_asked() {
    let app = TestApp::spawn().await;
    let db = &app.database_url;
    let jsonl = |name: &str, language: &str, password: &str| {
        let line = json!({
            "userPrincipalName": "lee@contoso.example",
            "displayName": name,
            "language": language,
            "password": password,
        });
        file(&app.db_path, "accounts.jsonl", &format!("{line}\n"))
    };
    let path = jsonl("Lee Gu", "en", "First-password-1");
    let run = accounts(db, &["import", &path], None).await;
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "created: 1\nupdated: 0\nunchanged: 0\nrefused: 0\n"),
        "{run:?}"
    );

    // Another password alone changes nothing without --reset-passwords.
    let path = jsonl("Lee Gu", "en", "Second-password-2");
    let run = accounts(db, &["import", &path], None).await;
    assert_eq!(
        run.stdout,
        "created: 0\nupdated: 0\nunchanged: 1\nrefused: 0\n"
    );
    let signs_in = |password: &'static str| {
        let app = &app;
        async move {
            sign_in_as(app, "lee@contoso.example", password)
                .await
                .status()
                == StatusCode::OK
        }
    };
    assert!(signs_in("First-password-1").await);
    let run = accounts(db, &["import", &path, "--reset-passwords"], None).await;
    assert_eq!(
        run.stdout,
        "created: 0\nupdated: 1\nunchanged: 0\nrefused: 0\n"
    );
    assert!(signs_in("Second-password-2").await);
    assert!(!signs_in("First-password-1").await);
    // The same password again is no change.
    let run = accounts(db, &["import", &path, "--reset-passwords"], None).await;
    assert_eq!(
        run.stdout,
        "created: 0\nupdated: 0\nunchanged: 1\nrefused: 0\n"
    );

    let path = jsonl("Lee Gu-Smith", "nl", "Second-password-2");
    let run = accounts(db, &["import", &path, "--format", "jsonl"], None).await;
    assert_eq!(
        run.stdout,
        "created: 0\nupdated: 1\nunchanged: 0\nrefused: 0\n"
    );
    let response = sign_in_as(&app, "lee@contoso.example", "Second-password-2").await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user"]["displayName"], "Lee Gu-Smith");
    let trail = audit_trail(&app, "lee@contoso.example").await;
    let changes: Vec<_> = trail
        .iter()
        .filter(|(kind, ..)| kind.starts_with("account_"))
        .cloned()
        .collect();
    assert_eq!(
        changes,
        [
            ("account_created".to_owned(), by_operator(None), None),
            (
                "account_updated".to_owned(),
                by_operator(Some("password")),
                None
            ),
            (
                "account_updated".to_owned(),
                by_operator(Some("display name, language")),
                None
            ),
        ]
    );
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let rows = account_rows(&app).await;
    let path = file(&app.db_path, "accounts.csv", MIXED_CSV);
    let run = accounts(&app.database_url, &["import", "--dry-run", &path], None).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "dry run: nothing was changed\ncreated: 3\nupdated: 0\nunchanged: 1\nrefused: 4\n"
    );
    assert_eq!(run.stderr.lines().count(), 4);
    assert_eq!(account_rows(&app).await, rows);
    // A file that is all good: status 0.
    let path = file(
        &app.db_path,
        "good.jsonl",
        r#"{"userPrincipalName": "alain@contoso.example", "displayName": "Alain D."}"#,
    );
    let run = accounts(&app.database_url, &["import", "--dry-run", &path], None).await;
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "dry run: nothing was changed\ncreated: 0\nupdated: 1\nunchanged: 0\nrefused: 0\n"
        )
    );
    assert_eq!(account_rows(&app).await, rows);
}

#[tokio::test]
async fn a_disabled_account_is_answered_as_a_wrong_password_and_its_session_ends_at_once() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);

    let run = accounts(&app.database_url, &["disable", ALAIN], None).await;
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "disabled alain@contoso.example (sessions ended: 1)\n"),
        "{run:?}"
    );
    assert_problem(app.get("/me").await, 401, "unauthenticated").await;
    assert_problem(app.get("/me/methods").await, 401, "unauthenticated").await;

    // The right password and a wrong one: the same answer, after the same password check.
    let mut right = Duration::MAX;
    let mut wrong = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let response = sign_in_as(&app, ALAIN, PASSWORD).await;
        right = right.min(started.elapsed());
        let right_body = assert_problem(response, 401, "invalid_credentials").await;
        let started = Instant::now();
        let response = sign_in_as(&app, ALAIN, "Wrong-password-1").await;
        wrong = wrong.min(started.elapsed());
        let wrong_body = assert_problem(response, 401, "invalid_credentials").await;
        assert_eq!(right_body, wrong_body);
    }
    // Skipping the check would answer in about a millisecond instead of argon2's tens.
    assert!(
        right * 3 > wrong && wrong * 3 > right,
        "a disabled account's password is checked like any other: {right:?} vs {wrong:?}"
    );

    let again = accounts(&app.database_url, &["disable", ALAIN], None).await;
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "alain@contoso.example was disabled already\n")
    );
    let run = accounts(&app.database_url, &["enable", ALAIN], None).await;
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "enabled alain@contoso.example\n"),
        "{run:?}"
    );
    app.sign_in(ALAIN).await;
    assert_eq!(app.get("/me").await.status(), StatusCode::OK);
    let again = accounts(&app.database_url, &["enable", ALAIN], None).await;
    assert_eq!(again.stdout, "alain@contoso.example was not disabled\n");

    let trail = audit_trail(&app, ALAIN).await;
    let kinds: Vec<(&str, Option<&str>)> = trail
        .iter()
        .map(|(kind, detail, _)| (kind.as_str(), detail.as_deref()))
        .collect();
    let operator = by_operator(None);
    assert_eq!(
        kinds,
        [
            ("sign_in", None),
            ("account_disabled", operator.as_deref()),
            ("sign_in_failed", Some("account disabled")),
            ("sign_in_failed", None),
            ("sign_in_failed", Some("account disabled")),
            ("sign_in_failed", None),
            ("sign_in_failed", Some("account disabled")),
            ("sign_in_failed", None),
            ("account_enabled", operator.as_deref()),
            ("sign_in", None),
        ]
    );
    // Megan was not touched.
    TestAppClient::new(&app).await;
}

/// Registers an authenticator app for the user signed in with `client` on the API at `api`
/// (`http://.../api/v1`); returns its key.
async fn add_app(client: &reqwest::Client, api: &str) -> Vec<u8> {
    let response = client
        .post(format!("{api}/me/registrations"))
        .json(&json!({"type": "authenticatorApp"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    let key = app_key(&registration);
    let response = client
        .post(format!("{api}{}", verify_path(&registration)))
        .json(&json!({"kind": "code", "code": app_code(&key, 0)}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    key
}

#[tokio::test]
async fn a_sign_in_half_way_through_its_second_step_ends_when_the_account_is_disabled() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let key = add_app(&app.client, &app.api("")).await;
    let browser = client();
    let response = browser
        .post(app.api("/session"))
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED, "a second step");
    let response = browser
        .post(app.api("/session/second-step/challenge"))
        .json(&json!({"type": "authenticatorApp"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);

    let run = accounts(&app.database_url, &["disable", ALAIN], None).await;
    assert_eq!(run.code, 0, "{run:?}");
    let response = browser
        .post(app.api("/session/second-step"))
        .json(&json!({"kind": "code", "code": app_code(&key, 1)}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 401, "sign_in_expired").await;
    let response = browser.get(app.api("/me")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no session");
    // Nor is a new sign-in offered a second step.
    let response = sign_in_as(&app, ALAIN, PASSWORD).await;
    assert_problem(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn clear_methods_on_a_running_server_process_takes_effect_there_at_once() {
    let (_dir, database) = temp_database();
    let server = ServerProcess::start(&database, &[("SECURITY_INFO_DEV_MAILBOX", "true")]).await;
    let browser = client();
    crate::server_process::sign_in(&browser, &server).await;
    add_app(&browser, &server.api("")).await;
    let response = browser
        .post(server.api("/me/recovery-codes"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    // A registration left pending.
    let response = browser
        .post(server.api("/me/registrations"))
        .json(&json!({"type": "email", "emailAddress": "alain@gmail.example"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let list = |client: reqwest::Client| {
        let url = server.api("/me/methods");
        async move { client.get(url).send().await.expect("request") }
    };
    // The server now keeps Alain's list in memory.
    let methods: MethodList = list(browser.clone()).await.json().await.expect("list");
    assert_eq!(methods.methods.len(), 1);

    let run = accounts(&sqlite_url(&database), &["clear-methods", ALAIN], None).await;
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "cleared alain@contoso.example: methods 1, pending registrations 1, recovery codes 10, sessions ended 1\n",
            ""
        ),
        "{run:?}"
    );
    let response = list(browser.clone()).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the session ended"
    );

    // No second step any more: the server did not keep the old list.
    let again = client();
    crate::server_process::sign_in(&again, &server).await;
    let methods: MethodList = list(again.clone()).await.json().await.expect("list");
    assert!(methods.methods.is_empty(), "{methods:?}");
    let status: Value = again
        .get(server.api("/me/recovery-codes"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(status["remaining"], 0, "{status}");

    // The user is told by mail (the server's worker delivers what the command queued).
    let mut notice = None;
    for _ in 0..100 {
        let mailbox: Value = reqwest::get(format!("{}/dev/mailbox", server.address))
            .await
            .expect("mailbox")
            .json()
            .await
            .expect("json");
        notice = mailbox["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| {
                m["to"] == ALAIN && m["subject"].as_str().is_some_and(|s| s.contains("cleared"))
            })
            .cloned();
        if notice.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notice = notice.expect("the notice reached the mailbox");
    assert!(
        notice["text"]
            .as_str()
            .is_some_and(|t| t.contains("Your helpdesk removed every method")),
        "{notice}"
    );

    let activity: Value = again
        .get(server.api("/me/activity"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let cleared = activity["events"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["kind"] == "methods_cleared")
        .expect("recorded");
    assert_eq!(cleared["detail"], format!("operator {OPERATOR}"));
    assert!(cleared.get("ipAddress").is_none(), "{cleared}");
}
