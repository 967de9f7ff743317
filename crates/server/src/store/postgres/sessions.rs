//! Sessions and the sign-in attempts behind them (throttling).

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::{PgStore, rows::*, sign_in_attempt};
use crate::store::{
    AccountId, AccountRecord, NewAuditEvent, NewSession, NewSignInAttempt, SessionId,
    SessionRecord, SessionStore, SignInCounts, SignInLimits, Throttled,
};

#[async_trait]
impl SessionStore for PgStore {
    async fn reserve_sign_in_attempt(
        &self,
        attempt: &NewSignInAttempt,
        limits: &SignInLimits,
    ) -> anyhow::Result<Result<SignInCounts, Throttled>> {
        self.reserve_attempt(attempt, limits).await
    }

    async fn record_failed_sign_in(&self, audit: Option<&NewAuditEvent>) -> anyhow::Result<()> {
        self.record_failure(audit).await
    }

    async fn create_session(
        &self,
        session: &NewSession,
        language: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_session(&mut tx, session, language).await?;
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
             from session where token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(stored_row::session(
            &row,
            row.text("account_id")?.into(),
        )?))
    }

    async fn session_with_account(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<(SessionRecord, AccountRecord)>> {
        let Some(row) = sqlx::query(
            "select session.session_id, session.authenticated_at, session.last_seen_at,
                    session.expires_at, account.account_id, account.user_principal_name,
                    account.display_name, account.password_hash, account.language,
                    account.default_method_id, account.disabled_at
             from session join account using (account_id) where session.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let account = stored_row::account(&row)?;
        let session = stored_row::session(&row, account.account_id.clone())?;
        Ok(Some((session, account)))
    }

    async fn touch_session(
        &self,
        session_id: &SessionId,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "update session set last_seen_at = $1 where session_id = $2 and last_seen_at < $3",
        )
        .bind(at)
        .bind(session_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reauthenticate_session(
        &self,
        session_id: &SessionId,
        token_hash: &str,
        sign_in_attempt_id: &str,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        refresh_session(&mut tx, session_id, token_hash, sign_in_attempt_id, at).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(
        &self,
        session_id: &SessionId,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from session where session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_account_sessions(
        &self,
        account_id: &AccountId,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<u64> {
        let mut tx = self.pool.begin().await?;
        let ended = sqlx::query("delete from session where account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(ended)
    }
}

/// Stores a new session, marks its password attempt succeeded and records the language it
/// signed in with, in the caller's transaction; expired sessions of the account go too.
pub(super) async fn insert_session(
    tx: &mut PgConnection,
    session: &NewSession,
    language: &str,
) -> anyhow::Result<()> {
    let now = session.created_at;
    sign_in_attempt::mark_succeeded(&mut *tx, &session.sign_in_attempt_id).await?;
    sqlx::query(
            "insert into session (session_id, account_id, token_hash, authenticated_at, last_seen_at, expires_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.session_id)
        .bind(&session.account_id)
        .bind(&session.token_hash)
        .bind(now)
        .bind(now)
        .bind(session.expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update account set language = $1 where account_id = $2")
        .bind(language)
        .bind(&session.account_id)
        .execute(&mut *tx)
        .await?;
    // Housekeeping: expired sessions of this account go.
    sqlx::query("delete from session where account_id = $1 and expires_at <= $2")
        .bind(&session.account_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Gives a session a new token and counts it as authenticated at `at` (a step-up), in the
/// caller's transaction; marks its password attempt succeeded. `false` when the session is gone.
pub(super) async fn refresh_session(
    tx: &mut PgConnection,
    session_id: &SessionId,
    token_hash: &str,
    sign_in_attempt_id: &str,
    at: OffsetDateTime,
) -> anyhow::Result<bool> {
    let updated = sqlx::query(
        "update session set token_hash = $1, authenticated_at = $2, last_seen_at = $3
         where session_id = $4",
    )
    .bind(token_hash)
    .bind(at)
    .bind(at)
    .bind(session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sign_in_attempt::mark_succeeded(&mut *tx, sign_in_attempt_id).await?;
    Ok(updated > 0)
}
