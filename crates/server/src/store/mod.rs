//! Persistence behind traits, one per aggregate, so handlers never see SQL and another engine
//! can follow by implementing the same traits. Every method that changes several rows does so
//! in one transaction; rules that must hold under concurrency (rate limits, attempt counts,
//! how many methods an account may have) are checked inside that transaction.
//!
//! Failures of the database itself are `anyhow::Error`s; outcomes a client can cause are
//! returned as values.

mod cached_methods;
mod files;
pub mod ids;
pub mod method_cache;
pub mod postgres;
mod records;
mod retention;
pub mod sqlite;
mod stored_row;
#[cfg(test)]
pub mod test_support;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use cached_methods::{CachedMethods, GENERATION_CHECK_INTERVAL, OUTSIDE_CHANGE_SETTLES};
pub use ids::{AccountId, MethodId, PasswordResetId, RegistrationId, SecondStepId, SessionId};
pub use records::*;
pub use retention::{RetentionPolicy, SweepCounts};

/// The whole database but the method lists (see [`MethodStore`]), as the server sees it.
#[async_trait]
pub trait Store:
    AccountStore
    + OperatorStore
    + SessionStore
    + SecondStepStore
    + PasswordResetStore
    + RegistrationStore
    + OutboxStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    /// Succeeds when the database answers (readiness).
    async fn ping(&self) -> anyhow::Result<()>;

    /// The named server secret, created from `generate` the first time.
    async fn server_secret(&self, name: &str, generate: Vec<u8>) -> anyhow::Result<Vec<u8>>;

    /// Deletes the rows `policy` no longer keeps at `now` (attempts, codes, finished
    /// registrations, sent or failed mail, ended sessions, old audit events); returns how many
    /// of each went.
    async fn sweep(
        &self,
        now: OffsetDateTime,
        policy: &RetentionPolicy,
    ) -> anyhow::Result<SweepCounts>;
}

/// Accounts: built-in ones and those of the identity provider.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account when no account has its user principal name; otherwise replaces
    /// its display name and, when asked, its password hash.
    async fn upsert_account(
        &self,
        account: &NewAccount,
        replace_password: bool,
    ) -> anyhow::Result<()>;

    /// The account with this user principal name (case-insensitive).
    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRecord>>;

    /// The account with this id.
    async fn account(&self, account_id: &AccountId) -> anyhow::Result<Option<AccountRecord>>;

    /// The account of the external identity, created on first use from `profile` (its id,
    /// principal name and display name; no password). On later uses the display name follows
    /// `profile`, and the principal name too unless another account has it.
    async fn external_account(
        &self,
        identity: &ExternalIdentity,
        profile: &NewAccount,
    ) -> anyhow::Result<ExternalAccountOutcome>;
}

/// What operators do to accounts (`security-info-server accounts ...`), from another process
/// than the server's while it runs. Every change here also bumps the store generation (see
/// [`MethodStore::outside_generation`]) in its transaction, so a running server forgets the
/// method lists it keeps in memory; the caller waits [`OUTSIDE_CHANGE_SETTLES`] after it
/// before it ends.
#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// Makes the planned account changes in one transaction, each with its audit event, or
    /// none of them when an account was created or removed since they were planned
    /// ([`PlanOutdated`]).
    async fn apply_account_changes(
        &self,
        changes: &[AccountChange],
    ) -> anyhow::Result<Result<(), PlanOutdated>>;

    /// Disables the account (`Some(at)`) or enables it (`None`) with its audit event. Disabling
    /// also ends its sessions and pending second steps. `None` when it already was so (nothing
    /// changes, nothing is recorded); else how many sessions ended.
    async fn set_account_disabled(
        &self,
        account_id: &AccountId,
        disabled_at: Option<OffsetDateTime>,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Option<u64>>;

    /// Deletes every method of the account, its pending registrations (with their codes), its
    /// recovery codes and pending second steps, and ends its sessions, with the audit event
    /// and, when a method or recovery code was removed, `notice` to the user; all in one
    /// transaction.
    async fn clear_methods(
        &self,
        account_id: &AccountId,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<MethodsCleared>;
}

/// Sessions and the sign-in attempts that create them.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Counts a password check before it runs, so that guesses sent in parallel cannot all
    /// pass a check made before any of them is recorded: in one write transaction, counts the
    /// failed attempts of the last `limits.window` (an attempt not yet resolved counts as
    /// failed) and, unless a limit is reached, inserts this one as failed.
    /// [`SessionStore::create_session`] and [`SessionStore::reauthenticate_session`] mark it succeeded.
    async fn reserve_sign_in_attempt(
        &self,
        attempt: &NewSignInAttempt,
        limits: &SignInLimits,
    ) -> anyhow::Result<Result<SignInCounts, Throttled>>;

    /// Records a failed password check (its attempt already counts as failed): its audit
    /// event when it concerns an account.
    async fn record_failed_sign_in(&self, audit: Option<&NewAuditEvent>) -> anyhow::Result<()>;

    /// Records a successful sign-in: the attempt marked succeeded, the new session, the
    /// account's language and the audit event.
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
    async fn touch_session(&self, session_id: &SessionId, at: OffsetDateTime)
    -> anyhow::Result<()>;

    /// Marks the session freshly authenticated (step-up) under a new token (the old one stops
    /// working), and its sign-in attempt succeeded.
    async fn reauthenticate_session(
        &self,
        session_id: &SessionId,
        token_hash: &str,
        sign_in_attempt_id: &str,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()>;

    /// Destroys the session (sign-out, or expiry with `audit` = `None`).
    async fn delete_session(
        &self,
        session_id: &SessionId,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()>;

    /// Ends every session of the account and records `audit`, in one transaction; returns how
    /// many there were.
    async fn delete_account_sessions(
        &self,
        account_id: &AccountId,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<u64>;
}

/// A code about to be sent for a registration: the code's row and the message carrying it.
#[derive(Debug, Clone)]
pub struct SentCode {
    /// The code (hashed).
    pub code: NewCode,
    /// The message that carries it (the code sealed).
    pub message: NewOutboxMessage,
}

/// What choosing a password reset's email or phone way writes.
#[derive(Debug, Clone)]
pub enum ResetCode {
    /// A code sent to a destination the account registered.
    Sent(SentCode),
    /// For a destination it did not register, or a name without an account: a code row with
    /// no account and a random hash, never delivered and matching no code, counted by the
    /// destination's and the client address's limits like a sent code, so that hitting a
    /// limit tells nothing about the destination.
    Decoy(NewCode),
}

impl ResetCode {
    /// The code row either way.
    pub fn code(&self) -> &NewCode {
        match self {
            Self::Sent(sent) => &sent.code,
            Self::Decoy(code) => code,
        }
    }
}

/// Registrations in progress and the one-time codes sent for them.
#[async_trait]
pub trait RegistrationStore: Send + Sync {
    /// Starts a registration, superseding the account's other pending registrations, with its
    /// first code when its type sends one, unless a code limit is reached.
    async fn start_registration(
        &self,
        registration: &NewRegistration,
        first_code: Option<&SentCode>,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// The account's registration with this id, with its newest code.
    async fn registration(
        &self,
        account_id: &AccountId,
        registration_id: &RegistrationId,
    ) -> anyhow::Result<Option<RegistrationRecord>>;

    /// Adds a new code (the previous one stops working) to a pending registration, unless
    /// the cooldown or a limit says no.
    async fn add_code(
        &self,
        sent: &SentCode,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// Counts one wrong answer if the registration is still pending with `seen_attempts`
    /// failures; with `lock`, voids it. Returns false when someone else changed it first.
    async fn record_failed_answer(
        &self,
        registration_id: &RegistrationId,
        seen_attempts: u32,
        lock: bool,
        audits: &[NewAuditEvent],
    ) -> anyhow::Result<bool>;

    /// Marks a pending registration expired.
    async fn expire_registration(&self, registration_id: &RegistrationId) -> anyhow::Result<()>;
}

/// Second steps of sign-ins and step-ups, and the recovery codes that can pass them.
#[async_trait]
pub trait SecondStepStore: Send + Sync {
    /// Stores a second step (the account's other pending ones of the same purpose end).
    async fn start_second_step(
        &self,
        second_step: &NewSecondStep,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()>;

    /// The second step whose cookie token hashes to `token_hash`, with its newest code.
    async fn second_step_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<SecondStepRecord>>;

    /// Records the way the user picked (`challenge`, JSON) on a pending second step, with the
    /// code it sends if any, unless the cooldown (for a code to the same destination) or a
    /// code limit says no. `LimitHit::NotPending` when the step is no longer pending.
    async fn pick_second_step_way(
        &self,
        second_step_id: &SecondStepId,
        challenge: &str,
        code: Option<&SentCode>,
        audit: Option<&NewAuditEvent>,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// Counts one wrong answer if the step is still pending with `seen_attempts` failures;
    /// with `lock`, ends it; with `forget_way`, the picked way's state goes (a key's challenge
    /// works once). `false` when someone else changed it first.
    async fn record_failed_second_step(
        &self,
        second_step_id: &SecondStepId,
        seen_attempts: u32,
        lock: bool,
        forget_way: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool>;

    /// Passes a pending sign-in's second step: in one transaction, it stops being pending,
    /// its password attempt succeeds and `session` is stored with `audits` (and `notice`, when
    /// a recovery code was used). `false` when it was no longer pending.
    async fn pass_sign_in(
        &self,
        second_step_id: &SecondStepId,
        session: &NewSession,
        audits: &[NewAuditEvent],
        notice: Option<&NewOutboxMessage>,
    ) -> anyhow::Result<bool>;

    /// Passes a pending step-up's second step: in one transaction, it stops being pending, its
    /// password attempt succeeds and its session counts as authenticated at `at` under the new
    /// `token_hash`. `false` when it was no longer pending (or the session is gone).
    async fn pass_step_up(
        &self,
        second_step_id: &SecondStepId,
        token_hash: &str,
        at: OffsetDateTime,
        audits: &[NewAuditEvent],
        notice: Option<&NewOutboxMessage>,
    ) -> anyhow::Result<bool>;

    /// The account's current recovery codes (used ones too).
    async fn recovery_codes(
        &self,
        account_id: &AccountId,
    ) -> anyhow::Result<Vec<RecoveryCodeRecord>>;

    /// Replaces the account's recovery codes with a new set of hashes.
    async fn replace_recovery_codes(
        &self,
        account_id: &AccountId,
        hashes: &[String],
        at: OffsetDateTime,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<()>;

    /// Marks an unused recovery code used. `false` when it was used (or replaced) meanwhile.
    async fn use_recovery_code(
        &self,
        account_id: &AccountId,
        recovery_code_id: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<bool>;

    /// Makes `method_id` the account's default sign-in method, with the change's audit event
    /// and notice.
    async fn set_default_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        audit: &NewAuditEvent,
        notice: &NewOutboxMessage,
    ) -> anyhow::Result<()>;
}

/// Password resets in progress.
#[async_trait]
pub trait PasswordResetStore: Send + Sync {
    /// Starts a reset unless a start limit is reached (resets for the same name, from the same
    /// address, or in all, within an hour): then when the oldest counted leaves its window.
    async fn start_password_reset(
        &self,
        reset: &NewPasswordReset,
        limits: &ResetLimits,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Result<(), Throttled>>;

    /// The reset whose cookie token hashes to `token_hash`, with its newest code.
    async fn password_reset_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<PasswordResetRecord>>;

    /// Records the way chosen (`challenge`, JSON) on a pending reset, with the code it writes
    /// if any (sent or decoy), unless a code limit says no. `LimitHit::NotPending` when it is
    /// no longer pending.
    async fn choose_reset_way(
        &self,
        reset_id: &PasswordResetId,
        challenge: &str,
        code: Option<&ResetCode>,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>>;

    /// Counts one wrong answer if the reset is still pending with `seen_attempts` failures;
    /// with `lock`, ends it; with `forget_way`, the chosen way must be chosen again. `false`
    /// when someone else changed it first.
    async fn record_failed_reset_answer(
        &self,
        reset_id: &PasswordResetId,
        seen_attempts: u32,
        lock: bool,
        forget_way: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool>;

    /// Records a passed gate (`passed`, the JSON list of types passed so far) on a pending
    /// reset, which becomes verified when `verified`; the chosen way is forgotten. `false`
    /// when it was no longer pending.
    async fn pass_reset_gate(
        &self,
        reset_id: &PasswordResetId,
        passed: &str,
        verified: bool,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<bool>;

    /// Sets a verified reset's new password: in one transaction the account gets
    /// `password_hash`, every session of it ends, the reset is completed, and the audit events
    /// and notices are written. `false` when the reset was not verified (or already used).
    async fn complete_password_reset(
        &self,
        reset_id: &PasswordResetId,
        account_id: &AccountId,
        password_hash: &str,
        audit: &NewAuditEvent,
        notices: &[NewOutboxMessage],
    ) -> anyhow::Result<bool>;
}

/// The registered methods. Kept apart from [`Store`] so that any engine's implementation can
/// be wrapped in [`CachedMethods`]; the server reaches methods only through that wrapper.
#[async_trait]
pub trait MethodStore: Send + Sync + 'static {
    /// The store generation: how many times another program (the `accounts` commands, see
    /// [`OperatorStore`]) changed the database. It only grows; a cache of rows read before it
    /// moved may be stale.
    async fn outside_generation(&self) -> anyhow::Result<i64>;

    /// The account's methods, oldest first.
    async fn list_methods(&self, account_id: &AccountId) -> anyhow::Result<Vec<MethodRecord>>;

    /// Completes a pending registration by adding its method, with audit event and
    /// notification, unless the method's slot is taken or the account has `limit` methods of
    /// the type already (then the registration stays pending).
    async fn add_method(
        &self,
        registration_id: &RegistrationId,
        method: &NewMethod,
        limit: u32,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<AddOutcome>;

    /// Deletes one of the account's methods, with its audit event and notification.
    /// Returns the deleted method, `None` when the account has no such method.
    async fn delete_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>>;

    /// Gives one of the account's methods a new name, with its audit event. Returns the
    /// renamed method, `None` when the account has no such method.
    async fn rename_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        name: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<Option<MethodRecord>>;

    /// Counts a check of the account's methods before it runs (see [`MethodCheck`]): in one
    /// write transaction, refuses it when the account's failed checks within `limit.window`
    /// (one not yet resolved counts as failed) reach `limit.failures`, and otherwise records
    /// it as failed. [`MethodStore::use_method`] marks it succeeded.
    async fn reserve_method_check(
        &self,
        check: &MethodCheck,
        limit: &MethodCheckLimit,
    ) -> anyhow::Result<Result<(), Throttled>>;

    /// Records that a method proved its owner's identity with `counter` (an authenticator
    /// app's time step), in one transaction: only if `counter` is after the last one it used,
    /// so the same code never works twice, even for requests sent together. Then its last
    /// use is `at` and the check `method_check_id` succeeded. `false` when the counter is not
    /// after the last one (or the method is gone).
    async fn use_method(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        counter: i64,
        method_check_id: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<bool>;

    /// Records that a security key proved its owner's identity, in one transaction: its
    /// credential (with the new signature counter and backup flags) and `counter` replace the
    /// stored ones only if `counter` is above the stored one (or both are 0: a key without a
    /// counter), its last use is `at` and the check `method_check_id` succeeded. `false` when
    /// it was not recorded (a replayed answer, or the key is gone).
    async fn use_security_key(
        &self,
        account_id: &AccountId,
        method_id: &MethodId,
        credential: &[u8],
        counter: i64,
        method_check_id: &str,
        at: OffsetDateTime,
    ) -> anyhow::Result<bool>;
}

/// The durable outbox of messages to deliver.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Messages due for (another) delivery attempt, oldest first.
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
}

/// The audit trail. Events are written by the changes they record, in the same transaction;
/// this reads them back.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an event that goes with no other change (a suspected copy of a key).
    async fn record_event(&self, event: &NewAuditEvent) -> anyhow::Result<()>;

    /// The account's audit trail, newest first.
    async fn list_activity(
        &self,
        account_id: &AccountId,
        limit: u32,
    ) -> anyhow::Result<Vec<AuditEventRecord>>;
}
