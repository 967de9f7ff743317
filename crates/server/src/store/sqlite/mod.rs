//! The SQLite implementation of [`Store`] and [`MethodStore`]: WAL mode, foreign keys on,
//! migrations at start. One file per aggregate; this one holds the connections.
//! Writes that check a rule first run in `BEGIN IMMEDIATE` transactions, which SQLite
//! serializes, so two concurrent requests cannot both slip under a limit.
//!
//! Every write goes through one connection of its own, behind an async mutex; reads go
//! through read-only connections (see [`Readers`]). SQLite allows one writer at a time anyway; when
//! several connections competed for that lock, the losers got `SQLITE_BUSY` and SQLite's
//! busy handler put them to sleep for 1, 2, 5, 10, ... ms, polling (3,300 such sleeps in
//! 1,000 registration cycles). Queued on the mutex instead, they wait their turn in order and
//! wake as soon as it is free. (A pool of one would do the same but pings the connection on
//! every return, one more round trip to its thread while the write lock is still held.)

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration as StdDuration,
};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::{
    Connection, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};
use tokio::sync::{Mutex, MutexGuard};

use super::{RetentionPolicy, Store, SweepCounts, files, retention};
use crate::clock;

mod accounts;
mod audit;
mod methods;
mod operator;
mod outbox;
mod password_resets;
mod registrations;
mod rows;
mod second_steps;
mod sessions;
mod sign_in_attempt;

/// Migrations of this engine, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Connections to one SQLite database: one for writes, several for reads.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Read-only (`query_only`) connections.
    readers: Arc<Readers>,
    /// The one connection that writes. A dropped, uncommitted transaction queues its rollback
    /// on the connection's thread before the next holder's first statement.
    writer: Arc<Mutex<SqliteConnection>>,
}

/// Read connections: a request makes at most one read at a time, and two cores are busy
/// with more than this many.
const READERS: usize = 8;

/// The read-only connections, each behind an async mutex of its own, taken in turn.
///
/// Not an `sqlx::Pool`: the pool pings every connection given back to it, a full round trip
/// to the connection's thread (a thread wake-up each way) after every query, doubling the
/// cost of the point reads that make up the hot paths. An SQLite connection needs no such
/// check: a query whose caller went away still runs to its end on the connection's thread,
/// before the next one.
#[derive(Debug)]
struct Readers {
    connections: Vec<Mutex<SqliteConnection>>,
    next: AtomicUsize,
}

impl Readers {
    /// An idle connection if there is one, else the next in turn once it is free.
    async fn get(&self) -> MutexGuard<'_, SqliteConnection> {
        let count = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for offset in 0..count {
            if let Ok(connection) = self.connections[(start + offset) % count].try_lock() {
                return connection;
            }
        }
        self.connections[start % count].lock().await
    }
}

impl SqliteStore {
    /// Opens (creating file and folder when needed, readable by this user only) and migrates
    /// the database at `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("SECURITY_INFO_DATABASE_URL is not a valid SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(StdDuration::from_secs(10));
        if !files::is_in_memory(url) {
            files::prepare(options.get_filename())?;
        }
        let mut writer = SqliteConnection::connect_with(&options)
            .await
            .context("cannot open the database")?;
        MIGRATOR
            .run(&mut writer)
            .await
            .context("database migrations failed")?;
        let read_only = options.pragma("query_only", "true");
        let mut connections = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let connection = SqliteConnection::connect_with(&read_only)
                .await
                .context("cannot open the database")?;
            connections.push(Mutex::new(connection));
        }
        Ok(Self {
            readers: Arc::new(Readers {
                connections,
                next: AtomicUsize::new(0),
            }),
            writer: Arc::new(Mutex::new(writer)),
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("select 1")
            .execute(&mut *self.readers.get().await)
            .await?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, generate: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "insert into server_secret (server_secret_id, value, created_at) values (?, ?, ?)
             on conflict (server_secret_id) do nothing",
        )
        .bind(name)
        .bind(generate)
        .bind(clock::format(clock::now()))
        .execute(&mut *tx)
        .await?;
        let value: Vec<u8> =
            sqlx::query_scalar("select value from server_secret where server_secret_id = ?")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn sweep(
        &self,
        now: time::OffsetDateTime,
        policy: &RetentionPolicy,
    ) -> anyhow::Result<SweepCounts> {
        retention::sweep(&self.writer, now, policy).await
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::Row;

    use super::*;
    use crate::store::{AccountId, MethodStore, RegistrationId, RegistrationStore};

    #[tokio::test]
    async fn email_methods_registrations_and_codes_survive_the_move_to_the_method_model() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
        // The database as the version before the method model left it.
        let mut before = sqlx::migrate!("./migrations/sqlite");
        before.migrations = Cow::Owned(before.migrations[..2].to_vec());
        let mut old = SqliteConnection::connect(&url).await.expect("connect");
        before.run(&mut old).await.expect("first two migrations");
        sqlx::query(
            "insert into account values ('a', 'alain@contoso.example', 'Alain', '', 'nl', '2026-11-01T00:00:00.000Z');
             insert into method values ('m', 'a', 'email', 'alain@gmail.com', '2026-11-02T00:00:00.000Z');
             insert into email_registration values ('r', 'a', 'Alain@Example.net', 'nl', 'pending', 2, '2026-11-03T10:00:00.000Z');
             insert into verification_code values ('c', 'r', 'a', 'Alain@Example.net', x'0102', 6,
                                                   '2026-11-03T10:10:00.000Z', '2026-11-03T10:00:00.000Z');",
        )
        .execute(&mut old)
        .await
        .expect("old rows");
        old.close().await.expect("close");

        let store = SqliteStore::connect(&url).await.expect("migrates");
        let account = AccountId::from("a".to_owned());
        let methods = store.list_methods(&account).await.expect("methods");
        assert_eq!(methods.len(), 1);
        assert_eq!(methods[0].method_type, security_info_api::MethodType::Email);
        assert_eq!(methods[0].detail, r#"{"emailAddress":"alain@gmail.com"}"#);
        let registration = store
            .registration(&account, &RegistrationId::from("r".to_owned()))
            .await
            .expect("read")
            .expect("carried over");
        assert_eq!(registration.failed_attempts, 2);
        assert_eq!(
            registration.challenge,
            r#"{"emailAddress":"Alain@Example.net","language":"nl"}"#
        );
        assert_eq!(
            clock::format(registration.expires_at),
            "2026-11-03T11:00:00.000Z"
        );
        let code = registration.code.expect("its code");
        assert_eq!(code.code_hash, vec![1, 2]);
        let destination: String = sqlx::query("select destination from one_time_code")
            .fetch_one(&mut *store.readers.get().await)
            .await
            .expect("code")
            .get(0);
        assert_eq!(destination, "alain@example.net");
    }
}
