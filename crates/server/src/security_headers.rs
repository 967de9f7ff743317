//! The headers every response carries, whatever produced it (API, app files, errors).
//!
//! - `Content-Security-Policy`: see [`crate::content_policy`]; it also says who may frame us.
//! - `Strict-Transport-Security` when the public origin is https: browsers never try plain
//!   http again for a year, so a network attacker cannot strip TLS from a later visit.
//! - `Cross-Origin-Opener-Policy` and `Cross-Origin-Resource-Policy`: no other site gets a
//!   handle on our window or can load our answers into its own page (`<script>`, `<img>`).
//!   Framing is unaffected: that is `frame-ancestors`' job.
//! - `Permissions-Policy`: the page never uses camera, microphone, location, payment or
//!   device APIs, so an injected script cannot either. WebAuthn (security keys) is allowed for
//!   the page itself and the configured portals: inside a portal's frame the portal must also
//!   delegate it (`<iframe allow="publickey-credentials-create; publickey-credentials-get">`).
//! - `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// The `Permissions-Policy` features the page never uses. Only features Chromium knows: an
/// unknown one (`bluetooth`, say) is a console error on every page.
const DENIED: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()";

/// The `Permissions-Policy`: [`DENIED`], and WebAuthn for the page and the portals.
fn permissions_policy(embeds: &[String]) -> String {
    let mut allowlist = String::from("self");
    for origin in embeds {
        allowlist.push_str(&format!(" \"{origin}\""));
    }
    format!(
        "{DENIED}, publickey-credentials-create=({allowlist}), \
         publickey-credentials-get=({allowlist})"
    )
}
/// The `Strict-Transport-Security` over https: a year, ASVS's minimum.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers, built once at start.
#[derive(Debug, Clone)]
pub struct SecurityHeaders(Arc<Vec<(HeaderName, HeaderValue)>>);

impl SecurityHeaders {
    /// All of them, with `content_security_policy` and WebAuthn allowed for the portals
    /// `embeds`; HSTS only when served over https.
    pub fn new(content_security_policy: HeaderValue, embeds: &[String], https: bool) -> Self {
        let permissions = HeaderValue::from_str(&permissions_policy(embeds))
            .unwrap_or_else(|_| HeaderValue::from_static(DENIED));
        let mut headers = vec![
            (header::CONTENT_SECURITY_POLICY, content_security_policy),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("same-origin"),
            ),
            (HeaderName::from_static("permissions-policy"), permissions),
        ];
        if https {
            headers.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            ));
        }
        Self(Arc::new(headers))
    }
}

/// Middleware: sets every header, replacing any a handler set.
pub async fn apply(
    State(headers): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let target = response.headers_mut();
    for (name, value) in headers.0.iter() {
        target.insert(name.clone(), value.clone());
    }
    response
}
