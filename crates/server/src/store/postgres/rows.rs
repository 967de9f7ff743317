//! The inserts every aggregate shares (audit events, outbox messages) and this engine's
//! join of a newest code; rows become records in [`crate::store::stored_row`].

use sqlx::PgConnection;

use crate::store::{NewAuditEvent, NewOutboxMessage};

pub(super) use crate::store::stored_row::{self, CODE_COLUMNS, METHOD_COLUMNS, StoredRow};

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
