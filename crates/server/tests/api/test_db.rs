//! The test's database, whichever engine the suite runs on: for what the API does not show
//! (stored hashes, counts) and to move time forward.
//!
//! Statements are written once for both engines: `$1` placeholders (SQLite takes them too)
//! and, where time is involved, the expressions below instead of SQLite's `strftime` or
//! PostgreSQL's `interval`.

use sqlx::{AnyPool, any::AnyPoolOptions};

/// The environment variable that names the PostgreSQL server the suite runs on (see
/// [`crate::helpers::database_url`]); without it the suite runs on SQLite.
pub const POSTGRES_SERVER: &str = "SECURITY_INFO_TEST_POSTGRES_URL";

/// Whether this run stores in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os(POSTGRES_SERVER).is_some()
}

/// A connection pool to the test's database.
pub struct TestDb {
    pool: AnyPool,
}

impl TestDb {
    /// Connects to the database at `url` (`sqlite://...` or `postgres://...`).
    pub async fn connect(url: &str) -> Self {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await
            .expect("the test's database");
        Self { pool }
    }

    /// The pool, for `sqlx::query*(...).fetch_*(db.pool())`.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs one statement.
    pub async fn execute(&self, statement: &str) {
        sqlx::query(statement)
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    /// The one number `query` selects (a `count(*)`, say).
    pub async fn number(&self, query: &str) -> i64 {
        sqlx::query_scalar(query)
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// SQL for the time `seconds` ago, as the engine stores times.
pub fn ago(seconds: i64) -> String {
    if on_postgres() {
        format!("now() - interval '{seconds} seconds'")
    } else {
        format!(
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '{} seconds')",
            -seconds
        )
    }
}

/// SQL for the time `seconds` before the value of `column`.
pub fn earlier(column: &str, seconds: i64) -> String {
    if on_postgres() {
        format!("{column} - interval '{seconds} seconds'")
    } else {
        format!(
            "strftime('%Y-%m-%dT%H:%M:%fZ', {column}, '{} seconds')",
            -seconds
        )
    }
}

/// SQL for the order in which `table`'s rows were inserted (SQLite's `rowid`, PostgreSQL's
/// `seq` identity column where the schema has one).
pub fn insertion_order(table: &str) -> String {
    if on_postgres() {
        format!("{table}.seq")
    } else {
        format!("{table}.rowid")
    }
}

/// SQL reading the time in `column` as RFC 3339 text with milliseconds, as SQLite stores it.
pub fn as_text(column: &str) -> String {
    if on_postgres() {
        format!("to_char({column} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    } else {
        column.to_owned()
    }
}

/// Statements that take a write lock on the registrations and keep it until `rollback`, as
/// another writer (an operator's shell, a backup, a migration) would.
pub fn hold_registrations() -> &'static [&'static str] {
    if on_postgres() {
        &["begin", "lock table registration in exclusive mode"]
    } else {
        &["begin exclusive"]
    }
}

/// Statements that make every update of `table` do nothing, as if another writer had always
/// just changed the row.
pub fn ignore_updates(table: &str) -> Vec<String> {
    if on_postgres() {
        vec![
            "create function ignore_update() returns trigger language plpgsql
             as $$ begin return null; end $$"
                .to_owned(),
            format!(
                "create trigger ignore_updates before update on {table}
                 for each row execute function ignore_update()"
            ),
        ]
    } else {
        vec![format!(
            "create trigger ignore_updates before update on {table}
             begin select raise(ignore); end"
        )]
    }
}
