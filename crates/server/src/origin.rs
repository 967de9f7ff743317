//! Which `Origin`s may send state-changing requests (CSRF defence, with the JSON content type).

/// The app's own origin(s) and the configured portals.
#[derive(Debug, Clone)]
pub struct AllowedOrigins {
    /// The public origin (configured, or `http://<bound address>`).
    pub public: String,
    /// Portals allowed to embed the app.
    pub embeds: Vec<String>,
    /// Whether the origin derived from the `Host` header is accepted too (only when no public
    /// origin is configured, i.e. in development).
    pub accept_host: bool,
}

impl AllowedOrigins {
    /// Whether a request with this `Origin` (and `Host`) may change state.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        origin == self.public
            || self.embeds.contains(&origin)
            || (self.accept_host
                && host.is_some_and(|h| origin == format!("http://{}", h.to_ascii_lowercase())))
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
    fn only_own_and_portal_origins_are_allowed() {
        let origins = AllowedOrigins {
            public: "https://security.contoso.example".into(),
            embeds: vec!["https://portal.contoso.example".into()],
            accept_host: false,
        };
        assert!(origins.allows("https://security.contoso.example", None));
        assert!(origins.allows("https://portal.contoso.example", None));
        assert!(!origins.allows("https://evil.example", None));
        assert!(!origins.allows("null", None));
        assert!(!origins.allows("http://evil.example", Some("evil.example")));
    }
}
