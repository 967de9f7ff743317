//! Bearer tokens from the organization's OpenID Connect provider (the portal's sign-in handed
//! to the framed app), so a user already signed in to the portal needs no second sign-in.
//!
//! A token is accepted only when all of this holds: its header names RS256, ES256 or EdDSA
//! (never `none`, never an HMAC algorithm: the provider's keys are public); it is signed by a
//! key in the provider's JWKS, found through discovery (`<issuer>/.well-known/openid-
//! configuration` -> `jwks_uri`, whose `issuer` must be ours exactly); its `iss` is the
//! configured issuer and its `aud` contains the configured audience; `exp` (required) and `nbf`
//! hold with 60 s of clock skew; `sub` is present. The keys in the token header (`jwk`, `jku`,
//! `x5u`, `x5c`) are ignored: only the discovered JWKS counts.
//!
//! Keys are cached. They are fetched at the first token, again after [`KEYS_MAX_AGE`], and at
//! once when a token names a `kid` the cache does not know (the provider rotated its keys), but
//! such forced fetches are at most one per [`FORCED_REFRESH_INTERVAL`], so a stream of tokens
//! with made-up `kid`s cannot turn the server into a load generator against the provider. When
//! the provider cannot be reached, the keys already known stay in use; with none known, the
//! request gets 503 `service_unavailable`.

pub mod ring_backend;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode, decode_header,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::Mutex;

/// The algorithms accepted in a token header.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
/// Clock skew tolerated on `exp` and `nbf`.
pub const CLOCK_SKEW_SECONDS: u64 = 60;
/// Keys older than this are fetched again at the next token.
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// At most one fetch forced by an unknown `kid` per this interval.
pub const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(15);
/// Longest token considered (a larger `Authorization` header is refused unread).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest discovery or JWKS document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The configured provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// Issuer identifier, exactly as the provider writes it in `iss`.
    pub issuer: String,
    /// The audience a token must name in `aud`.
    pub audience: String,
}

/// Whether the server may fetch this URL: https, or http to a loopback address (tests and a
/// provider on the same host).
pub fn fetchable(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// The identity a valid token proves.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `auth_time`: when the user last authenticated at the provider (step-up).
    pub auth_time: Option<OffsetDateTime>,
    /// `email`.
    pub email: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `name`.
    pub name: Option<String>,
}

/// Why a token was not accepted.
#[derive(Debug)]
pub enum TokenError {
    /// The token is not valid (the reason is for the log only).
    Invalid(String),
    /// The provider's keys could not be fetched and none are known.
    Unavailable(anyhow::Error),
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    #[serde(default)]
    auth_time: Option<f64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

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
struct PublicKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

#[derive(Default)]
struct KeyCache {
    keys: Vec<PublicKey>,
    fetched_at: Option<Instant>,
    last_forced: Option<Instant>,
}

/// Verifies bearer tokens of the configured provider.
pub struct OidcVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    cache: Mutex<KeyCache>,
}

impl OidcVerifier {
    /// A verifier for `settings` (nothing is fetched until the first token).
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        ring_backend::install();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("security-info-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("HTTP client for OpenID Connect discovery")?;
        Ok(Self {
            settings,
            http,
            cache: Mutex::new(KeyCache::default()),
        })
    }

    /// Checks a compact JWS and returns who it proves.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let invalid = |reason: &str| TokenError::Invalid(reason.to_owned());
        if token.len() > MAX_TOKEN_BYTES {
            return Err(invalid("token too large"));
        }
        let header =
            decode_header(token).map_err(|e| TokenError::Invalid(format!("header: {e}")))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Invalid(format!("algorithm {:?}", header.alg)));
        }
        let candidates = self.keys_for(header.kid.as_deref(), header.alg).await?;
        if candidates.is_empty() {
            return Err(TokenError::Invalid(format!(
                "no key {:?} for {:?}",
                header.kid, header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = CLOCK_SKEW_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let mut last_error = String::from("signature");
        for candidate in candidates {
            match decode::<Claims>(token, &candidate.key, &validation) {
                Ok(data) => return Self::identity(data.claims),
                Err(error) if ring_backend::is_signature_error(&error) => {
                    last_error = error.to_string();
                }
                Err(error) => return Err(TokenError::Invalid(error.to_string())),
            }
        }
        Err(TokenError::Invalid(last_error))
    }

    fn identity(claims: Claims) -> Result<VerifiedToken, TokenError> {
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(TokenError::Invalid("sub empty or longer than 255".into()));
        }
        let auth_time = claims
            .auth_time
            .filter(|t| t.is_finite())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t.floor() as i64).ok());
        Ok(VerifiedToken {
            issuer: claims.iss,
            subject: claims.sub,
            auth_time,
            email: claims.email,
            preferred_username: claims.preferred_username,
            name: claims.name,
        })
    }

    /// The known keys that may have signed a token with this `kid` and algorithm, fetching
    /// the JWKS when none are known, when they are old, or (rate-limited) when the `kid` is new.
    async fn keys_for(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Vec<PublicKey>, TokenError> {
        let mut cache = self.cache.lock().await;
        let stale = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= KEYS_MAX_AGE);
        if stale {
            self.refresh(&mut cache).await?;
        }
        let matching = |cache: &KeyCache| -> Vec<PublicKey> {
            cache
                .keys
                .iter()
                .filter(|k| k.algorithm == algorithm)
                .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
                .cloned()
                .collect()
        };
        let found = matching(&cache);
        if found.is_empty() && kid.is_some() && !stale {
            let may_force = cache
                .last_forced
                .is_none_or(|at| at.elapsed() >= FORCED_REFRESH_INTERVAL);
            if may_force {
                cache.last_forced = Some(Instant::now());
                tracing::info!("token names an unknown key id: fetching the provider's keys again");
                self.refresh(&mut cache).await?;
                return Ok(matching(&cache));
            }
        }
        Ok(found)
    }

    /// Fetches the keys; on failure keeps the old ones (and says so), or fails with none.
    async fn refresh(&self, cache: &mut KeyCache) -> Result<(), TokenError> {
        match self.fetch_keys().await {
            Ok(keys) => {
                tracing::info!(
                    keys = keys.len(),
                    "fetched the OpenID Connect provider's keys"
                );
                cache.keys = keys;
                cache.fetched_at = Some(Instant::now());
                Ok(())
            }
            Err(error) if !cache.keys.is_empty() => {
                tracing::warn!(error = %error, "cannot refresh the provider's keys; keeping the known ones");
                Ok(())
            }
            Err(error) => {
                tracing::error!(error = %error, "cannot fetch the OpenID Connect provider's keys");
                Err(TokenError::Unavailable(error))
            }
        }
    }

    async fn fetch_keys(&self) -> anyhow::Result<Vec<PublicKey>> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        if discovery.issuer != self.settings.issuer {
            bail!(
                "the discovery document names issuer `{}`, not the configured `{}`",
                discovery.issuer,
                self.settings.issuer
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

    #[tokio::test]
    async fn symmetric_and_unsigned_algorithms_are_refused_before_any_key_is_fetched() {
        let verifier = OidcVerifier::new(OidcSettings {
            // Nothing listens there: a fetch would make the answer `Unavailable`.
            issuer: "http://127.0.0.1:9".into(),
            audience: "a".into(),
        })
        .expect("verifier");
        // {"alg":"HS256","typ":"JWT"}.{}.sig: the classic confusion of an RSA public key used
        // as an HMAC secret can never start.
        let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln";
        assert!(matches!(
            verifier.verify(hs256).await,
            Err(TokenError::Invalid(_))
        ));
        // {"alg":"none"}.{}.
        let none = "eyJhbGciOiJub25lIn0.e30.";
        assert!(matches!(
            verifier.verify(none).await,
            Err(TokenError::Invalid(_))
        ));
        let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert!(matches!(
            verifier.verify(&huge).await,
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn only_https_or_loopback_http_is_fetched() {
        let ok = |u: &str| fetchable(&url::Url::parse(u).expect("url"));
        assert!(ok(
            "https://login.contoso.example/.well-known/openid-configuration"
        ));
        assert!(ok("http://127.0.0.1:4444/jwks"));
        assert!(ok("http://localhost:4444/jwks"));
        assert!(ok("http://[::1]:4444/jwks"));
        assert!(!ok("http://login.contoso.example/jwks"));
        assert!(!ok("file:///etc/passwd"));
    }
}
