//! Password resets in progress, the codes sent for their gates, and the new password.

use async_trait::async_trait;
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use super::{
    PgStore, lock_key,
    registrations::{check_quota, insert_code, insert_code_and_message},
    rows::*,
};
use crate::store::{
    AccountId, CodeLimits, LimitHit, NewAuditEvent, NewOutboxMessage, NewPasswordReset,
    PasswordResetId, PasswordResetRecord, PasswordResetStore, ResetCode, ResetLimits, Throttled,
};

#[async_trait]
impl PasswordResetStore for PgStore {
    async fn start_password_reset(
        &self,
        reset: &NewPasswordReset,
        limits: &ResetLimits,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Result<(), Throttled>> {
        let since = reset.created_at - Duration::HOUR;
        let mut tx = self.pool.begin().await?;
        // One limit counts every reset started in the last hour, so starts are serialized, in
        // all processes, by one advisory lock: the next start's counts include this one.
        lock_key(&mut tx, "password_reset_starts").await?;
        let mut counts = vec![
            (
                "lower(username) = lower($2)",
                Some(reset.username.as_str()),
                limits.per_username,
            ),
            ("true", None, limits.in_all),
        ];
        if let Some(address) = &reset.requested_from {
            counts.push((
                "requested_from = $2",
                Some(address.as_str()),
                limits.per_address,
            ));
        }
        for (filter, value, limit) in counts {
            let sql = format!(
                "select count(*) as n, min(created_at) as oldest from password_reset
                 where created_at > $1 and ({filter})"
            );
            let mut query = sqlx::query(&sql).bind(since);
            if let Some(value) = value {
                query = query.bind(value);
            }
            let row = query.fetch_one(&mut *tx).await?;
            if row.count("n")? >= limit {
                let oldest: Option<OffsetDateTime> = row.try_get("oldest")?;
                return Ok(Err(Throttled {
                    until: oldest.unwrap_or(reset.created_at) + Duration::HOUR,
                }));
            }
        }
        sqlx::query(
            "insert into password_reset (password_reset_id, username, account_id, token_hash, gates,
                                         requested_from, language, expires_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&reset.password_reset_id)
        .bind(&reset.username)
        .bind(&reset.account_id)
        .bind(&reset.token_hash)
        .bind(i32::from(reset.gates))
        .bind(&reset.requested_from)
        .bind(&reset.language)
        .bind(reset.expires_at)
        .bind(reset.created_at)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn password_reset_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<PasswordResetRecord>> {
        let sql = format!(
            "select reset.password_reset_id, reset.username, reset.account_id, reset.status,
                    reset.gates, reset.passed, reset.failed_attempts, reset.challenge,
                    reset.language, reset.expires_at, {CODE_COLUMNS}
             from password_reset as reset
             {}
             where reset.token_hash = $1",
            newest_code_join("password_reset_id", "reset.password_reset_id")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(stored_row::password_reset(&row)?))
    }

    async fn choose_reset_way(
        &self,
        reset_id: &PasswordResetId,
        challenge: &str,
        code: Option<&ResetCode>,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update password_reset set challenge = $1
             where password_reset_id = $2 and status = 'pending'",
        )
        .bind(challenge)
        .bind(reset_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(Err(LimitHit::NotPending));
        }
        if let Some(code) = code {
            if let Some(hit) = check_quota(&mut tx, code.code(), limits).await? {
                return Ok(Err(hit));
            }
            match code {
                ResetCode::Sent(sent) => insert_code_and_message(&mut tx, sent).await?,
                ResetCode::Decoy(decoy) => insert_code(&mut tx, decoy).await?,
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn record_failed_reset_answer(
        &self,
        reset_id: &PasswordResetId,
        seen_attempts: u32,
        lock: bool,
        forget_way: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update password_reset set failed_attempts = failed_attempts + 1, status = $1,
                 challenge = case when $2 then null else challenge end
             where password_reset_id = $3 and status = 'pending' and failed_attempts = $4",
        )
        .bind(if lock { "locked" } else { "pending" })
        .bind(forget_way)
        .bind(reset_id)
        .bind(i64::from(seen_attempts))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn pass_reset_gate(
        &self,
        reset_id: &PasswordResetId,
        passed: &str,
        verified: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update password_reset set passed = $1, status = $2, challenge = null
             where password_reset_id = $3 and status = 'pending'",
        )
        .bind(passed)
        .bind(if verified { "verified" } else { "pending" })
        .bind(reset_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn complete_password_reset(
        &self,
        reset_id: &PasswordResetId,
        account_id: &AccountId,
        password_hash: &str,
        audit: &NewAuditEvent,
        notices: &[NewOutboxMessage],
    ) -> anyhow::Result<bool> {
        let now = OffsetDateTime::now_utc();
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update password_reset set status = 'completed', challenge = null
             where password_reset_id = $1 and account_id = $2 and status = 'verified'
               and expires_at > $3",
        )
        .bind(reset_id)
        .bind(account_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        sqlx::query("update account set password_hash = $1 where account_id = $2")
            .bind(password_hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from session where account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        for notice in notices {
            insert_outbox(&mut tx, notice).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
