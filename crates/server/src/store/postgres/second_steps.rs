//! Second steps of sign-ins and step-ups, the codes sent for them, recovery codes and the
//! default sign-in method.

use async_trait::async_trait;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::{
    PgStore, lock_account,
    registrations::{check_quota, insert_code_and_message, insert_code_message_and_audit},
    rows::*,
    sessions::{insert_session, refresh_session},
};
use crate::store::{
    AccountId, CodeLimits, LimitHit, MethodId, NewAuditEvent, NewOutboxMessage, NewSecondStep,
    NewSession, RecoveryCodeRecord, SecondStepId, SecondStepPurpose, SecondStepRecord,
    SecondStepStore, SentCode, SessionId,
};

/// A pending second step's status.
const PENDING: &str = "pending";

/// The audit events and the notice of a passed step, in the caller's transaction.
async fn insert_audits_and_notice(
    tx: &mut PgConnection,
    audits: &[NewAuditEvent],
    notice: Option<&NewOutboxMessage>,
) -> anyhow::Result<()> {
    for audit in audits {
        insert_audit(&mut *tx, audit).await?;
    }
    if let Some(notice) = notice {
        insert_outbox(&mut *tx, notice).await?;
    }
    Ok(())
}

/// Ends a pending second step as passed; `false` when it was not pending.
async fn complete(tx: &mut PgConnection, second_step_id: &SecondStepId) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "update second_step set status = 'completed', challenge = null
         where second_step_id = $1 and status = 'pending'",
    )
    .bind(second_step_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0)
}

#[async_trait]
impl SecondStepStore for PgStore {
    async fn start_second_step(
        &self,
        step: &NewSecondStep,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let (purpose, session_id) = match &step.purpose {
            SecondStepPurpose::SignIn => ("sign_in", None),
            SecondStepPurpose::StepUp(session_id) => ("step_up", Some(session_id)),
        };
        let mut tx = self.pool.begin().await?;
        lock_account(&mut tx, &step.account_id).await?;
        // One pending second step per account and purpose: an older one in another tab ends.
        sqlx::query(
            "update second_step set status = 'superseded', challenge = null
             where account_id = $1 and purpose = $2 and status = 'pending'",
        )
        .bind(&step.account_id)
        .bind(purpose)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into second_step (second_step_id, account_id, purpose, session_id, sign_in_attempt_id,
                                      token_hash, language, expires_at, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&step.second_step_id)
        .bind(&step.account_id)
        .bind(purpose)
        .bind(session_id)
        .bind(&step.sign_in_attempt_id)
        .bind(&step.token_hash)
        .bind(&step.language)
        .bind(step.expires_at)
        .bind(step.created_at)
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn second_step_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<SecondStepRecord>> {
        let sql = format!(
            "select step.second_step_id, step.account_id, step.purpose, step.session_id,
                    step.sign_in_attempt_id, step.status, step.failed_attempts, step.challenge,
                    step.language, step.expires_at, {CODE_COLUMNS}
             from second_step as step
             {}
             where step.token_hash = $1",
            newest_code_join("second_step_id", "step.second_step_id")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(stored_row::second_step(&row)?))
    }

    async fn pick_second_step_way(
        &self,
        second_step_id: &SecondStepId,
        challenge: &str,
        code: Option<&SentCode>,
        audit: Option<&NewAuditEvent>,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut tx = self.pool.begin().await?;
        // The step's row locked: a second pick sent at the same time to another process waits,
        // then sees this code (the cooldown).
        let status: Option<String> = sqlx::query_scalar(
            "select status from second_step where second_step_id = $1 for update",
        )
        .bind(second_step_id)
        .fetch_optional(&mut *tx)
        .await?;
        if status.as_deref() != Some(PENDING) {
            return Ok(Err(LimitHit::NotPending));
        }
        if let Some(sent) = code {
            let last: Option<OffsetDateTime> = sqlx::query_scalar(
                "select max(created_at) from one_time_code
                 where second_step_id = $1 and destination = $2",
            )
            .bind(second_step_id)
            .bind(&sent.code.destination)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(last) = last {
                let until = last + limits.resend_cooldown;
                if until > sent.code.created_at {
                    return Ok(Err(LimitHit::Cooldown { until }));
                }
            }
            if let Some(hit) = check_quota(&mut tx, &sent.code, limits).await? {
                return Ok(Err(hit));
            }
        }
        sqlx::query("update second_step set challenge = $1 where second_step_id = $2")
            .bind(challenge)
            .bind(second_step_id)
            .execute(&mut *tx)
            .await?;
        match (code, audit) {
            (Some(sent), Some(audit)) => {
                insert_code_message_and_audit(&mut tx, sent, audit).await?
            }
            (Some(sent), None) => insert_code_and_message(&mut tx, sent).await?,
            (None, Some(audit)) => insert_audit(&mut tx, audit).await?,
            (None, None) => {}
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn record_failed_second_step(
        &self,
        second_step_id: &SecondStepId,
        seen_attempts: u32,
        lock: bool,
        forget_way: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "update second_step set failed_attempts = failed_attempts + 1, status = $1,
                    challenge = case when $2 then null else challenge end
             where second_step_id = $3 and status = 'pending' and failed_attempts = $4",
        )
        .bind(if lock { "locked" } else { PENDING })
        .bind(forget_way)
        .bind(second_step_id)
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

    async fn pass_sign_in(
        &self,
        second_step_id: &SecondStepId,
        session: &NewSession,
        audits: &[NewAuditEvent],
        notice: Option<&NewOutboxMessage>,
    ) -> anyhow::Result<bool> {
        let language: Option<String> =
            sqlx::query_scalar("select language from second_step where second_step_id = $1")
                .bind(second_step_id)
                .fetch_optional(&self.pool)
                .await?;
        let mut tx = self.pool.begin().await?;
        if !complete(&mut tx, second_step_id).await? {
            return Ok(false);
        }
        insert_session(&mut tx, session, language.as_deref().unwrap_or("en")).await?;
        insert_audits_and_notice(&mut tx, audits, notice).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn pass_step_up(
        &self,
        second_step_id: &SecondStepId,
        token_hash: &str,
        at: OffsetDateTime,
        audits: &[NewAuditEvent],
        notice: Option<&NewOutboxMessage>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let step = sqlx::query(
            "select session_id, sign_in_attempt_id from second_step
             where second_step_id = $1 and purpose = 'step_up'",
        )
        .bind(second_step_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(step) = step else {
            return Ok(false);
        };
        let session_id: Option<SessionId> = step.try_get("session_id")?;
        let attempt_id: String = step.try_get("sign_in_attempt_id")?;
        let Some(session_id) = session_id else {
            return Ok(false);
        };
        if !complete(&mut tx, second_step_id).await?
            || !refresh_session(&mut tx, &session_id, token_hash, &attempt_id, at).await?
        {
            return Ok(false);
        }
        insert_audits_and_notice(&mut tx, audits, notice).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn recovery_codes(
        &self,
        account_id: &AccountId,
    ) -> anyhow::Result<Vec<RecoveryCodeRecord>> {
        let rows = sqlx::query(
            "select recovery_code_id, code_hash, used_at, created_at from recovery_code
             where account_id = $1 order by seq",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_row::recovery_code).collect()
    }

    async fn replace_recovery_codes(
        &self,
        account_id: &AccountId,
        hashes: &[String],
        at: OffsetDateTime,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        // Two replacements at once would each delete only the codes they saw and both sets
        // would stay; with the account locked the later one deletes the earlier one's.
        lock_account(&mut tx, account_id).await?;
        sqlx::query("delete from recovery_code where account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        for hash in hashes {
            sqlx::query(
                "insert into recovery_code (recovery_code_id, account_id, code_hash, created_at)
                 values ($1, $2, $3, $4)",
            )
            .bind(crate::random::id()?)
            .bind(account_id)
            .bind(hash)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        insert_audit_and_outbox(&mut tx, audit, notice).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_recovery_code(
        &self,
        account_id: &AccountId,
        recovery_code_id: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let updated = sqlx::query(
            "update recovery_code set used_at = $1
             where account_id = $2 and recovery_code_id = $3 and used_at is null",
        )
        .bind(at)
        .bind(account_id)
        .bind(recovery_code_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated > 0)
    }

    async fn set_default_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("update account set default_method_id = $1 where account_id = $2")
            .bind(method_id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        insert_audit_and_outbox(&mut tx, audit, notice).await?;
        tx.commit().await?;
        Ok(())
    }
}
