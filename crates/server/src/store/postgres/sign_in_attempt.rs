//! Sign-in attempts (password checks of sign-in and re-authentication): counted before the
//! password is checked, in the transaction that checks the limits.

use sqlx::{PgConnection, Row, postgres::PgRow};
use time::OffsetDateTime;

use super::{PgStore, lock_key, rows::insert_audit};
use crate::store::{NewAuditEvent, NewSignInAttempt, SignInCounts, SignInLimits, Throttled};

impl PgStore {
    /// See [`crate::store::SessionStore::reserve_sign_in_attempt`].
    pub(super) async fn reserve_attempt(
        &self,
        attempt: &NewSignInAttempt,
        limits: &SignInLimits,
    ) -> anyhow::Result<Result<SignInCounts, Throttled>> {
        let mut tx = self.pool.begin().await?;
        // The limits count the name's attempts and the address's: with both keys locked (the
        // name's first, always, so two transactions never wait for each other in a circle),
        // no other transaction in any process counts or inserts for them before this one
        // commits, so the next count includes this attempt.
        lock_key(
            &mut tx,
            &format!("sign_in_name:{}", attempt.username.to_lowercase()),
        )
        .await?;
        if let Some(address) = &attempt.address {
            lock_key(&mut tx, &format!("sign_in_address:{address}")).await?;
        }
        let counts = count_failures(&mut tx, attempt, attempt.created_at - limits.window).await?;
        if let Some(until) = limits.refused_until(&counts, attempt.created_at) {
            return Ok(Err(Throttled { until }));
        }
        // Failed until it succeeds: a check still running, or one whose request went away,
        // counts against the limits.
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values ($1, $2, $3, false, $4)",
        )
        .bind(&attempt.sign_in_attempt_id)
        .bind(&attempt.username)
        .bind(&attempt.address)
        .bind(attempt.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(counts))
    }

    /// See [`crate::store::SessionStore::record_failed_sign_in`].
    pub(super) async fn record_failure(&self, audit: Option<&NewAuditEvent>) -> anyhow::Result<()> {
        // A write transaction whether or not there is an event to keep, so that a wrong
        // password is answered as fast for a name without an account as for an account.
        let mut tx = self.pool.begin().await?;
        if let Some(audit) = audit.filter(|a| a.account_id.is_some()) {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Marks a reserved attempt succeeded (in the caller's transaction).
pub(super) async fn mark_succeeded(
    conn: &mut PgConnection,
    sign_in_attempt_id: &str,
) -> anyhow::Result<()> {
    sqlx::query("update sign_in_attempt set succeeded = true where sign_in_attempt_id = $1")
        .bind(sign_in_attempt_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for the attempt's account, address, and both.
async fn count_failures(
    conn: &mut PgConnection,
    attempt: &NewSignInAttempt,
    since: OffsetDateTime,
) -> anyhow::Result<SignInCounts> {
    // `username` compares without case; a missing address matches only itself in the pair
    // (`is not distinct from`) and counts nothing on its own.
    let by_account = sqlx::query(
        "select count(*) as n,
                count(*) filter (where ip_address is not distinct from $1) as pair,
                min(created_at) filter (where ip_address is not distinct from $1) as pair_oldest
         from sign_in_attempt
         where lower(username) = lower($2) and not succeeded and created_at > $3",
    )
    .bind(&attempt.address)
    .bind(&attempt.username)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let by_address = sqlx::query(
        "select count(*) as n, min(created_at) as oldest
         from sign_in_attempt where ip_address = $1 and not succeeded and created_at > $2",
    )
    .bind(&attempt.address)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(SignInCounts {
        for_account_and_address: count(&by_account, "pair")?,
        oldest_for_account_and_address: by_account.try_get("pair_oldest")?,
        from_address: count(&by_address, "n")?,
        oldest_from_address: by_address.try_get("oldest")?,
        for_account: count(&by_account, "n")?,
    })
}

fn count(row: &PgRow, column: &str) -> anyhow::Result<u32> {
    let n = row.try_get::<i64, _>(column)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
