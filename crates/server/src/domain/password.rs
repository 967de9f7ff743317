//! Password hashing with argon2id (OWASP: 19 MiB, t=2, p=1), off the async runtime and with
//! bounded concurrency so a burst of sign-ins cannot exhaust memory or starve other requests.
//!
//! The 19 MiB of working memory is kept in a small pool and reused. Allocating it afresh for
//! every hash made glibc's malloc keep the freed blocks in per-thread heaps (its mmap threshold
//! grows to the size of the first freed block), and the server's resident memory grew to about
//! 500 MB after 200 sign-ins; with the pool it stays near 50 MB (see bench/why.md).

use std::sync::{Arc, Mutex};

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, SaltString},
};
use tokio::sync::Semaphore;

use crate::{random, secret::Secret};

/// Hashes and verifies passwords on the blocking pool, a few at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Working memory, one set per permit at most.
    memory: Arc<MemoryPool>,
    /// A hash of a random password, verified against when the user does not exist, so the
    /// answer takes as long as for a real account.
    dummy_hash: Arc<String>,
}

/// Length of the stored hash output, in bytes (argon2's default).
const OUTPUT_LENGTH: usize = 32;

fn params() -> anyhow::Result<Params> {
    Params::new(19 * 1024, 2, 1, Some(OUTPUT_LENGTH))
        .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))
}

/// Working memory for one hash at a time, reused instead of allocated per hash.
#[derive(Default)]
struct MemoryPool {
    free: Mutex<Vec<Vec<Block>>>,
}

impl MemoryPool {
    /// Runs `work` with `blocks` blocks of working memory, taken from the pool when it has some.
    fn with_blocks<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let mut memory = reused
            .filter(|memory| memory.len() == blocks)
            .unwrap_or_else(|| vec![Block::default(); blocks]);
        let result = work(&mut memory);
        if let Ok(mut free) = self.free.lock() {
            free.push(memory);
        }
        result
    }
}

fn hash_blocking(pool: &MemoryPool, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&random::bytes::<16>()?)
        .map_err(|error| anyhow::anyhow!("salt: {error}"))?;
    let params = params()?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|error| anyhow::anyhow!("salt: {error}"))?;
    let output = derive(pool, &params, password, salt_bytes, OUTPUT_LENGTH)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify_blocking(pool: &MemoryPool, password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|error| anyhow::anyhow!("stored hash: {error}"))?;
    let expected = parsed
        .hash
        .ok_or_else(|| anyhow::anyhow!("stored hash has no output"))?;
    let params = Params::try_from(&parsed)
        .map_err(|error| anyhow::anyhow!("stored hash parameters: {error}"))?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = parsed
        .salt
        .ok_or_else(|| anyhow::anyhow!("stored hash has no salt"))?
        .decode_b64(&mut salt_bytes)
        .map_err(|error| anyhow::anyhow!("stored salt: {error}"))?;
    let actual = derive(pool, &params, password, salt_bytes, expected.len())?;
    // `Output` compares in constant time.
    Ok(actual == expected)
}

/// Runs argon2id with pooled working memory.
fn derive(
    pool: &MemoryPool,
    params: &Params,
    password: &str,
    salt: &[u8],
    length: usize,
) -> anyhow::Result<Output> {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = vec![0u8; length];
    pool.with_blocks(params.block_count(), |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
    })
    .map_err(|error| anyhow::anyhow!("argon2: {error}"))?;
    Output::new(&out).map_err(|error| anyhow::anyhow!("argon2 output: {error}"))
}

impl PasswordHasher {
    /// A hasher allowing as many concurrent hashes as there are cores (at least 1, at most 4).
    pub async fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let permits = Arc::new(Semaphore::new(cores.clamp(1, 4)));
        let memory = Arc::new(MemoryPool::default());
        let filler = random::hex(&random::bytes::<16>()?);
        let pool = Arc::clone(&memory);
        let dummy_hash = tokio::task::spawn_blocking(move || hash_blocking(&pool, &filler))
            .await
            .context("hashing task")??;
        Ok(Self {
            permits,
            memory,
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// Hashes a password (PHC string).
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: Secret<String>) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let pool = Arc::clone(&self.memory);
        tokio::task::spawn_blocking(move || hash_blocking(&pool, password.expose()))
            .await
            .context("hashing task")?
    }

    /// Whether `password` matches `hash`; with `None` (no such user) it spends the same time
    /// and answers false.
    #[tracing::instrument(skip_all)]
    pub async fn verify(
        &self,
        password: Secret<String>,
        hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        // Only PHC strings are hashes: accounts of the OpenID Connect provider have none (an
        // empty hash) and those of an LDAP directory a marker; both are checked against the
        // dummy like unknown users, and never match.
        let hash = hash.filter(|h| h.starts_with('$'));
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let pool = Arc::clone(&self.memory);
        let matches =
            tokio::task::spawn_blocking(move || verify_blocking(&pool, password.expose(), &hash))
                .await
                .context("hashing task")??;
        Ok(exists && matches)
    }
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    #[test]
    fn a_pooled_hash_verifies_and_a_wrong_password_does_not() {
        let pool = MemoryPool::default();
        let hash = hash_blocking(&pool, "correct horse").expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking(&pool, "correct horse", &hash).expect("verifies"));
        assert!(!verify_blocking(&pool, "correct horsE", &hash).expect("verifies"));
        assert_eq!(pool.free.lock().map(|free| free.len()).unwrap_or(0), 1);
    }

    #[test]
    fn pooled_hashes_are_standard_phc_strings_both_ways() {
        let pool = MemoryPool::default();
        let argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            params().expect("params"),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let standard = argon2
            .hash_password(b"s3cret", &salt)
            .expect("hashes")
            .to_string();
        assert!(verify_blocking(&pool, "s3cret", &standard).expect("verifies"));

        let pooled = hash_blocking(&pool, "s3cret").expect("hashes");
        let parsed = PasswordHash::new(&pooled).expect("parses");
        assert!(argon2.verify_password(b"s3cret", &parsed).is_ok());
    }
}
