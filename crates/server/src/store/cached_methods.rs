//! Any [`MethodStore`], with each account's method list kept in memory ([`MethodCache`]).
//!
//! The writes run as tasks of their own and forget the account's list when the inner store's
//! transaction is over: a request dropped mid-commit (the client went away) must not drop
//! the write before the commit has really happened, or the list would be forgotten too early
//! and a read in between could store the old one again.

use std::sync::Arc;

use async_trait::async_trait;

use super::{
    AccountId, AddOutcome, MethodCheck, MethodCheckLimit, MethodId, MethodRecord, MethodStore,
    NewAuditEvent, NewMethod, NewOutboxMessage, RegistrationId, Throttled,
    method_cache::MethodCache,
};

/// A method store whose lists are cached; valid only while this process is the only writer
/// of the database.
pub struct CachedMethods<S> {
    inner: Arc<S>,
    cache: Arc<MethodCache>,
}

impl<S: MethodStore> CachedMethods<S> {
    /// Wraps `inner`.
    pub fn new(inner: Arc<S>) -> Self {
        Self {
            inner,
            cache: Arc::default(),
        }
    }

    /// Runs `write` on the inner store as its own task, forgetting the account's list once the
    /// write is over, however it ended.
    async fn forgetting<T, F>(
        &self,
        account_id: &AccountId,
        write: impl FnOnce(Arc<S>) -> F,
    ) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: Future<Output = anyhow::Result<T>> + Send + 'static,
    {
        let (cache, account_id) = (Arc::clone(&self.cache), account_id.clone());
        let write = write(Arc::clone(&self.inner));
        tokio::spawn(async move {
            let _forget = cache.invalidation(account_id.as_str());
            write.await
        })
        .await?
    }
}

#[async_trait]
impl<S: MethodStore> MethodStore for CachedMethods<S> {
    async fn list_methods(&self, account_id: &AccountId) -> anyhow::Result<Vec<MethodRecord>> {
        let miss = match self.cache.get(account_id.as_str()) {
            Ok(list) => return Ok(list),
            Err(miss) => miss,
        };
        let list = self.inner.list_methods(account_id).await?;
        self.cache.store(account_id.as_str(), miss, &list);
        Ok(list)
    }

    async fn add_method(
        &self,
        registration_id: &RegistrationId,
        method: &NewMethod,
        limit: u32,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<AddOutcome> {
        let (registration_id, method) = (registration_id.clone(), method.clone());
        let (audit, notification) = (audit.clone(), notification.clone());
        self.forgetting(&method.account_id.clone(), move |inner| async move {
            inner
                .add_method(&registration_id, &method, limit, &audit, &notification)
                .await
        })
        .await
    }

    async fn delete_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let (owner, method_id) = (account_id.clone(), method_id.clone());
        let (audit, notification) = (audit.clone(), notification.clone());
        self.forgetting(account_id, move |inner| async move {
            inner
                .delete_method(&owner, &method_id, &audit, &notification)
                .await
        })
        .await
    }

    async fn rename_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        name: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let (owner, method_id, name) = (account_id.clone(), method_id.clone(), name.to_owned());
        let audit = audit.clone();
        self.forgetting(account_id, move |inner| async move {
            inner.rename_method(&owner, &method_id, &name, &audit).await
        })
        .await
    }

    async fn reserve_method_check(
        &self,
        check: &MethodCheck,
        limit: &MethodCheckLimit,
    ) -> anyhow::Result<Result<(), Throttled>> {
        // No method changes: nothing to forget.
        self.inner.reserve_method_check(check, limit).await
    }

    async fn use_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        counter: i64,
        method_check_id: &str,
        at: time::OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let (owner, method_id, check) = (
            account_id.clone(),
            method_id.clone(),
            method_check_id.to_owned(),
        );
        // The list shows when each method was last used.
        self.forgetting(account_id, move |inner| async move {
            inner
                .use_method(&owner, &method_id, counter, &check, at)
                .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::MethodType;

    use super::*;
    use crate::{
        clock,
        store::{
            AccountStore, CodeLimits, NewAccount, NewRegistration, RegistrationStore,
            sqlite::SqliteStore,
        },
    };

    fn audit(account_id: &AccountId) -> NewAuditEvent {
        NewAuditEvent {
            audit_event_id: crate::random::id().expect("id"),
            account_id: Some(account_id.clone()),
            kind: "method_added",
            ip_address: None,
            user_agent: None,
            detail: None,
            created_at: clock::now(),
        }
    }

    fn notice() -> NewOutboxMessage {
        NewOutboxMessage {
            outbox_message_id: crate::random::id().expect("id"),
            recipient: "alain@contoso.example".into(),
            language: "en".into(),
            template: "method_added".into(),
            params: "{}".into(),
            sealed_secret: None,
            created_at: clock::now(),
        }
    }

    /// A store with one account and a pending registration of a named type (one that sends
    /// no code), the way an authenticator app's registration will look.
    async fn store_with_registration() -> (
        tempfile::TempDir,
        Arc<SqliteStore>,
        AccountId,
        RegistrationId,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
        let store = Arc::new(SqliteStore::connect(&url).await.expect("store"));
        let account_id = AccountId::generate().expect("id");
        store
            .upsert_account(
                &NewAccount {
                    account_id: account_id.clone(),
                    user_principal_name: "alain@contoso.example".into(),
                    display_name: "Alain".into(),
                    password_hash: String::new(),
                },
                false,
            )
            .await
            .expect("account");
        let registration_id = RegistrationId::generate().expect("id");
        let now = clock::now();
        let limits = CodeLimits {
            resend_cooldown: time::Duration::MINUTE,
            per_account_per_hour: 5,
            per_destination_per_day: 10,
        };
        store
            .start_registration(
                &NewRegistration {
                    registration_id: registration_id.clone(),
                    account_id: account_id.clone(),
                    method_type: MethodType::SecurityKey,
                    challenge: "{}".into(),
                    expires_at: now + time::Duration::HOUR,
                    created_at: now,
                },
                None,
                &audit(&account_id),
                &limits,
            )
            .await
            .expect("start")
            .expect("no code, no limit");
        (dir, store, account_id, registration_id)
    }

    fn key(account_id: &AccountId, method_id: &MethodId) -> NewMethod {
        NewMethod {
            method_id: method_id.clone(),
            account_id: account_id.clone(),
            method_type: MethodType::SecurityKey,
            slot: method_id.to_string(),
            name: Some("YubiKey 5".into()),
            detail: "{}".into(),
            credential: Some(vec![1, 2, 3]),
            counter: None,
            created_at: clock::now(),
        }
    }

    #[tokio::test]
    async fn a_cached_list_follows_an_add_a_rename_and_a_delete() {
        let (_dir, store, account_id, registration_id) = store_with_registration().await;
        let methods = CachedMethods::new(store);
        assert!(
            methods
                .list_methods(&account_id)
                .await
                .expect("list")
                .is_empty()
        );

        let method_id = MethodId::generate().expect("id");
        let added = methods
            .add_method(
                &registration_id,
                &key(&account_id, &method_id),
                10,
                &audit(&account_id),
                &notice(),
            )
            .await
            .expect("add");
        assert_eq!(added, AddOutcome::Added);
        let listed = methods.list_methods(&account_id).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name.as_deref(), Some("YubiKey 5"));
        assert_eq!(listed[0].credential.as_deref(), Some(&[1u8, 2, 3][..]));

        let renamed = methods
            .rename_method(&account_id, &method_id, "Office key", &audit(&account_id))
            .await
            .expect("rename")
            .expect("the account's method");
        assert_eq!(renamed.name.as_deref(), Some("Office key"));
        let listed = methods.list_methods(&account_id).await.expect("list");
        assert_eq!(
            listed[0].name.as_deref(),
            Some("Office key"),
            "the cache forgot the old name"
        );

        let other = AccountId::generate().expect("id");
        assert!(
            methods
                .rename_method(&other, &method_id, "Mine now", &audit(&other))
                .await
                .expect("rename")
                .is_none(),
            "another account cannot rename it"
        );

        methods
            .delete_method(&account_id, &method_id, &audit(&account_id), &notice())
            .await
            .expect("delete")
            .expect("deleted");
        assert!(
            methods
                .list_methods(&account_id)
                .await
                .expect("list")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_registration_completes_once_and_the_type_limit_holds() {
        let (_dir, store, account_id, registration_id) = store_with_registration().await;
        let methods = CachedMethods::new(store);
        let first = MethodId::generate().expect("id");
        let outcome = |limit| {
            let method = key(&account_id, &first);
            let (methods, registration_id, account_id) = (&methods, &registration_id, &account_id);
            async move {
                methods
                    .add_method(
                        registration_id,
                        &method,
                        limit,
                        &audit(account_id),
                        &notice(),
                    )
                    .await
                    .expect("add")
            }
        };
        // No room for another of the type: refused, and the registration stays pending.
        assert_eq!(outcome(0).await, AddOutcome::LimitReached);
        assert_eq!(outcome(10).await, AddOutcome::Added);
        assert_eq!(outcome(10).await, AddOutcome::NotPending);
        assert_eq!(
            methods.list_methods(&account_id).await.expect("list").len(),
            1
        );
    }
}
