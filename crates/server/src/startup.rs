//! Builds the application and runs it; `main` and the tests both go through here.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use axum::{Router, http::HeaderValue, middleware, routing::get};
use security_info_api::MethodType;
use tokio::{net::TcpListener, sync::Notify};

use crate::directory::{Directory, ldap::LdapDirectory};
use crate::{
    config::{Config, EmbedCookie},
    connections::{self, ConnectionLimits},
    content_policy::content_security_policy,
    domain::{codes::CodeKeys, password::PasswordHasher},
    head_limits,
    host::{self, AllowedHosts},
    mail::{Mailer, dev_outbox::DevOutbox, smtp::SmtpMailer, worker::OutboxWorker},
    methods::{Methods, security_key::relying_party::RelyingParty},
    oidc::{OidcVerifier, code_flow::CodeFlow},
    origin::AllowedOrigins,
    random,
    routes::{self, dev_mailbox, health},
    security_headers::{self, SecurityHeaders},
    seed,
    sms::{PhoneSender, gateway::HttpGateway},
    state::{AppState, CookieSettings},
    static_files,
    store::{
        CachedMethods, MethodStore, Store,
        postgres::{self, PgStore},
        sqlite::SqliteStore,
    },
    sweeper::{RetentionSweeper, retention_policy},
};

/// Name of the generated code secret in the database.
const CODE_SECRET_NAME: &str = "code_hmac_key";

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    worker: OutboxWorker,
    sweeper: RetentionSweeper,
    connections: ConnectionLimits,
}

impl Application {
    /// Validates the configuration, opens and migrates the database, seeds the demo accounts
    /// when asked, and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let settings = config.validate()?;
        let url = settings.database_url.expose();
        let (store, methods): (Arc<dyn Store>, Arc<dyn MethodStore>) =
            if postgres::is_postgres_url(url) {
                // Not cached: other server processes on the database change method lists
                // without bumping the store generation the cache checks.
                let database = Arc::new(
                    PgStore::connect(url)
                        .await?
                        .with_outbox_lease(settings.outbox_lease),
                );
                (Arc::clone(&database) as Arc<dyn Store>, database)
            } else {
                let database = Arc::new(SqliteStore::connect(url).await?);
                // Method lists are cached; other writers (the `accounts` commands) bump the
                // store generation, which the cache checks before every hit.
                let methods = Arc::new(CachedMethods::new(Arc::clone(&database)));
                (database, methods)
            };
        let secret = match &settings.code_secret {
            Some(secret) => secret.expose().as_bytes().to_vec(),
            None => {
                store
                    .server_secret(CODE_SECRET_NAME, random::bytes::<32>()?.to_vec())
                    .await?
            }
        };
        let code_keys = CodeKeys::new(&secret)?;
        let passwords = PasswordHasher::new().await?;
        let directory = match &settings.ldap {
            Some(ldap) => Directory::Ldap(Arc::new(LdapDirectory::new(ldap.clone())?)),
            None => Directory::BuiltIn,
        };
        if settings.demo_accounts {
            seed::demo_accounts(store.as_ref(), &passwords, &settings).await?;
        }
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let local_addr = listener.local_addr()?;
        let origins = AllowedOrigins::new(
            settings.public_origin.as_deref(),
            local_addr,
            settings.embed_origins.clone(),
        );
        let hosts = AllowedHosts::new(settings.public_origin.as_deref(), local_addr);
        // `validate` guarantees SMTP or the development mailbox asked for, and a gateway or
        // the development mailbox for an allowed phone method.
        let dev_outbox = (settings.dev_mailbox || settings.dev_phone_outbox)
            .then(|| Arc::new(DevOutbox::default()));
        let mailer: Arc<dyn Mailer> = match (&settings.smtp_url, &dev_outbox) {
            (Some(url), _) => Arc::new(SmtpMailer::new(url, &settings.mail_from)?),
            (None, Some(outbox)) => {
                tracing::warn!(
                    "SECURITY_INFO_DEV_MAILBOX: mail, codes included, is kept at GET /dev/mailbox for this machine; never in production"
                );
                outbox.clone()
            }
            (None, None) => anyhow::bail!("no SMTP server and no development mailbox"),
        };
        let phones: Option<Arc<dyn PhoneSender>> = match (&settings.sms_gateway, &dev_outbox) {
            (Some(gateway), _) => Some(Arc::new(HttpGateway::new(
                gateway.url.expose(),
                gateway.secret.clone(),
            )?)),
            (None, Some(outbox)) if settings.dev_phone_outbox => {
                tracing::warn!(
                    "no SECURITY_INFO_SMS_GATEWAY_URL: texts and calls, codes included, are kept at GET /dev/mailbox for this machine; never in production"
                );
                Some(outbox.clone())
            }
            _ => None,
        };
        let outbox_wakeup = Arc::new(Notify::new());
        let oidc = settings
            .oidc
            .clone()
            .map(OidcVerifier::new)
            .transpose()?
            .map(Arc::new);
        let code_flow = settings
            .oidc_sign_in
            .clone()
            .map(CodeFlow::new)
            .transpose()?
            .map(Arc::new);
        let relying_party = settings
            .allowed_methods
            .contains(&MethodType::SecurityKey)
            .then(|| {
                RelyingParty::new(
                    &origins.public,
                    settings.webauthn_rp_id.as_deref(),
                    &settings.org_name,
                    settings.webauthn_aaguids.clone(),
                )
            })
            .transpose()?
            .map(Arc::new);
        let cookie = CookieSettings::for_origin(
            &origins.public,
            !settings.embed_origins.is_empty() && settings.embed_cookie == EmbedCookie::Partitioned,
        );
        let sweeper = RetentionSweeper {
            store: store.clone(),
            policy: retention_policy(settings.audit_retention),
        };
        let connections = settings.connections.fitted_to_open_file_limit();
        let state = AppState {
            store: store.clone(),
            methods,
            kinds: Methods::new(),
            settings: Arc::new(settings),
            passwords,
            directory,
            code_keys: code_keys.clone(),
            outbox_wakeup: outbox_wakeup.clone(),
            dev_outbox,
            origins: Arc::new(origins),
            hosts,
            cookie: Arc::new(cookie),
            oidc,
            relying_party,
            code_flow,
        };
        let worker = OutboxWorker {
            store,
            mailer,
            phones,
            keys: code_keys,
            wakeup: outbox_wakeup,
        };
        Ok(Self {
            listener,
            router: router(state),
            worker,
            sweeper,
            connections,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Delivers mail, sweeps old rows (at start, then hourly) and serves until Ctrl-C or
    /// SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Delivers mail, sweeps old rows and serves until `stop` completes, then finishes the
    /// requests in flight.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let worker = tokio::spawn(self.worker.run());
        let sweeper = tokio::spawn(self.sweeper.run());
        connections::serve(self.listener, self.router, self.connections, stop).await;
        worker.abort();
        sweeper.abort();
        Ok(())
    }
}

/// The whole HTTP surface: health checks, the API, the development mailbox, and the app.
pub fn router(state: AppState) -> Router {
    // Read once: a deploy replaces dist/ and restarts the server (the hash must match the
    // index.html being served).
    let index_html = std::fs::read_to_string(state.settings.dist_dir.join("index.html")).ok();
    let policy = content_security_policy(&state.origins.frame_ancestors(), index_html.as_deref());
    // Origins are validated at start-up (no spaces, quotes or semicolons), hashes are base64.
    let policy = HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'self'"));
    // Served over https exactly when the session cookie is `Secure`.
    let headers = SecurityHeaders::new(policy, &state.origins.embeds, state.cookie.secure);
    Router::new()
        .route("/healthz", get(health::get_healthz))
        .route("/readyz", get(health::get_readyz))
        .route("/dev/mailbox", get(dev_mailbox::get_dev_mailbox))
        .nest("/api/v1", routes::api_router(&state))
        .with_state(state.clone())
        .merge(static_files::router(&state.settings.dist_dir))
        .layer(middleware::from_fn(head_limits::check))
        .layer(middleware::from_fn_with_state(
            state.hosts.clone(),
            host::check,
        ))
        .layer(middleware::from_fn_with_state(
            headers,
            security_headers::apply,
        ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
