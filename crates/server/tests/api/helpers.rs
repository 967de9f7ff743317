//! Test harness: the server in-process on port 0 with a fresh database (SQLite, or PostgreSQL
//! when the suite runs on it), a cookie-keeping client, direct database access to move time
//! forward, and the development mailbox.

use std::path::{Path, PathBuf};

use clap::Parser;
use reqwest::{Response, StatusCode, header};
use security_info_api::{Challenge, DevMailbox, MethodCreated, Problem, Registration};
use security_info_server::{config::Config, startup::Application};
use serde_json::{Value, json};

use crate::test_db::{POSTGRES_SERVER, TestDb, ago, on_postgres};

/// Password of the demo accounts (the default of `SECURITY_INFO_DEMO_PASSWORD`).
pub const PASSWORD: &str = "Contoso-demo-2026";
/// First demo account.
pub const ALAIN: &str = "alain@contoso.example";
/// Second demo account.
pub const MEGAN: &str = "megan@contoso.example";

/// The stand-in app page: one inline script, as trunk writes its loader.
pub const INDEX_HTML: &str =
    "<!doctype html><title>app</title><script type=\"module\">document.title = 'ready';</script>";

/// A running server and a client with its own cookie jar.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Client keeping cookies.
    pub client: reqwest::Client,
    /// The SQLite database file (also the folder of the PostgreSQL database's name).
    pub db_path: PathBuf,
    /// The database's URL, SQLite or PostgreSQL.
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// A client that keeps cookies and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// Spawns with demo accounts and the development mailbox.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Spawns with extra `--flag value` arguments.
    pub async fn spawn_with(extra: &[&str]) -> Self {
        let (app, application) = Self::build(extra).await;
        tokio::spawn(application.run_until_stopped());
        app
    }

    /// Spawns with extra arguments; the server stops when the sender is used or dropped, and
    /// the handle ends when it has finished the requests in flight.
    pub async fn spawn_stoppable(
        extra: &[&str],
    ) -> (
        Self,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    ) {
        let (app, application) = Self::build(extra).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        (app, stop, running)
    }

    /// The application, bound, and its test harness.
    async fn build(extra: &[&str]) -> (Self, Application) {
        let dir = tempfile::tempdir().expect("temp dir");
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).expect("dist");
        std::fs::write(dist.join("index.html"), INDEX_HTML).expect("index");
        let db_path = dir.path().join("db").join("test.db");
        if on_postgres() {
            // Files beside the database (accounts to import) need its folder, which SQLite
            // makes itself (0700: a test checks it).
            std::fs::create_dir_all(dir.path().join("db")).expect("db folder");
        }
        let database_url = database_url(&db_path).await;
        let application = build_server(&database_url, &dist, extra).await;
        let address = format!("http://{}", application.local_addr());
        let app = Self {
            address,
            client: client(),
            db_path,
            database_url,
            _dir: dir,
        };
        (app, application)
    }

    /// `host:port` of the server.
    pub fn authority(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    /// Starts another server on this app's database (as a restart would, but beside the first
    /// one, which keeps running) with extra arguments; returns its address.
    pub async fn spawn_on_the_same_database(&self, extra: &[&str]) -> String {
        let application =
            build_server(&self.database_url, &self._dir.path().join("dist"), extra).await;
        let address = format!("http://{}", application.local_addr());
        tokio::spawn(application.run_until_stopped());
        address
    }

    /// Absolute URL of an API path (`/me` -> `http://.../api/v1/me`).
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// A JSON POST to the API.
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.api(path))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// A GET outside the API (`/security-info`, `/healthz`, `/dev/mailbox`).
    pub async fn get_page(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// A GET of the API.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.api(path))
            .send()
            .await
            .expect("request")
    }

    /// A GET of the API that must answer with JSON of type `T`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).await.json().await.expect("a JSON answer")
    }

    /// A DELETE of the API.
    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(self.api(path))
            .send()
            .await
            .expect("request")
    }

    /// Renames method `id`; the answer is not checked.
    pub async fn rename(&self, id: &str, name: &str) -> Response {
        self.client
            .patch(self.api(&format!("/me/methods/{id}")))
            .json(&json!({"name": name}))
            .send()
            .await
            .expect("request")
    }

    /// The names of the signed-in user's methods that have one, oldest first.
    pub async fn method_names(&self) -> Vec<String> {
        self.get_json::<security_info_api::MethodList>("/me/methods")
            .await
            .methods
            .into_iter()
            .filter_map(|m| m.name)
            .collect()
    }

    /// Signs in as `username` with the demo password.
    pub async fn sign_in(&self, username: &str) -> Response {
        let response = self
            .post(
                "/session",
                json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {username}");
        response
    }

    /// Asks to add `address` as an email method (the answer is not checked).
    pub async fn register_email(&self, address: &str) -> Response {
        self.post(
            "/me/registrations",
            json!({"type": "email", "emailAddress": address}),
        )
        .await
    }

    /// Submits `code` for the registration (the answer is not checked).
    pub async fn submit_code(&self, registration: &Registration, code: &str) -> Response {
        self.post(
            &verify_path(registration),
            json!({"kind": "code", "code": code}),
        )
        .await
    }

    /// Asks for a new code for the registration (the answer is not checked).
    pub async fn resend(&self, registration: &Registration) -> Response {
        self.post(&resend_path(registration), json!({})).await
    }

    /// Registers the Dutch mobile number `national` (e.g. `0612345678`) for texts, with the
    /// code from the development mailbox, for the signed-in user.
    pub async fn add_mobile_phone(&self, national: &str) -> MethodCreated {
        let response = self
            .post(
                "/me/registrations",
                json!({"type": "phone", "kind": "mobile", "region": "NL", "number": national, "channel": "sms"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let registration: Registration = response.json().await.expect("registration");
        let code = self.code_sent_to(&dutch_e164(national)).await;
        let response = self.submit_code(&registration, &code).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("method")
    }

    /// Starts an email registration, expecting 202.
    pub async fn start_registration(&self, address: &str) -> Registration {
        let response = self.register_email(address).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.expect("registration")
    }

    /// The development mailbox.
    pub async fn mailbox(&self) -> DevMailbox {
        let response = self.get_page("/dev/mailbox").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("mailbox")
    }

    /// The code in the newest mail to `address`, waiting for the worker to deliver it.
    pub async fn code_sent_to(&self, address: &str) -> String {
        for _ in 0..100 {
            let mailbox = self.mailbox().await;
            if let Some(message) = mailbox.messages.iter().find(|m| m.to == address) {
                return code_in(&message.text).expect("a code in the mail");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail reached {address}");
    }

    /// Waits until `count` messages went to `address`.
    pub async fn wait_for_mail_count(&self, address: &str, count: usize) -> DevMailbox {
        for _ in 0..100 {
            let mailbox = self.mailbox().await;
            if mailbox.messages.iter().filter(|m| m.to == address).count() >= count {
                return mailbox;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {count} mails reached {address}");
    }

    /// Direct access to the database, to move time forward.
    pub async fn db(&self) -> TestDb {
        TestDb::connect(&self.database_url).await
    }

    /// Runs one SQL statement (written for both engines, see [`crate::test_db`]).
    pub async fn sql(&self, statement: &str) {
        let db = self.db().await;
        db.execute(statement).await;
        db.close().await;
    }
}

/// The URL of the SQLite database file at `path` (created on first use).
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The database URL for a test whose SQLite file would be `db_path`: that file, or, when
/// the suite runs on PostgreSQL ([`POSTGRES_SERVER`] names the server, as
/// `postgres://user@host?options`), a new database there named after the test's temp folder.
pub async fn database_url(db_path: &Path) -> String {
    let Ok(server) = std::env::var(POSTGRES_SERVER) else {
        return sqlite_url(db_path);
    };
    use sqlx::Connection;
    let folder = db_path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("the test's temp folder")
        .to_string_lossy()
        .to_lowercase();
    let name: String = folder
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = format!("t{name}");
    let (base, options) = server.split_once('?').unwrap_or((&server, ""));
    let base = base.trim_end_matches('/');
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres?{options}"))
        .await
        .expect("the test PostgreSQL server");
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .expect("a test database");
    format!("{base}/{name}?{options}")
}

/// Starts a server with demo accounts on the database at `database_url`; returns its address.
async fn build_server(database_url: &str, dist: &Path, extra: &[&str]) -> Application {
    let mut args = vec![
        "security-info-server".to_owned(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--database-url".into(),
        database_url.to_owned(),
        "--dist-dir".into(),
        dist.display().to_string(),
        "--demo-accounts".into(),
        "true".into(),
        "--dev-mailbox".into(),
        "true".into(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let config = Config::try_parse_from(args).expect("test configuration");
    Application::build(config).await.expect("the server starts")
}

/// Every kind of response the server gives: health, API success and problem, 404, the app.
pub async fn sample_responses(app: &TestApp) -> Vec<(String, Response)> {
    let mut responses = Vec::new();
    for path in [
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/api/v1/nothing-here",
        "/",
        "/security-info",
    ] {
        let response = app.get_page(path).await;
        responses.push((path.to_owned(), response));
    }
    responses
}

/// The error that stops a server started with `args` (on an in-memory database), with its
/// causes; panics if it starts.
pub async fn start_up_error(args: &[&str]) -> String {
    let mut all = vec![
        "security-info-server",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        "sqlite::memory:",
        "--dev-mailbox",
        "true",
    ];
    all.extend_from_slice(args);
    let config = Config::try_parse_from(all).expect("the arguments parse");
    match Application::build(config).await {
        Ok(_) => panic!("{args:?} must stop the server at start"),
        Err(error) => format!("{error:#}"),
    }
}

/// The API path that verifies a registration's code.
pub fn verify_path(registration: &Registration) -> String {
    format!("/me/registrations/{}/verify", registration.id)
}

/// The entry of `method_type` (its wire name) in a types list.
pub fn type_info<'a>(
    list: &'a security_info_api::MethodTypeList,
    method_type: &str,
) -> &'a security_info_api::MethodTypeInfo {
    list.method_types
        .iter()
        .find(|info| info.method_type.as_str() == method_type)
        .unwrap_or_else(|| panic!("{method_type} is not in the list"))
}

/// The API path that sends a registration a new code.
pub fn resend_path(registration: &Registration) -> String {
    format!("/me/registrations/{}/resend", registration.id)
}

/// What a code challenge says: where the code went, how long it is, and its times.
pub struct CodeSent<'a> {
    /// The address (or number) as shown to the user.
    pub destination: &'a str,
    /// Digits.
    pub code_length: u8,
    /// When the code stops working (RFC 3339).
    pub expires_at: &'a str,
    /// When another code may be asked for (RFC 3339).
    pub resend_available_at: &'a str,
}

/// The code challenge of a registration.
pub fn code_sent(registration: &Registration) -> CodeSent<'_> {
    let Challenge::Code {
        destination,
        code_length,
        expires_at,
        resend_available_at,
        ..
    } = &registration.challenge
    else {
        panic!("not a code challenge: {:?}", registration.challenge);
    };
    CodeSent {
        destination,
        code_length: *code_length,
        expires_at,
        resend_available_at,
    }
}

/// The first run of 6 to 10 digits standing alone in a mail text.
pub fn code_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| (6..=10).contains(&run.len()))
        .map(str::to_owned)
}

/// A code that differs from `code` in every digit.
pub fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10))
        .collect()
}

/// Asserts a problem answer: status, content type, code; returns the body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Problem {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    serde_json::from_value(body).expect("a Problem")
}

/// The `frame-ancestors` directive of a policy.
pub fn frame_ancestors(policy: &str) -> &str {
    policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("frame-ancestors "))
        .unwrap_or_default()
}

/// Moves the session's authentication (step-up) back by `minutes`.
pub fn age_authentication_sql(minutes: i64) -> String {
    format!(
        "update session set authenticated_at = {}",
        ago(minutes * 60)
    )
}

/// A second signed-in user on the same server.
pub struct TestAppClient {
    client: reqwest::Client,
    base: String,
}

impl TestAppClient {
    /// Megan, signed in.
    pub async fn new(app: &TestApp) -> Self {
        let client = client();
        let response = client
            .post(app.api("/session"))
            .json(&json!({"username": MEGAN, "password": PASSWORD}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        Self {
            client,
            base: app.api(""),
        }
    }

    /// PATCH as Megan.
    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .patch(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// GET as Megan.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// Asks to add `address` as an email method, as Megan.
    pub async fn register_email(&self, address: &str) -> reqwest::Response {
        self.post(
            "/me/registrations",
            json!({"type": "email", "emailAddress": address}),
        )
        .await
    }

    /// Submits `code` for the registration, as Megan.
    pub async fn submit_code(&self, registration: &Registration, code: &str) -> reqwest::Response {
        self.post(
            &verify_path(registration),
            json!({"kind": "code", "code": code}),
        )
        .await
    }

    /// Asks for a new code for the registration, as Megan.
    pub async fn resend(&self, registration: &Registration) -> reqwest::Response {
        self.post(&resend_path(registration), json!({})).await
    }

    /// GET as Megan, of JSON of type `T`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).await.json().await.expect("a JSON answer")
    }

    /// POST as Megan.
    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// DELETE as Megan.
    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }
}

/// A Dutch mobile number in national form (`06 12345678`) as E.164.
pub fn dutch_e164(national: &str) -> String {
    format!("+31{}", national.trim_start_matches('0').replace(' ', ""))
}

/// Prints a figure the suite reports (a load's counts, timing medians) into the test
/// command's log. Written to stderr directly: the test harness captures `println!` and
/// `eprintln!` and shows them only for a failed test.
pub fn report(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The key of the authenticator app a registration's TOTP challenge gives, decoded from base32
/// as an app decodes it.
pub fn app_key(registration: &Registration) -> Vec<u8> {
    let Challenge::Totp { secret, .. } = &registration.challenge else {
        panic!("not a TOTP challenge: {:?}", registration.challenge);
    };
    data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .expect("base32")
}

/// The code an app with `key` shows `steps_ahead` 30-second steps from now.
pub fn app_code(key: &[u8], steps_ahead: u64) -> String {
    use security_info_server::domain::totp;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    totp::code(key, totp::step_at(now) + steps_ahead, totp::DIGITS)
}
