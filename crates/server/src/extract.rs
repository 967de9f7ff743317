//! Request extractors: JSON bodies mapped to problem responses, the client's context for the
//! audit trail, and the signed-in session.

use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{StatusCode, header, request::Parts},
};
use security_info_api::ProblemCode;
use serde::de::DeserializeOwned;

use crate::{
    clock,
    domain::{language, policy, session_token},
    error::ApiError,
    state::AppState,
    store::{AccountRecord, SessionRecord},
};

/// A JSON body: `Content-Type: application/json` required, an empty body read as `{}`, and
/// every failure (syntax, unknown fields, types, size) a 4xx problem.
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
                } else {
                    ApiError::detail(ProblemCode::MalformedRequest, rejection.body_text())
                }
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(ApiJson)
            .map_err(|error| ApiError::detail(ProblemCode::MalformedRequest, error.to_string()))
    }
}

/// Who is asking: for the audit trail and the mail language.
#[derive(Debug, Clone)]
pub struct ClientContext {
    /// The peer's IP address.
    pub ip_address: Option<String>,
    /// The `User-Agent` header (truncated).
    pub user_agent: Option<String>,
    /// `en` or `nl`, from `Accept-Language`.
    pub language: &'static str,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip_address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
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

impl CurrentSession {
    /// Whether the user signed in or re-authenticated recently enough to change methods.
    pub fn require_step_up(&self) -> Result<(), ApiError> {
        if clock::now() - self.session.authenticated_at > policy::STEP_UP_WINDOW {
            Err(ApiError::code(ProblemCode::ReauthenticationRequired))
        } else {
            Ok(())
        }
    }
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
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
        let token = session_cookie(parts, &state.cookie.name).ok_or_else(unauthenticated)?;
        if token.len() > 128 {
            return Err(unauthenticated());
        }
        let session = state
            .store
            .session_by_token_hash(&session_token::hash(token))
            .await?
            .ok_or_else(unauthenticated)?;
        let now = clock::now();
        if now >= session.expires_at || now - session.last_seen_at >= policy::SESSION_IDLE_TIMEOUT {
            state
                .store
                .delete_session(&session.session_id, None)
                .await?;
            return Err(unauthenticated());
        }
        state.store.touch_session(&session.session_id, now).await?;
        let account = state
            .store
            .account(&session.account_id)
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(Self { session, account })
    }
}
