//! The SMS and voice gateway receiver (`tests/support/sms_gateway.mjs`, the one
//! `docs/sms-gateway.md` shows), run with Node: it checks each request's signature and prints
//! what it got as a JSON line, which the tests read here.

use std::{path::Path, process::Stdio, time::Duration};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

/// The shared secret the tests' gateways use.
pub const GATEWAY_SECRET: &str = "a-gateway-secret-of-32-characters!";

/// A running receiver.
pub struct Receiver {
    port: u16,
    /// What it printed after its port, in order.
    pub requests: mpsc::UnboundedReceiver<Value>,
    _child: Child,
}

impl Receiver {
    /// Starts one checking signatures with `secret`, answering `fail_status` to the first
    /// `fail_first` requests.
    pub async fn start(secret: &str, fail_first: u32, fail_status: u16) -> Self {
        Self::start_with(&[
            ("SMS_GATEWAY_SECRET", secret),
            ("SMS_GATEWAY_FAIL", &fail_first.to_string()),
            ("SMS_GATEWAY_FAIL_STATUS", &fail_status.to_string()),
        ])
        .await
    }

    /// One taking requests signed with [`GATEWAY_SECRET`] except `rate` of them, which it drops
    /// or answers 503 (see `sms_gateway.mjs`), the same way for `seed`.
    pub async fn with_faults(rate: f64, seed: u32) -> Self {
        Self::start_with(&[
            ("SMS_GATEWAY_SECRET", GATEWAY_SECRET),
            ("SMS_GATEWAY_FAULT_RATE", &rate.to_string()),
            ("SMS_GATEWAY_SEED", &seed.to_string()),
        ])
        .await
    }

    async fn start_with(env: &[(&str, &str)]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sms_gateway.mjs");
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("`node` runs the gateway receiver");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver starts")
            .expect("read")
            .expect("the receiver prints its port");
        let port = serde_json::from_str::<Value>(&first).expect("json")["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("port");
        let (sender, requests) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(request) = serde_json::from_str::<Value>(&line) {
                    let _ = sender.send(request);
                }
            }
        });
        Self {
            port,
            requests,
            _child: child,
        }
    }

    /// A receiver that takes every request signed with [`GATEWAY_SECRET`].
    pub async fn taking_all() -> Self {
        Self::start(GATEWAY_SECRET, 0, 500).await
    }

    /// The URL the server posts to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/send", self.port)
    }

    /// The server arguments that send texts and calls here.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--sms-gateway-url".into(),
            self.url(),
            "--sms-gateway-secret".into(),
            GATEWAY_SECRET.into(),
        ]
    }

    /// What the receiver made of the next request: `{verified, status, message}`.
    pub async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(30), self.requests.recv())
            .await
            .expect("a request reaches the gateway")
            .expect("receiver running")
    }

    /// Whether a request arrives within `wait` (for "nothing was sent").
    pub async fn anything_within(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.requests.recv())
            .await
            .ok()
            .flatten()
    }
}

/// The code in a text (`123456 is your ...`) or a call (`... is: 1, 2, 3, 4, 5, 6. ...`): the
/// first run of digits, read across the separators a call puts between them.
pub fn code_in_message(text: &str) -> String {
    let mut code = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            code.push(c);
        } else if !code.is_empty() && !matches!(c, ',' | ' ') {
            break;
        }
    }
    code
}
