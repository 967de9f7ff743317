//! Serves the built app from trunk's `dist/`.
//!
//! Client-side routes (`/security-info`, ...) get `index.html` so a reload or a shared link
//! works; anything under `/api/` never does (an API typo must be a 404 problem, not HTML).
//! Trunk puts a content hash in asset names, so those are cached for a year; `index.html`
//! must be revalidated every time so a deploy is picked up at once. Brotli and gzip copies
//! written at build time are chosen by `Accept-Encoding`.

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use security_info_api::ProblemCode;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// A router whose fallback serves `dist_dir`.
pub fn router(dist_dir: &Path) -> Router {
    let index = ServeFile::new(dist_dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let assets = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let serve = move |uri: Uri, request: Request| {
        let index = index.clone();
        let assets = assets.clone();
        async move {
            let path = uri.path();
            if path == "/api" || path.starts_with("/api/") {
                return api_not_found();
            }
            let response = match assets.oneshot(request).await {
                Ok(response) => response.map(axum::body::Body::new),
                Err(never) => match never {},
            };
            if response.status() != StatusCode::NOT_FOUND || looks_like_a_file(path) {
                return response;
            }
            // An unknown path without a file extension is a client-side route.
            match index.oneshot(Request::new(axum::body::Body::empty())).await {
                Ok(response) => response.map(axum::body::Body::new),
                Err(never) => match never {},
            }
        }
    };
    Router::new()
        .fallback(serve)
        .layer(middleware::from_fn(caching_headers))
}

/// Sets `Cache-Control` from the requested path (hashed assets forever, the rest revalidated)
/// and `Vary: Accept-Encoding`, since one path is served as brotli, gzip or plain: a shared
/// cache must not hand a gzip body to a client that did not ask for it.
async fn caching_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    let varies_by_encoding = headers.get_all(header::VARY).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies_by_encoding {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// An unknown API path or version (`/api`, `/api/v2/...`): the API's 404 problem, never
/// cached.
fn api_not_found() -> Response {
    let mut response = ApiError::code(ProblemCode::NotFound).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn looks_like_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

/// Trunk names assets `<name>-<hash>.<ext>` (and `<name>-<hash>_bg.wasm`), the hash being
/// 8 to 16 lowercase hex digits.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.rsplit('/').next() else {
        return false;
    };
    let Some((stem, _extension)) = name.split_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len())
            && hash
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_asset_names_count_as_hashed() {
        assert!(is_hashed_asset("/security-info-app-8c1b7f3e2a9d4f01.js"));
        assert!(is_hashed_asset(
            "/security-info-app-8c1b7f3e2a9d4f01_bg.wasm"
        ));
        assert!(is_hashed_asset("/main-0123abcd.css"));
    }

    #[test]
    fn other_files_are_not_hashed() {
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/favicon.svg"));
        assert!(!is_hashed_asset("/security-info"));
        assert!(!is_hashed_asset("/my-logo-final.png"));
    }
}
