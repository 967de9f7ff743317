//! Sign-in attempts (password checks of sign-in and re-authentication): counted before the
//! password is checked, in the transaction that checks the limits.

use sqlx::{Connection, Row, SqliteConnection, sqlite::SqliteRow};
use time::OffsetDateTime;

use super::{
    SqliteStore,
    rows::{insert_audit, ts},
};
use crate::{
    clock,
    store::{NewAuditEvent, NewSignInAttempt, SignInCounts, SignInLimits, Throttled},
};

impl SqliteStore {
    /// See [`crate::store::SessionStore::reserve_sign_in_attempt`].
    pub(super) async fn reserve_attempt(
        &self,
        attempt: &NewSignInAttempt,
        limits: &SignInLimits,
    ) -> anyhow::Result<Result<SignInCounts, Throttled>> {
        let mut writer = self.writer.lock().await;
        // Counting and inserting under SQLite's write lock: the next attempt's count includes
        // this one.
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let counts = count_failures(&mut tx, attempt, attempt.created_at - limits.window).await?;
        if let Some(until) = limits.refused_until(&counts, attempt.created_at) {
            return Ok(Err(Throttled { until }));
        }
        // Failed until it succeeds: a check still running, or one whose request went away,
        // counts against the limits.
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values (?, ?, ?, 0, ?)",
        )
        .bind(&attempt.sign_in_attempt_id)
        .bind(&attempt.username)
        .bind(&attempt.address)
        .bind(ts(attempt.created_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(counts))
    }

    /// See [`crate::store::Store::record_failed_sign_in`].
    pub(super) async fn record_failure(&self, audit: Option<&NewAuditEvent>) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        // A write transaction whether or not there is an event to keep, so that a wrong
        // password is answered as fast for a name without an account as for an account.
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(audit) = audit.filter(|a| a.account_id.is_some()) {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Marks a reserved attempt succeeded (in the caller's transaction).
pub(super) async fn mark_succeeded(
    conn: &mut SqliteConnection,
    sign_in_attempt_id: &str,
) -> anyhow::Result<()> {
    sqlx::query("update sign_in_attempt set succeeded = 1 where sign_in_attempt_id = ?")
        .bind(sign_in_attempt_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for the attempt's account, address, and both.
async fn count_failures(
    conn: &mut SqliteConnection,
    attempt: &NewSignInAttempt,
    since: OffsetDateTime,
) -> anyhow::Result<SignInCounts> {
    // `username` compares without case (its column's collation); a missing address matches
    // only itself in the pair and counts nothing on its own.
    let by_account = sqlx::query(
        "select count(*) as n,
                sum(ip_address is ?) as pair,
                min(case when ip_address is ? then created_at end) as pair_oldest
         from sign_in_attempt where username = ? and succeeded = 0 and created_at > ?",
    )
    .bind(&attempt.address)
    .bind(&attempt.address)
    .bind(&attempt.username)
    .bind(ts(since))
    .fetch_one(&mut *conn)
    .await?;
    let by_address = sqlx::query(
        "select count(*) as n, min(created_at) as oldest
         from sign_in_attempt where ip_address = ? and succeeded = 0 and created_at > ?",
    )
    .bind(&attempt.address)
    .bind(ts(since))
    .fetch_one(&mut *conn)
    .await?;
    Ok(SignInCounts {
        for_account_and_address: count(&by_account, "pair")?,
        oldest_for_account_and_address: oldest(&by_account, "pair_oldest")?,
        from_address: count(&by_address, "n")?,
        oldest_from_address: oldest(&by_address, "oldest")?,
        for_account: count(&by_account, "n")?,
    })
}

fn count(row: &SqliteRow, column: &str) -> anyhow::Result<u32> {
    let n = row.try_get::<Option<i64>, _>(column)?.unwrap_or(0);
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn oldest(row: &SqliteRow, column: &str) -> anyhow::Result<Option<OffsetDateTime>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|t| clock::parse(&t))
        .transpose()
}
