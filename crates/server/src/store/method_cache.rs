//! Each account's method list, kept in memory: `GET /me/methods` is the page's main read, and
//! the list changes only through this process (adding, renaming or deleting a method), so
//! [`super::CachedMethods`] can forget a list exactly when it changes instead of reading it
//! every time.
//!
//! Correctness rests on two rules. A writer forgets the account's list *after* its
//! transaction ends (an [`Invalidation`] guard, dropped even when the request is cancelled
//! mid-commit), so a list read before the commit cannot outlive it. And every forget bumps a
//! generation: a reader that fetched a list from the database stores it only if no forget
//! happened since it looked, so a list read before a commit cannot be stored after it either.
//! Rows changed by another program (the operators' `accounts` commands) come with a higher
//! store generation in the database; [`MethodCache::follow_outside_generation`] forgets every
//! list when it sees one, with the same forget, so a reader that missed before it cannot
//! store what it read either.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use super::MethodRecord;

/// Accounts whose lists are kept. Past this the cache starts over empty: memory stays bounded
/// without bookkeeping on every hit, and a refill costs one read per account.
const CAPACITY: usize = 10_000;

/// Method lists by account id.
#[derive(Debug, Default)]
pub struct MethodCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Bumped by every forget.
    generation: u64,
    /// The highest store generation seen (changes made by other programs).
    outside_generation: i64,
    lists: HashMap<String, Vec<MethodRecord>>,
}

/// What a miss hands the reader: the generation to quote when storing what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss(u64);

impl MethodCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map is only ever replaced whole or changed by one call; a panic elsewhere while
        // the lock was held cannot leave it half-updated.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The account's list, or the [`Miss`] to pass to [`MethodCache::store`] after reading it.
    pub fn get(&self, account_id: &str) -> Result<Vec<MethodRecord>, Miss> {
        let inner = self.lock();
        inner
            .lists
            .get(account_id)
            .cloned()
            .ok_or(Miss(inner.generation))
    }

    /// Keeps a list read from the database, unless a change was committed since the miss.
    pub fn store(&self, account_id: &str, miss: Miss, list: &[MethodRecord]) {
        let mut inner = self.lock();
        if inner.generation != miss.0 {
            return;
        }
        if inner.lists.len() >= CAPACITY && !inner.lists.contains_key(account_id) {
            inner.lists.clear();
        }
        inner.lists.insert(account_id.to_owned(), list.to_vec());
    }

    /// Forgets every list when the database's store generation (read just now) is higher
    /// than any seen before: another program changed rows since they were read.
    pub fn follow_outside_generation(&self, outside_generation: i64) {
        let mut inner = self.lock();
        if outside_generation > inner.outside_generation {
            inner.outside_generation = outside_generation;
            inner.generation += 1;
            inner.lists.clear();
        }
    }

    /// Forgets the account's list when the returned guard is dropped: hold it across the
    /// transaction that changes the account's methods.
    pub fn invalidation<'a>(&'a self, account_id: &'a str) -> Invalidation<'a> {
        Invalidation {
            cache: self,
            account_id,
        }
    }

    fn forget(&self, account_id: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.lists.remove(account_id);
    }
}

/// Forgets one account's list when dropped (see [`MethodCache::invalidation`]).
#[derive(Debug)]
pub struct Invalidation<'a> {
    cache: &'a MethodCache,
    account_id: &'a str,
}

impl Drop for Invalidation<'_> {
    fn drop(&mut self) {
        self.cache.forget(self.account_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(id: &str) -> MethodRecord {
        MethodRecord {
            method_id: id.to_owned().into(),
            method_type: security_info_api::MethodType::Email,
            slot: String::new(),
            name: None,
            detail: r#"{"emailAddress":"a@example.net"}"#.to_owned(),
            credential: None,
            counter: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
        }
    }

    #[test]
    fn a_stored_list_is_served_until_the_account_changes() {
        let cache = MethodCache::default();
        let miss = cache.get("a").expect_err("empty at first");
        cache.store("a", miss, &[method("m1")]);
        assert_eq!(cache.get("a").expect("hit")[0].method_id.as_str(), "m1");
        drop(cache.invalidation("a"));
        assert!(cache.get("a").is_err());
    }

    #[test]
    fn a_list_read_before_a_change_is_not_stored_after_it() {
        let cache = MethodCache::default();
        let miss = cache.get("a").expect_err("empty");
        // A writer commits and forgets while the reader still holds its (old) list.
        drop(cache.invalidation("a"));
        cache.store("a", miss, &[method("old")]);
        assert!(cache.get("a").is_err(), "the old list must not be kept");
    }

    #[test]
    fn a_list_stored_during_a_change_is_forgotten_when_it_ends() {
        let cache = MethodCache::default();
        let guard = cache.invalidation("a");
        let miss = cache.get("a").expect_err("empty");
        cache.store("a", miss, &[method("old")]);
        drop(guard);
        assert!(cache.get("a").is_err());
    }

    #[test]
    fn another_programs_change_forgets_every_list_once() {
        let cache = MethodCache::default();
        for account in ["a", "b"] {
            let miss = cache.get(account).expect_err("empty");
            cache.store(account, miss, &[method("m")]);
        }
        cache.follow_outside_generation(0);
        assert!(
            cache.get("a").is_ok(),
            "the same generation keeps the lists"
        );
        // A reader that missed before the change must not store what it read.
        let miss = cache.get("c").expect_err("empty");
        cache.follow_outside_generation(1);
        assert!(cache.get("a").is_err() && cache.get("b").is_err());
        cache.store("c", miss, &[method("old")]);
        assert!(cache.get("c").is_err(), "read before the change: not kept");
        let miss = cache.get("a").expect_err("forgotten");
        cache.store("a", miss, &[method("new")]);
        // An older generation read by a slower request forgets nothing.
        cache.follow_outside_generation(0);
        cache.follow_outside_generation(1);
        assert_eq!(cache.get("a").expect("kept")[0].method_id.as_str(), "new");
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let cache = MethodCache::default();
        for i in 0..=CAPACITY {
            let id = i.to_string();
            let miss = cache.get(&id).expect_err("new");
            cache.store(&id, miss, &[]);
        }
        assert!(cache.get("0").is_err());
        assert!(cache.get(&CAPACITY.to_string()).is_ok());
    }
}
