//! `GET /api/v1/me/methods` under load from wrk, spread over many signed-in users.

use std::{fmt::Write as _, path::Path};

use serde_json::{Value, json};

use super::client::Session;
use crate::process::{Result, command};

/// Connections, threads and duration of every wrk run.
pub const CONNECTIONS: u32 = 64;
const THREADS: u32 = 2;
const SECONDS: u32 = 10;

/// Runs wrk against `base` with the sessions' cookies in turn; returns its figures as JSON.
pub fn run_wrk(base: &str, sessions: &[Session], scratch: &Path) -> Result<Value> {
    run_wrk_with(base, sessions, scratch, CONNECTIONS)
}

/// [`run_wrk`] with `connections` connections (one of several loads running at once).
pub fn run_wrk_with(
    base: &str,
    sessions: &[Session],
    scratch: &Path,
    connections: u32,
) -> Result<Value> {
    let script = scratch.join(format!(
        "methods-{}.lua",
        base.rsplit(':').next().unwrap_or("")
    ));
    std::fs::write(&script, lua_script(sessions))
        .map_err(|e| format!("cannot write {script:?}: {e}"))?;
    let output = command("wrk")
        .args([
            &format!("-t{THREADS}"),
            &format!("-c{connections}"),
            &format!("-d{SECONDS}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(format!("{base}/api/v1/me/methods"))
        .output()
        .map_err(|e| format!("cannot start wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| format!("wrk printed no result:\n{stdout}"))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [requests, micros, p50, p99, non_2xx, socket_errors] = numbers[..] else {
        return Err(format!("unexpected wrk result: {line}"));
    };
    Ok(json!({
        "connections": connections,
        "seconds": SECONDS,
        "users": sessions.len(),
        "requests": requests,
        "requestsPerSecond": requests / (micros / 1e6),
        "p50Ms": p50 / 1000.0,
        "p99Ms": p99 / 1000.0,
        "non2xx": non_2xx,
        "socketErrors": socket_errors,
    }))
}

/// A wrk script sending each request with the next user's session cookie.
fn lua_script(sessions: &[Session]) -> String {
    let mut script = String::from("local cookies = {\n");
    for session in sessions {
        let _ = writeln!(script, "  \"{}\",", session.cookie);
    }
    script.push_str(
        r#"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", nil, { ["Cookie"] = cookies[(i % #cookies) + 1] })
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"#,
    );
    script
}
