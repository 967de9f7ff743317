//! Accounts: built-in ones (upserted by the seed) and those of the identity provider.

use async_trait::async_trait;

use super::{PgStore, lock_key, rows::*};
use crate::{
    clock,
    store::{
        AccountId, AccountRecord, AccountStore, ExternalAccountOutcome, ExternalIdentity,
        NewAccount,
    },
};

#[async_trait]
impl AccountStore for PgStore {
    async fn upsert_account(
        &self,
        account: &NewAccount,
        replace_password: bool,
    ) -> anyhow::Result<()> {
        // One statement against the unique index on the lower-case name: processes seeding
        // the same accounts at once update one row instead of failing on the index.
        sqlx::query(
            "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
             values ($1, $2, $3, $4, $5)
             on conflict ((lower(user_principal_name))) do update
             set display_name = excluded.display_name,
                 password_hash = case when $6 then excluded.password_hash else account.password_hash end",
        )
        .bind(&account.account_id)
        .bind(&account.user_principal_name)
        .bind(&account.display_name)
        .bind(&account.password_hash)
        .bind(clock::now())
        .bind(replace_password)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRecord>> {
        sqlx::query("select * from account where lower(user_principal_name) = lower($1)")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(stored_row::account)
            .transpose()
    }

    async fn account(&self, account_id: &AccountId) -> anyhow::Result<Option<AccountRecord>> {
        sqlx::query("select * from account where account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(stored_row::account)
            .transpose()
    }

    async fn external_account(
        &self,
        identity: &ExternalIdentity,
        profile: &NewAccount,
    ) -> anyhow::Result<ExternalAccountOutcome> {
        const BY_IDENTITY: &str = "select account.* from account
             join external_identity using (account_id)
             where external_identity.issuer = $1 and external_identity.subject = $2";
        let existing = sqlx::query(BY_IDENTITY)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(stored_row::account)
            .transpose()?;
        if let Some(account) = &existing
            && account.display_name == profile.display_name
            && account.user_principal_name == profile.user_principal_name
        {
            return Ok(ExternalAccountOutcome::Account(account.clone()));
        }
        let mut tx = self.pool.begin().await?;
        // The identity's first requests may come to several processes at once: only one of
        // them may create its account.
        lock_key(
            &mut tx,
            &format!(
                "external_identity:{}\n{}",
                identity.issuer, identity.subject
            ),
        )
        .await?;
        let account_id: Option<AccountId> = sqlx::query_scalar(
            "select account_id from external_identity where issuer = $1 and subject = $2",
        )
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let holder: Option<String> = sqlx::query_scalar(
            "select account_id from account where lower(user_principal_name) = lower($1)",
        )
        .bind(&profile.user_principal_name)
        .fetch_optional(&mut *tx)
        .await?;
        let account_id = match account_id {
            Some(account_id) => {
                sqlx::query("update account set display_name = $1 where account_id = $2")
                    .bind(&profile.display_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                if holder.is_none() {
                    sqlx::query(
                        "update account set user_principal_name = $1 where account_id = $2",
                    )
                    .bind(&profile.user_principal_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                }
                account_id
            }
            None if holder.is_some() => return Ok(ExternalAccountOutcome::NameTaken),
            None => {
                let now = clock::now();
                sqlx::query(
                    "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
                     values ($1, $2, $3, '', $4)",
                )
                .bind(&profile.account_id)
                .bind(&profile.user_principal_name)
                .bind(&profile.display_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into external_identity (external_identity_id, account_id, issuer, subject, created_at)
                     values ($1, $2, $3, $4, $5)",
                )
                .bind(crate::random::id()?)
                .bind(&profile.account_id)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                profile.account_id.clone()
            }
        };
        let account = sqlx::query("select * from account where account_id = $1")
            .bind(&account_id)
            .fetch_one(&mut *tx)
            .await?;
        let account = stored_row::account(&account)?;
        tx.commit().await?;
        Ok(ExternalAccountOutcome::Account(account))
    }
}
