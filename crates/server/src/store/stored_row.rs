//! Rows read into records, once for both engines. Each engine says how it reads one value of
//! each stored kind ([`StoredRow`]: SQLite keeps times as RFC 3339 text and counts as 64-bit
//! integers, PostgreSQL has `timestamptz` and 32-bit `integer` columns); what the columns mean
//! and which record they make is written here only.

use security_info_api::MethodType;
use sqlx::{Row, postgres::PgRow, sqlite::SqliteRow};
use time::OffsetDateTime;

use super::{
    AccountRecord, AuditEventRecord, CodeRecord, MethodRecord, OutboxRecord, PasswordResetRecord,
    RecoveryCodeRecord, RegistrationRecord, RegistrationStatus, SecondStepPurpose,
    SecondStepRecord, SessionId, SessionRecord,
};
use crate::clock;

/// One value of each stored kind, read from a row of either engine.
pub(super) trait StoredRow {
    /// A text column.
    fn text(&self, column: &str) -> anyhow::Result<String>;
    /// A text column that may be null.
    fn optional_text(&self, column: &str) -> anyhow::Result<Option<String>>;
    /// A blob (`bytea`) column that may be null.
    fn optional_bytes(&self, column: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// An integer column of any width, or a `count(*)`.
    fn integer(&self, column: &str) -> anyhow::Result<i64>;
    /// An integer column that may be null.
    fn optional_integer(&self, column: &str) -> anyhow::Result<Option<i64>>;
    /// A time column.
    fn time(&self, column: &str) -> anyhow::Result<OffsetDateTime>;
    /// A time column that may be null.
    fn optional_time(&self, column: &str) -> anyhow::Result<Option<OffsetDateTime>>;

    /// A count as `u32` (saturating: a count is never negative).
    fn count(&self, column: &str) -> anyhow::Result<u32> {
        Ok(u32::try_from(self.integer(column)?).unwrap_or(u32::MAX))
    }

    /// A method type by its wire name.
    fn method_type(&self, column: &str) -> anyhow::Result<MethodType> {
        let name = self.text(column)?;
        MethodType::from_name(&name).ok_or_else(|| anyhow::anyhow!("unknown method type {name:?}"))
    }
}

impl StoredRow for SqliteRow {
    fn text(&self, column: &str) -> anyhow::Result<String> {
        Ok(self.try_get(column)?)
    }

    fn optional_text(&self, column: &str) -> anyhow::Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn optional_bytes(&self, column: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.try_get(column)?)
    }

    fn integer(&self, column: &str) -> anyhow::Result<i64> {
        Ok(self.try_get(column)?)
    }

    fn optional_integer(&self, column: &str) -> anyhow::Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn time(&self, column: &str) -> anyhow::Result<OffsetDateTime> {
        clock::parse(&self.text(column)?)
    }

    fn optional_time(&self, column: &str) -> anyhow::Result<Option<OffsetDateTime>> {
        self.optional_text(column)?
            .map(|text| clock::parse(&text))
            .transpose()
    }
}

impl StoredRow for PgRow {
    fn text(&self, column: &str) -> anyhow::Result<String> {
        Ok(self.try_get(column)?)
    }

    fn optional_text(&self, column: &str) -> anyhow::Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn optional_bytes(&self, column: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.try_get(column)?)
    }

    fn integer(&self, column: &str) -> anyhow::Result<i64> {
        self.optional_integer(column)?
            .ok_or_else(|| anyhow::anyhow!("{column} is null"))
    }

    fn optional_integer(&self, column: &str) -> anyhow::Result<Option<i64>> {
        // `bigint` columns and `count(*)`, or `integer` columns.
        match self.try_get::<Option<i64>, _>(column) {
            Ok(value) => Ok(value),
            Err(_) => Ok(self.try_get::<Option<i32>, _>(column)?.map(i64::from)),
        }
    }

    fn time(&self, column: &str) -> anyhow::Result<OffsetDateTime> {
        Ok(self.try_get(column)?)
    }

    fn optional_time(&self, column: &str) -> anyhow::Result<Option<OffsetDateTime>> {
        Ok(self.try_get(column)?)
    }
}

/// An account row (`select *` or the same columns).
pub(super) fn account(row: &impl StoredRow) -> anyhow::Result<AccountRecord> {
    Ok(AccountRecord {
        account_id: row.text("account_id")?.into(),
        user_principal_name: row.text("user_principal_name")?,
        display_name: row.text("display_name")?,
        password_hash: row.text("password_hash")?,
        language: row.text("language")?,
        default_method_id: row.optional_text("default_method_id")?.map(Into::into),
        disabled_at: row.optional_time("disabled_at")?,
    })
}

/// The method columns every method query selects.
pub(super) const METHOD_COLUMNS: &str =
    "method_id, method_type, slot, name, detail, credential, counter, created_at, last_used_at";

/// A method row with [`METHOD_COLUMNS`].
pub(super) fn method(row: &impl StoredRow) -> anyhow::Result<MethodRecord> {
    Ok(MethodRecord {
        method_id: row.text("method_id")?.into(),
        method_type: row.method_type("method_type")?,
        slot: row.text("slot")?,
        name: row.optional_text("name")?,
        detail: row.text("detail")?,
        credential: row.optional_bytes("credential")?,
        counter: row.optional_integer("counter")?,
        created_at: row.time("created_at")?,
        last_used_at: row.optional_time("last_used_at")?,
    })
}

/// The columns of the newest code of a registration, second step or reset, joined as `code`
/// (each engine's `newest_code_join`).
pub(super) const CODE_COLUMNS: &str = "code.code_hash, code.code_length,
    code.expires_at as code_expires_at, code.created_at as code_created_at";

/// The code of a row with [`CODE_COLUMNS`], if there was one.
pub(super) fn code(row: &impl StoredRow) -> anyhow::Result<Option<CodeRecord>> {
    let Some(code_hash) = row.optional_bytes("code_hash")? else {
        return Ok(None);
    };
    Ok(Some(CodeRecord {
        code_hash,
        code_length: u8::try_from(row.integer("code_length")?)?,
        expires_at: row.time("code_expires_at")?,
        created_at: row.time("code_created_at")?,
    }))
}

/// A registration row with [`CODE_COLUMNS`].
pub(super) fn registration(row: &impl StoredRow) -> anyhow::Result<RegistrationRecord> {
    Ok(RegistrationRecord {
        registration_id: row.text("registration_id")?.into(),
        method_type: row.method_type("method_type")?,
        status: RegistrationStatus::from_db(&row.text("status")?)?,
        failed_attempts: row.count("failed_attempts")?,
        challenge: row.text("challenge")?,
        expires_at: row.time("expires_at")?,
        code: code(row)?,
    })
}

/// A session row (`session_id`, `authenticated_at`, `last_seen_at`, `expires_at`) of the
/// account `account_id` names.
pub(super) fn session(
    row: &impl StoredRow,
    account_id: super::AccountId,
) -> anyhow::Result<SessionRecord> {
    Ok(SessionRecord {
        session_id: row.text("session_id")?.into(),
        account_id,
        authenticated_at: row.time("authenticated_at")?,
        last_seen_at: row.time("last_seen_at")?,
        expires_at: row.time("expires_at")?,
    })
}

/// A second step row with [`CODE_COLUMNS`].
pub(super) fn second_step(row: &impl StoredRow) -> anyhow::Result<SecondStepRecord> {
    let purpose = match (
        row.text("purpose")?.as_str(),
        row.optional_text("session_id")?,
    ) {
        ("sign_in", _) => SecondStepPurpose::SignIn,
        ("step_up", Some(session_id)) => SecondStepPurpose::StepUp(SessionId::from(session_id)),
        (other, _) => anyhow::bail!("a second step with purpose {other:?}"),
    };
    Ok(SecondStepRecord {
        second_step_id: row.text("second_step_id")?.into(),
        account_id: row.text("account_id")?.into(),
        purpose,
        sign_in_attempt_id: row.text("sign_in_attempt_id")?,
        pending: row.text("status")? == "pending",
        failed_attempts: row.count("failed_attempts")?,
        challenge: row.optional_text("challenge")?,
        language: row.text("language")?,
        expires_at: row.time("expires_at")?,
        code: code(row)?,
    })
}

/// A recovery code row.
pub(super) fn recovery_code(row: &impl StoredRow) -> anyhow::Result<RecoveryCodeRecord> {
    Ok(RecoveryCodeRecord {
        recovery_code_id: row.text("recovery_code_id")?,
        code_hash: row.text("code_hash")?,
        used_at: row.optional_time("used_at")?,
        created_at: row.time("created_at")?,
    })
}

/// A password reset row with [`CODE_COLUMNS`].
pub(super) fn password_reset(row: &impl StoredRow) -> anyhow::Result<PasswordResetRecord> {
    Ok(PasswordResetRecord {
        password_reset_id: row.text("password_reset_id")?.into(),
        username: row.text("username")?,
        account_id: row.optional_text("account_id")?.map(Into::into),
        status: row.text("status")?,
        gates: u8::try_from(row.integer("gates")?)?,
        passed: row.text("passed")?,
        failed_attempts: row.count("failed_attempts")?,
        challenge: row.optional_text("challenge")?,
        language: row.text("language")?,
        expires_at: row.time("expires_at")?,
        code: code(row)?,
    })
}

/// An audit event row.
pub(super) fn audit_event(row: &impl StoredRow) -> anyhow::Result<AuditEventRecord> {
    Ok(AuditEventRecord {
        audit_event_id: row.text("audit_event_id")?,
        kind: row.text("kind")?,
        ip_address: row.optional_text("ip_address")?,
        user_agent: row.optional_text("user_agent")?,
        detail: row.optional_text("detail")?,
        created_at: row.time("created_at")?,
    })
}

/// An outbox message row.
pub(super) fn outbox_message(row: &impl StoredRow) -> anyhow::Result<OutboxRecord> {
    Ok(OutboxRecord {
        outbox_message_id: row.text("outbox_message_id")?,
        recipient: row.text("recipient")?,
        language: row.text("language")?,
        template: row.text("template")?,
        params: row.text("params")?,
        sealed_secret: row.optional_bytes("sealed_secret")?,
        attempts: row.count("attempts")?,
        created_at: row.time("created_at")?,
    })
}
