//! The server under faults: 200 users sign in, add an email address (a quarter also a phone),
//! verify it and a third delete it again, while the SMTP server and the SMS gateway drop
//! connections and refuse part of the time, and the server process is killed with SIGKILL and
//! started again twice on its database. Afterwards every method whose verification was
//! answered 201 is there exactly once (and gone when its deletion was answered 204), every
//! message of the outbox reached its receiver (told apart by its stable id: the Message-ID of
//! a mail, the `messageId` of a text), at most one message per kill reached it twice, and no
//! client got a 5xx other than a 503 with `Retry-After`. The figures are printed.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{RwLock, Semaphore};

use crate::{
    accounts_cli::accounts,
    gateway_receiver::{Receiver, code_in_message},
    helpers::{report, sqlite_url},
    server_process::{ServerProcess, temp_database},
    smtp::SmtpSink,
};

/// Users of the load.
const USERS: usize = 200;
/// Users working at the same time.
const CONCURRENCY: usize = 16;
/// Share of SMTP connections and messages, and of gateway requests, that fail.
const FAULT_RATE: f64 = 0.2;
/// The load's users' password.
const PASSWORD: &str = "Fault-load-password-2026";
/// After how many finished users the server is killed (and started again).
const KILL_AFTER: [usize; 2] = [60, 130];
/// How long a request keeps being retried while the server is down.
const OUTAGE_PATIENCE: Duration = Duration::from_secs(60);

/// What every receiver got, by kind.
#[derive(Default)]
struct Received {
    /// Message-IDs of the mails taken, one entry per delivery.
    mail_ids: Vec<String>,
    /// Codes in the mails, by recipient, newest last.
    codes: HashMap<String, Vec<String>>,
    /// `messageId`s of the texts taken (202), one entry per delivery.
    text_ids: Vec<String>,
    /// Faults injected: SMTP and gateway.
    faults: usize,
}

/// Collects what the SMTP sink and the gateway print into `received`.
fn collect(mut sink: SmtpSink, mut gateway: Receiver, received: Arc<Mutex<Received>>) {
    let mails = received.clone();
    tokio::spawn(async move {
        while let Some(line) = sink.messages.recv().await {
            let mut got = mails.lock().expect("received");
            if line.get("fault").is_some() {
                got.faults += 1;
                continue;
            }
            let id = line["messageId"].as_str().unwrap_or_default().to_owned();
            got.mail_ids.push(id);
            let to = line["to"].as_str().unwrap_or_default().to_lowercase();
            if let Some(code) = line["text"].as_str().and_then(crate::helpers::code_in) {
                got.codes.entry(to).or_default().push(code);
            }
        }
        // The sink lives as long as the test: kept here.
        drop(sink);
    });
    tokio::spawn(async move {
        while let Some(line) = gateway.requests.recv().await {
            let mut got = received.lock().expect("received");
            if line.get("fault").is_some() {
                got.faults += 1;
                continue;
            }
            if line["status"] == 202 {
                let message = &line["message"];
                got.text_ids
                    .push(message["messageId"].as_str().unwrap_or_default().to_owned());
                let to = message["to"].as_str().unwrap_or_default().to_owned();
                // Only codes are texted in this load: each text starts with one.
                if let Some(text) = message["text"].as_str() {
                    got.codes.entry(to).or_default().push(code_in_message(text));
                }
            }
        }
        drop(gateway);
    });
}

/// The server's address as it is now, and the statuses its clients saw.
struct Target {
    address: RwLock<String>,
    /// Every 5xx answered: its status and whether it had `Retry-After`.
    server_errors: Mutex<Vec<(u16, bool)>>,
    /// Requests that met a closed connection (the process was down) and were sent again.
    retried: AtomicUsize,
}

impl Target {
    /// Sends a request until it gets an answer that is not a 503, waiting out outages (a
    /// closed connection) and honouring `Retry-After`.
    async fn send(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < OUTAGE_PATIENCE,
                "{method} {path} got no answer for {OUTAGE_PATIENCE:?}"
            );
            let url = format!("{}/api/v1{path}", self.address.read().await);
            let mut request = client.request(method.clone(), url);
            if let Some(body) = &body {
                request = request.json(body);
            }
            match request.send().await {
                Err(_) => {
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Ok(response) if response.status().is_server_error() => {
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    self.server_errors
                        .lock()
                        .expect("errors")
                        .push((response.status().as_u16(), retry_after.is_some()));
                    if response.status() != StatusCode::SERVICE_UNAVAILABLE {
                        return response;
                    }
                    let wait = Duration::from_secs(retry_after.unwrap_or(1).min(1));
                    tokio::time::sleep(wait).await;
                }
                Ok(response) => return response,
            }
        }
    }
}

/// What one user's run ended with.
#[derive(Debug, Default)]
struct Outcome {
    /// Addresses and numbers whose verification was answered 201.
    verified: Vec<String>,
    /// Those whose deletion was answered 204.
    deleted: Vec<String>,
}

/// Waits until a code reaches `to` that was not there before (`seen` codes), and returns it.
async fn new_code(received: &Mutex<Received>, to: &str, seen: usize) -> String {
    let started = Instant::now();
    loop {
        if let Some(code) = received
            .lock()
            .expect("received")
            .codes
            .get(to)
            .filter(|codes| codes.len() > seen)
            .and_then(|codes| codes.last().cloned())
        {
            return code;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no code reached {to}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn codes_seen(received: &Mutex<Received>, to: &str) -> usize {
    received
        .lock()
        .expect("received")
        .codes
        .get(to)
        .map_or(0, Vec::len)
}

/// Adds a method (`body` of the registration, its destination `to` as the receivers see it):
/// starts it, waits for its code, verifies it. Whether the verification was answered 201.
async fn add_method(
    target: &Target,
    client: &reqwest::Client,
    received: &Mutex<Received>,
    body: Value,
    to: &str,
) -> bool {
    for _ in 0..5 {
        let seen = codes_seen(received, to);
        let started = target
            .send(
                client,
                Method::POST,
                "/me/registrations",
                Some(body.clone()),
            )
            .await;
        match started.status() {
            StatusCode::ACCEPTED => {}
            // A verification that went through but whose answer a kill cut off: there, and
            // not counted as answered.
            StatusCode::CONFLICT => return false,
            status => panic!("registration of {to} answered {status}"),
        }
        let registration: Value = started.json().await.expect("registration");
        let id = registration["id"].as_str().expect("id").to_owned();
        let code = new_code(received, to, seen).await;
        let verified = target
            .send(
                client,
                Method::POST,
                &format!("/me/registrations/{id}/verify"),
                Some(json!({"kind": "code", "code": code})),
            )
            .await;
        match verified.status() {
            StatusCode::CREATED => return true,
            // The code of an earlier registration (a kill came between): start again.
            status if status.is_client_error() => {}
            status => panic!("verification of {to} answered {status}"),
        }
    }
    false
}

/// One user's run: sign in, add an email address (every fourth user a phone too), delete it
/// again (every third user).
async fn run_user(index: usize, target: Arc<Target>, received: Arc<Mutex<Received>>) -> Outcome {
    let client = crate::helpers::client();
    let username = format!("user{index}@contoso.example");
    let signed_in = target
        .send(
            &client,
            Method::POST,
            "/session",
            Some(json!({"username": username, "password": PASSWORD})),
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK, "sign-in of {username}");
    let mut outcome = Outcome::default();
    let address = format!("user{index}@gmail.com");
    let email = json!({"type": "email", "emailAddress": address});
    if add_method(&target, &client, &received, email, &address).await {
        outcome.verified.push(address.clone());
    }
    if index.is_multiple_of(4) {
        let number = format!("+316{:08}", 10_000_000 + index);
        let phone = json!({"type": "phone", "kind": "mobile", "region": "NL", "number": number, "channel": "sms"});
        if add_method(&target, &client, &received, phone, &number).await {
            outcome.verified.push(number);
        }
    }
    if index.is_multiple_of(3) {
        let methods: Value = target
            .send(&client, Method::GET, "/me/methods", None)
            .await
            .json()
            .await
            .expect("methods");
        let id = methods["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .find(|m| m["detail"]["emailAddress"] == address.as_str())
            .and_then(|m| m["id"].as_str())
            .map(str::to_owned);
        if let Some(id) = id {
            let deleted = target
                .send(&client, Method::DELETE, &format!("/me/methods/{id}"), None)
                .await;
            // A deletion sent again after a kill finds it gone: that is a deletion too.
            if matches!(
                deleted.status(),
                StatusCode::NO_CONTENT | StatusCode::NOT_FOUND
            ) {
                outcome.deleted.push(address.clone());
            }
        }
    }
    // What is there now, as the user sees it.
    let methods: Value = target
        .send(&client, Method::GET, "/me/methods", None)
        .await
        .json()
        .await
        .expect("methods");
    let listed: Vec<String> = methods["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter_map(|m| {
            m["detail"]["emailAddress"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| m["detail"]["number"].as_str().map(|n| n.replace(' ', "")))
        })
        .collect();
    for destination in &outcome.verified {
        let expected = usize::from(!outcome.deleted.contains(destination));
        let found = listed.iter().filter(|d| *d == destination).count();
        assert_eq!(found, expected, "{username}: {destination} in {listed:?}");
    }
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mixed_load_survives_failing_receivers_and_two_kills() {
    let started = Instant::now();
    let (_dir, database) = temp_database();
    let sink = SmtpSink::with_faults(FAULT_RATE, 7).await;
    let gateway = Receiver::with_faults(FAULT_RATE, 11).await;
    let received = Arc::new(Mutex::new(Received::default()));
    let mut env: Vec<(String, String)> = vec![
        ("SECURITY_INFO_SMTP_URL".into(), sink.url()),
        ("SECURITY_INFO_DEMO_ACCOUNTS".into(), "false".into()),
        ("RUST_LOG".into(), "info".into()),
        (
            "SECURITY_INFO_PHONE_CODES_PER_ADDRESS_PER_HOUR".into(),
            "10000".into(),
        ),
        ("SECURITY_INFO_PHONE_CODES_PER_HOUR".into(), "10000".into()),
    ];
    let gateway_args = gateway.server_args();
    env.push((
        "SECURITY_INFO_SMS_GATEWAY_URL".into(),
        gateway_args[1].clone(),
    ));
    env.push((
        "SECURITY_INFO_SMS_GATEWAY_SECRET".into(),
        gateway_args[3].clone(),
    ));
    collect(sink, gateway, received.clone());
    let env_refs = |env: &[(String, String)]| -> Vec<(String, String)> { env.to_vec() };

    let start = |env: Vec<(String, String)>| {
        let database = database.clone();
        async move {
            let pairs: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            ServerProcess::start(&database, &pairs).await
        }
    };
    let mut server = start(env_refs(&env)).await;
    // Every later start listens where the clients already go.
    let port = server.address.rsplit(':').next().expect("port").to_owned();
    env.push(("SECURITY_INFO_LISTEN".into(), format!("127.0.0.1:{port}")));

    let csv: String =
        std::iter::once("userPrincipalName,displayName,language,password\n".to_owned())
            .chain((0..USERS).map(|i| format!("user{i}@contoso.example,User {i},en,{PASSWORD}\n")))
            .collect();
    let file = database.with_file_name("users.csv");
    std::fs::write(&file, csv).expect("csv");
    let imported = accounts(
        &sqlite_url(&database),
        &["import", &file.display().to_string()],
        None,
    )
    .await;
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let imported_in = started.elapsed();

    let target = Arc::new(Target {
        address: RwLock::new(server.address.clone()),
        server_errors: Mutex::new(Vec::new()),
        retried: AtomicUsize::new(0),
    });
    let finished = Arc::new(AtomicUsize::new(0));
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut users = Vec::new();
    for index in 0..USERS {
        let (target, received, finished, permits) = (
            target.clone(),
            received.clone(),
            finished.clone(),
            permits.clone(),
        );
        users.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.expect("permit");
            let outcome = run_user(index, target, received).await;
            finished.fetch_add(1, Ordering::SeqCst);
            outcome
        }));
    }

    // The kills, while users are under way (and the outbox has messages in flight).
    for kill_after in KILL_AFTER {
        while finished.load(Ordering::SeqCst) < kill_after {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill().await;
        server = start(env_refs(&env)).await;
        *target.address.write().await = server.address.clone();
    }

    let mut verified = 0;
    let mut deleted = 0;
    for user in users {
        let outcome = user.await.expect("a user's run");
        verified += outcome.verified.len();
        deleted += outcome.deleted.len();
    }

    let load_done_in = started.elapsed();
    // Every message of the outbox delivered, as its receiver saw it.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("database");
    let wait_started = Instant::now();
    let outbox: Vec<(String, String)> = loop {
        let pending: i64 =
            sqlx::query_scalar("select count(*) from outbox_message where sent_at is null")
                .fetch_one(&pool)
                .await
                .expect("pending");
        if pending == 0 {
            break sqlx::query_as("select outbox_message_id, template from outbox_message")
                .fetch_all(&pool)
                .await
                .expect("outbox");
        }
        assert!(
            wait_started.elapsed() < Duration::from_secs(120),
            "{pending} messages still undelivered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let received = received.lock().expect("received");
    let mail_ids: HashSet<String> = received
        .mail_ids
        .iter()
        .map(|id| {
            id.trim_matches(['<', '>'])
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let text_ids: HashSet<&String> = received.text_ids.iter().collect();
    let (texts, mails): (Vec<_>, Vec<_>) = outbox
        .iter()
        .partition(|(_, template)| template.starts_with("sms_") || template.starts_with("voice_"));
    for (id, template) in &mails {
        assert!(
            mail_ids.contains(id),
            "mail {id} ({template}) never arrived"
        );
    }
    for (id, template) in &texts {
        assert!(
            text_ids.contains(id),
            "text {id} ({template}) never arrived"
        );
    }
    assert_eq!(mail_ids.len(), mails.len(), "mails nobody queued arrived");
    assert_eq!(text_ids.len(), texts.len(), "texts nobody queued arrived");
    let repeated =
        received.mail_ids.len() - mail_ids.len() + received.text_ids.len() - text_ids.len();
    assert!(
        repeated <= KILL_AFTER.len(),
        "{repeated} messages arrived twice: more than one per kill"
    );
    let server_errors = target.server_errors.lock().expect("errors");
    assert!(
        server_errors
            .iter()
            .all(|&(status, retry_after)| status == 503 && retry_after),
        "5xx answers other than 503 with Retry-After: {server_errors:?}"
    );
    report(format_args!(
        "fault load: {USERS} users, {verified} methods verified and {deleted} deleted, \
         {} mails and {} texts delivered ({repeated} twice), {} faults injected at the receivers, \
         {} kills, {} requests sent again after a kill, {} answers 503, in {:.1} s \
         (accounts imported at {:.1} s, users done at {:.1} s)",
        mails.len(),
        texts.len(),
        received.faults,
        KILL_AFTER.len(),
        target.retried.load(Ordering::Relaxed),
        server_errors.len(),
        started.elapsed().as_secs_f64(),
        imported_in.as_secs_f64(),
        load_done_in.as_secs_f64(),
    ));
    assert!(received.faults > 0, "no fault was injected");
}
