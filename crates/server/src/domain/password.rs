//! Password hashing with argon2id (OWASP: 19 MiB, t=2, p=1), off the async runtime and with
//! bounded concurrency so a burst of sign-ins cannot exhaust memory or starve other requests.

use std::sync::Arc;

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
    password_hash::SaltString,
};
use tokio::sync::Semaphore;

use crate::{random, secret::Secret};

/// Hashes and verifies passwords on the blocking pool, a few at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the user does not exist, so the
    /// answer takes as long as for a real account.
    dummy_hash: Arc<String>,
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&random::bytes::<16>()?)
        .map_err(|error| anyhow::anyhow!("salt: {error}"))?;
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| anyhow::anyhow!("argon2: {error}"))?
        .to_string())
}

fn verify_blocking(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|error| anyhow::anyhow!("stored hash: {error}"))?;
    Ok(argon2()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

impl PasswordHasher {
    /// A hasher allowing as many concurrent hashes as there are cores (at least 1, at most 4).
    pub async fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let permits = Arc::new(Semaphore::new(cores.clamp(1, 4)));
        let filler = random::hex(&random::bytes::<16>()?);
        let dummy_hash = tokio::task::spawn_blocking(move || hash_blocking(&filler))
            .await
            .context("hashing task")??;
        Ok(Self {
            permits,
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// Hashes a password (PHC string).
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: Secret<String>) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
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
        // Accounts of the OpenID Connect provider have no password (an empty hash): they are
        // checked against the dummy like unknown users, and never match.
        let hash = hash.filter(|h| !h.is_empty());
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matches =
            tokio::task::spawn_blocking(move || verify_blocking(password.expose(), &hash))
                .await
                .context("hashing task")??;
        Ok(exists && matches)
    }
}
