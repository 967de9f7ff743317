//! The full registration cycle (create a registration, read the code, verify, delete) driven by
//! many users at once. Mail delivery is waited for but not timed: the budget is for the API.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{
    client::{Client, Session, code_in_mail},
    stats,
};
use crate::process::Result;

/// Worker threads issuing requests.
const THREADS: usize = 16;
/// Users per round: the development outbox keeps the newest 500 messages.
const ROUND: usize = 400;

/// Runs one cycle per session, `ROUND` users at a time; returns the figures as JSON.
pub fn run(client: &Client, sessions: &[Session]) -> Result<Value> {
    let mut timed = Duration::ZERO;
    let mut latencies = Vec::new();
    for (round, users) in sessions.chunks(ROUND).enumerate() {
        let addresses: Vec<String> = (0..users.len())
            .map(|i| format!("bench-{round}-{i}@example.net"))
            .collect();

        let (registrations, created_in) = parallel(users.len(), |i| {
            let started = Instant::now();
            let (status, body) = client.call(
                &users[i],
                "POST",
                "/api/v1/me/registrations",
                Some(json!({ "type": "email", "emailAddress": addresses[i] })),
            )?;
            expect(status, 202, &body)?;
            let id = body["id"]
                .as_str()
                .ok_or("registration without id")?
                .to_owned();
            Ok((id, started.elapsed()))
        })?;

        let codes = wait_for_codes(client, &addresses)?;

        let (methods, verified_in) = parallel(users.len(), |i| {
            let started = Instant::now();
            let code = codes.get(&addresses[i]).ok_or("no code for an address")?;
            let path = format!("/api/v1/me/registrations/{}/verify", registrations[i].0);
            let answer = json!({ "kind": "code", "code": code });
            let (status, body) = client.call(&users[i], "POST", &path, Some(answer))?;
            expect(status, 201, &body)?;
            let id = body["method"]["id"]
                .as_str()
                .ok_or("method without id")?
                .to_owned();
            Ok((id, started.elapsed()))
        })?;

        let (deleted, deleted_in) = parallel(users.len(), |i| {
            let started = Instant::now();
            let path = format!("/api/v1/me/methods/{}", methods[i].0);
            let (status, body) = client.call(&users[i], "DELETE", &path, None)?;
            expect(status, 204, &body)?;
            Ok(started.elapsed())
        })?;

        timed += created_in + verified_in + deleted_in;
        for i in 0..users.len() {
            latencies.push(registrations[i].1 + methods[i].1 + deleted[i]);
        }
    }
    let cycles = latencies.len();
    Ok(json!({
        "cycles": cycles,
        "threads": THREADS,
        "cyclesPerSecond": cycles as f64 / timed.as_secs_f64(),
        "p50Ms": stats::percentile_ms(&mut latencies, 50.0),
        "p99Ms": stats::percentile_ms(&mut latencies, 99.0),
    }))
}

fn expect(status: u16, wanted: u16, body: &Value) -> Result {
    if status == wanted {
        Ok(())
    } else {
        Err(format!("expected {wanted}, got {status}: {body}"))
    }
}

/// Polls the development outbox until every address has its code (at most 120 s).
fn wait_for_codes(client: &Client, addresses: &[String]) -> Result<HashMap<String, String>> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mailbox = client.mailbox()?;
        let mut codes = HashMap::new();
        for message in mailbox["messages"].as_array().into_iter().flatten() {
            let to = message["to"].as_str().unwrap_or_default();
            if let Some(code) = message["text"].as_str().and_then(code_in_mail) {
                codes.entry(to.to_owned()).or_insert(code);
            }
        }
        if addresses.iter().all(|a| codes.contains_key(a)) {
            return Ok(codes);
        }
        if Instant::now() > deadline {
            return Err("codes did not arrive in the development outbox within 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `task(0..count)` on `THREADS` threads; returns the results in order and the wall time.
fn parallel<R: Send>(
    count: usize,
    task: impl Fn(usize) -> Result<R> + Sync,
) -> Result<(Vec<R>, Duration)> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let mut results: Vec<(usize, Result<R>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            break done;
                        }
                        done.push((i, task(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed();
    results.sort_by_key(|(i, _)| *i);
    if results.len() != count {
        return Err("a worker thread panicked".into());
    }
    let values = results
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<R>>>()?;
    Ok((values, elapsed))
}
