//! The host names the server answers for, checked on every request (`Host`, or the authority
//! of an absolute request target).
//!
//! A DNS-rebinding page points its own name at this server: the browser then treats the
//! server's answers as that page's own and lets it read them (the development mailbox, the
//! API's public answers). Answering only for our own names closes that. Our names: the public
//! origin's host (and port; without a port in `Host`, its scheme's default), the listen address
//! itself (what a reverse proxy on the same machine often sends), and for a loopback listen
//! address `localhost`, `127.0.0.1` and `[::1]` with its port. `/healthz` and `/readyz`
//! answer any name: load balancers and orchestrators probe by address, and they tell nothing.
//! Anything else: 421 `misdirected_request`; no `Host` at all: 400 `malformed_request`.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use security_info_api::ProblemCode;

use crate::{error::ApiError, origin::LOOPBACK_NAMES};

/// One name the server answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnName {
    /// Lower-case host, IPv6 addresses in brackets.
    host: String,
    port: u16,
    /// The port a `Host` without one means (the scheme's default).
    default_port: u16,
}

/// The names the server answers for.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Arc<Vec<OwnName>>);

impl AllowedHosts {
    /// The names of an app with `public_origin` (normalized, if configured) bound to `bound`.
    pub fn new(public_origin: Option<&str>, bound: SocketAddr) -> Self {
        let mut names = Vec::new();
        if let Some(url) = public_origin.and_then(|origin| url::Url::parse(origin).ok())
            && let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default())
        {
            let default_port = if url.scheme() == "https" { 443 } else { 80 };
            names.push(OwnName {
                host: host.to_ascii_lowercase(),
                port,
                default_port,
            });
        }
        let mut own = |host: String| {
            let name = OwnName {
                host,
                port: bound.port(),
                default_port: 80,
            };
            if !names.contains(&name) {
                names.push(name);
            }
        };
        if !bound.ip().is_unspecified() {
            own(match bound {
                SocketAddr::V4(v4) => v4.ip().to_string(),
                SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
            });
        }
        if bound.ip().is_loopback() {
            for name in LOOPBACK_NAMES {
                own(name.to_owned());
            }
        }
        Self(Arc::new(names))
    }

    /// Whether a `Host` value (`name[:port]`) is one of ours.
    pub fn allows(&self, value: &str) -> bool {
        let Some((host, port)) = split_host(value) else {
            return false;
        };
        self.0
            .iter()
            .any(|own| own.host == host && port.unwrap_or(own.default_port) == own.port)
    }
}

/// `name[:port]` as a lower-case name and the port, if one is given; `None` when malformed.
fn split_host(value: &str) -> Option<(String, Option<u16>)> {
    let value = value.trim();
    let (host, port) = if value.starts_with('[') {
        let end = value.find(']')?;
        let (host, rest) = value.split_at(end + 1);
        match rest {
            "" => (host, None),
            rest => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match value.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// The middleware (see the module comment).
pub async fn check(State(hosts): State<AllowedHosts>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    let target = request
        .uri()
        .authority()
        .map(|authority| authority.as_str());
    if host.is_none() && target.is_none() {
        return ApiError::detail(ProblemCode::MalformedRequest, "a Host header is required")
            .into_response();
    }
    let ours = host
        .into_iter()
        .chain(target)
        .all(|name| hosts.allows(name));
    if !ours {
        return ApiError::code(ProblemCode::MisdirectedRequest).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_public_host_and_the_loopback_names_are_ours() {
        let hosts = AllowedHosts::new(
            Some("https://security.contoso.example"),
            address("127.0.0.1:8080"),
        );
        for ours in [
            "security.contoso.example",
            "SECURITY.contoso.example:443",
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
        ] {
            assert!(hosts.allows(ours), "{ours}");
        }
        for theirs in [
            "security.contoso.example:80",
            "evil.example",
            "localhost",
            "localhost:8081",
            "127.0.0.1",
            "security.contoso.example.evil.example",
            "[::1",
            ":8080",
            "localhost:http",
            "",
        ] {
            assert!(!hosts.allows(theirs), "{theirs}");
        }
    }

    #[test]
    fn every_interface_answers_only_for_the_public_name() {
        let hosts = AllowedHosts::new(
            Some("http://security.example:8080"),
            address("0.0.0.0:8080"),
        );
        assert!(hosts.allows("security.example:8080"));
        assert!(!hosts.allows("0.0.0.0:8080"));
        assert!(!hosts.allows("10.1.2.3:8080"));
        assert!(!hosts.allows("security.example"));
    }

    #[test]
    fn an_ipv6_listen_address_is_named_in_brackets() {
        let hosts = AllowedHosts::new(None, address("[2001:db8::1]:80"));
        assert!(hosts.allows("[2001:db8::1]"));
        assert!(hosts.allows("[2001:DB8::1]:80"));
        assert!(!hosts.allows("2001:db8::1"));
    }
}
