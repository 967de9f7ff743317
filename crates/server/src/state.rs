//! What every handler can reach: the store, the settings and the shared services.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::{
    config::Settings,
    domain::{codes::CodeKeys, password::PasswordHasher},
    mail::dev_outbox::DevOutbox,
    origin::AllowedOrigins,
    store::Store,
};

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Validated configuration.
    pub settings: Arc<Settings>,
    /// Password hashing pool.
    pub passwords: PasswordHasher,
    /// Keys for code hashes and sealed outbox secrets.
    pub code_keys: CodeKeys,
    /// Wakes the mail worker when a message was queued.
    pub outbox_wakeup: Arc<Notify>,
    /// The development outbox, when no SMTP server is configured.
    pub dev_outbox: Option<Arc<DevOutbox>>,
    /// Origins allowed to send state-changing requests.
    pub origins: Arc<AllowedOrigins>,
    /// Session cookie name and attributes.
    pub cookie: Arc<CookieSettings>,
}

/// How the session cookie is written.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// `si_session`, or `__Host-si_session` over HTTPS.
    pub name: String,
    /// Whether to add `Secure`.
    pub secure: bool,
}

impl CookieSettings {
    /// Cookie settings for a public origin.
    pub fn for_origin(origin: &str) -> Self {
        let secure = origin.starts_with("https://");
        Self {
            name: if secure {
                "__Host-si_session"
            } else {
                "si_session"
            }
            .to_owned(),
            secure,
        }
    }

    /// `Set-Cookie` value carrying `token` for `max_age_seconds`.
    pub fn set(&self, token: &str, max_age_seconds: i64) -> String {
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
            self.name,
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// `Set-Cookie` value removing the cookie.
    pub fn clear(&self) -> String {
        self.set("", 0)
    }
}
