//! Sign-in with the organization's identity provider: the OpenID Connect authorization code
//! flow with PKCE (S256), `state` and `nonce`, this server a confidential client.
//!
//! The browser is sent to the provider's authorization endpoint and comes back to
//! `/api/v1/oidc/callback` with a code; the server exchanges it at the token endpoint (client
//! secret over HTTP Basic, the PKCE verifier) and checks the ID token as bearer tokens are
//! checked ([`OidcVerifier`]: the provider's discovered keys, `iss`, `exp`, with `aud` = our
//! client id) and then its `nonce`. Tokens never reach the browser.
//!
//! Between the two legs the browser holds a [`PendingLogin`] sealed with the server's key
//! (XChaCha20-Poly1305) in an HttpOnly cookie: nothing is stored server-side, any server
//! process can finish the flow, and a callback whose `state` is not the one this browser
//! started (login CSRF: someone else's code pushed into the victim's browser) is refused.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::Context;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{OidcSettings, OidcVerifier, TokenError, VerifiedToken, fetchable};
use crate::{config::OidcClient, domain::codes::CodeKeys, random};

/// How long the provider's endpoints are trusted before discovery runs again.
const DISCOVERY_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// How long a browser may spend at the provider.
pub const LOGIN_LIFETIME: time::Duration = time::Duration::minutes(10);
/// How far the provider's `auth_time` may be before the step-up began (clock skew).
const AUTH_TIME_SKEW: time::Duration = time::Duration::seconds(60);
/// Largest discovery or token answer read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// What the sealed login is bound to (the AEAD's associated data).
const SEAL_CONTEXT: &str = "oidc-login";

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

/// What the browser keeps, sealed, while it is at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// `state`: must come back unchanged.
    pub state: String,
    /// `nonce`: must be in the ID token.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// For a step-up, the session it refreshes (then the provider must have asked the user
    /// again: `auth_time` after `started_at`).
    pub step_up: Option<String>,
    /// When the flow began (Unix seconds).
    pub started_at: i64,
}

impl PendingLogin {
    /// A new login, with fresh random `state`, `nonce` and verifier (256 bits each).
    pub fn new(step_up: Option<String>, now: OffsetDateTime) -> anyhow::Result<Self> {
        let random =
            || -> anyhow::Result<String> { Ok(URL_SAFE_NO_PAD.encode(random::bytes::<32>()?)) };
        Ok(Self {
            state: random()?,
            nonce: random()?,
            verifier: random()?,
            step_up,
            started_at: now.unix_timestamp(),
        })
    }

    /// The sealed form, for the cookie.
    pub fn seal(&self, keys: &CodeKeys) -> anyhow::Result<String> {
        let json = serde_json::to_vec(self)?;
        Ok(URL_SAFE_NO_PAD.encode(keys.seal(SEAL_CONTEXT, &json)?))
    }

    /// A sealed login, if it is one of ours, intact and not older than [`LOGIN_LIFETIME`].
    pub fn open(keys: &CodeKeys, sealed: &str, now: OffsetDateTime) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let json = keys.open_bytes(SEAL_CONTEXT, &bytes).ok()?;
        let login: Self = serde_json::from_slice(&json).ok()?;
        let age = now.unix_timestamp() - login.started_at;
        (0..=LOGIN_LIFETIME.whole_seconds())
            .contains(&age)
            .then_some(login)
    }

    /// The PKCE `code_challenge` of the verifier (S256).
    fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

/// Why the flow could not finish.
#[derive(Debug)]
pub enum FlowError {
    /// The provider could not be reached, or answered with a server error.
    Unavailable(anyhow::Error),
    /// The provider or its answer refused the sign-in (a replayed code, a wrong nonce, a
    /// token that does not verify): the reason is for the log only.
    Refused(String),
}

impl From<TokenError> for FlowError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Invalid(reason) => Self::Refused(format!("ID token: {reason}")),
            TokenError::Unavailable(error) => Self::Unavailable(error),
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

/// This server as a client of the provider.
pub struct CodeFlow {
    client: OidcClient,
    http: reqwest::Client,
    id_tokens: OidcVerifier,
    endpoints: Mutex<Option<(Endpoints, Instant)>>,
}

impl CodeFlow {
    /// A client for `client` (nothing is fetched until the first sign-in).
    pub fn new(client: OidcClient) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("security-info-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("HTTP client for OpenID Connect sign-in")?;
        let id_tokens = OidcVerifier::new(OidcSettings {
            issuer: client.issuer.clone(),
            audience: client.client_id.clone(),
        })?;
        Ok(Self {
            client,
            http,
            id_tokens,
            endpoints: Mutex::new(None),
        })
    }

    /// The provider's endpoints, discovered (and cached for [`DISCOVERY_MAX_AGE`]).
    async fn endpoints(&self) -> Result<Endpoints, FlowError> {
        if let Some((endpoints, at)) = self
            .endpoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            && at.elapsed() < DISCOVERY_MAX_AGE
        {
            return Ok(endpoints);
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.client.issuer.trim_end_matches('/')
        );
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| FlowError::Unavailable(e.into()))?;
        if !response.status().is_success() {
            return Err(FlowError::Unavailable(anyhow::anyhow!(
                "discovery answered {}",
                response.status()
            )));
        }
        let endpoints: Endpoints = read_json(response).await.map_err(FlowError::Unavailable)?;
        if endpoints.issuer != self.client.issuer {
            return Err(FlowError::Refused(format!(
                "the discovery document names issuer `{}`",
                endpoints.issuer
            )));
        }
        for endpoint in [&endpoints.authorization_endpoint, &endpoints.token_endpoint]
            .into_iter()
            .chain(&endpoints.end_session_endpoint)
        {
            let url = url::Url::parse(endpoint)
                .map_err(|_| FlowError::Refused(format!("endpoint `{endpoint}`")))?;
            if !fetchable(&url) {
                return Err(FlowError::Refused(format!(
                    "endpoint `{endpoint}` is not https"
                )));
            }
        }
        *self
            .endpoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((endpoints.clone(), Instant::now()));
        Ok(endpoints)
    }

    /// Where to send the browser to sign in: the authorization request for `login`, coming
    /// back to `redirect_uri`. A step-up makes the provider ask the user again
    /// (`prompt=login`, `max_age=0`).
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        login: &PendingLogin,
        language: &str,
    ) -> Result<String, FlowError> {
        let endpoints = self.endpoints().await?;
        let mut url = url::Url::parse(&endpoints.authorization_endpoint)
            .map_err(|_| FlowError::Refused("authorization endpoint".into()))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", "openid email profile")
                .append_pair("state", &login.state)
                .append_pair("nonce", &login.nonce)
                .append_pair("code_challenge", &login.challenge())
                .append_pair("code_challenge_method", "S256")
                .append_pair("ui_locales", language);
            if login.step_up.is_some() {
                query
                    .append_pair("prompt", "login")
                    .append_pair("max_age", "0");
            }
        }
        Ok(url.into())
    }

    /// Exchanges `code` for the ID token and checks it against `login`: who signed in.
    pub async fn finish(
        &self,
        redirect_uri: &str,
        code: &str,
        login: &PendingLogin,
    ) -> Result<VerifiedToken, FlowError> {
        let endpoints = self.endpoints().await?;
        let form: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_verifier", &login.verifier)
            .finish();
        // RFC 6749 2.3.1: the id and secret are form-encoded before Basic encoding.
        let encode = |value: &str| {
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
        };
        let response = self
            .http
            .post(&endpoints.token_endpoint)
            .basic_auth(
                encode(&self.client.client_id),
                Some(encode(self.client.client_secret.expose())),
            )
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| FlowError::Unavailable(e.into()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(FlowError::Unavailable(anyhow::anyhow!(
                "token endpoint answered {status}"
            )));
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(200).collect();
            return Err(FlowError::Refused(format!(
                "token endpoint answered {status}: {body}"
            )));
        }
        let answer: TokenAnswer = read_json(response)
            .await
            .map_err(|e| FlowError::Refused(format!("token answer: {e}")))?;
        let token = self.verify_id_token(&answer.id_token).await?;
        check_id_token(&token, login)?;
        Ok(token)
    }

    /// Checks an ID token's signature (the provider's discovered keys), issuer, audience (our
    /// client id) and expiry, as bearer tokens are checked; [`check_id_token`] does the rest.
    pub async fn verify_id_token(&self, id_token: &str) -> Result<VerifiedToken, FlowError> {
        Ok(self.id_tokens.verify(id_token).await?)
    }

    /// Where to send the browser to sign out at the provider too (RP-initiated logout), when
    /// the provider has an end-session endpoint.
    pub async fn end_session_url(&self, post_logout_redirect_uri: &str) -> Option<String> {
        let endpoints = self.endpoints().await.ok()?;
        let mut url = url::Url::parse(endpoints.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client.client_id)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
        Some(url.into())
    }
}

/// The checks of an ID token beyond its signature, issuer, audience and expiry: the `nonce`
/// of this login, and for a step-up an `auth_time` no older than the step-up itself.
pub fn check_id_token(token: &VerifiedToken, login: &PendingLogin) -> Result<(), FlowError> {
    if token.nonce.as_deref() != Some(login.nonce.as_str()) {
        return Err(FlowError::Refused(
            "ID token: wrong or missing nonce".into(),
        ));
    }
    if login.step_up.is_some() {
        let started = OffsetDateTime::from_unix_timestamp(login.started_at)
            .map_err(|e| FlowError::Refused(e.to_string()))?;
        match token.auth_time {
            Some(at) if at >= started - AUTH_TIME_SKEW => {}
            _ => {
                return Err(FlowError::Refused(
                    "ID token: the provider did not ask the user again (auth_time)".into(),
                ));
            }
        }
    }
    Ok(())
}

/// A JSON answer of at most [`MAX_DOCUMENT_BYTES`].
async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> anyhow::Result<T> {
    let bytes = response.bytes().await?;
    anyhow::ensure!(
        bytes.len() <= MAX_DOCUMENT_BYTES,
        "answer larger than {MAX_DOCUMENT_BYTES} bytes"
    );
    Ok(serde_json::from_slice(&bytes)?)
}

/// The secret is only ever sent to the token endpoint.
impl std::fmt::Debug for CodeFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeFlow")
            .field("issuer", &self.client.issuer)
            .field("client_id", &self.client.client_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> CodeKeys {
        CodeKeys::new(&[7u8; 32]).expect("keys")
    }

    fn token(nonce: Option<&str>, auth_time: Option<OffsetDateTime>) -> VerifiedToken {
        VerifiedToken {
            issuer: "https://login.example".into(),
            subject: "alice".into(),
            auth_time,
            email: None,
            preferred_username: None,
            name: None,
            nonce: nonce.map(str::to_owned),
        }
    }

    #[test]
    fn a_sealed_login_opens_only_intact_with_our_key_and_in_time() {
        let now = OffsetDateTime::now_utc();
        let login = PendingLogin::new(None, now).expect("login");
        assert_eq!(login.state.len(), 43, "256 bits");
        let sealed = login.seal(&keys()).expect("sealed");
        assert_eq!(
            PendingLogin::open(&keys(), &sealed, now),
            Some(login.clone())
        );
        let other = CodeKeys::new(&[8u8; 32]).expect("keys");
        assert_eq!(PendingLogin::open(&other, &sealed, now), None);
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert_eq!(PendingLogin::open(&keys(), &tampered, now), None);
        let sealed = login.seal(&keys()).expect("sealed");
        let late = now + LOGIN_LIFETIME + time::Duration::seconds(1);
        assert_eq!(PendingLogin::open(&keys(), &sealed, late), None);
        assert_eq!(PendingLogin::open(&keys(), "not base64!", now), None);
    }

    #[test]
    fn the_pkce_challenge_is_the_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        let login = PendingLogin {
            state: String::new(),
            nonce: String::new(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            step_up: None,
            started_at: 0,
        };
        assert_eq!(
            login.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_nonce_must_match_and_a_step_up_needs_a_fresh_auth_time() {
        let now = OffsetDateTime::now_utc();
        let login = PendingLogin::new(None, now).expect("login");
        assert!(check_id_token(&token(Some(&login.nonce), None), &login).is_ok());
        assert!(check_id_token(&token(Some("other"), None), &login).is_err());
        assert!(check_id_token(&token(None, None), &login).is_err());
        let step_up = PendingLogin::new(Some("session".into()), now).expect("login");
        let nonce = Some(step_up.nonce.as_str());
        assert!(check_id_token(&token(nonce, Some(now)), &step_up).is_ok());
        let old = now - time::Duration::minutes(5);
        assert!(check_id_token(&token(nonce, Some(old)), &step_up).is_err());
        assert!(check_id_token(&token(nonce, None), &step_up).is_err());
    }
}
