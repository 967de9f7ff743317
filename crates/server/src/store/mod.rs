//! Persistence behind one trait, so handlers never see SQL and a PostgreSQL implementation can
//! follow. Every method that changes several rows does so in one transaction; rules that must
//! hold under concurrency (rate limits, attempt counts) are checked inside that transaction.

mod files;
pub mod method_cache;
mod records;
mod retention;
pub mod sqlite;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use records::*;
pub use retention::{RetentionPolicy, SweepCounts};

/// The database, as the rest of the server sees it. Failures of the database itself are
/// `anyhow::Error`s; outcomes a client can cause are returned as values.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Succeeds when the database answers (readiness).
    async fn ping(&self) -> anyhow::Result<()>;

    /// The named server secret, created from `generate` the first time.
    async fn server_secret(&self, name: &str, generate: Vec<u8>) -> anyhow::Result<Vec<u8>>;

    /// Creates the account when no account has its user principal name; otherwise replaces
    /// its display name and, when given, its password hash.
    async fn upsert_account(
        &self,
        account: &NewAccount,
        replace_password: bool,
    ) -> anyhow::Result<()>;

    /// The account with this user principal name (case-insensitive).
    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRecord>>;

    /// The account of the external identity, created on first use from `profile` (its id,
    /// principal name and display name; no password). On later uses the display name follows
    /// `profile`, and the principal name too unless another account has it.
    async fn external_account(
        &self,
        identity: &ExternalIdentity,
        profile: &NewAccount,
    ) -> anyhow::Result<ExternalAccountOutcome>;

    /// Failed sign-ins for `username` and from `ip_address` since `since`, with the oldest
    /// failure of each (for `Retry-After`).
    async fn failed_sign_ins(
        &self,
        username: &str,
        ip_address: Option<&str>,
        since: OffsetDateTime,
    ) -> anyhow::Result<FailedSignIns>;

    /// Records a failed sign-in (and its audit event when the account exists).
    async fn record_failed_sign_in(
        &self,
        username: &str,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()>;

    /// Records a successful sign-in: the attempt, the new session, the account's language
    /// and the audit event.
    async fn create_session(
        &self,
        session: &NewSession,
        language: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()>;

    /// The session whose token hashes to `token_hash`.
    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<SessionRecord>>;

    /// The session whose token hashes to `token_hash`, with its account, in one query: this
    /// runs on every signed-in request.
    async fn session_with_account(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<(SessionRecord, AccountRecord)>>;

    /// Marks the session used now (idle timeout).
    async fn touch_session(&self, session_id: &str, at: OffsetDateTime) -> anyhow::Result<()>;

    /// Marks the session freshly authenticated (step-up).
    async fn reauthenticate_session(
        &self,
        session_id: &str,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()>;

    /// Destroys the session (sign-out, or expiry with `audit` = `None`).
    async fn delete_session(
        &self,
        session_id: &str,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()>;

    /// The account's methods, oldest first.
    async fn list_methods(&self, account_id: &str) -> anyhow::Result<Vec<MethodRecord>>;

    /// Deletes one of the account's methods, with its audit event and notification.
    /// Returns the deleted method, `None` when the account has no such method.
    async fn delete_method(
        &self,
        account_id: &str,
        method_id: &str,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>>;

    /// Starts a registration with its first code and mail, superseding the account's other
    /// pending registrations, unless a code limit is reached.
    async fn start_email_registration(
        &self,
        registration: &NewEmailRegistration,
        code: &NewVerificationCode,
        mail: &NewOutboxMessage,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// The account's registration with this id, with its newest code.
    async fn email_registration(
        &self,
        account_id: &str,
        registration_id: &str,
    ) -> anyhow::Result<Option<EmailRegistrationRecord>>;

    /// Adds a new code (the previous one stops working) and its mail to a pending
    /// registration, unless the cooldown or a limit says no.
    async fn add_verification_code(
        &self,
        code: &NewVerificationCode,
        mail: &NewOutboxMessage,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// Counts one wrong code if the registration is still pending with `seen_attempts`
    /// failures; with `lock`, voids it. Returns false when someone else changed it first.
    async fn record_failed_verification(
        &self,
        registration_id: &str,
        seen_attempts: u32,
        lock: bool,
        audits: &[NewAuditEvent],
    ) -> anyhow::Result<bool>;

    /// Completes a pending registration: adds the method, with audit event and notification.
    async fn complete_email_registration(
        &self,
        registration_id: &str,
        method: &NewMethod,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<CompleteOutcome>;

    /// The account's audit trail, newest first.
    async fn list_activity(
        &self,
        account_id: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<AuditEventRecord>>;

    /// Outbox messages due for (another) delivery attempt, oldest first.
    async fn due_outbox_messages(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> anyhow::Result<Vec<OutboxRecord>>;

    /// Marks messages delivered and erases their sealed secrets, in one write.
    async fn mark_outbox_sent(
        &self,
        message_ids: &[String],
        at: OffsetDateTime,
    ) -> anyhow::Result<()>;

    /// Records a failed delivery: retry at `retry_at`, or give up when it is `None`.
    async fn mark_outbox_failed(
        &self,
        message_id: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        at: OffsetDateTime,
    ) -> anyhow::Result<()>;

    /// Deletes the rows `policy` no longer keeps at `now` (attempts, codes, finished
    /// registrations, sent or failed mail, ended sessions, old audit events); returns how many
    /// of each went.
    async fn sweep(
        &self,
        now: OffsetDateTime,
        policy: &RetentionPolicy,
    ) -> anyhow::Result<SweepCounts>;
}
