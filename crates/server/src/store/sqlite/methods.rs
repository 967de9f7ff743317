//! Registered methods: listed, added (completing their registration), renamed, deleted.

use async_trait::async_trait;
use sqlx::Connection;

use super::{SqliteStore, rows::*};
use crate::store::{
    AccountId, AddOutcome, CheckSubject, MethodCheck, MethodCheckLimit, MethodId, MethodRecord,
    MethodStore, NewAuditEvent, NewMethod, NewOutboxMessage, RegistrationId, Throttled,
};

#[async_trait]
impl MethodStore for SqliteStore {
    async fn outside_generation(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "select generation from store_generation where store_generation_id = 1",
        )
        .fetch_one(&mut *self.readers.get().await)
        .await?)
    }

    async fn list_methods(&self, account_id: &AccountId) -> anyhow::Result<Vec<MethodRecord>> {
        let sql = format!(
            "select {METHOD_COLUMNS} from method
             where account_id = ? order by created_at, method_id"
        );
        sqlx::query(&sql)
            .bind(account_id)
            .fetch_all(&mut *self.readers.get().await)
            .await?
            .iter()
            .map(stored_row::method)
            .collect()
    }

    async fn add_method(
        &self,
        registration_id: &RegistrationId,
        method: &NewMethod,
        limit: u32,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<AddOutcome> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let completed = sqlx::query(
            "update registration set status = 'completed'
             where registration_id = ? and account_id = ? and status = 'pending'",
        )
        .bind(registration_id)
        .bind(&method.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if completed == 0 {
            return Ok(AddOutcome::NotPending);
        }
        let existing: i64 = sqlx::query_scalar(
            "select count(*) from method where account_id = ? and method_type = ?",
        )
        .bind(&method.account_id)
        .bind(method.method_type.as_str())
        .fetch_one(&mut *tx)
        .await?;
        // Leave the registration pending in both refusals (the transaction is rolled back when
        // dropped): the user may delete a method and try again.
        if existing >= i64::from(limit) {
            return Ok(AddOutcome::LimitReached);
        }
        let inserted = sqlx::query(
            "insert into method (method_id, account_id, method_type, slot, name, detail, credential, counter, created_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (account_id, method_type, slot) do nothing",
        )
        .bind(&method.method_id)
        .bind(&method.account_id)
        .bind(method.method_type.as_str())
        .bind(&method.slot)
        .bind(&method.name)
        .bind(&method.detail)
        .bind(&method.credential)
        .bind(method.counter)
        .bind(ts(method.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(AddOutcome::SlotTaken);
        }
        insert_audit_and_outbox(&mut tx, audit, notification).await?;
        tx.commit().await?;
        Ok(AddOutcome::Added)
    }

    async fn delete_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!(
            "delete from method where account_id = ? and method_id = ? returning {METHOD_COLUMNS}"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(account_id)
            .bind(method_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let method = stored_row::method(&row)?;
        insert_audit_and_outbox(&mut tx, audit, notification).await?;
        tx.commit().await?;
        Ok(Some(method))
    }

    async fn rename_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        name: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!(
            "update method set name = ? where account_id = ? and method_id = ?
             returning {METHOD_COLUMNS}"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(name)
            .bind(account_id)
            .bind(method_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let method = stored_row::method(&row)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(method))
    }

    async fn reserve_method_check(
        &self,
        check: &MethodCheck,
        limit: &MethodCheckLimit,
    ) -> anyhow::Result<Result<(), Throttled>> {
        let mut writer = self.writer.lock().await;
        // Counting and inserting under SQLite's write lock: the next check's count includes
        // this one.
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let (account_id, username) = match &check.subject {
            CheckSubject::Account(account_id) => (Some(account_id.as_str()), None),
            CheckSubject::Name(username) => (None, Some(username.as_str())),
        };
        // One of the two is null; `is` compares it as a value.
        let (failures, oldest): (i64, Option<String>) = sqlx::query_as(
            "select count(*), min(created_at) from method_check
             where account_id is ? and username is ? and succeeded = 0 and created_at > ?",
        )
        .bind(account_id)
        .bind(username)
        .bind(ts(check.created_at - limit.window))
        .fetch_one(&mut *tx)
        .await?;
        if failures >= i64::from(limit.failures) {
            let oldest = oldest
                .as_deref()
                .and_then(|at| crate::clock::parse(at).ok())
                .unwrap_or(check.created_at);
            return Ok(Err(Throttled {
                until: oldest + limit.window,
            }));
        }
        sqlx::query(
            "insert into method_check (method_check_id, account_id, username, method_type, succeeded, created_at)
             values (?, ?, ?, ?, 0, ?)",
        )
        .bind(&check.method_check_id)
        .bind(account_id)
        .bind(username)
        .bind(check.method_type.as_str())
        .bind(ts(check.created_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn use_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        counter: i64,
        method_check_id: &str,
        at: time::OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let used = sqlx::query(
            "update method set counter = ?, last_used_at = ?
             where account_id = ? and method_id = ? and (counter is null or counter < ?)",
        )
        .bind(counter)
        .bind(ts(at))
        .bind(account_id)
        .bind(method_id)
        .bind(counter)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Ok(false);
        }
        mark_check_succeeded(&mut tx, method_check_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn use_security_key(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        credential: &[u8],
        counter: i64,
        method_check_id: &str,
        at: time::OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        // The counter must go up, so an answer replayed with its challenge state is refused;
        // keys without a counter always send 0 and rely on the challenge being used once.
        let used = sqlx::query(
            "update method set credential = ?1, counter = ?2, last_used_at = ?3
             where account_id = ?4 and method_id = ?5
               and (counter is null or counter < ?2 or (counter = 0 and ?2 = 0))",
        )
        .bind(credential)
        .bind(counter)
        .bind(ts(at))
        .bind(account_id)
        .bind(method_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Ok(false);
        }
        mark_check_succeeded(&mut tx, method_check_id).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Marks a reserved method check succeeded (in the caller's transaction).
async fn mark_check_succeeded(
    conn: &mut sqlx::SqliteConnection,
    method_check_id: &str,
) -> anyhow::Result<()> {
    sqlx::query("update method_check set succeeded = 1 where method_check_id = ?")
        .bind(method_check_id)
        .execute(conn)
        .await?;
    Ok(())
}
