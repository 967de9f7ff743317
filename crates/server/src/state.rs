//! What every handler can reach: the store, the settings and the shared services.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::{
    config::Settings,
    directory::Directory,
    domain::{codes::CodeKeys, password::PasswordHasher},
    host::AllowedHosts,
    mail::dev_outbox::DevOutbox,
    methods::{Methods, security_key::relying_party::RelyingParty},
    oidc::{OidcVerifier, code_flow::CodeFlow},
    origin::AllowedOrigins,
    store::{MethodStore, Store},
};

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The database (all but the method lists).
    pub store: Arc<dyn Store>,
    /// The registered methods (cached in front of the database).
    pub methods: Arc<dyn MethodStore>,
    /// The method types this server implements.
    pub kinds: Methods,
    /// Validated configuration.
    pub settings: Arc<Settings>,
    /// Password hashing pool.
    pub passwords: PasswordHasher,
    /// Where the password accounts' passwords are checked and set.
    pub directory: Directory,
    /// Keys for code hashes and sealed outbox secrets.
    pub code_keys: CodeKeys,
    /// Wakes the mail worker when a message was queued.
    pub outbox_wakeup: Arc<Notify>,
    /// The development outbox, when no SMTP server is configured.
    pub dev_outbox: Option<Arc<DevOutbox>>,
    /// Origins allowed to send state-changing requests.
    pub origins: Arc<AllowedOrigins>,
    /// Host names the server answers for.
    pub hosts: AllowedHosts,
    /// Session cookie name and attributes.
    pub cookie: Arc<CookieSettings>,
    /// Verifier of the OpenID Connect provider's bearer tokens, when one is configured.
    pub oidc: Option<Arc<OidcVerifier>>,
    /// This server as a WebAuthn relying party, when security keys are allowed.
    pub relying_party: Option<Arc<RelyingParty>>,
    /// Sign-in with the identity provider, when configured.
    pub code_flow: Option<Arc<CodeFlow>>,
}

/// How the session cookie is written.
///
/// By default it is `SameSite=Lax`: the browser sends it only to requests from the app's own
/// site, the strongest CSRF backstop. When portals are configured to embed the app and the app
/// is served over HTTPS, a sign-in *inside a cross-site frame* would not survive with `Lax`
/// (the framed document is a third-party context), so the cookie becomes
/// `SameSite=None; Secure; Partitioned` (CHIPS): the browser keeps it in a jar keyed by the
/// top-level site, so it works where third-party cookies are blocked, and a session made inside
/// portal A is never sent when the app is framed by portal B or opened on its own. The price
/// is that the cookie rides on cross-site requests too; the CSRF guard (allowed `Origin`, JSON
/// content type on every POST, no CORS) is then the defence, as it is for every state change
/// already. See `docs/embedding.md`.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// `si_session`, or `__Host-si_session` over HTTPS.
    pub name: String,
    /// The cookie of a sign-in under way at the identity provider: `si_oidc`, or
    /// `__Host-si_oidc`.
    pub login_name: String,
    /// The pending second step's cookie: `si_second_step`, or `__Host-si_second_step`.
    pub second_step_name: String,
    /// A password reset's cookie: `si_reset`, or `__Host-si_reset`.
    pub reset_name: String,
    /// Whether to add `Secure`.
    pub secure: bool,
    /// Whether the cookie is `SameSite=None; Partitioned` (embedded cross-site), else `Lax`.
    pub cross_site: bool,
}

impl CookieSettings {
    /// Cookie settings for a public origin; `embedded` when portal origins are configured.
    pub fn for_origin(origin: &str, embedded: bool) -> Self {
        let secure = origin.starts_with("https://");
        let prefix = if secure { "__Host-" } else { "" };
        Self {
            name: format!("{prefix}si_session"),
            second_step_name: format!("{prefix}si_second_step"),
            reset_name: format!("{prefix}si_reset"),
            login_name: format!("{prefix}si_oidc"),
            secure,
            // `SameSite=None` without `Secure` is rejected by browsers: plain http keeps `Lax`.
            cross_site: secure && embedded,
        }
    }

    /// `Set-Cookie` value carrying the session `token` for `max_age_seconds`.
    pub fn set(&self, token: &str, max_age_seconds: i64) -> String {
        self.write(&self.name, token, max_age_seconds)
    }

    /// `Set-Cookie` value removing the session cookie.
    pub fn clear(&self) -> String {
        self.set("", 0)
    }

    /// `Set-Cookie` value carrying a pending second step's `token` for `max_age_seconds`,
    /// with the session cookie's attributes (so it works in the same frames).
    pub fn set_second_step(&self, token: &str, max_age_seconds: i64) -> String {
        self.write(&self.second_step_name, token, max_age_seconds)
    }

    /// `Set-Cookie` value removing the second step's cookie.
    pub fn clear_second_step(&self) -> String {
        self.set_second_step("", 0)
    }

    /// `Set-Cookie` value carrying a password reset's `token`, with the session cookie's
    /// attributes (a reset works inside a portal's frame too).
    pub fn set_reset(&self, token: &str, max_age_seconds: i64) -> String {
        self.write(&self.reset_name, token, max_age_seconds)
    }

    /// `Set-Cookie` value removing the reset's cookie.
    pub fn clear_reset(&self) -> String {
        self.set_reset("", 0)
    }

    /// `Set-Cookie` value carrying a sealed sign-in under way at the identity provider. Always
    /// `SameSite=Lax`: it must come back with the provider's top-level redirect to the
    /// callback, and the provider's pages are never framed.
    pub fn set_login(&self, sealed: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={sealed}; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age={max_age_seconds}",
            self.login_name
        )
    }

    /// `Set-Cookie` value removing the sign-in cookie.
    pub fn clear_login(&self) -> String {
        self.set_login("", 0)
    }

    /// `Set-Cookie` value of cookie `name`.
    fn write(&self, name: &str, token: &str, max_age_seconds: i64) -> String {
        let same_site = if self.cross_site {
            "SameSite=None; Secure; Partitioned"
        } else if self.secure {
            "SameSite=Lax; Secure"
        } else {
            "SameSite=Lax"
        };
        format!("{name}={token}; Path=/; HttpOnly; {same_site}; Max-Age={max_age_seconds}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_lax_unless_embedded_over_https() {
        let plain = CookieSettings::for_origin("http://127.0.0.1:8080", true);
        assert_eq!(
            plain.set("t", 60),
            "si_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let own = CookieSettings::for_origin("https://security.contoso.example", false);
        assert_eq!(
            own.set("t", 60),
            "__Host-si_session=t; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60"
        );
        let framed = CookieSettings::for_origin("https://security.contoso.example", true);
        assert_eq!(
            framed.set("t", 60),
            "__Host-si_session=t; Path=/; HttpOnly; SameSite=None; Secure; Partitioned; Max-Age=60"
        );
    }
}
