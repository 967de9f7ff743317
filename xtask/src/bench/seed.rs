//! Seeds many accounts straight into the database (SQLite's sqlite3 shell, PostgreSQL's psql), in seconds rather than the
//! hours a million sign-ups through the API would take. Every account gets the demo password
//! hash and one email method, so `GET /me/methods` has something to return.

use std::{path::Path, process::Stdio};

use crate::process::{Result, command};

/// Adds accounts `user1@contoso.example` ... `user<count>@contoso.example`, each with one email
/// method. The server must have created the schema and the demo accounts first.
pub fn seed_accounts(database: &Path, count: u64) -> Result {
    let sql = format!(
        "pragma journal_mode = wal;
         pragma synchronous = off;
         begin;
         create temp table bench_n (i integer primary key);
         with recursive n(i) as (select 1 union all select i + 1 from n where i < {count})
           insert into bench_n select i from n;
         insert into account (account_id, user_principal_name, display_name, password_hash, language, created_at)
           select 'bench-account-' || i, 'user' || i || '@contoso.example', 'Bench User ' || i,
                  (select password_hash from account where user_principal_name = 'alain@contoso.example'),
                  'en', '2026-01-01T00:00:00.000Z'
           from bench_n;
         insert into method (method_id, account_id, method_type, slot, detail, created_at)
           select 'bench-method-' || i, 'bench-account-' || i, 'email', '',
                  json_object('emailAddress', 'user' || i || '@example.net'),
                  '2026-01-01T00:00:00.000Z'
           from bench_n;
         commit;"
    );
    let mut child = command("sqlite3")
        .arg(database)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start sqlite3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(sql.as_bytes())
            .map_err(|e| format!("sqlite3: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("sqlite3: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("seeding {count} accounts failed ({status})"))
    }
}

/// The same accounts and methods as [`seed_accounts`], as SQL for PostgreSQL (run by psql).
pub fn postgres_seed_sql(count: u64) -> String {
    format!(
        "begin;
         insert into account (account_id, user_principal_name, display_name, password_hash, language, created_at)
           select 'bench-account-' || i, 'user' || i || '@contoso.example', 'Bench User ' || i,
                  (select password_hash from account where user_principal_name = 'alain@contoso.example'),
                  'en', '2026-01-01T00:00:00.000Z'
           from generate_series(1, {count}) as i;
         insert into method (method_id, account_id, method_type, slot, detail, created_at)
           select 'bench-method-' || i, 'bench-account-' || i, 'email', '',
                  json_build_object('emailAddress', 'user' || i || '@example.net')::text,
                  '2026-01-01T00:00:00.000Z'
           from generate_series(1, {count}) as i;
         commit;"
    )
}

/// The username of seeded account `i` (1-based).
pub fn username(i: u64) -> String {
    format!("user{i}@contoso.example")
}
