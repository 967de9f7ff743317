//! Registered methods: listed, added (completing their registration), renamed, deleted.

use super::{PgStore, lock_account, lock_key, rows::*};
use crate::store::{
    AccountId, AddOutcome, CheckSubject, MethodCheck, MethodCheckLimit, MethodId, MethodRecord,
    MethodStore, NewAuditEvent, NewMethod, NewOutboxMessage, RegistrationId, Throttled,
};
use async_trait::async_trait;

#[async_trait]
impl MethodStore for PgStore {
    async fn outside_generation(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "select generation from store_generation where store_generation_id = 1",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn list_methods(&self, account_id: &AccountId) -> anyhow::Result<Vec<MethodRecord>> {
        let sql = format!(
            "select {METHOD_COLUMNS} from method
             where account_id = $1 order by created_at, method_id"
        );
        sqlx::query(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        // The account's row locked first: the count of its methods below stays true until
        // this transaction commits, whichever process adds another method to it.
        lock_account(&mut tx, &method.account_id).await?;
        let completed = sqlx::query(
            "update registration set status = 'completed'
             where registration_id = $1 and account_id = $2 and status = 'pending'",
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
            "select count(*) from method where account_id = $1 and method_type = $2",
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
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (account_id, method_type, slot) do nothing",
        )
        .bind(&method.method_id)
        .bind(&method.account_id)
        .bind(method.method_type.as_str())
        .bind(&method.slot)
        .bind(&method.name)
        .bind(&method.detail)
        .bind(&method.credential)
        .bind(method.counter)
        .bind(method.created_at)
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
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "delete from method where account_id = $1 and method_id = $2 returning {METHOD_COLUMNS}"
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
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "update method set name = $1 where account_id = $2 and method_id = $3
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
        let mut tx = self.pool.begin().await?;
        let (account_id, username) = match &check.subject {
            CheckSubject::Account(account_id) => (Some(account_id.as_str()), None),
            CheckSubject::Name(username) => (None, Some(username.as_str())),
        };
        // Counting and inserting under the subject's lock, in any process: the next check's
        // count includes this one.
        let key = match &check.subject {
            CheckSubject::Account(account_id) => format!("method_check_account:{account_id}"),
            CheckSubject::Name(username) => {
                format!("method_check_name:{}", username.to_lowercase())
            }
        };
        lock_key(&mut tx, &key).await?;
        // One of the two is null; `is not distinct from` compares it as a value.
        let (failures, oldest): (i64, Option<time::OffsetDateTime>) = sqlx::query_as(
            "select count(*), min(created_at) from method_check
             where account_id is not distinct from $1
               and lower(username) is not distinct from lower($2)
               and not succeeded and created_at > $3",
        )
        .bind(account_id)
        .bind(username)
        .bind(check.created_at - limit.window)
        .fetch_one(&mut *tx)
        .await?;
        if failures >= i64::from(limit.failures) {
            let oldest = oldest.unwrap_or(check.created_at);
            return Ok(Err(Throttled {
                until: oldest + limit.window,
            }));
        }
        sqlx::query(
            "insert into method_check (method_check_id, account_id, username, method_type, succeeded, created_at)
             values ($1, $2, $3, $4, false, $5)",
        )
        .bind(&check.method_check_id)
        .bind(account_id)
        .bind(username)
        .bind(check.method_type.as_str())
        .bind(check.created_at)
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
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query(
            "update method set counter = $1, last_used_at = $2
             where account_id = $3 and method_id = $4 and (counter is null or counter < $5)",
        )
        .bind(counter)
        .bind(at)
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
        let mut tx = self.pool.begin().await?;
        // The counter must go up, so an answer replayed with its challenge state is refused;
        // keys without a counter always send 0 and rely on the challenge being used once.
        let used = sqlx::query(
            "update method set credential = $1, counter = $2, last_used_at = $3
             where account_id = $4 and method_id = $5
               and (counter is null or counter < $2 or (counter = 0 and $2 = 0))",
        )
        .bind(credential)
        .bind(counter)
        .bind(at)
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
    conn: &mut sqlx::PgConnection,
    method_check_id: &str,
) -> anyhow::Result<()> {
    sqlx::query("update method_check set succeeded = true where method_check_id = $1")
        .bind(method_check_id)
        .execute(conn)
        .await?;
    Ok(())
}
