//! Any [`MethodStore`], with each account's method list kept in memory ([`MethodCache`]).
//!
//! The writes run as tasks of their own and forget the account's list when the inner store's
//! transaction is over: a request dropped mid-commit (the client went away) must not drop
//! the write before the commit has really happened, or the list would be forgotten too early
//! and a read in between could store the old one again.

use std::sync::Arc;

use async_trait::async_trait;

use super::{
    AccountId, AddOutcome, MethodId, MethodRecord, MethodStore, NewAuditEvent, NewMethod,
    NewOutboxMessage, RegistrationId, method_cache::MethodCache,
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
}
