//! Registrations in progress and the one-time codes sent for them, with the code limits per
//! account and per destination checked in the transaction that sends a code.

use async_trait::async_trait;
use sqlx::{Connection, SqliteConnection};

use super::{SqliteStore, rows::*};
use crate::{
    clock,
    store::{
        AccountId, CodeLimits, LimitHit, NewAuditEvent, NewCode, NewRegistration, QuotaScope,
        RegistrationId, RegistrationRecord, RegistrationStatus, RegistrationStore, SentCode,
    },
};

const INSERT_CODE: &str =
    "insert into one_time_code (one_time_code_id, registration_id, second_step_id,
                                password_reset_id, account_id, channel, destination, requested_from,
                                code_hash, code_length, expires_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

fn bind_code<'q>(query: BoundQuery<'q>, code: &'q NewCode) -> BoundQuery<'q> {
    query
        .bind(&code.code_id)
        .bind(code.owner.registration_id())
        .bind(code.owner.second_step_id())
        .bind(code.owner.password_reset_id())
        .bind(&code.account_id)
        .bind(code.channel.as_str())
        .bind(&code.destination)
        .bind(&code.requested_from)
        .bind(&code.code_hash)
        .bind(i64::from(code.code_length))
        .bind(ts(code.expires_at))
        .bind(ts(code.created_at))
}

/// A new code, its message and its audit event, in one round trip.
pub(super) async fn insert_code_message_and_audit(
    conn: &mut SqliteConnection,
    sent: &SentCode,
    audit: &NewAuditEvent,
) -> anyhow::Result<()> {
    let sql = format!("{INSERT_CODE}; {INSERT_OUTBOX}; {INSERT_AUDIT}");
    bind_audit(
        bind_outbox(bind_code(sqlx::query(&sql), &sent.code), &sent.message),
        audit,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A new code and its message, in one round trip.
pub(super) async fn insert_code_and_message(
    conn: &mut SqliteConnection,
    sent: &SentCode,
) -> anyhow::Result<()> {
    let sql = format!("{INSERT_CODE}; {INSERT_OUTBOX}");
    bind_outbox(bind_code(sqlx::query(&sql), &sent.code), &sent.message)
        .execute(conn)
        .await?;
    Ok(())
}

/// A code without a message (a reset's decoy).
pub(super) async fn insert_code(conn: &mut SqliteConnection, code: &NewCode) -> anyhow::Result<()> {
    bind_code(sqlx::query(INSERT_CODE), code)
        .execute(conn)
        .await?;
    Ok(())
}

/// Checks the quotas for a code about to be sent; the first one it would break, with when it
/// lets go (when the oldest code it counts leaves its window).
pub(super) async fn check_quota(
    conn: &mut SqliteConnection,
    code: &NewCode,
    limits: &CodeLimits,
) -> anyhow::Result<Option<LimitHit>> {
    let now = code.created_at;
    for quota in &limits.quotas {
        let since = ts(now - quota.window);
        let (filter, mut values): (String, Vec<&str>) = match quota.scope {
            // A decoy has no account, as the name it stands in for may have none.
            QuotaScope::Account => match &code.account_id {
                Some(account_id) => ("account_id = ?".into(), vec![account_id.as_str()]),
                None => continue,
            },
            QuotaScope::Destination => ("destination = ?".into(), vec![code.destination.as_str()]),
            QuotaScope::RequestedFrom => match &code.requested_from {
                Some(address) => ("requested_from = ?".into(), vec![address.as_str()]),
                None => continue,
            },
            // One placeholder per channel: the names are bound, never spliced in.
            QuotaScope::Channels(channels) => (
                format!("channel in ({})", vec!["?"; channels.len()].join(", ")),
                channels.iter().map(|c| c.as_str()).collect(),
            ),
        };
        values.push(since.as_str());
        let sql = format!(
            "select count(*) as n, min(created_at) as oldest from one_time_code
             where {filter} and created_at > ?"
        );
        let query = sqlx::query_with(&sql, args(values));
        let row = query.fetch_one(&mut *conn).await?;
        if row.count("n")? >= quota.limit {
            let oldest = row.optional_time("oldest")?.unwrap_or(now);
            return Ok(Some(LimitHit::Quota {
                until: oldest + quota.window,
            }));
        }
    }
    Ok(None)
}

/// Text arguments for a query built at run time.
fn args<'q>(values: impl IntoIterator<Item = &'q str>) -> sqlx::sqlite::SqliteArguments<'q> {
    use sqlx::Arguments;
    let mut arguments = sqlx::sqlite::SqliteArguments::default();
    for value in values {
        // Binding a `&str` to SQLite arguments cannot fail.
        let _ = arguments.add(value);
    }
    arguments
}

#[async_trait]
impl RegistrationStore for SqliteStore {
    async fn start_registration(
        &self,
        registration: &NewRegistration,
        first_code: Option<&SentCode>,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(sent) = first_code
            && let Some(hit) = check_quota(&mut tx, &sent.code, limits).await?
        {
            return Ok(Err(hit));
        }
        sqlx::query(
            "update registration set status = 'superseded' where account_id = ? and status = 'pending';
             insert into registration (registration_id, account_id, method_type, status, failed_attempts,
                                       challenge, expires_at, created_at)
             values (?, ?, ?, 'pending', 0, ?, ?, ?)",
        )
        .bind(&registration.account_id)
        .bind(&registration.registration_id)
        .bind(&registration.account_id)
        .bind(registration.method_type.as_str())
        .bind(&registration.challenge)
        .bind(ts(registration.expires_at))
        .bind(ts(registration.created_at))
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
             where registration.account_id = ? and registration.registration_id = ?",
            newest_code_join("registration_id", "registration.registration_id")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(account_id)
            .bind(registration_id)
            .fetch_optional(&mut *self.readers.get().await)
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let status: Option<String> =
            sqlx::query_scalar("select status from registration where registration_id = ?")
                .bind(registration_id)
                .fetch_optional(&mut *tx)
                .await?;
        if status.as_deref() != Some(RegistrationStatus::Pending.as_str()) {
            return Ok(Err(LimitHit::NotPending));
        }
        let last: Option<String> = sqlx::query_scalar(
            "select max(created_at) from one_time_code where registration_id = ?",
        )
        .bind(registration_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(last) = last {
            let until = clock::parse(&last)? + limits.resend_cooldown;
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let status = if lock {
            RegistrationStatus::Locked
        } else {
            RegistrationStatus::Pending
        };
        let updated = sqlx::query(
            "update registration set failed_attempts = failed_attempts + 1, status = ?
             where registration_id = ? and status = 'pending' and failed_attempts = ?",
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
            "update registration set status = 'expired' where registration_id = ? and status = 'pending'",
        )
        .bind(registration_id)
        .execute(&mut *self.writer.lock().await)
        .await?;
        Ok(())
    }
}
