//! Request extractors: JSON bodies mapped to problem responses, the client's context for the
//! audit trail, the signed-in session, and the signed-in user (session or bearer token).

use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use security_info_api::ProblemCode;
use serde::de::DeserializeOwned;

use crate::{
    body_deadline, clock,
    domain::{language, policy, session_token},
    error::ApiError,
    oidc::{TokenError, VerifiedToken},
    state::AppState,
    store::{AccountRecord, ExternalAccountOutcome, ExternalIdentity, NewAccount, SessionRecord},
};

/// A JSON object body: `Content-Type: application/json` required, an empty body read as `{}`,
/// anything but an object at the top level refused, and every failure (syntax, unknown fields,
/// types, size, a body that stalls) a 4xx problem.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Whether the request says its body is JSON (`application/json`, parameters allowed).
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::code(ProblemCode::UnsupportedMediaType));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::code(ProblemCode::PayloadTooLarge)
                } else if body_deadline::timed_out(&rejection) {
                    ApiError::code(ProblemCode::RequestTimeout)
                } else {
                    ApiError::detail(ProblemCode::MalformedRequest, rejection.body_text())
                }
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        // Every body of the API is an object. serde would also fill a struct from an array
        // (`["a@b.example"]` by field order), which no client means to send.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::detail(
                ProblemCode::MalformedRequest,
                "the body must be a JSON object",
            ));
        }
        serde_json::from_slice(bytes)
            .map(ApiJson)
            .map_err(|error| ApiError::detail(ProblemCode::MalformedRequest, error.to_string()))
    }
}

/// Who is asking: for the audit trail and the mail language.
#[derive(Debug, Clone)]
pub struct ClientContext {
    /// The client's IP address (behind trusted proxies, from `X-Forwarded-For`).
    pub ip_address: Option<String>,
    /// The `User-Agent` header (truncated).
    pub user_agent: Option<String>,
    /// `en` or `nl`, from `Accept-Language`.
    pub language: &'static str,
}

impl FromRequestParts<AppState> for ClientContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Read only when the peer is a trusted proxy (the iterator is lazy).
        let forwarded_for = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let ip_address =
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| {
                    state
                        .settings
                        .trusted_proxies
                        .client_address(peer.ip(), forwarded_for)
                        .to_string()
                });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        let language = language::negotiate(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        Ok(Self {
            ip_address,
            user_agent,
            language,
        })
    }
}

/// The signed-in user's live session (idle and absolute timeouts enforced).
#[derive(Debug, Clone)]
pub struct CurrentSession {
    /// The session.
    pub session: SessionRecord,
    /// Its account.
    pub account: AccountRecord,
}

/// The most session cookies of one request that are looked up.
const MAX_SESSION_COOKIES: usize = 4;

/// The well-formed session tokens among the request's cookies called `name`, in the order
/// they came, at most [`MAX_SESSION_COOKIES`].
///
/// Why every one and not the first: a page on a sibling subdomain, or any plain-http answer
/// on the domain, can set a cookie of the same name with another `Domain` or `Path` (cookie
/// tossing), and the browser then sends it beside the real one, often first (longer paths
/// come first). Reading only the first let such a cookie sign the user out. (Over https the
/// cookie is `__Host-si_session`, which nothing but this origin can set.) The bound keeps a
/// request stuffed with cookies from costing more than a few lookups.
pub fn session_tokens<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    cookie_values(headers, name)
        .filter(|value| session_token::is_well_formed(value))
        .take(MAX_SESSION_COOKIES)
}

/// The values of the cookies named `name` (a browser may send several), trimmed, empty ones
/// left out.
pub fn cookie_values<'a>(
    headers: &'a HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || ApiError::code(ProblemCode::Unauthenticated);
        let now = clock::now();
        let mut live = None;
        for token in session_tokens(&parts.headers, &state.cookie.name) {
            let Some((session, account)) = state
                .store
                .session_with_account(&session_token::hash(token))
                .await?
            else {
                continue;
            };
            // An operator disabled the account: its sessions were ended then; none counts.
            if account.is_disabled() {
                continue;
            }
            if now >= session.expires_at
                || now - session.last_seen_at >= policy::SESSION_IDLE_TIMEOUT
            {
                state
                    .store
                    .delete_session(&session.session_id, None)
                    .await?;
                continue;
            }
            if live.is_some() {
                // Two live sessions: which one the browser meant cannot be told, and acting
                // as the wrong one could be acting as an attacker's tossed sign-in.
                return Err(unauthenticated());
            }
            live = Some(Self { session, account });
        }
        let current = live.ok_or_else(unauthenticated)?;
        if now - current.session.last_seen_at >= policy::SESSION_TOUCH_INTERVAL {
            state
                .store
                .touch_session(&current.session.session_id, now)
                .await?;
        }
        Ok(current)
    }
}

/// How the current request proved who it is.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// The session cookie.
    Session(SessionRecord),
    /// A bearer token of the OpenID Connect provider, with its `auth_time`.
    Token {
        /// When the user last authenticated at the provider, if the token says.
        auth_time: Option<time::OffsetDateTime>,
    },
}

/// The signed-in user of a `/me` call: from `Authorization: Bearer <token>` when that header is
/// present (then the cookie is not looked at, so a request carrying a token is authenticated
/// by the token alone, which is what lets the CSRF guard relax for it), else from the session
/// cookie.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub account: AccountRecord,
    /// How it was proven.
    pub authentication: Authentication,
}

impl CurrentUser {
    /// Whether the user authenticated recently enough to change methods: a sign-in or
    /// re-authentication of the session, or the token's `auth_time` (a token without one never
    /// counts as recent), within `window` (the configured `Settings::step_up_window`).
    pub fn require_step_up(&self, window: time::Duration) -> Result<(), ApiError> {
        let authenticated_at = match &self.authentication {
            Authentication::Session(session) => Some(session.authenticated_at),
            Authentication::Token { auth_time } => *auth_time,
        };
        match authenticated_at {
            Some(at) if clock::now() - at <= window => Ok(()),
            _ => Err(ApiError::code(ProblemCode::ReauthenticationRequired)),
        }
    }
}

/// The token of an `Authorization: Bearer` header: `None` without the header, `Some(Err)` when
/// it is there but not a bearer token.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    Some(token.ok_or(()))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers) else {
            let current = CurrentSession::from_request_parts(parts, state).await?;
            return Ok(Self {
                account: current.account,
                authentication: Authentication::Session(current.session),
            });
        };
        let unauthenticated =
            |detail: &str| ApiError::detail(ProblemCode::Unauthenticated, detail.to_owned());
        let token = token.map_err(|()| unauthenticated("only Bearer tokens are accepted"))?;
        let verifier = state
            .oidc
            .as_ref()
            .ok_or_else(|| unauthenticated("this server accepts no bearer tokens"))?;
        let verified = match verifier.verify(token).await {
            Ok(verified) => verified,
            Err(TokenError::Invalid(reason)) => {
                tracing::info!(reason = %reason, "bearer token refused");
                return Err(unauthenticated("the bearer token is not valid"));
            }
            Err(TokenError::Unavailable(_)) => {
                return Err(ApiError::code(ProblemCode::ServiceUnavailable));
            }
        };
        let account = external_account(state, &verified).await?;
        Ok(Self {
            account,
            authentication: Authentication::Token {
                auth_time: verified.auth_time,
            },
        })
    }
}

/// The account of a verified token's user (a portal's access token or the ID token of a
/// sign-in with the provider), created on first use and linked by (`iss`, `sub`).
pub async fn external_account(
    state: &AppState,
    token: &VerifiedToken,
) -> Result<AccountRecord, ApiError> {
    let address = [&token.email, &token.preferred_username]
        .into_iter()
        .flatten()
        .find_map(|candidate| security_info_api::EmailAddress::parse(candidate).ok())
        .ok_or_else(|| {
            tracing::info!(
                "bearer token refused: no email address in `email` or `preferred_username`"
            );
            ApiError::detail(
                ProblemCode::Unauthenticated,
                "the token carries no email address (`email` claim)",
            )
        })?;
    let address = address.as_str().to_owned();
    let display_name = token
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect())
        .unwrap_or_else(|| address.clone());
    let identity = ExternalIdentity {
        issuer: token.issuer.clone(),
        subject: token.subject.clone(),
    };
    let profile = NewAccount {
        account_id: crate::store::AccountId::generate()?,
        user_principal_name: address,
        display_name,
        password_hash: String::new(),
    };
    match state.store.external_account(&identity, &profile).await? {
        ExternalAccountOutcome::Account(account) if account.is_disabled() => {
            tracing::info!("bearer token refused: the account is disabled");
            Err(ApiError::code(ProblemCode::Unauthenticated))
        }
        ExternalAccountOutcome::Account(account) => Ok(account),
        ExternalAccountOutcome::NameTaken => {
            tracing::warn!(
                "bearer token refused: its email address belongs to an account of another sign-in"
            );
            Err(ApiError::detail(
                ProblemCode::Unauthenticated,
                "the token's email address belongs to another account",
            ))
        }
    }
}
