//! Which `Origin`s may send state-changing requests (CSRF defence, with the JSON content type).
//!
//! Only the app's own origins and the configured portals. Without a configured public origin
//! the app's origin is its listen address, `http://<address>:<port>`; when that address is
//! loopback it is `http://localhost:<port>` (WebAuthn refuses IP addresses), and the same port
//! under `127.0.0.1` and `[::1]` is the app too (the names a developer types). The `Host` of the request is never trusted for this:
//! a DNS-rebinding page's requests carry its own name in both `Host` and `Origin`.

use std::net::SocketAddr;

/// The names a loopback listen address is also reached by.
pub const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The app's own origin(s) and the configured portals.
#[derive(Debug, Clone)]
pub struct AllowedOrigins {
    /// The public origin (configured, or `http://<bound address>`).
    pub public: String,
    /// The app's origins: the public one, and the loopback forms (see the module comment).
    pub own: Vec<String>,
    /// Portals allowed to embed the app.
    pub embeds: Vec<String>,
}

impl AllowedOrigins {
    /// The origins of an app configured with `public_origin` (if any), bound to `bound`, and
    /// framed by `embeds` (origins already normalized by `config::parse_origin`).
    pub fn new(public_origin: Option<&str>, bound: SocketAddr, embeds: Vec<String>) -> Self {
        let (public, own) = match public_origin {
            Some(public) => (public.to_owned(), vec![public.to_owned()]),
            // A loopback address is reached as `localhost`: the name WebAuthn accepts (it
            // refuses IP addresses), and the one `cargo xtask serve` prints.
            None if bound.ip().is_loopback() => {
                let public = format!("http://localhost:{}", bound.port());
                let mut own = vec![public.clone(), format!("http://{bound}")];
                for name in LOOPBACK_NAMES {
                    let origin = format!("http://{name}:{}", bound.port());
                    if !own.contains(&origin) {
                        own.push(origin);
                    }
                }
                (public, own)
            }
            None => {
                let public = format!("http://{bound}");
                (public.clone(), vec![public])
            }
        };
        Self {
            public,
            own,
            embeds,
        }
    }

    /// The public origin's host name (no port): what a text message's WebOTP line names.
    pub fn public_host(&self) -> Option<&str> {
        let authority = self.public.split_once("://")?.1;
        // `[::1]:8080` keeps its brackets; a name or IPv4 address loses only its port.
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => host,
            _ => authority,
        };
        Some(host).filter(|h| !h.is_empty())
    }

    /// Whether a request with this `Origin` may change state.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        self.own.contains(&origin) || self.embeds.contains(&origin)
    }

    /// The `frame-ancestors` list of the `Content-Security-Policy`.
    pub fn frame_ancestors(&self) -> String {
        let mut value = String::from("frame-ancestors 'self'");
        for origin in &self.embeds {
            value.push(' ');
            value.push_str(origin);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_host_is_the_origin_without_scheme_and_port() {
        let bound: SocketAddr = "127.0.0.1:8080".parse().expect("address");
        let host = |public: Option<&str>| {
            AllowedOrigins::new(public, bound, vec![])
                .public_host()
                .map(str::to_owned)
        };
        assert_eq!(host(None).as_deref(), Some("localhost"));
        assert_eq!(
            host(Some("https://security.contoso.example")).as_deref(),
            Some("security.contoso.example")
        );
        assert_eq!(host(Some("http://[::1]:9000")).as_deref(), Some("[::1]"));
    }

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_own_and_portal_origins_are_allowed() {
        let origins = AllowedOrigins::new(
            Some("https://security.contoso.example"),
            address("127.0.0.1:8080"),
            vec!["https://portal.contoso.example".into()],
        );
        assert!(origins.allows("https://security.contoso.example"));
        assert!(origins.allows("https://portal.contoso.example"));
        assert!(!origins.allows("https://evil.example"));
        assert!(!origins.allows("null"));
        // With a public origin, the loopback forms are not the app's origin.
        assert!(!origins.allows("http://127.0.0.1:8080"));
        assert!(!origins.allows("http://localhost:8080"));
    }

    #[test]
    fn a_loopback_listen_address_is_also_localhost() {
        let origins = AllowedOrigins::new(None, address("127.0.0.1:8080"), vec![]);
        assert_eq!(origins.public, "http://localhost:8080");
        for allowed in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://LOCALHOST:8080/",
            "http://[::1]:8080",
        ] {
            assert!(origins.allows(allowed), "{allowed}");
        }
        for refused in [
            "http://localhost:8081",
            "https://localhost:8080",
            "http://rebind.example:8080",
            "http://127.0.0.2:8080",
        ] {
            assert!(!origins.allows(refused), "{refused}");
        }
    }

    #[test]
    fn another_listen_address_is_only_itself() {
        let origins = AllowedOrigins::new(None, address("192.0.2.10:8080"), vec![]);
        assert!(origins.allows("http://192.0.2.10:8080"));
        assert!(!origins.allows("http://localhost:8080"));
    }
}
