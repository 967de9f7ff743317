//! A release server started for a benchmark, on a free port with its own database.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::client::Client;
use crate::process::{Result, root};

/// Password of the benchmark's accounts.
pub const PASSWORD: &str = "bench-password-2026";

/// A running server process.
pub struct BenchServer {
    child: Child,
    /// Its API client.
    pub client: Client,
}

impl BenchServer {
    /// Starts `binary` with the database at `database` (created if missing) and demo accounts.
    pub fn start(binary: &Path, database: &Path) -> Result<Self> {
        Self::start_with(binary, database, &[])
    }

    /// [`Self::start`] with more `SECURITY_INFO_*` settings (`(name, value)`), e.g. limits.
    pub fn start_with(binary: &Path, database: &Path, settings: &[(&str, &str)]) -> Result<Self> {
        Self::start_on(
            binary,
            &format!("sqlite://{}?mode=rwc", database.display()),
            settings,
        )
    }

    /// Starts `binary` on the database at `database_url` (SQLite or PostgreSQL) with demo
    /// accounts and more `SECURITY_INFO_*` settings.
    pub fn start_on(binary: &Path, database_url: &str, settings: &[(&str, &str)]) -> Result<Self> {
        let port = free_port()?;
        let child = Command::new(binary)
            .current_dir(root())
            .env("SECURITY_INFO_LISTEN", format!("127.0.0.1:{port}"))
            .env("SECURITY_INFO_DATABASE_URL", database_url)
            .env("SECURITY_INFO_DIST_DIR", root().join("dist"))
            .env("SECURITY_INFO_DEMO_ACCOUNTS", "true")
            .env("SECURITY_INFO_DEV_MAILBOX", "true")
            .env("SECURITY_INFO_DEMO_PASSWORD", PASSWORD)
            .env(
                "SECURITY_INFO_CODE_SECRET",
                "bench-code-secret-bench-code-secret-0123",
            )
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let client = Client::new(&format!("http://127.0.0.1:{port}"));
        let server = Self { child, client };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server.client.healthy() {
            if Instant::now() > deadline {
                return Err("the server did not become healthy in 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// The process id (for `wrk` targets and memory readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A fresh, empty folder under the target dir for one benchmark's databases.
pub fn scratch_dir(name: &str) -> Result<PathBuf> {
    let dir = crate::process::target_dir().join("bench").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
    Ok(dir)
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
