//! The provider's signing keys: found through discovery, cached, fetched again when old or
//! when a token names a key id the cache does not know, and never waited for by a request
//! that can be answered with the keys already known.
//!
//! Why it is shaped this way: a provider that is down or slow must not stall the tokens it
//! signed before. So the cache is locked only to read or write it, never across a network
//! call; one fetch runs at a time (requests that cannot be answered without it wait for that
//! one instead of starting their own); keys past [`KEYS_MAX_AGE`] are used while a fetch runs
//! in the background; and after a failed fetch the next one waits [`FAILED_FETCH_BACKOFF`],
//! doubling up to [`MAX_FAILED_FETCH_BACKOFF`], so a dead provider costs one attempt per
//! back-off, not one per request (each took the 3-5 s of the HTTP timeouts).

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;

use super::{OidcSettings, TokenError, fetchable};

/// Keys older than this are fetched again (in the background while they keep working).
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// At most one fetch forced by an unknown `kid` per this interval.
pub const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(15);
/// Wait after a failed fetch before the next, doubled after each further failure.
pub const FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait between failed fetches.
pub const MAX_FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5 * 60);
/// Largest discovery or JWKS document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<serde_json::Value>,
}

/// One usable public key of the provider.
#[derive(Clone)]
pub struct PublicKey {
    /// `kid`.
    pub kid: Option<String>,
    /// The one algorithm it verifies.
    pub algorithm: Algorithm,
    /// The key.
    pub key: DecodingKey,
}

/// What is known of the provider's keys.
#[derive(Default)]
struct KeyCache {
    keys: Vec<PublicKey>,
    /// The last successful fetch.
    fetched_at: Option<Instant>,
    /// The end of the last fetch, successful or not.
    attempted_at: Option<Instant>,
    /// The start of the last fetch forced by an unknown key id.
    forced_at: Option<Instant>,
    /// Failed fetches since the last successful one.
    failures: u32,
    /// Fetches ended so far: a request that waited for another's fetch sees it changed.
    fetches: u64,
}

/// What a request does with the cache as it is.
enum Plan {
    /// Verify with these keys (none: the token names no key the provider has).
    Ready(Vec<PublicKey>),
    /// Verify with these keys, and fetch newer ones in the background.
    ReadyAndRefresh(Vec<PublicKey>),
    /// No key fits and a fetch may (`forced` by an unknown key id): fetch, or wait for the
    /// fetch under way, then look again.
    Fetch {
        /// Whether only the unknown key id calls for it.
        forced: bool,
    },
    /// No key is known and fetching is backing off.
    Unavailable,
}

impl KeyCache {
    /// Whether a fetch may start at `now`: not while backing off from failures, and a fetch
    /// `forced` by an unknown key id not within [`FORCED_REFRESH_INTERVAL`] of the last one.
    fn may_fetch(&self, now: Instant, forced: bool) -> bool {
        let within = |at: Option<Instant>, wait: Duration| {
            at.is_some_and(|at| now.saturating_duration_since(at) < wait)
        };
        if self.failures > 0 && within(self.attempted_at, backoff(self.failures)) {
            return false;
        }
        !(forced && within(self.forced_at, FORCED_REFRESH_INTERVAL))
    }

    fn plan(&self, kid: Option<&str>, algorithm: Algorithm, now: Instant) -> Plan {
        let found: Vec<PublicKey> = self
            .keys
            .iter()
            .filter(|k| k.algorithm == algorithm)
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .cloned()
            .collect();
        let stale = self
            .fetched_at
            .is_none_or(|at| now.saturating_duration_since(at) >= KEYS_MAX_AGE);
        if !found.is_empty() {
            return if stale && self.may_fetch(now, false) {
                Plan::ReadyAndRefresh(found)
            } else {
                Plan::Ready(found)
            };
        }
        if self.keys.is_empty() {
            return if self.may_fetch(now, false) {
                Plan::Fetch { forced: false }
            } else {
                Plan::Unavailable
            };
        }
        // Known keys, none of them this token's: the provider may have rotated its keys.
        if stale && self.may_fetch(now, false) {
            return Plan::Fetch { forced: false };
        }
        if kid.is_some() && self.may_fetch(now, true) {
            return Plan::Fetch { forced: true };
        }
        Plan::Ready(found)
    }

    /// Keeps the outcome of a fetch that ended at `at`.
    fn record(&mut self, outcome: anyhow::Result<Vec<PublicKey>>, at: Instant) {
        self.attempted_at = Some(at);
        self.fetches += 1;
        match outcome {
            Ok(keys) => {
                tracing::info!(
                    keys = keys.len(),
                    "fetched the OpenID Connect provider's keys"
                );
                self.keys = keys;
                self.fetched_at = Some(at);
                self.failures = 0;
            }
            Err(error) => {
                self.failures = self.failures.saturating_add(1);
                let retry_in = backoff(self.failures).as_secs();
                if self.keys.is_empty() {
                    tracing::error!(error = %error, retry_in, "cannot fetch the OpenID Connect provider's keys");
                } else {
                    tracing::warn!(error = %error, retry_in, "cannot refresh the provider's keys; keeping the known ones");
                }
            }
        }
    }
}

/// The wait after `failures` failed fetches in a row (at least one).
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FAILED_FETCH_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_FAILED_FETCH_BACKOFF)
}

/// The provider's keys, shared by every request.
pub struct ProviderKeys {
    issuer: String,
    http: reqwest::Client,
    /// Locked only to read or write, never across a network call.
    cache: Mutex<KeyCache>,
    /// Held by the one fetch under way.
    fetching: Arc<tokio::sync::Mutex<()>>,
}

impl ProviderKeys {
    /// Keys of the provider of `settings` (nothing is fetched until the first token).
    pub fn new(settings: &OidcSettings) -> anyhow::Result<Arc<Self>> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            // A fetch is rare (hourly); a pooled connection to a provider that restarted
            // since would only make the next fetch fail.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("security-info-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("HTTP client for OpenID Connect discovery")?;
        Ok(Arc::new(Self {
            issuer: settings.issuer.clone(),
            http,
            cache: Mutex::new(KeyCache::default()),
            fetching: Arc::default(),
        }))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, KeyCache> {
        // The cache is consistent after every statement, so a panic elsewhere spoils nothing.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The known keys that may have signed a token with this `kid` and algorithm, fetching the
    /// provider's keys when none are known, when they are old, or (at most once per
    /// [`FORCED_REFRESH_INTERVAL`]) when the `kid` is new.
    pub async fn keys_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Vec<PublicKey>, TokenError> {
        // Each turn either answers or ends a fetch (ours or the one waited for), after which
        // the plan is no longer `Fetch`: three turns are enough.
        for _ in 0..3 {
            let (plan, fetches) = {
                let cache = self.cache();
                (cache.plan(kid, algorithm, Instant::now()), cache.fetches)
            };
            match plan {
                Plan::Ready(keys) => return Ok(keys),
                Plan::ReadyAndRefresh(keys) => {
                    self.refresh_in_background();
                    return Ok(keys);
                }
                Plan::Unavailable => return Err(self.unavailable()),
                Plan::Fetch { forced } => {
                    let _one_at_a_time = self.fetching.lock().await;
                    // A fetch that ended while this one waited has answered it: look again.
                    if self.cache().fetches == fetches {
                        if forced {
                            tracing::info!(
                                "token names an unknown key id: fetching the provider's keys again"
                            );
                            self.cache().forced_at = Some(Instant::now());
                        }
                        let outcome = self.fetch_keys().await;
                        self.cache().record(outcome, Instant::now());
                    }
                }
            }
        }
        Err(self.unavailable())
    }

    fn unavailable(&self) -> TokenError {
        TokenError::Unavailable(anyhow::anyhow!(
            "the OpenID Connect provider's keys could not be fetched"
        ))
    }

    /// Fetches the keys in a task of its own, unless a fetch is under way already.
    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(one_at_a_time) = Arc::clone(&self.fetching).try_lock_owned() else {
            return;
        };
        let keys = Arc::clone(self);
        tokio::spawn(async move {
            let _one_at_a_time = one_at_a_time;
            let outcome = keys.fetch_keys().await;
            keys.cache().record(outcome, Instant::now());
        });
    }

    async fn fetch_keys(&self) -> anyhow::Result<Vec<PublicKey>> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        if discovery.issuer != self.issuer {
            bail!(
                "the discovery document names issuer `{}`, not the configured `{}`",
                discovery.issuer,
                self.issuer
            );
        }
        let jwks: JwksDocument = self.get_json(&discovery.jwks_uri).await?;
        let keys: Vec<PublicKey> = jwks.keys.into_iter().filter_map(public_key).collect();
        if keys.is_empty() {
            bail!("the provider's JWKS has no RS256, ES256 or EdDSA signing key");
        }
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, address: &str) -> anyhow::Result<T> {
        let url = url::Url::parse(address).with_context(|| format!("`{address}` is not a URL"))?;
        if !fetchable(&url) {
            bail!("`{address}` is neither https nor a loopback address");
        }
        let mut response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .with_context(|| format!("GET {address}"))?
            .error_for_status()
            .with_context(|| format!("GET {address}"))?;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("GET {address}"))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                bail!("GET {address}: document larger than {MAX_DOCUMENT_BYTES} bytes");
            }
        }
        serde_json::from_slice(&body)
            .with_context(|| format!("GET {address}: not the JSON expected"))
    }
}

/// A JWKS entry the server can use to verify signatures, or `None` (encryption keys, other
/// curves and algorithms, private or malformed entries are skipped, not fatal).
fn public_key(value: serde_json::Value) -> Option<PublicKey> {
    if value.get("d").is_some() {
        return None;
    }
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    let natural = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let algorithm = match jwk.common.key_algorithm {
        None => natural,
        Some(KeyAlgorithm::RS256) if natural == Algorithm::RS256 => natural,
        Some(KeyAlgorithm::ES256) if natural == Algorithm::ES256 => natural,
        Some(KeyAlgorithm::EdDSA) if natural == Algorithm::EdDSA => natural,
        Some(_) => return None,
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(PublicKey {
        kid: jwk.common.key_id,
        algorithm,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_signing_keys_of_the_three_algorithms_are_kept() {
        let rsa = json!({"kty": "RSA", "kid": "r", "n": "sXch", "e": "AQAB"});
        let p256 = json!({"kty": "EC", "crv": "P-256", "kid": "e", "x": "AA", "y": "AA"});
        let p384 = json!({"kty": "EC", "crv": "P-384", "kid": "p", "x": "AA", "y": "AA"});
        let ed = json!({"kty": "OKP", "crv": "Ed25519", "kid": "d", "x": "AA"});
        let enc = json!({"kty": "RSA", "kid": "x", "use": "enc", "n": "sXch", "e": "AQAB"});
        let ps = json!({"kty": "RSA", "kid": "s", "alg": "PS256", "n": "sXch", "e": "AQAB"});
        let private = json!({"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AA", "d": "AA"});
        let oct = json!({"kty": "oct", "kid": "o", "k": "c2VjcmV0"});
        let kept: Vec<_> = [rsa, p256, p384, ed, enc, ps, private, oct]
            .into_iter()
            .filter_map(public_key)
            .map(|k| (k.kid.unwrap_or_default(), k.algorithm))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("r".to_owned(), Algorithm::RS256),
                ("e".to_owned(), Algorithm::ES256),
                ("d".to_owned(), Algorithm::EdDSA),
            ]
        );
    }

    #[test]
    fn failed_fetches_back_off_from_five_seconds_doubling_to_five_minutes() {
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(backoff(u32::MAX), MAX_FAILED_FETCH_BACKOFF);
    }

    fn key(kid: &str) -> PublicKey {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": "AA"});
        public_key(jwk).expect("a key")
    }

    fn plan_name(plan: &Plan) -> String {
        match plan {
            Plan::Ready(keys) => format!("ready {}", keys.len()),
            Plan::ReadyAndRefresh(keys) => format!("ready {} and refresh", keys.len()),
            Plan::Fetch { forced: false } => "fetch".into(),
            Plan::Fetch { forced: true } => "forced fetch".into(),
            Plan::Unavailable => "unavailable".into(),
        }
    }

    #[test]
    fn a_failed_fetch_is_not_repeated_until_the_back_off_is_over() {
        let start = Instant::now();
        let t = |seconds: u64| start + Duration::from_secs(seconds);
        let plan = |cache: &KeyCache, kid: &str, seconds: u64| {
            plan_name(&cache.plan(Some(kid), Algorithm::EdDSA, t(seconds)))
        };
        let down = || Err(anyhow::anyhow!("down"));
        let mut cache = KeyCache::default();
        assert_eq!(plan(&cache, "a", 0), "fetch", "nothing known yet");
        cache.record(down(), t(0));
        assert_eq!(plan(&cache, "a", 4), "unavailable");
        assert_eq!(plan(&cache, "a", 5), "fetch");
        cache.record(down(), t(5));
        assert_eq!(plan(&cache, "a", 14), "unavailable", "the back-off doubled");
        assert_eq!(plan(&cache, "a", 15), "fetch");

        cache.record(Ok(vec![key("a")]), t(15));
        assert_eq!(plan(&cache, "a", 16), "ready 1");
        assert_eq!(
            plan(&cache, "b", 16),
            "forced fetch",
            "an unknown kid: rotated?"
        );
        cache.forced_at = Some(t(16));
        cache.record(Ok(vec![key("a")]), t(16));
        assert_eq!(
            plan(&cache, "b", 17),
            "ready 0",
            "the next forced fetch waits 15 s"
        );
        assert_eq!(plan(&cache, "b", 31), "forced fetch");
        assert_eq!(plan(&cache, "a", 16 + 3600), "ready 1 and refresh");

        // The provider is down: known keys keep working; no fetch until the back-off is over.
        cache.record(down(), t(3616));
        assert_eq!(plan(&cache, "a", 3617), "ready 1");
        assert_eq!(plan(&cache, "b", 3617), "ready 0");
        assert_eq!(plan(&cache, "a", 3621), "ready 1 and refresh");
        assert_eq!(plan(&cache, "b", 3621), "fetch");
    }
}
