//! Password resets in progress, the codes sent for their gates, and the new password.

use async_trait::async_trait;
use sqlx::Connection;
use time::{Duration, OffsetDateTime};

use super::{
    SqliteStore,
    registrations::{check_quota, insert_code, insert_code_and_message},
    rows::*,
};
use crate::store::{
    AccountId, CodeLimits, LimitHit, NewAuditEvent, NewOutboxMessage, NewPasswordReset,
    PasswordResetId, PasswordResetRecord, PasswordResetStore, ResetCode, ResetLimits, Throttled,
};

#[async_trait]
impl PasswordResetStore for SqliteStore {
    async fn start_password_reset(
        &self,
        reset: &NewPasswordReset,
        limits: &ResetLimits,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Result<(), Throttled>> {
        let since = ts(reset.created_at - Duration::HOUR);
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let mut counts = vec![
            (
                "username = ?",
                Some(reset.username.as_str()),
                limits.per_username,
            ),
            ("1 = 1", None, limits.in_all),
        ];
        if let Some(address) = &reset.requested_from {
            counts.push((
                "requested_from = ?",
                Some(address.as_str()),
                limits.per_address,
            ));
        }
        for (filter, value, limit) in counts {
            let sql = format!(
                "select count(*) as n, min(created_at) as oldest from password_reset
                 where ({filter}) and created_at > ?"
            );
            let mut query = sqlx::query(&sql);
            if let Some(value) = value {
                query = query.bind(value);
            }
            let row = query.bind(&since).fetch_one(&mut *tx).await?;
            if row.count("n")? >= limit {
                let oldest = row.optional_time("oldest")?.unwrap_or(reset.created_at);
                return Ok(Err(Throttled {
                    until: oldest + Duration::HOUR,
                }));
            }
        }
        sqlx::query(
            "insert into password_reset (password_reset_id, username, account_id, token_hash, gates,
                                         requested_from, language, expires_at, created_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&reset.password_reset_id)
        .bind(&reset.username)
        .bind(&reset.account_id)
        .bind(&reset.token_hash)
        .bind(i64::from(reset.gates))
        .bind(&reset.requested_from)
        .bind(&reset.language)
        .bind(ts(reset.expires_at))
        .bind(ts(reset.created_at))
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
             where reset.token_hash = ?",
            newest_code_join("password_reset_id", "reset.password_reset_id")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&mut *self.readers.get().await)
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "update password_reset set challenge = ?
             where password_reset_id = ? and status = 'pending'",
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "update password_reset set failed_attempts = failed_attempts + 1, status = ?,
                 challenge = case when ? then null else challenge end
             where password_reset_id = ? and status = 'pending' and failed_attempts = ?",
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "update password_reset set passed = ?, status = ?, challenge = null
             where password_reset_id = ? and status = 'pending'",
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
        let now = ts(OffsetDateTime::now_utc());
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "update password_reset set status = 'completed', challenge = null
             where password_reset_id = ? and account_id = ? and status = 'verified'
               and expires_at > ?",
        )
        .bind(reset_id)
        .bind(account_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        sqlx::query(
            "update account set password_hash = ? where account_id = ?;
             delete from session where account_id = ?",
        )
        .bind(password_hash)
        .bind(account_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        for notice in notices {
            bind_outbox(sqlx::query(INSERT_OUTBOX), notice)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
