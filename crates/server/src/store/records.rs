//! Plain rows going into and coming out of the [`Store`](super::Store).

use security_info_api::{Channel, MethodType};
use time::{Duration, OffsetDateTime};

use super::ids::{AccountId, MethodId, PasswordResetId, RegistrationId, SecondStepId, SessionId};

/// An account to create or refresh.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Id to use when the account is new.
    pub account_id: AccountId,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Greeting name.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A stored account.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// Id.
    pub account_id: AccountId,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Greeting name.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Mail language (`en`, `nl`).
    pub language: String,
    /// The method the user chose to be offered first at sign-in, if any (it may be gone).
    pub default_method_id: Option<MethodId>,
    /// When an operator disabled the account (`accounts disable`): it then signs in in no way.
    pub disabled_at: Option<OffsetDateTime>,
}

/// The `password_hash` of an account whose password is in the LDAP directory: not a PHC string,
/// so no password matches it here.
pub const PASSWORD_IN_DIRECTORY: &str = "!ldap";

impl AccountRecord {
    /// Whether the account signs in with the identity provider only (it has no password).
    pub fn signs_in_with_provider(&self) -> bool {
        self.password_hash.is_empty()
    }

    /// Whether an operator disabled the account.
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// A user of the OpenID Connect provider: `iss` and `sub` of their tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
}

/// The account of an external identity, or why there is none.
#[derive(Debug, Clone)]
pub enum ExternalAccountOutcome {
    /// The (new or refreshed) account.
    Account(AccountRecord),
    /// First use, but another account already has the token's principal name.
    NameTaken,
}

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Id.
    pub session_id: SessionId,
    /// Owner.
    pub account_id: AccountId,
    /// SHA-256 of the cookie token (hex).
    pub token_hash: String,
    /// Creation time (also authentication and last use).
    pub created_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// The sign-in attempt that proved the password, marked succeeded with the session.
    pub sign_in_attempt_id: String,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Id.
    pub session_id: SessionId,
    /// Owner.
    pub account_id: AccountId,
    /// Last sign-in or re-authentication.
    pub authenticated_at: OffsetDateTime,
    /// Last use.
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
}

/// A method to store.
#[derive(Debug, Clone)]
pub struct NewMethod {
    /// Id.
    pub method_id: MethodId,
    /// Owner.
    pub account_id: AccountId,
    /// Its type.
    pub method_type: MethodType,
    /// One method per (account, type, slot): the type decides (see [`crate::methods`]).
    pub slot: String,
    /// The user's name for it, for types that have one.
    pub name: Option<String>,
    /// What the user sees of it (JSON of the type's own shape; no secret).
    pub detail: String,
    /// Type-private data (sealed secrets, public keys); never on the wire.
    pub credential: Option<Vec<u8>>,
    /// The counter its registration used (an authenticator app's time step), if the type
    /// keeps one.
    pub counter: Option<i64>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A stored method.
#[derive(Debug, Clone)]
pub struct MethodRecord {
    /// Id.
    pub method_id: MethodId,
    /// Its type.
    pub method_type: MethodType,
    /// See [`NewMethod::slot`].
    pub slot: String,
    /// The user's name for it, for types that have one.
    pub name: Option<String>,
    /// What the user sees of it (JSON of the type's own shape).
    pub detail: String,
    /// Type-private data.
    pub credential: Option<Vec<u8>>,
    /// The last counter it used (see [`crate::store::MethodStore::use_method`]).
    pub counter: Option<i64>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last time it proved the user's identity.
    pub last_used_at: Option<OffsetDateTime>,
}

impl NewMethod {
    /// The record this method is once stored.
    pub fn into_record(self) -> MethodRecord {
        MethodRecord {
            method_id: self.method_id,
            method_type: self.method_type,
            slot: self.slot,
            name: self.name,
            detail: self.detail,
            credential: self.credential,
            counter: self.counter,
            created_at: self.created_at,
            last_used_at: None,
        }
    }
}

/// A registration to store.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    /// Id.
    pub registration_id: RegistrationId,
    /// Owner.
    pub account_id: AccountId,
    /// The type being registered.
    pub method_type: MethodType,
    /// The type's pending state (JSON; secrets in it are sealed).
    pub challenge: String,
    /// When the registration as a whole is over, whatever its codes say.
    pub expires_at: OffsetDateTime,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// Lifecycle of a registration: pending until it ends one of four ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// Waiting for the answer to its challenge.
    Pending,
    /// The method was added.
    Completed,
    /// Voided by too many wrong answers.
    Locked,
    /// Not finished in time.
    Expired,
    /// Replaced by a newer registration of the account.
    Superseded,
}

impl RegistrationStatus {
    /// Column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Locked => "locked",
            Self::Expired => "expired",
            Self::Superseded => "superseded",
        }
    }

    /// Parses a column value.
    pub fn from_db(value: &str) -> anyhow::Result<Self> {
        Ok(match value {
            "pending" => Self::Pending,
            "completed" => Self::Completed,
            "locked" => Self::Locked,
            "expired" => Self::Expired,
            "superseded" => Self::Superseded,
            other => anyhow::bail!("unknown registration status {other:?}"),
        })
    }
}

/// A stored registration with its newest code (for types whose challenge is a sent code).
#[derive(Debug, Clone)]
pub struct RegistrationRecord {
    /// Id.
    pub registration_id: RegistrationId,
    /// The type being registered.
    pub method_type: MethodType,
    /// Lifecycle state.
    pub status: RegistrationStatus,
    /// Wrong answers so far (across resends).
    pub failed_attempts: u32,
    /// The type's pending state (JSON).
    pub challenge: String,
    /// When the registration as a whole is over.
    pub expires_at: OffsetDateTime,
    /// The newest code sent for it, if any.
    pub code: Option<CodeRecord>,
}

/// What a one-time code is for: a registration proving a new destination, or a second step
/// proving the user with a registered one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOwner {
    /// A registration.
    Registration(RegistrationId),
    /// A sign-in's or step-up's second step.
    SecondStep(SecondStepId),
    /// A password reset's gate.
    PasswordReset(PasswordResetId),
}

impl CodeOwner {
    /// The owner's id, which the code's hash is bound to.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Registration(id) => id.as_str(),
            Self::SecondStep(id) => id.as_str(),
            Self::PasswordReset(id) => id.as_str(),
        }
    }

    /// The registration, when it is one.
    pub fn registration_id(&self) -> Option<&RegistrationId> {
        match self {
            Self::Registration(id) => Some(id),
            _ => None,
        }
    }

    /// The second step, when it is one.
    pub fn second_step_id(&self) -> Option<&SecondStepId> {
        match self {
            Self::SecondStep(id) => Some(id),
            _ => None,
        }
    }

    /// The password reset, when it is one.
    pub fn password_reset_id(&self) -> Option<&PasswordResetId> {
        match self {
            Self::PasswordReset(id) => Some(id),
            _ => None,
        }
    }
}

impl From<RegistrationId> for CodeOwner {
    fn from(id: RegistrationId) -> Self {
        Self::Registration(id)
    }
}

impl From<PasswordResetId> for CodeOwner {
    fn from(id: PasswordResetId) -> Self {
        Self::PasswordReset(id)
    }
}

impl From<SecondStepId> for CodeOwner {
    fn from(id: SecondStepId) -> Self {
        Self::SecondStep(id)
    }
}

/// A one-time code to store: sent over a channel to a destination, for a registration or a
/// second step.
#[derive(Debug, Clone)]
pub struct NewCode {
    /// Id.
    pub code_id: String,
    /// What it is for.
    pub owner: CodeOwner,
    /// Owner (per-account limit); `None` only for a reset's decoy code (see
    /// [`ResetCode::Decoy`](crate::store::ResetCode::Decoy)).
    pub account_id: Option<AccountId>,
    /// How it is sent.
    pub channel: Channel,
    /// Where it is sent, normalized (per-destination limit).
    pub destination: String,
    /// The client address that asked for it, if known (per-address limit).
    pub requested_from: Option<String>,
    /// HMAC-SHA256 of the code.
    pub code_hash: Vec<u8>,
    /// Digits.
    pub code_length: u8,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A stored code.
#[derive(Debug, Clone)]
pub struct CodeRecord {
    /// HMAC-SHA256 of the code.
    pub code_hash: Vec<u8>,
    /// Digits.
    pub code_length: u8,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// When it was sent.
    pub created_at: OffsetDateTime,
}

/// Limits on sending codes: a cooldown between two codes of one registration, and quotas
/// over the codes sent recently. With no code to send, [`CodeLimits::default`] (none) will do.
#[derive(Debug, Clone, Default)]
pub struct CodeLimits {
    /// Minimum time between two codes of one registration.
    pub resend_cooldown: Duration,
    /// At most so many codes in a window, each counted its own way.
    pub quotas: Vec<CodeQuota>,
}

/// At most `limit` codes in the last `window` that share a [`QuotaScope`] with the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeQuota {
    /// Which codes count.
    pub scope: QuotaScope,
    /// How far back they count.
    pub window: Duration,
    /// How many may have been sent in it.
    pub limit: u32,
}

/// Which earlier codes a quota counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaScope {
    /// The same account's.
    Account,
    /// Those to the same (normalized) destination, whoever asked.
    Destination,
    /// Those asked for from the same client address (no limit when the address is unknown).
    RequestedFrom,
    /// Every code sent over one of these channels, whoever asked: a cap on what the whole
    /// server sends (text messages and calls cost money per message).
    Channels(&'static [Channel]),
}

/// Which code limit said no, and when it lets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    /// The previous code of this registration is too recent.
    Cooldown {
        /// When a new code may be sent.
        until: OffsetDateTime,
    },
    /// Too many codes for the account or the destination.
    Quota {
        /// When the next code may be sent.
        until: OffsetDateTime,
    },
    /// The registration is no longer pending.
    NotPending,
}

/// Result of adding a method for a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// The method was added and the registration completed.
    Added,
    /// The account has a method in the same slot already.
    SlotTaken,
    /// The account has as many methods of the type as one may have.
    LimitReached,
    /// The registration was no longer pending.
    NotPending,
}

/// An audit event to store.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// Id.
    pub audit_event_id: String,
    /// Concerned account.
    pub account_id: Option<AccountId>,
    /// Wire name of the kind.
    pub kind: &'static str,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// E.g. a masked address; never a secret.
    pub detail: Option<String>,
    /// Time.
    pub created_at: OffsetDateTime,
}

/// A stored audit event.
#[derive(Debug, Clone)]
pub struct AuditEventRecord {
    /// Id.
    pub audit_event_id: String,
    /// Wire name of the kind.
    pub kind: String,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Detail.
    pub detail: Option<String>,
    /// Time.
    pub created_at: OffsetDateTime,
}

/// A message for the outbox.
#[derive(Debug, Clone)]
pub struct NewOutboxMessage {
    /// Id.
    pub outbox_message_id: String,
    /// Recipient address.
    pub recipient: String,
    /// `en` or `nl`.
    pub language: String,
    /// Template name.
    pub template: String,
    /// Template parameters (JSON, no secrets).
    pub params: String,
    /// Secret template input, sealed.
    pub sealed_secret: Option<Vec<u8>>,
    /// Creation (and first attempt) time.
    pub created_at: OffsetDateTime,
}

/// A stored outbox message awaiting delivery.
#[derive(Debug, Clone)]
pub struct OutboxRecord {
    /// Id.
    pub outbox_message_id: String,
    /// Recipient address.
    pub recipient: String,
    /// `en` or `nl`.
    pub language: String,
    /// Template name.
    pub template: String,
    /// Template parameters (JSON).
    pub params: String,
    /// Sealed secret template input.
    pub sealed_secret: Option<Vec<u8>>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A password check about to run (a sign-in or a re-authentication), counted before it runs.
#[derive(Debug, Clone)]
pub struct NewSignInAttempt {
    /// Id, to mark the attempt succeeded afterwards.
    pub sign_in_attempt_id: String,
    /// The account's name, lower-cased (as typed at sign-in: it may name no account).
    pub username: String,
    /// The client's address as the limits count it (see `domain::sign_in_throttle`).
    pub address: Option<String>,
    /// Time.
    pub created_at: OffsetDateTime,
}

/// The hard limits on password checks: failures in `window` (an attempt still running counts
/// as a failure).
#[derive(Debug, Clone)]
pub struct SignInLimits {
    /// Window over which failures count.
    pub window: Duration,
    /// Failures for one account from one address.
    pub per_account_and_address: u32,
    /// Failures from one address, whatever the account.
    pub per_address: u32,
}

/// Failed (or still running) password checks in the window, before the new attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInCounts {
    /// For the account from the attempt's address.
    pub for_account_and_address: u32,
    /// Oldest of those.
    pub oldest_for_account_and_address: Option<OffsetDateTime>,
    /// From the attempt's address, any account.
    pub from_address: u32,
    /// Oldest of those.
    pub oldest_from_address: Option<OffsetDateTime>,
    /// For the account from any address.
    pub for_account: u32,
}

impl SignInLimits {
    /// When an attempt at `now` with these `counts` may be made again, or `None` when it may
    /// be made now.
    pub fn refused_until(
        &self,
        counts: &SignInCounts,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        [
            (
                counts.for_account_and_address >= self.per_account_and_address,
                counts.oldest_for_account_and_address,
            ),
            (
                counts.from_address >= self.per_address,
                counts.oldest_from_address,
            ),
        ]
        .into_iter()
        .filter(|(over, _)| *over)
        .map(|(_, oldest)| oldest.unwrap_or(now) + self.window)
        .max()
    }
}

/// Whose methods a check tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSubject {
    /// An account's.
    Account(AccountId),
    /// Those of a password reset's name that has no account (lower case): none, but counted
    /// as an account's are (see [`crate::methods::check_limit`]).
    Name(String),
}

/// A check of an account's methods outside a registration, counted before it runs.
#[derive(Debug, Clone)]
pub struct MethodCheck {
    /// Id (random).
    pub method_check_id: String,
    /// Whose methods are tried.
    pub subject: CheckSubject,
    /// The type tried.
    pub method_type: MethodType,
    /// When.
    pub created_at: OffsetDateTime,
}

/// How many failed checks of an account's methods a window allows.
#[derive(Debug, Clone, Copy)]
pub struct MethodCheckLimit {
    /// The window failures count in.
    pub window: Duration,
    /// Failures within it after which checks are refused.
    pub failures: u32,
}

/// A check refused by a hard limit, unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// When it may be tried again.
    pub until: OffsetDateTime,
}

/// Why a second step was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStepPurpose {
    /// A sign-in: the session is made when it passes.
    SignIn,
    /// A step-up of this session: it counts as freshly authenticated when it passes.
    StepUp(SessionId),
}

/// A second step to store, right after a right password.
#[derive(Debug, Clone)]
pub struct NewSecondStep {
    /// Id.
    pub second_step_id: SecondStepId,
    /// Whose.
    pub account_id: AccountId,
    /// Why.
    pub purpose: SecondStepPurpose,
    /// The password check it completes (marked succeeded when it passes).
    pub sign_in_attempt_id: String,
    /// SHA-256 of its cookie token.
    pub token_hash: String,
    /// The language the user signs in with (mail, texts, the session).
    pub language: String,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A stored second step, with the newest code sent for it.
#[derive(Debug, Clone)]
pub struct SecondStepRecord {
    /// Id.
    pub second_step_id: SecondStepId,
    /// Whose.
    pub account_id: AccountId,
    /// Why.
    pub purpose: SecondStepPurpose,
    /// The password check it completes.
    pub sign_in_attempt_id: String,
    /// Whether it still waits for an answer (not completed, not locked).
    pub pending: bool,
    /// Wrong answers so far.
    pub failed_attempts: u32,
    /// The picked way's state (JSON), if a way was picked.
    pub challenge: Option<String>,
    /// The language the user signs in with.
    pub language: String,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// The newest code sent for it, if any.
    pub code: Option<CodeRecord>,
}

/// A stored recovery code.
#[derive(Debug, Clone)]
pub struct RecoveryCodeRecord {
    /// Id.
    pub recovery_code_id: String,
    /// Salted password hash (PHC string).
    pub code_hash: String,
    /// When it was used, if it was.
    pub used_at: Option<OffsetDateTime>,
    /// When its set was made.
    pub created_at: OffsetDateTime,
}

/// A password reset to store.
#[derive(Debug, Clone)]
pub struct NewPasswordReset {
    /// Id.
    pub password_reset_id: PasswordResetId,
    /// The name as typed, trimmed and lower case.
    pub username: String,
    /// The account of that name, if there is one (and it may sign in).
    pub account_id: Option<AccountId>,
    /// SHA-256 of its cookie token.
    pub token_hash: String,
    /// How many different ways must pass.
    pub gates: u8,
    /// The client's address, if known.
    pub requested_from: Option<String>,
    /// The language of the page (codes, mail).
    pub language: String,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// Limits on starting password resets, each per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetLimits {
    /// For one name.
    pub per_username: u32,
    /// From one client address.
    pub per_address: u32,
    /// In all.
    pub in_all: u32,
}

/// A stored password reset, with the newest code sent for it.
#[derive(Debug, Clone)]
pub struct PasswordResetRecord {
    /// Id.
    pub password_reset_id: PasswordResetId,
    /// The name it is for.
    pub username: String,
    /// The account, if the name has one.
    pub account_id: Option<AccountId>,
    /// `pending`, `verified`, `completed` or `locked`.
    pub status: String,
    /// How many different ways must pass.
    pub gates: u8,
    /// The types passed so far (JSON list).
    pub passed: String,
    /// Wrong answers so far.
    pub failed_attempts: u32,
    /// The chosen way's state (JSON), if one is chosen.
    pub challenge: Option<String>,
    /// The page's language.
    pub language: String,
    /// When it ends.
    pub expires_at: OffsetDateTime,
    /// The newest code sent for it, if any.
    pub code: Option<CodeRecord>,
}

/// One planned change of an operator's `accounts add` or `accounts import`.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// A new account; planned when none had its user principal name.
    Create {
        /// The account (an empty password hash: no password sign-in).
        account: NewAccount,
        /// Its mail language.
        language: String,
        /// The `account_created` event.
        audit: NewAuditEvent,
    },
    /// New values for an existing account.
    Update {
        /// The account.
        account_id: AccountId,
        /// Its display name.
        display_name: String,
        /// Its language.
        language: String,
        /// A new password hash, when the password changes.
        password_hash: Option<String>,
        /// The `account_updated` event.
        audit: NewAuditEvent,
    },
}

/// The accounts changed between planning changes and making them (another operator, or a
/// first sign-in through the identity provider): nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOutdated;

/// What `clear-methods` removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MethodsCleared {
    /// Registered methods.
    pub methods: u64,
    /// Pending registrations.
    pub registrations: u64,
    /// Recovery codes, used ones too.
    pub recovery_codes: u64,
    /// Sessions ended.
    pub sessions: u64,
}
