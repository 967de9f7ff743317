//! The real server binary, with its log captured: for what only a separate process shows
//! (a crash between accepting and delivering mail, what reaches the log).

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

use crate::helpers::{ALAIN, PASSWORD, sqlite_url};

/// The real server binary with its log captured.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts the binary on port 0 with the SQLite file `database`, demo accounts, a `dist`
    /// folder beside the database, `RUST_LOG=debug` and the settings of `env`.
    pub async fn start(database: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_on(&sqlite_url(database), &database.with_file_name("dist"), env).await
    }

    /// Starts the binary on port 0 with the database at `database_url`, demo accounts, the
    /// `dist` folder, `RUST_LOG=debug` and the settings of `env`.
    pub async fn start_on(database_url: &str, dist: &Path, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_security-info-server"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SECURITY_INFO_")) {
            command.env_remove(key);
        }
        command
            .env("SECURITY_INFO_LISTEN", "127.0.0.1:0")
            .env("SECURITY_INFO_DATABASE_URL", database_url)
            .env("SECURITY_INFO_DEMO_ACCOUNTS", "true")
            .env("SECURITY_INFO_DIST_DIR", dist)
            .env("RUST_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("the server binary starts");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (address_sender, mut address_receiver) = mpsc::unbounded_channel();
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("Security info is listening")
                    && let Some(address) = line.split("address=").nth(1)
                {
                    let _ = address_sender.send(address.trim().to_owned());
                }
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = tokio::time::timeout(Duration::from_secs(60), address_receiver.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("the server did not start:\n{}", log.lock().expect("log")));
        Self {
            child,
            address: format!("http://{address}"),
            log,
        }
    }

    /// Absolute URL of an API path.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// SIGKILL: no graceful shutdown, nothing flushed on purpose.
    pub async fn kill(mut self) -> String {
        self.child.start_kill().expect("kill");
        let _ = self.child.wait().await;
        self.log.lock().expect("log").clone()
    }
}

/// A temporary folder with a `dist` folder and the path of a database file in it.
pub fn temp_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("dist")).expect("dist");
    let database = dir.path().join("security-info.db");
    (dir, database)
}

/// Signs Alain in on `server` with `client`.
pub async fn sign_in(client: &reqwest::Client, server: &ServerProcess) {
    let response = client
        .post(server.api("/session"))
        .json(&json!({"username": ALAIN, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

/// Signs Alain in on `server` with `client` and starts registering `address`; returns the
/// registration id.
pub async fn sign_in_and_register(
    client: &reqwest::Client,
    server: &ServerProcess,
    address: &str,
) -> String {
    sign_in(client, server).await;
    let response = client
        .post(server.api("/me/registrations"))
        .json(&json!({"type": "email", "emailAddress": address}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.expect("json");
    body["id"].as_str().expect("id").to_owned()
}
