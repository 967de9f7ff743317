//! The PostgreSQL implementation of the store traits, for several server processes on one
//! database. One file per aggregate, as for SQLite; this one holds the connection pool.
//!
//! Unlike SQLite, PostgreSQL runs transactions side by side, here and in other processes, so
//! a rule checked inside a transaction holds only if the rows it reads cannot change before it
//! commits. Each writer says how: a row lock (`select ... for update`) on the row the rule is
//! about, or a transaction-scoped advisory lock on the key of a count (see [`lock_key`]) when
//! the rule counts rows that may not exist yet, which no row lock can cover.

use anyhow::Context;
use async_trait::async_trait;
use std::str::FromStr;

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use time::OffsetDateTime;

use super::{RetentionPolicy, Store, SweepCounts};
use crate::clock;

mod accounts;
mod audit;
mod methods;
mod operator;
mod outbox;
mod password_resets;
mod registrations;
mod retention;
mod rows;
mod second_steps;
mod sessions;
mod sign_in_attempt;

/// Migrations of this engine, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Connections to one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// How long a claim on outbox messages holds: longer than a batch's delivery takes (SMTP
    /// and SMS timeouts included), short enough that the messages of a process that died are
    /// sent soon after by another one.
    outbox_lease: time::Duration,
}

/// The outbox lease unless configured otherwise.
const DEFAULT_OUTBOX_LEASE: time::Duration = time::Duration::minutes(2);

/// How long a statement waits for a lock another transaction holds.
const LOCK_TIMEOUT: &str = "10s";

/// Connections per process: a request makes at most one query at a time, and the database's
/// own cores, not this process's, bound how many run at once.
const CONNECTIONS: u32 = 16;

impl PgStore {
    /// Connects to and migrates the database at `url` (`postgres://...`). Several processes
    /// may start at once: sqlx takes an advisory lock around the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .context("SECURITY_INFO_DATABASE_URL is not a valid PostgreSQL URL")?
            // As SQLite's busy timeout: a lock held longer than this (an operator's
            // `lock table`, a long migration) fails the request with a 503 to retry, instead
            // of holding it and its connection without end.
            .options([("lock_timeout", LOCK_TIMEOUT)]);
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await
            .context("cannot open the PostgreSQL database")?;
        MIGRATOR
            .run(&pool)
            .await
            .context("database migrations failed")?;
        Ok(Self {
            pool,
            outbox_lease: DEFAULT_OUTBOX_LEASE,
        })
    }

    /// Sets how long this process's claims on outbox messages hold.
    pub fn with_outbox_lease(mut self, lease: time::Duration) -> Self {
        self.outbox_lease = lease;
        self
    }

    /// The connection pool (for the tests that look at the database directly).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, generate: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        // Processes starting together each insert their own value; the primary key keeps the
        // first, and every process then reads that one.
        sqlx::query(
            "insert into server_secret (server_secret_id, value, created_at) values ($1, $2, $3)
             on conflict (server_secret_id) do nothing",
        )
        .bind(name)
        .bind(generate)
        .bind(clock::now())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("select value from server_secret where server_secret_id = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn sweep(
        &self,
        now: OffsetDateTime,
        policy: &RetentionPolicy,
    ) -> anyhow::Result<SweepCounts> {
        retention::sweep(&self.pool, now, policy).await
    }
}

/// A transaction-scoped advisory lock on `key` (e.g. `sign_in:alice@contoso.example`): held by
/// one transaction at a time, in any process, until it commits or rolls back. Taken before a
/// rule counts rows (attempts, codes) so that two transactions cannot both count, both find
/// room under the limit and both insert. `hashtextextended` maps the key to the lock's 64-bit
/// id; two keys sharing an id only wait for each other, never skip a check.
pub(super) async fn lock_key(conn: &mut sqlx::PgConnection, key: &str) -> anyhow::Result<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks the account's row until the transaction ends: taken by the changes that replace a
/// set of the account's rows (its pending registration or second step, its recovery codes) or
/// count them (its methods), so that two such changes, in any processes, run one after the
/// other.
pub(super) async fn lock_account(
    conn: &mut sqlx::PgConnection,
    account_id: &crate::store::AccountId,
) -> anyhow::Result<()> {
    sqlx::query("select 1 from account where account_id = $1 for update")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}
