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
//! Keys are cached ([`keys`]). They are fetched at the first token, again after
//! [`keys::KEYS_MAX_AGE`] (in the background), and at once when a token names a `kid` the cache
//! does not know (the provider rotated its keys), but such forced fetches are at most one per
//! [`keys::FORCED_REFRESH_INTERVAL`], so a stream of tokens with made-up `kid`s cannot turn the
//! server into a load generator against the provider. When the provider cannot be reached, the
//! keys already known stay in use and the next fetch backs off; with none known, the request
//! gets 503 `service_unavailable`.

pub mod code_flow;
pub mod keys;
pub mod ring_backend;

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;
use time::OffsetDateTime;

use keys::ProviderKeys;

/// The algorithms accepted in a token header.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
/// Clock skew tolerated on `exp` and `nbf`.
pub const CLOCK_SKEW_SECONDS: u64 = 60;
/// Longest token considered (a larger `Authorization` header is refused unread).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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
    /// `nonce` (ID tokens: the value of the authorization request).
    pub nonce: Option<String>,
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
    #[serde(default)]
    nonce: Option<String>,
}

/// Verifies bearer tokens of the configured provider.
pub struct OidcVerifier {
    settings: OidcSettings,
    keys: Arc<ProviderKeys>,
}

impl OidcVerifier {
    /// A verifier for `settings` (nothing is fetched until the first token).
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        ring_backend::install();
        let keys = ProviderKeys::new(&settings)?;
        Ok(Self { settings, keys })
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
        let candidates = self
            .keys
            .keys_for(header.kid.as_deref(), header.alg)
            .await?;
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
            nonce: claims.nonce,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
