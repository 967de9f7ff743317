//! Configuration, parsed once at start from `--flags` or `SECURITY_INFO_*` variables and
//! validated before anything listens, so a typo stops the server instead of surprising a user.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use security_info_api::{
    MethodType,
    code::{MAX_CODE_LENGTH, MIN_CODE_LENGTH},
};
use time::Duration;

use crate::{
    client_address::TrustedProxies,
    connections::ConnectionLimits,
    domain::{phone::AllowedRegions, policy},
    oidc::{OidcSettings, fetchable},
    secret::Secret,
};

/// The command line: the server's settings and, to run an operator's command instead of the
/// server, a subcommand (which reads the same settings: the database above all).
#[derive(Debug, Parser)]
#[command(name = "security-info-server", version, about)]
pub struct Cli {
    /// The settings.
    #[command(flatten)]
    pub config: Config,
    /// An operator's command; without one the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Operators' commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage accounts in the server's database (also while the server runs): add, import,
    /// disable, enable, clear-methods. Exit status: 0 done, 1 refused (or failed), 2 usage.
    #[command(subcommand)]
    Accounts(crate::operator::AccountsCommand),
}

/// Every setting of the server. `--help` documents each one with its variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "security-info-server", version, about)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "SECURITY_INFO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder holding the built app (trunk's `dist/`), served with SPA fallback.
    #[arg(long, env = "SECURITY_INFO_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// SQLite database URL; its folder is created when missing.
    #[arg(
        long,
        env = "SECURITY_INFO_DATABASE_URL",
        default_value = "sqlite://data/security-info.db?mode=rwc",
        hide_env_values = true
    )]
    pub database_url: Secret<String>,

    /// SMTP server for outgoing mail: `smtp://[user:pass@]host[:port]` or `smtps://...`.
    /// Unset: the server starts only with `SECURITY_INFO_DEV_MAILBOX=true`.
    #[arg(long, env = "SECURITY_INFO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret<String>>,

    /// Sender of outgoing mail, e.g. `Contoso <no-reply@contoso.example>`
    /// [default: "<ORG_NAME> <no-reply@<first ORG_DOMAINS entry>>"].
    #[arg(long, env = "SECURITY_INFO_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// Display name of the organization.
    #[arg(long, env = "SECURITY_INFO_ORG_NAME", default_value = "Contoso")]
    pub org_name: String,

    /// The organization's own mail domains (comma-separated); addresses in them (and their
    /// subdomains) cannot be registered as a method.
    #[arg(
        long,
        env = "SECURITY_INFO_ORG_DOMAINS",
        default_value = "contoso.example",
        value_delimiter = ','
    )]
    pub org_domains: Vec<String>,

    /// Method types users may register (comma-separated wire names: `email`,
    /// `authenticatorApp`, `securityKey`, `phone`, `securityQuestions`). Unset: every type this
    /// server implements except `securityQuestions`. Empty allows none.
    #[arg(long, env = "SECURITY_INFO_ALLOWED_METHODS", value_delimiter = ',')]
    pub allowed_methods: Option<Vec<String>>,

    /// How many security questions a user answers to register them (3 to 5).
    #[arg(long, env = "SECURITY_INFO_QUESTIONS_TO_REGISTER", default_value_t = 3,
          value_parser = clap::value_parser!(u8).range(3..=5))]
    pub questions_to_register: u8,

    /// How many of them password reset asks, chosen at random (1 to the number registered).
    #[arg(long, env = "SECURITY_INFO_QUESTIONS_TO_ANSWER", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=5))]
    pub questions_to_answer: u8,

    /// Whether users may write security questions of their own besides the predefined ones.
    #[arg(long, env = "SECURITY_INFO_OWN_QUESTIONS", default_value_t = false,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub own_questions: bool,

    /// The organization's SMS and voice gateway: an http(s) URL that takes the signed JSON POSTs
    /// of `docs/sms-gateway.md`. Unset: the phone method is available only with the
    /// development mailbox (no SMTP), which then keeps texts and calls at /dev/mailbox too.
    #[arg(long, env = "SECURITY_INFO_SMS_GATEWAY_URL", hide_env_values = true)]
    pub sms_gateway_url: Option<String>,

    /// The secret (at least 32 characters) the gateway's requests are signed with
    /// (HMAC-SHA256); required with `SECURITY_INFO_SMS_GATEWAY_URL`.
    #[arg(long, env = "SECURITY_INFO_SMS_GATEWAY_SECRET", hide_env_values = true)]
    pub sms_gateway_secret: Option<Secret<String>>,

    /// Country calling codes whose phone numbers may be registered (comma-separated, `31,32`).
    /// Unset or empty: every country.
    #[arg(long, env = "SECURITY_INFO_PHONE_REGIONS", value_delimiter = ',')]
    pub phone_regions: Vec<String>,

    /// Phone codes (texts and calls) to one number per hour.
    #[arg(long, env = "SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_HOUR",
          default_value_t = policy::PHONE_CODES_PER_NUMBER_PER_HOUR)]
    pub phone_codes_per_number_per_hour: u32,

    /// Phone codes to one number per day.
    #[arg(long, env = "SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_DAY",
          default_value_t = policy::PHONE_CODES_PER_NUMBER_PER_DAY)]
    pub phone_codes_per_number_per_day: u32,

    /// Codes per account per hour (any channel) when the new one is a phone code.
    #[arg(long, env = "SECURITY_INFO_PHONE_CODES_PER_ACCOUNT_PER_HOUR",
          default_value_t = policy::PHONE_CODES_PER_ACCOUNT_PER_HOUR)]
    pub phone_codes_per_account_per_hour: u32,

    /// Phone codes asked for from one client address per hour.
    #[arg(long, env = "SECURITY_INFO_PHONE_CODES_PER_ADDRESS_PER_HOUR",
          default_value_t = policy::PHONE_CODES_PER_ADDRESS_PER_HOUR)]
    pub phone_codes_per_address_per_hour: u32,

    /// Phone codes the whole server sends per hour.
    #[arg(long, env = "SECURITY_INFO_PHONE_CODES_PER_HOUR",
          default_value_t = policy::PHONE_CODES_PER_HOUR)]
    pub phone_codes_per_hour: u32,

    /// Number of digits in verification codes (6 to 10).
    #[arg(long, env = "SECURITY_INFO_CODE_LENGTH", default_value_t = 6,
          value_parser = clap::value_parser!(u8).range(MIN_CODE_LENGTH as i64..=MAX_CODE_LENGTH as i64))]
    pub code_length: u8,

    /// Key (at least 32 characters) under which codes are stored as HMAC-SHA256. Unset: one is
    /// generated once and kept in the database, so codes survive restarts.
    #[arg(long, env = "SECURITY_INFO_CODE_SECRET", hide_env_values = true)]
    pub code_secret: Option<Secret<String>>,

    /// How long a verification code works, in seconds (1 to 3600). The code mail states it in
    /// minutes, rounded up.
    #[arg(long, env = "SECURITY_INFO_CODE_TTL_SECONDS",
          default_value_t = policy::DEFAULT_CODE_VALIDITY.whole_seconds())]
    pub code_ttl_seconds: i64,

    /// How long, in seconds, a user waits before asking for another code for the same
    /// registration (1 to 600). The hourly and daily code limits apply whatever it is.
    #[arg(long, env = "SECURITY_INFO_RESEND_COOLDOWN_SECONDS",
          default_value_t = policy::DEFAULT_RESEND_COOLDOWN.whole_seconds())]
    pub resend_cooldown_seconds: i64,

    /// With PostgreSQL: how long, in seconds, a server process keeps the outbox messages it
    /// claimed for delivery (1 to 3600). Another process delivers them once this has passed
    /// without a delivery, as after a crash; it must be longer than one delivery takes.
    #[arg(
        long,
        env = "SECURITY_INFO_OUTBOX_LEASE_SECONDS",
        default_value_t = 120
    )]
    pub outbox_lease_seconds: i64,

    /// How recent, in seconds, a sign-in or re-authentication (or a bearer token's
    /// `auth_time`) must be to add or delete a method (1 to 43200, the session's longest life).
    #[arg(long, env = "SECURITY_INFO_STEP_UP_SECONDS",
          default_value_t = policy::DEFAULT_STEP_UP_WINDOW.whole_seconds())]
    pub step_up_seconds: i64,

    /// How many days audit events (the users' recent activity and the security trail) are
    /// kept (1 to 36500); older ones are deleted by the hourly retention sweep.
    #[arg(long, env = "SECURITY_INFO_AUDIT_RETENTION_DAYS",
          default_value_t = DEFAULT_AUDIT_RETENTION_DAYS)]
    pub audit_retention_days: i64,

    /// The app's public origin (`https://security.contoso.example`). With https the session
    /// cookie is `__Host-` prefixed and Secure [default: http://<listen address>].
    #[arg(long, env = "SECURITY_INFO_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// The WebAuthn relying-party id security keys and passkeys are bound to: the public
    /// origin's host or a registrable suffix of it (`contoso.example` lets apps on every
    /// `*.contoso.example` name use the same keys). Keys registered under one id do not work
    /// under another, so set it once [default: the public origin's host].
    #[arg(long, env = "SECURITY_INFO_WEBAUTHN_RP_ID")]
    pub webauthn_rp_id: Option<String>,

    /// The security key models accepted, by AAGUID (comma-separated), for organizations that
    /// hand out keys. Unset or empty: any model.
    #[arg(long, env = "SECURITY_INFO_WEBAUTHN_AAGUIDS", value_delimiter = ',')]
    pub webauthn_aaguids: Vec<String>,

    /// Portal origins allowed to embed the app and to send requests (comma-separated).
    #[arg(long, env = "SECURITY_INFO_EMBED_ORIGINS", value_delimiter = ',')]
    pub embed_origins: Vec<String>,

    /// Reverse proxies in front of the server whose `X-Forwarded-For` names the client
    /// (comma-separated addresses or CIDR ranges, e.g. `127.0.0.1,10.0.0.0/8`). Unset: the
    /// connection's address is the client's (throttling, audit trail and notifications use it).
    #[arg(long, env = "SECURITY_INFO_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Session cookie when portals are configured and the public origin is https: `partitioned`
    /// (`SameSite=None; Secure; Partitioned`, so a sign-in inside a cross-site frame works) or
    /// `lax` (keep `SameSite=Lax`: enough when every portal is on the same site, e.g.
    /// portal.contoso.example framing security.contoso.example, or when only tokens are used).
    #[arg(long, env = "SECURITY_INFO_EMBED_COOKIE", value_enum, default_value_t = EmbedCookie::Partitioned)]
    pub embed_cookie: EmbedCookie,

    /// How many different methods a password reset asks for (1 or 2): with 2, a second gate
    /// after the first, which may show masked hints of the account's methods.
    #[arg(long, env = "SECURITY_INFO_RESET_GATES", default_value_t = 1)]
    pub reset_gates: u8,

    /// Password resets that may start for one name per hour (whether or not it has an account).
    #[arg(long, env = "SECURITY_INFO_RESETS_PER_USERNAME_PER_HOUR",
          default_value_t = crate::domain::policy::RESETS_PER_USERNAME_PER_HOUR)]
    pub resets_per_username_per_hour: u32,

    /// Password resets that may start from one client address per hour.
    #[arg(long, env = "SECURITY_INFO_RESETS_PER_ADDRESS_PER_HOUR",
          default_value_t = crate::domain::policy::RESETS_PER_ADDRESS_PER_HOUR)]
    pub resets_per_address_per_hour: u32,

    /// The fewest characters a new password may have (8 to 64).
    #[arg(long, env = "SECURITY_INFO_PASSWORD_MIN_LENGTH",
          default_value_t = crate::domain::password_policy::DEFAULT_MIN_LENGTH)]
    pub password_min_length: usize,

    /// The zxcvbn score a new password needs (0 to 4; 3: about 10^10 guesses).
    #[arg(long, env = "SECURITY_INFO_PASSWORD_MIN_SCORE",
          default_value_t = crate::domain::password_policy::DEFAULT_MIN_SCORE)]
    pub password_min_score: u8,

    /// When password accounts pass a second step at sign-in: `when-registered` (users who have
    /// an authenticator app, security key or phone must use one) or `required` (and users
    /// without one are sent to add one right after signing in).
    #[arg(long, env = "SECURITY_INFO_TWO_STEP", value_enum, default_value_t = TwoStep::WhenRegistered)]
    pub two_step: TwoStep,

    /// The organization's OpenID Connect provider (exactly as in its tokens' `iss`, e.g.
    /// `https://login.contoso.example/realms/staff`): with SECURITY_INFO_OIDC_AUDIENCE the API
    /// accepts its access tokens as `Authorization: Bearer` (a portal's), with
    /// SECURITY_INFO_OIDC_CLIENT_ID users sign in with it on the sign-in page; one or both.
    /// Its endpoints and keys are found through `<issuer>/.well-known/openid-configuration`.
    /// Needs https (http only for a loopback address). Unset: password accounts only.
    #[arg(long, env = "SECURITY_INFO_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id this server has at the provider, for "Sign in with <organization>" (the
    /// authorization code flow with PKCE; register the redirect URI
    /// `<public origin>/api/v1/oidc/callback` and the post-logout redirect URI
    /// `<public origin>/signin`).
    #[arg(long, env = "SECURITY_INFO_OIDC_CLIENT_ID", requires_all = ["oidc_issuer", "oidc_client_secret"])]
    pub oidc_client_id: Option<String>,

    /// The client secret that goes with SECURITY_INFO_OIDC_CLIENT_ID (sent to the token
    /// endpoint with HTTP Basic authentication; never logged).
    #[arg(
        long,
        env = "SECURITY_INFO_OIDC_CLIENT_SECRET",
        requires = "oidc_client_id"
    )]
    pub oidc_client_secret: Option<Secret<String>>,

    /// Whether the built-in password accounts can sign in on the sign-in page (`false` when
    /// every user signs in with the identity provider).
    #[arg(long, env = "SECURITY_INFO_PASSWORD_SIGN_IN", default_value_t = true, action = clap::ArgAction::Set)]
    pub password_sign_in: bool,

    /// The audience (`aud`) a bearer token must name: the resource identifier the provider
    /// issues access tokens for, or the portal's client id when ID tokens are handed over.
    #[arg(long, env = "SECURITY_INFO_OIDC_AUDIENCE", requires = "oidc_issuer")]
    pub oidc_audience: Option<String>,

    /// The LDAP directory or Active Directory of the password accounts, if any.
    #[command(flatten)]
    pub ldap: crate::directory::settings::LdapConfig,

    /// Seconds a client has to send a request's head (request line and headers), decimals
    /// allowed (0.1 to 300). The clock starts when a connection opens and again after each
    /// answer, so this is also how long an idle kept-alive connection stays open.
    #[arg(
        long,
        env = "SECURITY_INFO_HEADER_TIMEOUT_SECONDS",
        default_value_t = 10.0
    )]
    pub header_timeout_seconds: f64,

    /// Seconds a client has to send a request's whole body after its head, decimals allowed
    /// (0.1 to 300); later, the answer is 408 and the connection closes.
    #[arg(
        long,
        env = "SECURITY_INFO_BODY_TIMEOUT_SECONDS",
        default_value_t = 10.0
    )]
    pub body_timeout_seconds: f64,

    /// Connections served at once (1 to 100000); more wait to be accepted until one closes.
    /// Lowered at start to fit the process's open-file limit (`ulimit -n`).
    #[arg(long, env = "SECURITY_INFO_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Development only, without SMTP: keep outgoing mail in memory and list it at
    /// `GET /dev/mailbox` (codes included), for this machine only (a loopback host name and
    /// address). Ignored when `SECURITY_INFO_SMTP_URL` is set.
    #[arg(long, env = "SECURITY_INFO_DEV_MAILBOX", default_value_t = false,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub dev_mailbox: bool,

    /// Seed the demo accounts alain@contoso.example and megan@contoso.example at start.
    #[arg(long, env = "SECURITY_INFO_DEMO_ACCOUNTS", default_value_t = false,
          action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub demo_accounts: bool,

    /// Password of the demo accounts.
    #[arg(
        long,
        env = "SECURITY_INFO_DEMO_PASSWORD",
        default_value = "Contoso-demo-2026",
        hide_env_values = true
    )]
    pub demo_password: Secret<String>,
}

/// Days audit events are kept unless `SECURITY_INFO_AUDIT_RETENTION_DAYS` says otherwise:
/// a year and a month, so a year-on-year question still finds its answer.
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;
/// The longest audit retention an operator may configure (a century: a typo guard).
const MAX_AUDIT_RETENTION_DAYS: i64 = 36_500;

/// The session cookie's mode when portals embed the app over https.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EmbedCookie {
    /// `SameSite=None; Secure; Partitioned`.
    Partitioned,
    /// `SameSite=Lax`, as without portals.
    Lax,
}

/// When password accounts pass a second step at sign-in (`SECURITY_INFO_TWO_STEP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TwoStep {
    /// Users who have a method usable for two-step verification must use one.
    WhenRegistered,
    /// The same, and users without one are sent to add one right after signing in.
    Required,
}

/// This server as a client of the identity provider (sign-in with the authorization code flow).
#[derive(Debug, Clone)]
pub struct OidcClient {
    /// The provider's issuer identifier.
    pub issuer: String,
    /// Our client id.
    pub client_id: String,
    /// Our client secret.
    pub client_secret: Secret<String>,
}

/// Where texts and calls go.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    /// The http(s) endpoint (it may carry credentials, so it never prints).
    pub url: Secret<String>,
    /// The signing secret.
    pub secret: Secret<String>,
}

/// The abuse limits on phone codes (see the `SECURITY_INFO_PHONE_CODES_*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneCodeLimits {
    /// To one number per hour.
    pub per_number_per_hour: u32,
    /// To one number per day.
    pub per_number_per_day: u32,
    /// Per account per hour (codes of any channel).
    pub per_account_per_hour: u32,
    /// From one client address per hour.
    pub per_address_per_hour: u32,
    /// By the whole server per hour.
    pub per_hour: u32,
}

/// The checked, ready-to-use form of [`Config`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The built app.
    pub dist_dir: PathBuf,
    /// sqlx connection URL.
    pub database_url: Secret<String>,
    /// SMTP URL, or `None` for the development mailbox.
    pub smtp_url: Option<Secret<String>>,
    /// Whether mail goes to the development mailbox (no SMTP, and asked for).
    pub dev_mailbox: bool,
    /// Sender mailbox (validated).
    pub mail_from: String,
    /// Organization name.
    pub org_name: String,
    /// Organization domains, in canonical form (IDNA-mapped, lower case).
    pub org_domains: Vec<String>,
    /// Method types allowed by policy.
    pub allowed_methods: Vec<MethodType>,
    /// Security questions a user answers to register them.
    pub questions_to_register: u8,
    /// Security questions password reset asks.
    pub questions_to_answer: u8,
    /// Whether users may write their own security questions.
    pub own_questions: bool,
    /// The SMS and voice gateway, if configured.
    pub sms_gateway: Option<SmsGateway>,
    /// Whether texts and calls go to the development mailbox (no gateway, and asked for).
    pub dev_phone_outbox: bool,
    /// Calling codes whose numbers may be registered.
    pub phone_regions: AllowedRegions,
    /// The limits on phone codes.
    pub phone_limits: PhoneCodeLimits,
    /// Digits per code.
    pub code_length: u8,
    /// Configured code secret, if any.
    pub code_secret: Option<Secret<String>>,
    /// How long a code works.
    pub code_validity: Duration,
    /// Minimum time between two codes of one registration.
    pub resend_cooldown: Duration,
    /// How long a process's claim on outbox messages holds (PostgreSQL).
    pub outbox_lease: Duration,
    /// How recent an authentication must be to add or delete a method.
    pub step_up_window: Duration,
    /// How long audit events are kept.
    pub audit_retention: Duration,
    /// Configured public origin (`scheme://host[:port]`), if any.
    pub public_origin: Option<String>,
    /// The WebAuthn relying-party id, when it is not the public origin's host.
    pub webauthn_rp_id: Option<String>,
    /// Security key models accepted (empty: any).
    pub webauthn_aaguids: Vec<webauthn_rs::prelude::Uuid>,
    /// Allowed embedding portals.
    pub embed_origins: Vec<String>,
    /// Session cookie mode when embedded over https.
    pub embed_cookie: EmbedCookie,
    /// When password accounts pass a second step.
    pub two_step: TwoStep,
    /// How many different methods a password reset asks for.
    pub reset_gates: u8,
    /// The limits on starting password resets.
    pub reset_limits: crate::store::ResetLimits,
    /// The rules of a new password.
    pub password_policy: crate::domain::password_policy::PasswordPolicy,
    /// Sign-in with the identity provider (the authorization code flow), if configured.
    pub oidc_sign_in: Option<OidcClient>,
    /// Whether password accounts sign in on the sign-in page.
    pub password_sign_in: bool,
    /// The directory of the password accounts, or `None` for the built-in accounts.
    pub ldap: Option<crate::directory::settings::LdapSettings>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// The OpenID Connect provider whose bearer tokens are accepted, if any.
    pub oidc: Option<OidcSettings>,
    /// Timeouts and the cap of the HTTP connections.
    pub connections: ConnectionLimits,
    /// Seed demo accounts.
    pub demo_accounts: bool,
    /// Their password.
    pub demo_password: Secret<String>,
}

impl Config {
    /// Checks every setting and returns them in usable form, or says what is wrong.
    pub fn validate(self) -> anyhow::Result<Settings> {
        // Kept in the canonical form addresses are parsed to (IDNA-mapped, lower case).
        let org_domains = self
            .org_domains
            .iter()
            .map(|d| d.trim().trim_start_matches('@'))
            .filter(|d| !d.is_empty())
            .map(|domain| {
                security_info_api::EmailAddress::parse(&format!("x@{domain}"))
                    .map(|address| address.domain().to_owned())
                    .map_err(|_| {
                        anyhow::anyhow!("SECURITY_INFO_ORG_DOMAINS: `{domain}` is not a domain")
                    })
            })
            .collect::<anyhow::Result<Vec<String>>>()?;
        if org_domains.is_empty() {
            bail!("SECURITY_INFO_ORG_DOMAINS must name at least one domain");
        }
        let allowed_methods = allowed_methods(self.allowed_methods.as_deref())?;
        let mail_from = match self.mail_from.filter(|m| !m.trim().is_empty()) {
            Some(from) => from.trim().to_owned(),
            None => format!("{} <no-reply@{}>", self.org_name.trim(), org_domains[0]),
        };
        mail_from
            .parse::<lettre::message::Mailbox>()
            .with_context(|| format!("SECURITY_INFO_MAIL_FROM: `{mail_from}` is not a mailbox"))?;
        if let Some(url) = &self.smtp_url {
            let url = url.expose();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                bail!("SECURITY_INFO_SMTP_URL must start with smtp:// or smtps://");
            }
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
                .map_err(|_| anyhow::anyhow!("SECURITY_INFO_SMTP_URL is not a valid SMTP URL"))?;
        }
        // Characters, as documented (not bytes: 16 two-byte letters are not 32 characters).
        if let Some(secret) = &self.code_secret
            && secret.expose().chars().count() < 32
        {
            bail!("SECURITY_INFO_CODE_SECRET must be at least 32 characters");
        }
        let public_origin = self
            .public_origin
            .filter(|o| !o.trim().is_empty())
            .map(|o| parse_origin(&o, "SECURITY_INFO_PUBLIC_ORIGIN"))
            .transpose()?;
        if self.listen.ip().is_unspecified() && public_origin.is_none() {
            bail!(
                "SECURITY_INFO_LISTEN {} listens on every address: set SECURITY_INFO_PUBLIC_ORIGIN \
                 to the address browsers use (e.g. https://security.contoso.example), the only name \
                 the server then answers for",
                self.listen
            );
        }
        let embed_origins = self
            .embed_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| parse_origin(o, "SECURITY_INFO_EMBED_ORIGINS"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let webauthn_aaguids = self
            .webauthn_aaguids
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| {
                webauthn_rs::prelude::Uuid::parse_str(a).map_err(|_| {
                    anyhow::anyhow!(
                        "SECURITY_INFO_WEBAUTHN_AAGUIDS: {a:?} is not an AAGUID \
                         (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let webauthn_rp_id = self
            .webauthn_rp_id
            .map(|id| id.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|id| !id.is_empty());
        let trusted_proxies =
            TrustedProxies::parse(&self.trusted_proxies, "SECURITY_INFO_TRUSTED_PROXIES")?;
        let code_validity = duration_setting(
            self.code_ttl_seconds,
            "SECURITY_INFO_CODE_TTL_SECONDS",
            policy::MAX_CODE_VALIDITY,
        )?;
        let resend_cooldown = duration_setting(
            self.resend_cooldown_seconds,
            "SECURITY_INFO_RESEND_COOLDOWN_SECONDS",
            policy::MAX_RESEND_COOLDOWN,
        )?;
        let outbox_lease = duration_setting(
            self.outbox_lease_seconds,
            "SECURITY_INFO_OUTBOX_LEASE_SECONDS",
            Duration::hours(1),
        )?;
        let step_up_window = duration_setting(
            self.step_up_seconds,
            "SECURITY_INFO_STEP_UP_SECONDS",
            policy::MAX_STEP_UP_WINDOW,
        )?;
        if !(1..=MAX_AUDIT_RETENTION_DAYS).contains(&self.audit_retention_days) {
            bail!(
                "SECURITY_INFO_AUDIT_RETENTION_DAYS must be a number of days from 1 to {MAX_AUDIT_RETENTION_DAYS} (got {})",
                self.audit_retention_days
            );
        }
        let audit_retention = Duration::days(self.audit_retention_days);
        let connections = ConnectionLimits {
            header_timeout: timeout_setting(
                self.header_timeout_seconds,
                "SECURITY_INFO_HEADER_TIMEOUT_SECONDS",
            )?,
            body_timeout: timeout_setting(
                self.body_timeout_seconds,
                "SECURITY_INFO_BODY_TIMEOUT_SECONDS",
            )?,
            max_connections: self.max_connections,
        };
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            bail!(
                "SECURITY_INFO_MAX_CONNECTIONS must be from 1 to {MAX_CONNECTIONS} (got {})",
                self.max_connections
            );
        }
        let url = self.database_url.expose();
        if !url.starts_with("sqlite:") && !crate::store::postgres::is_postgres_url(url) {
            bail!("SECURITY_INFO_DATABASE_URL must be a sqlite: or postgres:// URL");
        }
        if self.questions_to_answer > self.questions_to_register {
            bail!(
                "SECURITY_INFO_QUESTIONS_TO_ANSWER ({}) cannot be more than \
                 SECURITY_INFO_QUESTIONS_TO_REGISTER ({})",
                self.questions_to_answer,
                self.questions_to_register
            );
        }
        if self.org_name.trim().is_empty() {
            bail!("SECURITY_INFO_ORG_NAME must not be empty");
        }
        for (value, variable) in [
            (
                self.resets_per_username_per_hour,
                "SECURITY_INFO_RESETS_PER_USERNAME_PER_HOUR",
            ),
            (
                self.resets_per_address_per_hour,
                "SECURITY_INFO_RESETS_PER_ADDRESS_PER_HOUR",
            ),
        ] {
            if !(1..=policy::MAX_PHONE_CODE_LIMIT).contains(&value) {
                bail!(
                    "{variable} must be from 1 to {}",
                    policy::MAX_PHONE_CODE_LIMIT
                );
            }
        }
        if !(1..=2).contains(&self.reset_gates) {
            bail!("SECURITY_INFO_RESET_GATES must be 1 or 2");
        }
        if !(crate::domain::password_policy::LOWEST_MIN_LENGTH..=64)
            .contains(&self.password_min_length)
        {
            bail!("SECURITY_INFO_PASSWORD_MIN_LENGTH must be from 8 to 64");
        }
        if self.password_min_score > 4 {
            bail!("SECURITY_INFO_PASSWORD_MIN_SCORE must be from 0 to 4");
        }
        let issuer = self
            .oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty());
        let oidc_sign_in = match (issuer, self.oidc_client_id, self.oidc_client_secret) {
            (Some(issuer), Some(client_id), Some(client_secret)) => {
                check_issuer(issuer)?;
                let client_id = client_id.trim().to_owned();
                if client_id.is_empty() || client_id.chars().any(char::is_control) {
                    bail!("SECURITY_INFO_OIDC_CLIENT_ID must not be empty");
                }
                if client_secret.expose().is_empty() {
                    bail!("SECURITY_INFO_OIDC_CLIENT_SECRET must not be empty");
                }
                Some(OidcClient {
                    issuer: issuer.to_owned(),
                    client_id,
                    client_secret,
                })
            }
            _ => None,
        };
        if !self.password_sign_in && oidc_sign_in.is_none() {
            bail!(
                "SECURITY_INFO_PASSWORD_SIGN_IN=false needs another way to sign in: \
                 SECURITY_INFO_OIDC_CLIENT_ID and SECURITY_INFO_OIDC_CLIENT_SECRET"
            );
        }
        let oidc = match (issuer, self.oidc_audience) {
            (Some(issuer), Some(audience)) => Some(parse_oidc(issuer, audience.trim())?),
            (None, Some(_)) => bail!("SECURITY_INFO_OIDC_AUDIENCE needs SECURITY_INFO_OIDC_ISSUER"),
            (Some(_), None) if oidc_sign_in.is_none() => bail!(
                "SECURITY_INFO_OIDC_ISSUER needs SECURITY_INFO_OIDC_AUDIENCE (a portal's tokens), \
                 SECURITY_INFO_OIDC_CLIENT_ID and _SECRET (sign-in), or both"
            ),
            _ => None,
        };
        let ldap = self.ldap.validate()?;
        let sms_gateway = match (self.sms_gateway_url, self.sms_gateway_secret) {
            (Some(url), secret) if !url.trim().is_empty() => {
                let secret = secret
                    .filter(|s| s.expose().chars().count() >= 32)
                    .context(
                        "SECURITY_INFO_SMS_GATEWAY_SECRET must be set, at least 32 characters, \
                     with SECURITY_INFO_SMS_GATEWAY_URL",
                    )?;
                crate::sms::gateway::HttpGateway::new(url.trim(), secret.clone())?;
                Some(SmsGateway {
                    url: Secret::new(url.trim().to_owned()),
                    secret,
                })
            }
            _ => None,
        };
        // Only where mail goes to the development mailbox too: a production server with SMTP
        // never starts keeping codes in memory because a development flag was left on.
        let dev_phone_outbox = sms_gateway.is_none() && self.smtp_url.is_none() && self.dev_mailbox;
        let allowed_methods = match &self.allowed_methods {
            // Unset: phones only where their codes can go somewhere.
            None if sms_gateway.is_none() && !dev_phone_outbox => allowed_methods
                .into_iter()
                .filter(|t| *t != MethodType::Phone)
                .collect(),
            _ => allowed_methods,
        };
        if allowed_methods.contains(&MethodType::Phone)
            && sms_gateway.is_none()
            && !dev_phone_outbox
        {
            bail!(
                "SECURITY_INFO_ALLOWED_METHODS has `phone` but there is no SECURITY_INFO_SMS_GATEWAY_URL \
                 to send its texts and calls (or, on a development machine, SECURITY_INFO_DEV_MAILBOX=true)"
            );
        }
        let phone_regions =
            AllowedRegions::parse(&self.phone_regions, "SECURITY_INFO_PHONE_REGIONS")?;
        let phone_limits = PhoneCodeLimits {
            per_number_per_hour: limit_setting(
                self.phone_codes_per_number_per_hour,
                "SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_HOUR",
            )?,
            per_number_per_day: limit_setting(
                self.phone_codes_per_number_per_day,
                "SECURITY_INFO_PHONE_CODES_PER_NUMBER_PER_DAY",
            )?,
            per_account_per_hour: limit_setting(
                self.phone_codes_per_account_per_hour,
                "SECURITY_INFO_PHONE_CODES_PER_ACCOUNT_PER_HOUR",
            )?,
            per_address_per_hour: limit_setting(
                self.phone_codes_per_address_per_hour,
                "SECURITY_INFO_PHONE_CODES_PER_ADDRESS_PER_HOUR",
            )?,
            per_hour: limit_setting(
                self.phone_codes_per_hour,
                "SECURITY_INFO_PHONE_CODES_PER_HOUR",
            )?,
        };
        // Last, so a wrong setting is reported first: without SMTP, mail (and its codes) would
        // go nowhere a user sees, so the development mailbox must be asked for explicitly.
        if self.smtp_url.is_none() && !self.dev_mailbox {
            bail!(
                "no SECURITY_INFO_SMTP_URL: set it to send mail, or, on a development machine only, \
                 SECURITY_INFO_DEV_MAILBOX=true to keep mail (codes included) at /dev/mailbox"
            );
        }
        Ok(Settings {
            listen: self.listen,
            dist_dir: self.dist_dir,
            database_url: self.database_url,
            dev_mailbox: self.smtp_url.is_none(),
            smtp_url: self.smtp_url,
            mail_from,
            org_name: self.org_name.trim().to_owned(),
            org_domains,
            allowed_methods,
            questions_to_register: self.questions_to_register,
            questions_to_answer: self.questions_to_answer,
            own_questions: self.own_questions,
            sms_gateway,
            dev_phone_outbox,
            phone_regions,
            phone_limits,
            code_length: self.code_length,
            code_secret: self.code_secret,
            code_validity,
            resend_cooldown,
            outbox_lease,
            step_up_window,
            audit_retention,
            public_origin,
            webauthn_rp_id,
            webauthn_aaguids,
            embed_origins,
            embed_cookie: self.embed_cookie,
            two_step: self.two_step,
            reset_gates: self.reset_gates,
            reset_limits: crate::store::ResetLimits {
                per_username: self.resets_per_username_per_hour,
                per_address: self.resets_per_address_per_hour,
                in_all: crate::domain::policy::RESETS_PER_HOUR,
            },
            password_policy: crate::domain::password_policy::PasswordPolicy {
                min_length: self.password_min_length,
                min_score: self.password_min_score,
            },
            oidc_sign_in,
            password_sign_in: self.password_sign_in,
            ldap,
            trusted_proxies,
            oidc,
            connections,
            demo_accounts: self.demo_accounts,
            demo_password: self.demo_password,
        })
    }
}

/// A number of seconds from 1 to `max`, as a duration; 0 (which would make every code or
/// change fail at once) and anything longer than the security baseline allows are refused.
fn duration_setting(seconds: i64, variable: &str, max: Duration) -> anyhow::Result<Duration> {
    if !(1..=max.whole_seconds()).contains(&seconds) {
        bail!(
            "{variable} must be a number of seconds from 1 to {} (got {seconds})",
            max.whole_seconds()
        );
    }
    Ok(Duration::seconds(seconds))
}

/// A count limit from 1 to [`policy::MAX_PHONE_CODE_LIMIT`] (0 would refuse every code).
fn limit_setting(value: u32, variable: &str) -> anyhow::Result<u32> {
    if !(1..=policy::MAX_PHONE_CODE_LIMIT).contains(&value) {
        bail!(
            "{variable} must be a number from 1 to {} (got {value})",
            policy::MAX_PHONE_CODE_LIMIT
        );
    }
    Ok(value)
}

/// The most connections `SECURITY_INFO_MAX_CONNECTIONS` may allow.
const MAX_CONNECTIONS: usize = 100_000;
/// Bounds of the connection timeouts, in seconds.
const TIMEOUT_SECONDS: std::ops::RangeInclusive<f64> = 0.1..=300.0;

/// A connection timeout in seconds, decimals allowed (tests use fractions of a second).
fn timeout_setting(seconds: f64, variable: &str) -> anyhow::Result<std::time::Duration> {
    if !TIMEOUT_SECONDS.contains(&seconds) {
        bail!(
            "{variable} must be a number of seconds from {} to {} (got {seconds})",
            TIMEOUT_SECONDS.start(),
            TIMEOUT_SECONDS.end()
        );
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Checks the OpenID Connect issuer and audience.
fn parse_oidc(issuer: &str, audience: &str) -> anyhow::Result<OidcSettings> {
    check_issuer(issuer)?;
    if audience.is_empty() || audience.chars().any(char::is_whitespace) {
        bail!("SECURITY_INFO_OIDC_AUDIENCE must be one identifier without spaces");
    }
    Ok(OidcSettings {
        issuer: issuer.to_owned(),
        audience: audience.to_owned(),
    })
}

/// Checks the OpenID Connect issuer: an https URL (http on a loopback address) with nothing
/// but a path.
fn check_issuer(issuer: &str) -> anyhow::Result<()> {
    let url = url::Url::parse(issuer)
        .map_err(|_| anyhow::anyhow!("SECURITY_INFO_OIDC_ISSUER: `{issuer}` is not a URL"))?;
    if !fetchable(&url) {
        bail!(
            "SECURITY_INFO_OIDC_ISSUER: `{issuer}` must be https (http only on a loopback address)"
        );
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        bail!("SECURITY_INFO_OIDC_ISSUER: `{issuer}` must have no query, fragment or user");
    }
    Ok(())
}

/// Parses an origin strictly: `http(s)://host[:port]` with nothing else (no user, path, query,
/// fragment or wildcard), and returns its ASCII serialization (lower case, punycode host,
/// default port dropped), the exact form browsers send in `Origin` and compare in
/// `frame-ancestors`. Anything that could smuggle another CSP directive (`;`, spaces, quotes)
/// is refused here, before it could reach a header.
pub fn parse_origin(input: &str, variable: &str) -> anyhow::Result<String> {
    let trimmed = input.trim();
    let shape = || {
        anyhow::anyhow!(
            "{variable}: `{input}` must be an origin like https://host[:port] (no path, no wildcard)"
        )
    };
    if trimmed.contains(['*', ';', ',', ' ', '\'', '"', '\\', '?', '#', '@']) {
        return Err(shape());
    }
    let url = url::Url::parse(trimmed).map_err(|_| shape())?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("{variable}: `{input}` must start with http:// or https://");
    }
    let authority = trimmed.split_once("://").map_or("", |(_, rest)| rest);
    let bare = match authority.find('/') {
        None => true,
        Some(slash) => slash + 1 == authority.len(),
    };
    if !bare || url.path() != "/" || url.host().is_none() {
        return Err(shape());
    }
    let origin = url.origin().ascii_serialization();
    if origin == "null" {
        return Err(shape());
    }
    Ok(origin)
}

/// The method types of `SECURITY_INFO_ALLOWED_METHODS`: unset, every implemented type but
/// security questions (NIST SP 800-63B and OWASP ASVS advise against knowledge-based answers,
/// so an organization turns them on knowingly); a name this server does not implement is a
/// start-up error, not a silently missing method.
fn allowed_methods(names: Option<&[String]>) -> anyhow::Result<Vec<MethodType>> {
    let implemented = crate::methods::Methods::new().types();
    let Some(names) = names else {
        return Ok(implemented
            .into_iter()
            .filter(|t| *t != MethodType::SecurityQuestions)
            .collect());
    };
    let known = || MethodType::ALL.map(MethodType::as_str).join(", ");
    let mut allowed = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let method = MethodType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
            .with_context(|| {
                format!(
                    "SECURITY_INFO_ALLOWED_METHODS: unknown method type `{name}` (known: {})",
                    known()
                )
            })?;
        anyhow::ensure!(
            implemented.contains(&method),
            "SECURITY_INFO_ALLOWED_METHODS: `{name}` is not available in this version (available: {})",
            implemented
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !allowed.contains(&method) {
            allowed.push(method);
        }
    }
    Ok(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<Settings> {
        let mut all = vec!["security-info-server", "--dev-mailbox"];
        all.extend_from_slice(args);
        Config::try_parse_from(all)?.validate()
    }

    #[test]
    fn the_defaults_are_valid() {
        let settings = parse(&[]).expect("valid");
        assert_eq!(
            settings.allowed_methods,
            vec![
                MethodType::AuthenticatorApp,
                MethodType::Phone,
                MethodType::SecurityKey,
                MethodType::Email
            ]
        );
        assert!(
            settings.dev_phone_outbox,
            "no gateway: texts in the dev mailbox"
        );
        assert!(settings.phone_regions.allows(44));
        assert_eq!(settings.phone_limits.per_number_per_hour, 3);
        assert!(settings.webauthn_aaguids.is_empty());
        assert_eq!(settings.webauthn_rp_id, None);
        assert_eq!(settings.mail_from, "Contoso <no-reply@contoso.example>");
        assert_eq!(settings.code_length, 6);
        assert_eq!(settings.code_validity, Duration::minutes(10));
        assert_eq!(settings.step_up_window, Duration::minutes(10));
        assert_eq!(
            settings.connections,
            ConnectionLimits {
                header_timeout: std::time::Duration::from_secs(10),
                body_timeout: std::time::Duration::from_secs(10),
                max_connections: 1024,
            }
        );
    }

    #[test]
    fn connection_limits_are_settable_within_bounds() {
        let settings = parse(&[
            "--header-timeout-seconds",
            "0.25",
            "--body-timeout-seconds",
            "300",
            "--max-connections",
            "3",
        ])
        .expect("valid");
        assert_eq!(
            settings.connections.header_timeout,
            std::time::Duration::from_millis(250)
        );
        assert_eq!(
            settings.connections.body_timeout,
            std::time::Duration::from_secs(300)
        );
        assert_eq!(settings.connections.max_connections, 3);
        for (flag, value) in [
            ("--header-timeout-seconds", "0"),
            ("--header-timeout-seconds", "NaN"),
            ("--header-timeout-seconds", "inf"),
            ("--body-timeout-seconds", "301"),
            ("--body-timeout-seconds", "-1"),
            ("--max-connections", "0"),
            ("--max-connections", "100001"),
        ] {
            assert!(parse(&[flag, value]).is_err(), "{flag} {value}");
        }
    }

    #[test]
    fn code_validity_and_step_up_window_are_settable_within_bounds() {
        let settings = parse(&[
            "--code-ttl-seconds",
            "3",
            "--step-up-seconds",
            "43200",
            "--resend-cooldown-seconds",
            "600",
        ])
        .expect("valid");
        assert_eq!(settings.code_validity, Duration::seconds(3));
        assert_eq!(settings.step_up_window, Duration::hours(12));
        assert_eq!(settings.resend_cooldown, Duration::minutes(10));
        for (flag, value) in [
            ("--code-ttl-seconds", "0"),
            ("--code-ttl-seconds", "-5"),
            ("--code-ttl-seconds", "3601"),
            ("--code-ttl-seconds", "ten"),
            ("--step-up-seconds", "0"),
            ("--step-up-seconds", "43201"),
            ("--step-up-seconds", "99999999999999999999"),
            ("--resend-cooldown-seconds", "0"),
            ("--resend-cooldown-seconds", "601"),
        ] {
            assert!(parse(&[flag, value]).is_err(), "{flag} {value}");
        }
        let error = parse(&["--code-ttl-seconds", "0"]).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "SECURITY_INFO_CODE_TTL_SECONDS must be a number of seconds from 1 to 3600 (got 0)"
        );
    }

    #[test]
    fn audit_events_are_kept_400_days_unless_configured_within_bounds() {
        assert_eq!(
            parse(&[]).expect("valid").audit_retention,
            Duration::days(400)
        );
        let settings = parse(&["--audit-retention-days", "30"]).expect("valid");
        assert_eq!(settings.audit_retention, Duration::days(30));
        for bad in ["0", "-1", "36501", "forever"] {
            assert!(parse(&["--audit-retention-days", bad]).is_err(), "{bad}");
        }
        let error = parse(&["--audit-retention-days", "0"]).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "SECURITY_INFO_AUDIT_RETENTION_DAYS must be a number of days from 1 to 36500 (got 0)"
        );
    }

    #[test]
    fn bad_settings_are_refused_at_start() {
        assert!(parse(&["--code-length", "5"]).is_err());
        assert!(parse(&["--code-length", "11"]).is_err());
        assert!(parse(&["--allowed-methods", "pigeon"]).is_err());
        assert!(parse(&["--public-origin", "https://x.example/path"]).is_err());
        assert!(parse(&["--smtp-url", "http://mail.example"]).is_err());
        assert!(parse(&["--code-secret", "short"]).is_err());
        assert!(parse(&["--embed-origins", "*"]).is_err());
    }

    #[test]
    fn listening_on_every_address_needs_a_public_origin() {
        let error = parse(&["--listen", "0.0.0.0:8080"]).expect_err("refused");
        assert!(
            error
                .to_string()
                .contains("set SECURITY_INFO_PUBLIC_ORIGIN"),
            "{error}"
        );
        assert!(parse(&["--listen", "[::]:8080"]).is_err());
        assert!(
            parse(&[
                "--listen",
                "0.0.0.0:8080",
                "--public-origin",
                "https://security.contoso.example"
            ])
            .is_ok()
        );
        assert!(parse(&["--listen", "192.0.2.10:8080"]).is_ok());
    }

    #[test]
    fn security_questions_ask_at_most_as_many_as_were_registered() {
        let settings = parse(&[]).expect("valid");
        assert_eq!(
            (settings.questions_to_register, settings.questions_to_answer),
            (3, 2)
        );
        assert!(!settings.own_questions);
        assert!(parse(&["--questions-to-register", "2"]).is_err());
        assert!(parse(&["--questions-to-register", "6"]).is_err());
        assert!(parse(&["--questions-to-answer", "0"]).is_err());
        let error = parse(&["--questions-to-answer", "4"]).expect_err("more than registered");
        assert!(
            error.to_string().contains("QUESTIONS_TO_REGISTER"),
            "{error}"
        );
        assert!(parse(&["--questions-to-register", "5", "--questions-to-answer", "5"]).is_ok());
    }

    #[test]
    fn the_code_secret_is_counted_in_characters() {
        // 31 characters, 62 bytes: too short, whatever its size in bytes.
        let short = "é".repeat(31);
        assert!(parse(&["--code-secret", &short]).is_err());
        let long = "é".repeat(32);
        assert!(parse(&["--code-secret", &long]).is_ok());
    }

    #[test]
    fn the_oidc_provider_needs_an_issuer_and_an_audience() {
        assert_eq!(parse(&[]).expect("valid").oidc, None);
        let settings = parse(&[
            "--oidc-issuer",
            "https://login.contoso.example/realms/staff",
            "--oidc-audience",
            "https://security.contoso.example",
        ])
        .expect("valid");
        assert_eq!(
            settings.oidc.expect("configured").issuer,
            "https://login.contoso.example/realms/staff"
        );
        assert!(parse(&["--oidc-issuer", "https://login.contoso.example"]).is_err());
        assert!(parse(&["--oidc-audience", "security"]).is_err());
        // Sign-in with the provider: a client id and secret, with or without an audience.
        let client = [
            "--oidc-issuer",
            "https://login.contoso.example",
            "--oidc-client-id",
            "security-info",
            "--oidc-client-secret",
            "s3cret",
        ];
        let settings = parse(&client).expect("valid");
        assert_eq!(settings.oidc, None, "no bearer tokens without an audience");
        assert_eq!(
            settings.oidc_sign_in.expect("sign-in").client_id,
            "security-info"
        );
        assert!(parse(&client[..4]).is_err(), "a client id needs its secret");
        assert!(parse(&client[2..]).is_err(), "a client id needs the issuer");
        let mut no_passwords = client.to_vec();
        no_passwords.extend(["--password-sign-in", "false"]);
        assert!(!parse(&no_passwords).expect("valid").password_sign_in);
        assert!(
            parse(&["--password-sign-in", "false"]).is_err(),
            "nobody could sign in"
        );
        for issuer in [
            "http://login.contoso.example",
            "login.contoso.example",
            "https://x.example/?a=b",
        ] {
            assert!(
                parse(&["--oidc-issuer", issuer, "--oidc-audience", "a"]).is_err(),
                "{issuer}"
            );
        }
        assert!(
            parse(&[
                "--oidc-issuer",
                "http://127.0.0.1:4444",
                "--oidc-audience",
                "a"
            ])
            .is_ok()
        );
        assert!(
            parse(&[
                "--oidc-issuer",
                "https://x.example",
                "--oidc-audience",
                "a b"
            ])
            .is_err()
        );
    }

    #[test]
    fn origins_are_exact_and_normalized() {
        let ok = |input: &str| parse_origin(input, "X").expect(input);
        assert_eq!(
            ok("https://Portal.Contoso.Example/"),
            "https://portal.contoso.example"
        );
        assert_eq!(
            ok("https://portal.contoso.example:443"),
            "https://portal.contoso.example"
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            ok("https://bücher.example"),
            "https://xn--bcher-kva.example"
        );
        assert_eq!(ok("http://[::1]:3000"), "http://[::1]:3000");
        for bad in [
            "*",
            "https://*.contoso.example",
            "https://portal.contoso.example/path",
            "https://portal.contoso.example/?q",
            "https://portal.contoso.example#x",
            "https://user@portal.contoso.example",
            "https://portal.contoso.example; script-src *",
            "https://portal.contoso.example 'unsafe-inline'",
            "portal.contoso.example",
            "ftp://portal.contoso.example",
            "https://",
            "https://portal.contoso.example:99999",
            "'self'",
            "data:",
        ] {
            assert!(parse_origin(bad, "X").is_err(), "{bad} must be refused");
        }
    }

    /// Parses without the development mailbox, with SMTP.
    fn parse_with_smtp(args: &[&str]) -> anyhow::Result<Settings> {
        let mut all = vec![
            "security-info-server",
            "--smtp-url",
            "smtp://127.0.0.1:2525",
        ];
        all.extend_from_slice(args);
        Config::try_parse_from(all)?.validate()
    }

    #[test]
    fn phones_need_a_gateway_or_the_development_mailbox() {
        const SECRET: &str = "a-gateway-secret-of-32-characters!";
        // With SMTP but no gateway, phones are left out by default and refused when asked for.
        let settings = parse_with_smtp(&[]).expect("valid");
        assert!(!settings.allowed_methods.contains(&MethodType::Phone));
        assert!(!settings.dev_phone_outbox);
        let error = parse_with_smtp(&["--allowed-methods", "email,phone"])
            .expect_err("no gateway")
            .to_string();
        assert!(error.contains("SECURITY_INFO_SMS_GATEWAY_URL"), "{error}");
        // With a gateway, they are on by default.
        let gateway = ["--sms-gateway-url", "https://sms.contoso.example/send"];
        let with_secret = [gateway[0], gateway[1], "--sms-gateway-secret", SECRET];
        let settings = parse_with_smtp(&with_secret).expect("valid");
        assert!(settings.allowed_methods.contains(&MethodType::Phone));
        assert!(settings.sms_gateway.is_some());
        // The gateway's secret is required and long; its URL is http(s).
        for (args, names) in [
            (&gateway[..], "SECURITY_INFO_SMS_GATEWAY_SECRET"),
            (
                &[gateway[0], gateway[1], "--sms-gateway-secret", "short"][..],
                "SECURITY_INFO_SMS_GATEWAY_SECRET",
            ),
            (
                &[
                    "--sms-gateway-url",
                    "ftp://sms.contoso.example",
                    "--sms-gateway-secret",
                    SECRET,
                ][..],
                "SECURITY_INFO_SMS_GATEWAY_URL",
            ),
        ] {
            let error = parse_with_smtp(args).expect_err(names).to_string();
            assert!(error.contains(names), "{error}");
        }
    }

    #[test]
    fn phone_limits_and_regions_are_checked() {
        for variable in [
            "--phone-codes-per-number-per-hour",
            "--phone-codes-per-number-per-day",
            "--phone-codes-per-account-per-hour",
            "--phone-codes-per-address-per-hour",
            "--phone-codes-per-hour",
        ] {
            let error = parse(&[variable, "0"]).expect_err(variable).to_string();
            let name = variable
                .trim_start_matches("--")
                .replace('-', "_")
                .to_uppercase();
            assert!(error.contains(&name), "{error}");
            assert!(parse(&[variable, "2"]).is_ok());
        }
        let settings = parse(&["--phone-regions", "31,+32"]).expect("valid");
        assert!(settings.phone_regions.allows(32) && !settings.phone_regions.allows(44));
        let error = parse(&["--phone-regions", "NL"])
            .expect_err("not a code")
            .to_string();
        assert!(error.contains("SECURITY_INFO_PHONE_REGIONS"), "{error}");
    }

    #[test]
    fn method_types_are_named_as_on_the_wire_and_must_be_implemented() {
        let settings = parse(&["--allowed-methods", " Email ,email"]).expect("valid");
        assert_eq!(settings.allowed_methods, vec![MethodType::Email]);
        let settings = parse(&["--allowed-methods", "email,AuthenticatorApp"]).expect("valid");
        assert_eq!(
            settings.allowed_methods,
            vec![MethodType::Email, MethodType::AuthenticatorApp]
        );
        let unknown = parse(&["--allowed-methods", "email,carrierPigeon"])
            .expect_err("unknown type")
            .to_string();
        assert!(unknown.contains("carrierPigeon") && unknown.contains("securityQuestions"));
        // Security questions exist, but only when asked for.
        assert!(
            !parse(&[])
                .expect("valid")
                .allowed_methods
                .contains(&MethodType::SecurityQuestions)
        );
        let settings = parse(&["--allowed-methods", "email,securityQuestions"]).expect("valid");
        assert_eq!(
            settings.allowed_methods,
            vec![MethodType::Email, MethodType::SecurityQuestions]
        );
    }

    #[test]
    fn organization_domains_are_kept_in_canonical_form() {
        let settings = parse(&[
            "--org-domains",
            " @Contoso.Example, ＦＡＢＲＩＫＡＭ.example,xn--bcher-kva.example",
        ])
        .expect("valid");
        assert_eq!(
            settings.org_domains,
            ["contoso.example", "fabrikam.example", "bücher.example"]
        );
        assert!(parse(&["--org-domains", "xn--a.example"]).is_err());
        assert!(parse(&["--org-domains", ","]).is_err());
    }

    #[test]
    fn mail_goes_to_smtp_or_to_a_development_mailbox_asked_for() {
        let error = Config::try_parse_from(["security-info-server"])
            .expect("parses")
            .validate()
            .expect_err("refused");
        assert!(
            error.to_string().contains("SECURITY_INFO_DEV_MAILBOX=true"),
            "{error}"
        );
        assert!(parse(&[]).expect("valid").dev_mailbox);
        let smtp = parse(&["--smtp-url", "smtp://mail.example"]).expect("valid");
        assert!(!smtp.dev_mailbox, "SMTP wins");
    }

    #[test]
    fn an_empty_method_list_allows_none() {
        let settings = parse(&["--allowed-methods", ""]).expect("valid");
        assert!(settings.allowed_methods.is_empty());
    }

    #[test]
    fn secrets_never_print() {
        let settings = parse(&["--smtp-url", "smtp://user:hunter2@mail.example"]).expect("valid");
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
