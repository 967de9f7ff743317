//! `cargo xtask bench`: transfer size, page load, interaction and API throughput of the release
//! build on this machine, written to `bench/results.json` and `bench/README.md`.
//!
//! Budgets are targets to read, not assertions: a missed budget is reported with by how much.

mod api_load;
pub mod client;
mod cycle;
mod postgres;
mod report;
mod seed;
pub mod server;
mod stats;
mod transfer;

use std::{path::Path, time::Instant};

use serde_json::{Value, json};

use self::{
    client::{Client, Session},
    server::{BenchServer, PASSWORD},
};
use crate::{
    build,
    process::{Result, command, root},
    tools,
};

/// Signed-in users spread over by the API benchmarks.
const USERS: u64 = 1_000;
/// Accounts in the database of the scale run.
const MILLION: u64 = 1_000_000;

/// Runs every benchmark and writes the results page.
pub fn bench() -> Result {
    let started = Instant::now();
    tools::ensure_test_tools()?;
    tools::ensure_apt_commands(&[("wrk", "wrk"), ("sqlite3", "sqlite3")])?;
    build::build_app()?;
    let binary = build::build_server()?;
    // After the builds: what else was running when the measuring began.
    let load_at_start = load_average();

    println!("measuring transfer size");
    let transfer = transfer::measure(&root().join("dist"))?;

    println!("1,000 users: GET load, page load, full cycle");
    let dir = server::scratch_dir("thousand")?;
    let server = seeded_server(&binary, &dir.join("bench.db"), USERS)?;
    let sessions = sign_in_all(&server.client, (1..=USERS).collect())?;
    let thousand = api_load::run_wrk(server.client.base(), &sessions, &dir)?;
    let page = page_load(server.client.base(), &sessions[0])?;
    delete_seeded_methods(&server.client, &sessions)?;
    let cycles = cycle::run(&server.client, &sessions)?;
    let peak_rss = server.peak_rss();
    server.stop();

    println!("1,000,000 users: GET load");
    let dir = server::scratch_dir("million")?;
    let server = seeded_server(&binary, &dir.join("bench.db"), MILLION)?;
    let spread: Vec<u64> = (0..USERS).map(|k| k * (MILLION / USERS) + 1).collect();
    let sessions = sign_in_all(&server.client, spread)?;
    let million = api_load::run_wrk(server.client.base(), &sessions, &dir)?;
    server.stop();

    let postgres = postgres::run(&binary)?;

    let results = json!({
        "finishedAt": command("date").args(["-u", "+%Y-%m-%dT%H:%M:%SZ"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default(),
        "durationSeconds": started.elapsed().as_secs(),
        "machine": machine(load_at_start),
        "transfer": transfer,
        "page": page,
        "api": { "thousandUsers": thousand, "millionUsers": million },
        "cycle": cycles,
        "server": { "peakRssBytes": peak_rss },
        "postgres": postgres,
    });
    report::write(&results)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&results).unwrap_or_default()
    );
    println!(
        "wrote bench/results.json and bench/README.md in {} s",
        started.elapsed().as_secs()
    );
    Ok(())
}

/// Measures PostgreSQL only (`--store postgres`) and writes its figures into the results
/// page beside those of the last full run.
pub fn postgres_only() -> Result {
    tools::ensure_test_tools()?;
    tools::ensure_apt_commands(&[("wrk", "wrk")])?;
    build::build_app()?;
    let binary = build::build_server()?;
    let path = root().join("bench/results.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let mut results: Value = serde_json::from_str(&text).map_err(|e| format!("{path:?}: {e}"))?;
    results["postgres"] = postgres::run(&binary)?;
    report::write(&results)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&results["postgres"]).unwrap_or_default()
    );
    Ok(())
}

/// Writes the results page again from `bench/results.json` (after editing `bench/why.md`).
pub fn report_only() -> Result {
    let path = root().join("bench/results.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let results: Value = serde_json::from_str(&text).map_err(|e| format!("{path:?}: {e}"))?;
    report::write(&results)
}

/// Starts the server once to create the schema and demo accounts, seeds `count` accounts,
/// and starts it again on the seeded database.
fn seeded_server(binary: &Path, database: &Path, count: u64) -> Result<BenchServer> {
    BenchServer::start(binary, database)?.stop();
    let seeding = Instant::now();
    seed::seed_accounts(database, count)?;
    println!(
        "seeded {count} accounts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    BenchServer::start(binary, database)
}

/// Signs in the seeded accounts with these numbers, eight at a time.
fn sign_in_all(client: &Client, numbers: Vec<u64>) -> Result<Vec<Session>> {
    let signing = Instant::now();
    let sessions = std::thread::scope(|scope| {
        let chunks: Vec<_> = numbers
            .chunks(numbers.len().div_ceil(8).max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|i| client.sign_in(&seed::username(*i), PASSWORD))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .map(|c| {
                c.join()
                    .unwrap_or_else(|_| Err("sign-in thread panicked".into()))
            })
            .collect::<Result<Vec<Vec<Session>>>>()
    })?;
    println!(
        "signed in {} users in {:.1} s",
        numbers.len(),
        signing.elapsed().as_secs_f64()
    );
    Ok(sessions.into_iter().flatten().collect())
}

/// The cycle adds an email method, so the seeded one goes first (not timed).
fn delete_seeded_methods(client: &Client, sessions: &[Session]) -> Result {
    for session in sessions {
        let (_, list) = client.call(session, "GET", "/api/v1/me/methods", None)?;
        for method in list["methods"].as_array().into_iter().flatten() {
            let id = method["id"].as_str().unwrap_or_default();
            let (status, body) =
                client.call(session, "DELETE", &format!("/api/v1/me/methods/{id}"), None)?;
            if status != 204 {
                return Err(format!(
                    "deleting a seeded method answered {status}: {body}"
                ));
            }
        }
    }
    Ok(())
}

/// Runs `bench/page-load.mjs` in headless Chromium for a user with one method.
fn page_load(base: &str, session: &Session) -> Result<Value> {
    let cookie_value = session.cookie.split_once('=').map_or("", |(_, v)| v);
    let output = command("node")
        .arg(root().join("bench/page-load.mjs"))
        .args([base, cookie_value, &add_method_label()?])
        .env("CHROMIUM_PATH", tools::CHROMIUM)
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "page-load benchmark failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("page-load benchmark printed {line:?}: {e}"))
}

/// The English label of the Add method button, from the locale file the app is built from.
fn add_method_label() -> Result<String> {
    let path = root().join("locales/en.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path:?}: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{path:?}: {e}"))?;
    json["add_method"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{path:?} has no add_method label"))
}

/// The 1-minute load average: a busy machine slows every figure, so the page says it.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn machine(load_at_start: f64) -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "memory": memory,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "loadAverageAtStart": load_at_start,
        "loadAverageAtEnd": load_average(),
    })
}
