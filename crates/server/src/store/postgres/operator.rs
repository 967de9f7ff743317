//! What operators change (`security-info-server accounts ...`): accounts created, updated,
//! disabled and enabled, methods cleared. These run in another process than the server's,
//! often while it runs, so each transaction also bumps the store generation: the server reads
//! it before it trusts the method lists it keeps in memory.

use async_trait::async_trait;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::{PgStore, rows::*};
use crate::{
    clock,
    store::{
        AccountChange, AccountId, MethodsCleared, NewAuditEvent, NewOutboxMessage, OperatorStore,
        PlanOutdated,
    },
};

/// Tells a running server that rows changed behind its back (see `store_generation`).
async fn bump_generation(tx: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query(
        "update store_generation set generation = generation + 1, changed_at = $1
         where store_generation_id = 1",
    )
    .bind(clock::now())
    .execute(tx)
    .await?;
    Ok(())
}

#[async_trait]
impl OperatorStore for PgStore {
    async fn apply_account_changes(
        &self,
        changes: &[AccountChange],
    ) -> anyhow::Result<Result<(), PlanOutdated>> {
        let mut tx = self.pool.begin().await?;
        for change in changes {
            match change {
                AccountChange::Create {
                    account,
                    language,
                    audit,
                } => {
                    let taken: Option<String> = sqlx::query_scalar(
                        "select account_id from account where lower(user_principal_name) = lower($1)",
                    )
                    .bind(&account.user_principal_name)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if taken.is_some() {
                        return Ok(Err(PlanOutdated));
                    }
                    sqlx::query(
                        "insert into account (account_id, user_principal_name, display_name,
                                              password_hash, language, created_at)
                         values ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&account.account_id)
                    .bind(&account.user_principal_name)
                    .bind(&account.display_name)
                    .bind(&account.password_hash)
                    .bind(language)
                    .bind(audit.created_at)
                    .execute(&mut *tx)
                    .await?;
                    insert_audit(&mut tx, audit).await?;
                }
                AccountChange::Update {
                    account_id,
                    display_name,
                    language,
                    password_hash,
                    audit,
                } => {
                    let updated = sqlx::query(
                        "update account set display_name = $1, language = $2,
                                password_hash = coalesce($3, password_hash)
                         where account_id = $4",
                    )
                    .bind(display_name)
                    .bind(language)
                    .bind(password_hash)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if updated != 1 {
                        return Ok(Err(PlanOutdated));
                    }
                    insert_audit(&mut tx, audit).await?;
                }
            }
        }
        if !changes.is_empty() {
            bump_generation(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn set_account_disabled(
        &self,
        account_id: &AccountId,
        disabled_at: Option<OffsetDateTime>,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Option<u64>> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "update account set disabled_at = $1
             where account_id = $2 and (disabled_at is null) = $3",
        )
        .bind(disabled_at)
        .bind(account_id)
        .bind(disabled_at.is_some())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        let mut ended = 0;
        if disabled_at.is_some() {
            ended = sqlx::query("delete from session where account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            end_second_steps(&mut tx, account_id).await?;
        }
        insert_audit(&mut tx, audit).await?;
        bump_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(Some(ended))
    }

    async fn clear_methods(
        &self,
        account_id: &AccountId,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<MethodsCleared> {
        let mut tx = self.pool.begin().await?;
        let mut deleted = async |sql: &str| -> anyhow::Result<u64> {
            Ok(sqlx::query(sql)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected())
        };
        let cleared = MethodsCleared {
            methods: deleted("delete from method where account_id = $1").await?,
            // Their codes go with them (on delete cascade).
            registrations: deleted(
                "delete from registration where account_id = $1 and status = 'pending'",
            )
            .await?,
            recovery_codes: deleted("delete from recovery_code where account_id = $1").await?,
            sessions: deleted("delete from session where account_id = $1").await?,
        };
        deleted("update account set default_method_id = null where account_id = $1").await?;
        end_second_steps(&mut tx, account_id).await?;
        if cleared.methods > 0 || cleared.recovery_codes > 0 {
            insert_audit_and_outbox(&mut tx, audit, notice).await?;
        } else {
            insert_audit(&mut tx, audit).await?;
        }
        bump_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(cleared)
    }
}

/// Ends the account's pending second steps (sign-ins and step-ups half-way).
async fn end_second_steps(tx: &mut PgConnection, account_id: &AccountId) -> anyhow::Result<()> {
    sqlx::query(
        "update second_step set status = 'superseded', challenge = null
         where account_id = $1 and status = 'pending'",
    )
    .bind(account_id)
    .execute(tx)
    .await?;
    Ok(())
}
