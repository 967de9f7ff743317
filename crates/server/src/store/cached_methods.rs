//! Any [`MethodStore`], with each account's method list kept in memory ([`MethodCache`]).
//!
//! Another program may change the database while the server runs (the operators' `accounts`
//! commands); it bumps the store generation as it does. A list read first makes sure the
//! generation was read less than [`GENERATION_CHECK_INTERVAL`] ago (reading it again when not)
//! and, when it moved, forgets every list before looking in the cache. Such a program waits
//! [`OUTSIDE_CHANGE_SETTLES`] (twice the interval) after its commit before it ends, so a list
//! read started after it ended is checked against a generation read after the commit: no list
//! from before the change is served then. Reading the generation for every list would cost a
//! point read (a round trip to a SQLite connection's thread, 10 to 25 µs of CPU), about what
//! the cache saves on a short list; at most once per interval it costs nothing measurable.
//!
//! The writes run as tasks of their own and forget the account's list when the inner store's
//! transaction is over: a request dropped mid-commit (the client went away) must not drop
//! the write before the commit has really happened, or the list would be forgotten too early
//! and a read in between could store the old one again.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::{
    AccountId, AddOutcome, MethodCheck, MethodCheckLimit, MethodId, MethodRecord, MethodStore,
    NewAuditEvent, NewMethod, NewOutboxMessage, RegistrationId, Throttled,
    method_cache::MethodCache,
};

/// How long a read of the store generation is trusted before the cache is used again.
pub const GENERATION_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// How long a program that changed the database behind the server waits after its commit
/// before it ends: twice [`GENERATION_CHECK_INTERVAL`], so every running server has read the
/// new generation before a list read that starts afterwards.
pub const OUTSIDE_CHANGE_SETTLES: Duration = Duration::from_millis(100);

/// A method store whose lists are cached; other programs writing the database must bump the
/// store generation (see [`MethodStore::outside_generation`]) in the same transaction and
/// wait [`OUTSIDE_CHANGE_SETTLES`] before they end.
pub struct CachedMethods<S> {
    inner: Arc<S>,
    cache: Arc<MethodCache>,
    /// When the last read of the store generation began.
    generation_read_at: Mutex<Option<Instant>>,
}

impl<S: MethodStore> CachedMethods<S> {
    /// Wraps `inner`.
    pub fn new(inner: Arc<S>) -> Self {
        Self {
            inner,
            cache: Arc::default(),
            generation_read_at: Mutex::new(None),
        }
    }

    /// Reads the store generation unless a read that began less than
    /// [`GENERATION_CHECK_INTERVAL`] ago saw it, and forgets every list when it moved.
    async fn follow_outside_changes(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let last = *self
            .generation_read_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| started.duration_since(at) < GENERATION_CHECK_INTERVAL) {
            return Ok(());
        }
        let generation = self.inner.outside_generation().await?;
        self.cache.follow_outside_generation(generation);
        // The read saw every commit made before it began.
        let mut read_at = self
            .generation_read_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if read_at.is_none_or(|at| at < started) {
            *read_at = Some(started);
        }
        Ok(())
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
    async fn outside_generation(&self) -> anyhow::Result<i64> {
        self.inner.outside_generation().await
    }

    async fn list_methods(&self, account_id: &AccountId) -> anyhow::Result<Vec<MethodRecord>> {
        // Before the cache is looked at: a change committed more than the interval before
        // this request began is seen here, and a list stored before it is then forgotten.
        self.follow_outside_changes().await?;
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

    async fn use_security_key(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        credential: &[u8],
        counter: i64,
        method_check_id: &str,
        at: time::OffsetDateTime,
    ) -> anyhow::Result<bool> {
        let (owner, method_id, credential, check) = (
            account_id.clone(),
            method_id.clone(),
            credential.to_vec(),
            method_check_id.to_owned(),
        );
        self.forgetting(account_id, move |inner| async move {
            inner
                .use_security_key(&owner, &method_id, &credential, counter, &check, at)
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
            OperatorStore,
            test_support::{audit, notice, store_with_registration},
        },
    };

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
        let (_dir, store, account_id, registration_id) =
            store_with_registration(MethodType::SecurityKey).await;
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
    async fn a_list_another_program_changed_is_not_served_once_the_generation_moved() {
        let (_dir, store, account_id, registration_id) =
            store_with_registration(MethodType::SecurityKey).await;
        let methods = CachedMethods::new(Arc::clone(&store));
        let method_id = MethodId::generate().expect("id");
        methods
            .add_method(
                &registration_id,
                &key(&account_id, &method_id),
                10,
                &audit(&account_id),
                &notice(),
            )
            .await
            .expect("add");
        assert_eq!(
            methods.list_methods(&account_id).await.expect("list").len(),
            1
        );
        // What `accounts clear-methods` does, on the store itself (as another process would),
        // so the cache's own invalidation never runs.
        let cleared = store
            .clear_methods(&account_id, &audit(&account_id), &notice())
            .await
            .expect("clear");
        assert_eq!(cleared.methods, 1);
        tokio::time::sleep(OUTSIDE_CHANGE_SETTLES).await;
        assert!(
            methods
                .list_methods(&account_id)
                .await
                .expect("list")
                .is_empty()
        );
    }

    /// CPU time this process has used (user and system, Linux), for measurements that a
    /// busy machine's waiting does not blur.
    fn cpu_time() -> std::time::Duration {
        let ticks = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| {
                let fields: Vec<u64> = stat
                    .rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .filter_map(|f| f.parse().ok())
                    .collect();
                // utime and stime: fields 14 and 15 of the line, 11 and 12 after the name.
                Some(fields.get(10)? + fields.get(11)?)
            })
            .unwrap_or_default();
        std::time::Duration::from_millis(ticks * 10)
    }

    /// What the generation check costs a cached list, in wall time and in CPU time (all
    /// threads: the runtime's and SQLite's): run with `cargo test --profile server -p
    /// security-info-server cost_of_the_generation -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore = "a measurement, not a check"]
    async fn cost_of_the_generation_check() {
        let (_dir, store, account_id, registration_id) =
            store_with_registration(MethodType::SecurityKey).await;
        let methods = CachedMethods::new(Arc::clone(&store));
        let method_id = MethodId::generate().expect("id");
        methods
            .add_method(
                &registration_id,
                &key(&account_id, &method_id),
                10,
                &audit(&account_id),
                &notice(),
            )
            .await
            .expect("add");
        const ROUNDS: u32 = 50_000;
        let measure = |started: (std::time::Instant, std::time::Duration)| {
            (
                started.0.elapsed() / ROUNDS,
                (cpu_time() - started.1) / ROUNDS,
            )
        };
        let start = || (std::time::Instant::now(), cpu_time());
        let started = start();
        for _ in 0..ROUNDS {
            store.outside_generation().await.expect("generation");
        }
        let generation = measure(started);
        let started = start();
        for _ in 0..ROUNDS {
            store.list_methods(&account_id).await.expect("list");
        }
        let uncached = measure(started);
        let started = start();
        for _ in 0..ROUNDS {
            methods.list_methods(&account_id).await.expect("list");
        }
        let cached = measure(started);
        let started = start();
        for _ in 0..ROUNDS {
            let _ = methods.cache.get(account_id.as_str());
        }
        let hit = measure(started);
        println!(
            "per list (wall, CPU): generation read {generation:?}, list read from SQLite \
             {uncached:?}, cached list with the generation check {cached:?}, cache hit alone {hit:?}"
        );
    }

    #[tokio::test]
    async fn a_registration_completes_once_and_the_type_limit_holds() {
        let (_dir, store, account_id, registration_id) =
            store_with_registration(MethodType::SecurityKey).await;
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
