//! The inserts every aggregate shares (audit events, outbox messages) and this engine's
//! join of a newest code; rows become records in [`crate::store::stored_row`].
//!
//! The shared inserts are kept as SQL plus a function binding their arguments, so that several
//! can go to the connection in one query: sqlx runs a query of several statements in one round
//! trip to the connection's thread, binding the arguments in order. On the one writer
//! connection every round trip saved is time the next writer does not wait.

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use crate::{
    clock,
    store::{NewAuditEvent, NewOutboxMessage},
};

pub(super) use crate::store::stored_row::{self, CODE_COLUMNS, METHOD_COLUMNS, StoredRow};

/// A timestamp as stored.
pub(super) fn ts(at: OffsetDateTime) -> String {
    clock::format(at)
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
