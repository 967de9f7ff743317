//! Registrations in progress and the one-time codes sent for them, with the code limits per
//! account and per destination checked in the transaction that sends a code.

use async_trait::async_trait;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::{PgStore, lock_account, lock_key, rows::*};
use crate::store::{
    AccountId, CodeLimits, LimitHit, NewAuditEvent, NewCode, NewRegistration, QuotaScope,
    RegistrationId, RegistrationRecord, RegistrationStatus, RegistrationStore, SentCode,
};

/// A code (in the caller's transaction).
pub(super) async fn insert_code(conn: &mut PgConnection, code: &NewCode) -> anyhow::Result<()> {
    sqlx::query(
        "insert into one_time_code (one_time_code_id, registration_id, second_step_id,
                                    password_reset_id, account_id, channel, destination,
                                    requested_from, code_hash, code_length, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&code.code_id)
    .bind(code.owner.registration_id())
    .bind(code.owner.second_step_id())
    .bind(code.owner.password_reset_id())
    .bind(&code.account_id)
    .bind(code.channel.as_str())
    .bind(&code.destination)
    .bind(&code.requested_from)
    .bind(&code.code_hash)
    .bind(i32::from(code.code_length))
    .bind(code.expires_at)
    .bind(code.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new code, its message and its audit event.
pub(super) async fn insert_code_message_and_audit(
    conn: &mut PgConnection,
    sent: &SentCode,
    audit: &NewAuditEvent,
) -> anyhow::Result<()> {
    insert_code_and_message(conn, sent).await?;
    insert_audit(conn, audit).await
}

/// A new code and its message.
pub(super) async fn insert_code_and_message(
    conn: &mut PgConnection,
    sent: &SentCode,
) -> anyhow::Result<()> {
    insert_code(conn, &sent.code).await?;
    insert_outbox(conn, &sent.message).await
}

/// Checks the quotas for a code about to be sent; the first one it would break, with when it
/// lets go (when the oldest code it counts leaves its window).
///
/// Each quota counts the codes of one key (the account, the destination, the client address,
/// a set of channels); the keys are locked first (advisory locks, see [`lock_key`]) so that no
/// other transaction, in any process, counts or adds codes for them before this one commits.
/// They are locked in sorted order, so two transactions never wait for each other in a circle.
pub(super) async fn check_quota(
    conn: &mut PgConnection,
    code: &NewCode,
    limits: &CodeLimits,
) -> anyhow::Result<Option<LimitHit>> {
    let now = code.created_at;
    let mut counted = Vec::new();
    for quota in &limits.quotas {
        let (key, filter, values): (String, &str, Vec<&str>) = match quota.scope {
            // A decoy has no account, as the name it stands in for may have none.
            QuotaScope::Account => match &code.account_id {
                Some(account_id) => (
                    format!("codes_account:{account_id}"),
                    "account_id = any($1)",
                    vec![account_id.as_str()],
                ),
                None => continue,
            },
            QuotaScope::Destination => (
                format!("codes_destination:{}", code.destination),
                "destination = any($1)",
                vec![code.destination.as_str()],
            ),
            QuotaScope::RequestedFrom => match &code.requested_from {
                Some(address) => (
                    format!("codes_from:{address}"),
                    "requested_from = any($1)",
                    vec![address.as_str()],
                ),
                None => continue,
            },
            QuotaScope::Channels(channels) => {
                let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
                (
                    format!("codes_channels:{}", names.join(",")),
                    "channel = any($1)",
                    names,
                )
            }
        };
        counted.push((quota, key, filter, values));
    }
    let mut keys: Vec<&str> = counted.iter().map(|(_, key, _, _)| key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        lock_key(&mut *conn, key).await?;
    }
    for (quota, _, filter, values) in counted {
        let sql = format!(
            "select count(*) as n, min(created_at) as oldest from one_time_code
             where {filter} and created_at > $2"
        );
        let row = sqlx::query(&sql)
            .bind(values)
            .bind(now - quota.window)
            .fetch_one(&mut *conn)
            .await?;
        if row.count("n")? >= quota.limit {
            let oldest: Option<OffsetDateTime> = row.try_get("oldest")?;
            return Ok(Some(LimitHit::Quota {
                until: oldest.unwrap_or(now) + quota.window,
            }));
        }
    }
    Ok(None)
}

#[async_trait]
impl RegistrationStore for PgStore {
    async fn start_registration(
        &self,
        registration: &NewRegistration,
        first_code: Option<&SentCode>,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut tx = self.pool.begin().await?;
        // The account's row locked: two registrations started at once in two processes
        // cannot both stay pending (the later one supersedes the earlier).
        lock_account(&mut tx, &registration.account_id).await?;
        if let Some(sent) = first_code
            && let Some(hit) = check_quota(&mut tx, &sent.code, limits).await?
        {
            return Ok(Err(hit));
        }
        sqlx::query(
            "update registration set status = 'superseded' where account_id = $1 and status = 'pending'",
        )
        .bind(&registration.account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into registration (registration_id, account_id, method_type, status, failed_attempts,
                                       challenge, expires_at, created_at)
             values ($1, $2, $3, 'pending', 0, $4, $5, $6)",
        )
        .bind(&registration.registration_id)
        .bind(&registration.account_id)
        .bind(registration.method_type.as_str())
        .bind(&registration.challenge)
        .bind(registration.expires_at)
        .bind(registration.created_at)
        .execute(&mut *tx)
        .await?;
        match first_code {
            Some(sent) => insert_code_message_and_audit(&mut tx, sent, audit).await?,
            None => insert_audit(&mut tx, audit).await?,
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn registration(
        &self,
        account_id: &AccountId,
        registration_id: &RegistrationId,
    ) -> anyhow::Result<Option<RegistrationRecord>> {
        // The registration and its newest code in one query (a left join: types that send no
        // code have none).
        let sql = format!(
            "select registration.registration_id, registration.method_type, registration.status,
                    registration.failed_attempts, registration.challenge, registration.expires_at,
                    {CODE_COLUMNS}
             from registration
             {}
             where registration.account_id = $1 and registration.registration_id = $2",
            newest_code_join("registration_id", "registration.registration_id")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(account_id)
            .bind(registration_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(stored_row::registration(&row)?))
    }

    async fn add_code(
        &self,
        sent: &SentCode,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let code = &sent.code;
        let Some(registration_id) = code.owner.registration_id() else {
            anyhow::bail!("a second step's code added to a registration");
        };
        let mut tx = self.pool.begin().await?;
        // The registration's row locked: a resend sent at the same time to another process
        // waits, then sees this code (the cooldown).
        let status: Option<String> = sqlx::query_scalar(
            "select status from registration where registration_id = $1 for update",
        )
        .bind(registration_id)
        .fetch_optional(&mut *tx)
        .await?;
        if status.as_deref() != Some(RegistrationStatus::Pending.as_str()) {
            return Ok(Err(LimitHit::NotPending));
        }
        let last: Option<OffsetDateTime> = sqlx::query_scalar(
            "select max(created_at) from one_time_code where registration_id = $1",
        )
        .bind(registration_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(last) = last {
            let until = last + limits.resend_cooldown;
            if until > code.created_at {
                return Ok(Err(LimitHit::Cooldown { until }));
            }
        }
        if let Some(hit) = check_quota(&mut tx, code, limits).await? {
            return Ok(Err(hit));
        }
        insert_code_message_and_audit(&mut tx, sent, audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn record_failed_answer(
        &self,
        registration_id: &RegistrationId,
        seen_attempts: u32,
        lock: bool,
        audits: &[NewAuditEvent],
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let status = if lock {
            RegistrationStatus::Locked
        } else {
            RegistrationStatus::Pending
        };
        let updated = sqlx::query(
            "update registration set failed_attempts = failed_attempts + 1, status = $1
             where registration_id = $2 and status = 'pending' and failed_attempts = $3",
        )
        .bind(status.as_str())
        .bind(registration_id)
        .bind(i64::from(seen_attempts))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        for audit in audits {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn expire_registration(&self, registration_id: &RegistrationId) -> anyhow::Result<()> {
        sqlx::query(
            "update registration set status = 'expired' where registration_id = $1 and status = 'pending'",
        )
        .bind(registration_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
