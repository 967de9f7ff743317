//! The API load again on PostgreSQL, with two server processes on one database (the
//! several-process deployment of docs/deploy.md): the same 1,000 users and `GET /me/methods`
//! load, split over both processes at once, and the full registration cycle.

use std::path::Path;

use local_postgres::LocalPostgres;
use serde_json::{Value, json};

use super::{
    USERS, api_load, cycle, delete_seeded_methods, seed,
    server::{self, BenchServer},
    sign_in_all,
};
use crate::process::Result;

/// Server processes on the database.
const PROCESSES: usize = 2;

/// Runs the PostgreSQL benchmarks with the release server `binary`; returns their figures.
pub fn run(binary: &Path) -> Result<Value> {
    println!("PostgreSQL, {PROCESSES} processes, 1,000 users: GET load, full cycle");
    let dir = server::scratch_dir("postgres")?;
    let postgres = LocalPostgres::start().map_err(|e| e.to_string())?;
    postgres
        .create_database("bench")
        .map_err(|e| e.to_string())?;
    let url = postgres.url("bench");
    // The first start makes the schema and the demo accounts the seed copies a hash from.
    BenchServer::start_on(binary, &url, &[])?.stop();
    postgres
        .psql("bench", &seed::postgres_seed_sql(USERS))
        .map_err(|e| e.to_string())?;
    let servers = (0..PROCESSES)
        .map(|_| BenchServer::start_on(binary, &url, &[]))
        .collect::<Result<Vec<_>>>()?;
    let sessions = sign_in_all(&servers[0].client, (1..=USERS).collect())?;

    // One wrk per process at once, the connections split between them, as a balancer would.
    let per_process = api_load::CONNECTIONS / PROCESSES as u32;
    let loads = std::thread::scope(|scope| {
        let runs: Vec<_> = servers
            .iter()
            .map(|server| {
                let (sessions, dir) = (&sessions, &dir);
                scope.spawn(move || {
                    api_load::run_wrk_with(server.client.base(), sessions, dir, per_process)
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|_| Err("wrk thread panicked".into()))
            })
            .collect::<Result<Vec<Value>>>()
    })?;
    let total = |key: &str| loads.iter().filter_map(|l| l[key].as_f64()).sum::<f64>();
    let worst = |key: &str| {
        loads
            .iter()
            .filter_map(|l| l[key].as_f64())
            .fold(0.0, f64::max)
    };
    let load = json!({
        "connections": api_load::CONNECTIONS,
        "seconds": loads[0]["seconds"],
        "users": sessions.len(),
        "requests": total("requests"),
        "requestsPerSecond": total("requestsPerSecond"),
        "p50Ms": worst("p50Ms"),
        "p99Ms": worst("p99Ms"),
        "non2xx": total("non2xx"),
        "socketErrors": total("socketErrors"),
    });

    // The cycle reads codes from the development outbox, which is per process: one process
    // runs it, so that its own worker delivers the mail it reads.
    let mut servers = servers.into_iter();
    let cycling = servers.next().ok_or("no server")?;
    servers.for_each(BenchServer::stop);
    delete_seeded_methods(&cycling.client, &sessions)?;
    let cycles = cycle::run(&cycling.client, &sessions)?;
    cycling.stop();
    Ok(json!({
        "processes": PROCESSES,
        "thousandUsers": load,
        "cycle": cycles,
    }))
}
