//! Sessions and the sign-in attempts behind them (throttling).

use async_trait::async_trait;
use sqlx::{Connection, Row};
use time::OffsetDateTime;

use super::{SqliteStore, rows::*};
use crate::{
    clock,
    store::{
        AccountRecord, FailedSignIns, NewAuditEvent, NewSession, SessionId, SessionRecord,
        SessionStore,
    },
};

#[async_trait]
impl SessionStore for SqliteStore {
    async fn failed_sign_ins(
        &self,
        username: &str,
        ip_address: Option<&str>,
        since: OffsetDateTime,
    ) -> anyhow::Result<FailedSignIns> {
        let by_account = sqlx::query(
            "select count(*) as n, min(created_at) as oldest from sign_in_attempt
             where username = ? and succeeded = 0 and created_at > ?",
        )
        .bind(username)
        .bind(ts(since))
        .fetch_one(&mut *self.readers.get().await)
        .await?;
        let by_ip = sqlx::query(
            "select count(*) as n, min(created_at) as oldest from sign_in_attempt
             where ip_address = ? and succeeded = 0 and created_at > ?",
        )
        .bind(ip_address)
        .bind(ts(since))
        .fetch_one(&mut *self.readers.get().await)
        .await?;
        let oldest = |row| get_optional_ts(row, "oldest");
        Ok(FailedSignIns {
            for_account: u32::try_from(by_account.try_get::<i64, _>("n")?).unwrap_or(u32::MAX),
            oldest_for_account: oldest(&by_account)?,
            from_ip: u32::try_from(by_ip.try_get::<i64, _>("n")?).unwrap_or(u32::MAX),
            oldest_from_ip: oldest(&by_ip)?,
        })
    }

    async fn record_failed_sign_in(
        &self,
        username: &str,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let (ip, at) = match audit {
            Some(a) => (a.ip_address.clone(), a.created_at),
            None => (None, clock::now()),
        };
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values (?, ?, ?, 0, ?)",
        )
        .bind(crate::random::id()?)
        .bind(username)
        .bind(ip)
        .bind(ts(at))
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit.filter(|a| a.account_id.is_some()) {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        session: &NewSession,
        language: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let now = ts(session.created_at);
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values (?, ?, ?, 1, ?)",
        )
        .bind(crate::random::id()?)
        .bind(&session.username)
        .bind(&session.ip_address)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into session (session_id, account_id, token_hash, authenticated_at, last_seen_at, expires_at, created_at)
             values (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&session.session_id)
        .bind(&session.account_id)
        .bind(&session.token_hash)
        .bind(&now)
        .bind(&now)
        .bind(ts(session.expires_at))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update account set language = ? where account_id = ?")
            .bind(language)
            .bind(&session.account_id)
            .execute(&mut *tx)
            .await?;
        // Housekeeping: expired sessions of this account go.
        sqlx::query("delete from session where account_id = ? and expires_at <= ?")
            .bind(&session.account_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<SessionRecord>> {
        let Some(row) = sqlx::query(
            "select session_id, account_id, authenticated_at, last_seen_at, expires_at
             from session where token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            session_id: row.try_get("session_id")?,
            account_id: row.try_get("account_id")?,
            authenticated_at: get_ts(&row, "authenticated_at")?,
            last_seen_at: get_ts(&row, "last_seen_at")?,
            expires_at: get_ts(&row, "expires_at")?,
        }))
    }

    async fn session_with_account(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<(SessionRecord, AccountRecord)>> {
        let Some(row) = sqlx::query(
            "select session.session_id, session.authenticated_at, session.last_seen_at,
                    session.expires_at, account.account_id, account.user_principal_name,
                    account.display_name, account.password_hash, account.language
             from session join account using (account_id) where session.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        else {
            return Ok(None);
        };
        let account = account_from_row(&row)?;
        let session = SessionRecord {
            session_id: row.try_get("session_id")?,
            account_id: account.account_id.clone(),
            authenticated_at: get_ts(&row, "authenticated_at")?,
            last_seen_at: get_ts(&row, "last_seen_at")?,
            expires_at: get_ts(&row, "expires_at")?,
        };
        Ok(Some((session, account)))
    }

    async fn touch_session(
        &self,
        session_id: &SessionId,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "update session set last_seen_at = ? where session_id = ? and last_seen_at < ?",
        )
        .bind(ts(at))
        .bind(session_id)
        .bind(ts(at))
        .execute(&mut *self.writer.lock().await)
        .await?;
        Ok(())
    }

    async fn reauthenticate_session(
        &self,
        session_id: &SessionId,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "update session set authenticated_at = ?, last_seen_at = ? where session_id = ?",
        )
        .bind(ts(at))
        .bind(ts(at))
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(
        &self,
        session_id: &SessionId,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("delete from session where session_id = ?")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
