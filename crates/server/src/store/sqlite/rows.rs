//! Row mapping and the inserts every aggregate shares (audit events, outbox messages).
//!
//! The shared inserts are kept as SQL plus a function binding their arguments, so that several
//! can go to the connection in one query: sqlx runs a query of several statements in one round
//! trip to the connection's thread, binding the arguments in order. On the one writer
//! connection every round trip saved is time the next writer does not wait.

use security_info_api::MethodType;
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};
use time::OffsetDateTime;

use crate::{
    clock,
    store::{AccountRecord, CodeRecord, MethodRecord, NewAuditEvent, NewOutboxMessage},
};

/// A timestamp as stored.
pub(super) fn ts(at: OffsetDateTime) -> String {
    clock::format(at)
}

/// A stored timestamp.
pub(super) fn get_ts(row: &SqliteRow, column: &str) -> anyhow::Result<OffsetDateTime> {
    clock::parse(&row.try_get::<String, _>(column)?)
}

/// A stored timestamp that may be null.
pub(super) fn get_optional_ts(
    row: &SqliteRow,
    column: &str,
) -> anyhow::Result<Option<OffsetDateTime>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|t| clock::parse(&t))
        .transpose()
}

/// A stored method type.
pub(super) fn get_method_type(row: &SqliteRow, column: &str) -> anyhow::Result<MethodType> {
    let name: String = row.try_get(column)?;
    MethodType::from_name(&name).ok_or_else(|| anyhow::anyhow!("unknown method type {name:?}"))
}

/// A stored count as `u32` (saturating: a count is never negative).
pub(super) fn get_count(row: &SqliteRow, column: &str) -> anyhow::Result<u32> {
    Ok(u32::try_from(row.try_get::<i64, _>(column)?).unwrap_or(u32::MAX))
}

/// A query with its arguments bound so far.
pub(super) type BoundQuery<'q> =
    sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

pub(super) const INSERT_AUDIT: &str = "insert into audit_event (audit_event_id, account_id, kind, ip_address, user_agent, detail, created_at)
     values (?, ?, ?, ?, ?, ?, ?)";

pub(super) fn bind_audit<'q>(query: BoundQuery<'q>, audit: &'q NewAuditEvent) -> BoundQuery<'q> {
    query
        .bind(&audit.audit_event_id)
        .bind(&audit.account_id)
        .bind(audit.kind)
        .bind(&audit.ip_address)
        .bind(&audit.user_agent)
        .bind(&audit.detail)
        .bind(ts(audit.created_at))
}

pub(super) const INSERT_OUTBOX: &str = "insert into outbox_message (outbox_message_id, recipient, language, template, params, sealed_secret,
                                 attempts, next_attempt_at, created_at)
     values (?, ?, ?, ?, ?, ?, 0, ?, ?)";

pub(super) fn bind_outbox<'q>(query: BoundQuery<'q>, mail: &'q NewOutboxMessage) -> BoundQuery<'q> {
    query
        .bind(&mail.outbox_message_id)
        .bind(&mail.recipient)
        .bind(&mail.language)
        .bind(&mail.template)
        .bind(&mail.params)
        .bind(&mail.sealed_secret)
        .bind(ts(mail.created_at))
        .bind(ts(mail.created_at))
}

/// An audit event.
pub(super) async fn insert_audit(
    conn: &mut SqliteConnection,
    audit: &NewAuditEvent,
) -> anyhow::Result<()> {
    bind_audit(sqlx::query(INSERT_AUDIT), audit)
        .execute(conn)
        .await?;
    Ok(())
}

/// A change's audit event and its notification, in one round trip.
pub(super) async fn insert_audit_and_outbox(
    conn: &mut SqliteConnection,
    audit: &NewAuditEvent,
    mail: &NewOutboxMessage,
) -> anyhow::Result<()> {
    let sql = format!("{INSERT_AUDIT}; {INSERT_OUTBOX}");
    bind_outbox(bind_audit(sqlx::query(&sql), audit), mail)
        .execute(conn)
        .await?;
    Ok(())
}

/// An account row (`select *` or the same columns).
pub(super) fn account_from_row(row: &SqliteRow) -> anyhow::Result<AccountRecord> {
    Ok(AccountRecord {
        account_id: row.try_get("account_id")?,
        user_principal_name: row.try_get("user_principal_name")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        language: row.try_get("language")?,
        default_method_id: row.try_get("default_method_id")?,
        disabled_at: get_optional_ts(row, "disabled_at")?,
    })
}

/// The method columns every method query selects.
pub(super) const METHOD_COLUMNS: &str =
    "method_id, method_type, slot, name, detail, credential, counter, created_at, last_used_at";

/// A method row with [`METHOD_COLUMNS`].
pub(super) fn method_from_row(row: &SqliteRow) -> anyhow::Result<MethodRecord> {
    Ok(MethodRecord {
        method_id: row.try_get("method_id")?,
        method_type: get_method_type(row, "method_type")?,
        slot: row.try_get("slot")?,
        name: row.try_get("name")?,
        detail: row.try_get("detail")?,
        credential: row.try_get("credential")?,
        counter: row.try_get("counter")?,
        created_at: get_ts(row, "created_at")?,
        last_used_at: get_optional_ts(row, "last_used_at")?,
    })
}

/// The columns of the newest code of a registration, second step or reset, joined as
/// `code` by [`newest_code_join`].
pub(super) const CODE_COLUMNS: &str = "code.code_hash, code.code_length,
    code.expires_at as code_expires_at, code.created_at as code_created_at";

/// A left join of the newest code whose `owner_column` is `owner` (a column of the outer
/// query), as `code`: types that send no code have none.
pub(super) fn newest_code_join(owner_column: &str, owner: &str) -> String {
    format!(
        "left join one_time_code as code on code.one_time_code_id = (
             select one_time_code_id from one_time_code
             where {owner_column} = {owner}
             order by created_at desc, rowid desc limit 1)"
    )
}

/// The code of a row with [`CODE_COLUMNS`], if there was one.
pub(super) fn code_from_row(row: &SqliteRow) -> anyhow::Result<Option<CodeRecord>> {
    let Some(code_hash) = row.try_get::<Option<Vec<u8>>, _>("code_hash")? else {
        return Ok(None);
    };
    Ok(Some(CodeRecord {
        code_hash,
        code_length: u8::try_from(row.try_get::<i64, _>("code_length")?)?,
        expires_at: get_ts(row, "code_expires_at")?,
        created_at: get_ts(row, "code_created_at")?,
    }))
}
