//! Accounts: built-in ones (upserted by the seed) and those of the identity provider.

use async_trait::async_trait;
use sqlx::Connection;

use super::{SqliteStore, rows::*};
use crate::{
    clock,
    store::{
        AccountId, AccountRecord, AccountStore, ExternalAccountOutcome, ExternalIdentity,
        NewAccount,
    },
};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn upsert_account(
        &self,
        account: &NewAccount,
        replace_password: bool,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let existing: Option<String> =
            sqlx::query_scalar("select account_id from account where user_principal_name = ?")
                .bind(&account.user_principal_name)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            None => {
                sqlx::query(
                    "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
                     values (?, ?, ?, ?, ?)",
                )
                .bind(&account.account_id)
                .bind(&account.user_principal_name)
                .bind(&account.display_name)
                .bind(&account.password_hash)
                .bind(ts(clock::now()))
                .execute(&mut *tx)
                .await?;
            }
            Some(account_id) => {
                sqlx::query("update account set display_name = ? where account_id = ?")
                    .bind(&account.display_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                if replace_password {
                    sqlx::query("update account set password_hash = ? where account_id = ?")
                        .bind(&account.password_hash)
                        .bind(&account_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRecord>> {
        sqlx::query("select * from account where user_principal_name = ?")
            .bind(username)
            .fetch_optional(&mut *self.readers.get().await)
            .await?
            .as_ref()
            .map(stored_row::account)
            .transpose()
    }

    async fn account(&self, account_id: &AccountId) -> anyhow::Result<Option<AccountRecord>> {
        sqlx::query("select * from account where account_id = ?")
            .bind(account_id)
            .fetch_optional(&mut *self.readers.get().await)
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
             where external_identity.issuer = ? and external_identity.subject = ?";
        let existing = sqlx::query(BY_IDENTITY)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&mut *self.readers.get().await)
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
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let account_id: Option<AccountId> = sqlx::query_scalar(
            "select account_id from external_identity where issuer = ? and subject = ?",
        )
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let holder: Option<String> =
            sqlx::query_scalar("select account_id from account where user_principal_name = ?")
                .bind(&profile.user_principal_name)
                .fetch_optional(&mut *tx)
                .await?;
        let account_id = match account_id {
            Some(account_id) => {
                sqlx::query("update account set display_name = ? where account_id = ?")
                    .bind(&profile.display_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                if holder.is_none() {
                    sqlx::query("update account set user_principal_name = ? where account_id = ?")
                        .bind(&profile.user_principal_name)
                        .bind(&account_id)
                        .execute(&mut *tx)
                        .await?;
                }
                account_id
            }
            None if holder.is_some() => return Ok(ExternalAccountOutcome::NameTaken),
            None => {
                let now = ts(clock::now());
                sqlx::query(
                    "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
                     values (?, ?, ?, '', ?)",
                )
                .bind(&profile.account_id)
                .bind(&profile.user_principal_name)
                .bind(&profile.display_name)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into external_identity (external_identity_id, account_id, issuer, subject, created_at)
                     values (?, ?, ?, ?, ?)",
                )
                .bind(crate::random::id()?)
                .bind(&profile.account_id)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                profile.account_id.clone()
            }
        };
        let account = sqlx::query("select * from account where account_id = ?")
            .bind(&account_id)
            .fetch_one(&mut *tx)
            .await?;
        let account = stored_row::account(&account)?;
        tx.commit().await?;
        Ok(ExternalAccountOutcome::Account(account))
    }
}
