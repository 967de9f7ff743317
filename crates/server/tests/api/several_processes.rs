//! Several server processes on one PostgreSQL database, as behind a load balancer: a client
//! whose requests alternate between two processes completes every flow; a limit holds across
//! them; concurrent verifications register each method once; a process killed while holding
//! outbox messages leaves them to the other, which delivers each once.
//!
//! Each test starts its own PostgreSQL server (Debian's package, in a temp folder) and the
//! real server binary twice.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use local_postgres::LocalPostgres;
use reqwest::{Response, StatusCode};
use security_info_api::{MethodCreated, MethodList, Registration};
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinSet};

use crate::{
    accounts_cli::accounts,
    helpers::{ALAIN, MEGAN, PASSWORD, app_code, app_key, code_in},
    server_process::ServerProcess,
    smtp::SmtpSink,
    test_db::TestDb,
};

/// A PostgreSQL server with one database and the server processes running on it.
struct Cluster {
    servers: Vec<ServerProcess>,
    database_url: String,
    folder: tempfile::TempDir,
    _postgres: LocalPostgres,
}

impl Cluster {
    /// A new database and `count` processes on it, each with the settings of `env`.
    async fn start(count: usize, env: &[(&str, &str)]) -> Self {
        let postgres = tokio::task::spawn_blocking(|| {
            let server = LocalPostgres::start().expect("PostgreSQL starts");
            server.create_database("security_info").expect("database");
            server
        })
        .await
        .expect("task");
        let folder = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(folder.path().join("dist")).expect("dist");
        let mut cluster = Self {
            servers: Vec::new(),
            database_url: postgres.url("security_info"),
            folder,
            _postgres: postgres,
        };
        // All at once, as after a deployment: the migrations and the code secret (made by
        // whichever process comes first) must come out the same for all of them.
        let dist = cluster.folder.path().join("dist");
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut starts = JoinSet::new();
        for _ in 0..count {
            let (url, dist, env) = (cluster.database_url.clone(), dist.clone(), env.clone());
            starts.spawn(async move {
                let env: Vec<(&str, &str)> =
                    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                ServerProcess::start_on(&url, &dist, &env).await
            });
        }
        while let Some(server) = starts.join_next().await {
            cluster.servers.push(server.expect("a server starts"));
        }
        cluster
    }

    /// Starts one more process on the database.
    async fn add(&mut self, env: &[(&str, &str)]) {
        let server =
            ServerProcess::start_on(&self.database_url, &self.folder.path().join("dist"), env)
                .await;
        self.servers.push(server);
    }

    async fn db(&self) -> TestDb {
        TestDb::connect(&self.database_url).await
    }
}

/// A client (one cookie jar) whose every request goes to the next process in turn.
struct Alternating {
    client: reqwest::Client,
    addresses: Vec<String>,
    turn: AtomicUsize,
}

impl Alternating {
    fn new(cluster: &Cluster) -> Self {
        Self {
            // Kept-alive connections are let go before the server's idle timeout (its header
            // timeout, 10 s) ends them: a request sent on a connection the server is closing
            // at that moment would fail, as it would for any HTTP client.
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .expect("client"),
            addresses: cluster.servers.iter().map(|s| s.api("")).collect(),
            turn: AtomicUsize::new(0),
        }
    }

    /// The API URL of `path` on the next process.
    fn url(&self, path: &str) -> String {
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        format!("{}{path}", self.addresses[turn % self.addresses.len()])
    }

    async fn post(&self, path: &str, body: Value) -> Response {
        let url = self.url(path);
        self.client
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    async fn get(&self, path: &str) -> Response {
        let url = self.url(path);
        self.client.get(url).send().await.expect("request")
    }

    async fn delete(&self, path: &str) -> Response {
        let url = self.url(path);
        self.client.delete(url).send().await.expect("request")
    }

    async fn sign_in(&self, username: &str, password: &str) -> StatusCode {
        self.post(
            "/session",
            json!({"username": username, "password": password}),
        )
        .await
        .status()
    }

    async fn method_ids(&self) -> Vec<String> {
        let response = self.get("/me/methods").await;
        assert_eq!(response.status(), StatusCode::OK);
        let list: MethodList = response.json().await.expect("methods");
        list.methods.into_iter().map(|m| m.id).collect()
    }
}

/// The code in the next verification code mail to `to` (notices are passed over).
async fn code_mailed_to(sink: &mut SmtpSink, to: &str) -> String {
    loop {
        let mail = sink.next_to(to, Duration::from_secs(60)).await;
        if mail["subject"].as_str().is_some_and(|s| s.contains("code")) {
            return code_in(mail["text"].as_str().expect("text")).expect("a code");
        }
    }
}

/// Adds `address` for the signed-in user; each request goes to the next process.
async fn add_email(user: &Alternating, sink: &mut SmtpSink, address: &str) -> MethodCreated {
    let response = user
        .post(
            "/me/registrations",
            json!({"type": "email", "emailAddress": address}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "{address}: {}",
        response.text().await.unwrap_or_default()
    );
    let registration: Registration = response.json().await.expect("registration");
    let code = code_mailed_to(sink, address).await;
    let response = user
        .post(
            &format!("/me/registrations/{}/verify", registration.id),
            json!({"kind": "code", "code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("method")
}

/// Starts an authenticator app's registration; returns it and the app's key.
async fn start_app(user: &Alternating) -> (Registration, Vec<u8>) {
    let response = user
        .post("/me/registrations", json!({"type": "authenticatorApp"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let registration: Registration = response.json().await.expect("registration");
    let key = app_key(&registration);
    (registration, key)
}

#[tokio::test]
async fn a_client_alternating_between_two_processes_completes_every_flow() {
    let mut sink = SmtpSink::start().await;
    let cluster = Cluster::start(2, &[("SECURITY_INFO_SMTP_URL", &sink.url())]).await;

    // Sign-in on one, the session works on the other.
    let alain = Alternating::new(&cluster);
    assert_eq!(alain.sign_in(ALAIN, PASSWORD).await, StatusCode::OK);
    assert_eq!(alain.get("/me").await.status(), StatusCode::OK);

    // Register (started on one, verified on the other), list, delete; register again.
    let dropped = add_email(&alain, &mut sink, "alain@outlook.example").await;
    assert_eq!(alain.method_ids().await, vec![dropped.method.id.clone()]);
    let response = alain
        .delete(&format!("/me/methods/{}", dropped.method.id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(alain.method_ids().await.is_empty());
    let kept = add_email(&alain, &mut sink, "alain@gmail.com").await;
    assert_eq!(alain.method_ids().await, vec![kept.method.id.clone()]);

    // An authenticator app, then a sign-in in two steps across both processes.
    let (registration, key) = start_app(&alain).await;
    let response = alain
        .post(
            &format!("/me/registrations/{}/verify", registration.id),
            json!({"kind": "code", "code": app_code(&key, 0)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        alain.delete("/session").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(alain.get("/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(alain.sign_in(ALAIN, PASSWORD).await, StatusCode::ACCEPTED);
    let response = alain
        .post(
            "/session/second-step/challenge",
            json!({"type": "authenticatorApp"}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let response = alain
        .post(
            "/session/second-step",
            json!({"kind": "code", "code": app_code(&key, 1)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for _ in 0..2 {
        assert_eq!(alain.get("/me").await.status(), StatusCode::OK);
    }

    // A password reset by a visitor, each step on the other process than the one before.
    let megan = Alternating::new(&cluster);
    assert_eq!(megan.sign_in(MEGAN, PASSWORD).await, StatusCode::OK);
    add_email(&megan, &mut sink, "megan@gmail.com").await;
    let visitor = Alternating::new(&cluster);
    let response = visitor
        .post("/password-reset", json!({"username": MEGAN}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let response = visitor
        .post(
            "/password-reset/challenge",
            json!({"type": "email", "emailAddress": "megan@gmail.com"}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let code = code_mailed_to(&mut sink, "megan@gmail.com").await;
    let response = visitor
        .post(
            "/password-reset/verify",
            json!({"kind": "code", "code": code}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_password = "Tulpen bloeien laat in april";
    let response = visitor
        .post(
            "/password-reset/password",
            json!({"password": new_password}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let again = Alternating::new(&cluster);
    assert_eq!(
        again.sign_in(MEGAN, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(again.sign_in(MEGAN, new_password).await, StatusCode::OK);
}

#[tokio::test]
async fn fifty_wrong_passwords_at_once_across_two_processes_get_exactly_the_limit_checked() {
    let cluster = Cluster::start(2, &[("SECURITY_INFO_DEV_MAILBOX", "true")]).await;
    let guesser = Arc::new(Alternating::new(&cluster));
    let mut guesses = JoinSet::new();
    for n in 0..50 {
        let guesser = Arc::clone(&guesser);
        guesses.spawn(async move { guesser.sign_in(MEGAN, &format!("guess-{n}")).await });
    }
    let mut statuses = Vec::new();
    while let Some(status) = guesses.join_next().await {
        statuses.push(status.expect("task"));
    }
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    // The limit per account and address (10 in 15 minutes), counted in the shared database.
    assert_eq!(count(StatusCode::UNAUTHORIZED), 10, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 40, "{statuses:?}");
    let attempts = cluster
        .db()
        .await
        .number("select count(*) from sign_in_attempt where username = 'megan@contoso.example'")
        .await;
    assert_eq!(attempts, 10, "one attempt row per password checked");
}

/// Users in the verification load, and verifications of each one's registration at once.
const USERS: usize = 50;
const VERIFICATIONS_PER_USER: usize = 20;

#[tokio::test]
async fn a_thousand_verifications_at_once_across_two_processes_register_each_method_once() {
    let cluster = Cluster::start(2, &[("SECURITY_INFO_DEV_MAILBOX", "true")]).await;
    let csv: String =
        std::iter::once("userPrincipalName,displayName,language,password\n".to_owned())
            .chain((0..USERS).map(|i| format!("user{i}@contoso.example,User {i},en,{PASSWORD}\n")))
            .collect();
    let file = cluster.folder.path().join("users.csv");
    std::fs::write(&file, csv).expect("csv");
    let imported = accounts(
        &cluster.database_url,
        &["import", &file.display().to_string()],
        None,
    )
    .await;
    assert_eq!(imported.code, 0, "{}", imported.stderr);

    // Every user starts an app registration; then all their verifications go at once, with
    // the right code, split across both processes.
    let mut users = Vec::new();
    for i in 0..USERS {
        let user = Arc::new(Alternating::new(&cluster));
        let upn = format!("user{i}@contoso.example");
        assert_eq!(user.sign_in(&upn, PASSWORD).await, StatusCode::OK);
        let (registration, key) = start_app(&user).await;
        users.push((user, registration, key));
    }
    let mut verifications = JoinSet::new();
    for (user, registration, key) in &users {
        let code = app_code(key, 0);
        for _ in 0..VERIFICATIONS_PER_USER {
            let (user, path, code) = (
                Arc::clone(user),
                format!("/me/registrations/{}/verify", registration.id),
                code.clone(),
            );
            verifications.spawn(async move {
                user.post(&path, json!({"kind": "code", "code": code}))
                    .await
                    .status()
            });
        }
    }
    let mut statuses = Vec::new();
    while let Some(status) = verifications.join_next().await {
        statuses.push(status.expect("task"));
    }
    assert_eq!(statuses.len(), USERS * VERIFICATIONS_PER_USER);
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert!(
        statuses.iter().all(|s| s.is_client_error()
            || *s == StatusCode::CREATED
            || *s == StatusCode::SERVICE_UNAVAILABLE),
        "no other answer than the method, a refusal or a 503 to retry: {statuses:?}"
    );
    // Each registration became one method, whichever verification won; none was lost.
    for (user, _, _) in &users {
        assert_eq!(user.method_ids().await.len(), 1);
    }
    assert_eq!(created, USERS, "one method made per registration");
    let methods = cluster
        .db()
        .await
        .number("select count(*) from method where method_type = 'authenticatorApp'")
        .await;
    assert_eq!(methods, USERS as i64);
}

#[tokio::test]
async fn mail_held_by_a_killed_process_is_delivered_once_by_the_other_after_the_lease() {
    // The first process's mail server accepts connections and never answers: its worker
    // claims the code mails and hangs delivering them.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let silent_url = format!(
        "smtp://127.0.0.1:{}",
        silent.local_addr().expect("addr").port()
    );
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let lease = [("SECURITY_INFO_OUTBOX_LEASE_SECONDS", "3")];
    let mut cluster = Cluster::start(
        1,
        &[lease[0], ("SECURITY_INFO_SMTP_URL", silent_url.as_str())],
    )
    .await;
    let addresses = [
        "alain@gmail.com",
        "alain@outlook.example",
        "megan@gmail.com",
    ];
    let alain = Alternating::new(&cluster);
    let megan = Alternating::new(&cluster);
    assert_eq!(alain.sign_in(ALAIN, PASSWORD).await, StatusCode::OK);
    assert_eq!(megan.sign_in(MEGAN, PASSWORD).await, StatusCode::OK);
    for (user, address) in [
        (&alain, addresses[0]),
        (&alain, addresses[1]),
        (&megan, addresses[2]),
    ] {
        let response = user
            .post(
                "/me/registrations",
                json!({"type": "email", "emailAddress": address}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let db = cluster.db().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while db
        .number("select count(*) from outbox_message where claimed_until is not null")
        .await
        == 0
    {
        assert!(tokio::time::Instant::now() < deadline, "no message claimed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.servers.remove(0).kill().await;

    let mut sink = SmtpSink::start().await;
    cluster
        .add(&[lease[0], ("SECURITY_INFO_SMTP_URL", sink.url().as_str())])
        .await;
    // Every code mail arrives at the receiving server, then, a lease later, nothing more.
    let mut received: Vec<String> = Vec::new();
    let mut deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let wait = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Ok(Some(mail)) = tokio::time::timeout(wait, sink.messages.recv()).await else {
            break;
        };
        received.extend(
            mail["envelopeTo"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|to| to.as_str().map(str::to_owned)),
        );
        if addresses.iter().all(|a| received.iter().any(|r| r == a)) {
            deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        }
    }
    for address in addresses {
        let times = received.iter().filter(|r| *r == address).count();
        assert_eq!(
            times, 1,
            "{address} got its code mail {times} times: {received:?}"
        );
    }
    let unsent = db
        .number("select count(*) from outbox_message where sent_at is null")
        .await;
    assert_eq!(unsent, 0);
}
