//! Row mapping and the inserts every aggregate shares (audit events, outbox messages).

use security_info_api::MethodType;
use sqlx::{PgConnection, Row, postgres::PgRow};

use crate::store::{AccountRecord, CodeRecord, MethodRecord, NewAuditEvent, NewOutboxMessage};

/// A stored method type.
pub(super) fn get_method_type(row: &PgRow, column: &str) -> anyhow::Result<MethodType> {
    let name: String = row.try_get(column)?;
    MethodType::from_name(&name).ok_or_else(|| anyhow::anyhow!("unknown method type {name:?}"))
}

/// A stored count as `u32` (saturating: a count is never negative): an `integer` column or
/// a `count(*)` (`bigint`).
pub(super) fn get_count(row: &PgRow, column: &str) -> anyhow::Result<u32> {
    let n = match row.try_get::<i64, _>(column) {
        Ok(n) => n,
        Err(_) => i64::from(row.try_get::<i32, _>(column)?),
    };
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// An audit event.
pub(super) async fn insert_audit(
    conn: &mut PgConnection,
    audit: &NewAuditEvent,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into audit_event (audit_event_id, account_id, kind, ip_address, user_agent, detail, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&audit.audit_event_id)
    .bind(&audit.account_id)
    .bind(audit.kind)
    .bind(&audit.ip_address)
    .bind(&audit.user_agent)
    .bind(&audit.detail)
    .bind(audit.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A message for the outbox, due at once.
pub(super) async fn insert_outbox(
    conn: &mut PgConnection,
    mail: &NewOutboxMessage,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into outbox_message (outbox_message_id, recipient, language, template, params, sealed_secret,
                                     attempts, next_attempt_at, created_at)
         values ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
    )
    .bind(&mail.outbox_message_id)
    .bind(&mail.recipient)
    .bind(&mail.language)
    .bind(&mail.template)
    .bind(&mail.params)
    .bind(&mail.sealed_secret)
    .bind(mail.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A change's audit event and its notification.
pub(super) async fn insert_audit_and_outbox(
    conn: &mut PgConnection,
    audit: &NewAuditEvent,
    mail: &NewOutboxMessage,
) -> anyhow::Result<()> {
    insert_audit(conn, audit).await?;
    insert_outbox(conn, mail).await
}

/// An account row (`select *` or the same columns).
pub(super) fn account_from_row(row: &PgRow) -> anyhow::Result<AccountRecord> {
    Ok(AccountRecord {
        account_id: row.try_get("account_id")?,
        user_principal_name: row.try_get("user_principal_name")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        language: row.try_get("language")?,
        default_method_id: row.try_get("default_method_id")?,
        disabled_at: row.try_get("disabled_at")?,
    })
}

/// The method columns every method query selects.
pub(super) const METHOD_COLUMNS: &str =
    "method_id, method_type, slot, name, detail, credential, counter, created_at, last_used_at";

/// A method row with [`METHOD_COLUMNS`].
pub(super) fn method_from_row(row: &PgRow) -> anyhow::Result<MethodRecord> {
    Ok(MethodRecord {
        method_id: row.try_get("method_id")?,
        method_type: get_method_type(row, "method_type")?,
        slot: row.try_get("slot")?,
        name: row.try_get("name")?,
        detail: row.try_get("detail")?,
        credential: row.try_get("credential")?,
        counter: row.try_get("counter")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

/// The columns of the newest code of a registration, second step or reset, joined as
/// `code` by [`newest_code_join`].
pub(super) const CODE_COLUMNS: &str = "code.code_hash, code.code_length,
    code.expires_at as code_expires_at, code.created_at as code_created_at";

/// A left join of the newest code whose `owner_column` is `owner` (a column of the outer
/// query), as `code`; codes written in the same instant come in `seq` order.
pub(super) fn newest_code_join(owner_column: &str, owner: &str) -> String {
    format!(
        "left join one_time_code as code on code.one_time_code_id = (
             select one_time_code_id from one_time_code
             where {owner_column} = {owner}
             order by created_at desc, seq desc limit 1)"
    )
}

/// The code of a row with [`CODE_COLUMNS`], if there was one.
pub(super) fn code_from_row(row: &PgRow) -> anyhow::Result<Option<CodeRecord>> {
    let Some(code_hash) = row.try_get::<Option<Vec<u8>>, _>("code_hash")? else {
        return Ok(None);
    };
    Ok(Some(CodeRecord {
        code_hash,
        code_length: u8::try_from(row.try_get::<i32, _>("code_length")?)?,
        expires_at: row.try_get("code_expires_at")?,
        created_at: row.try_get("code_created_at")?,
    }))
}
