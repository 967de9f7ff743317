//! Reading the audit trail back (events are inserted by the changes they record), and the
//! events that go with no change.

use async_trait::async_trait;
use sqlx::Connection;

use super::{SqliteStore, rows::*};
use crate::store::{AccountId, AuditEventRecord, AuditStore, NewAuditEvent};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn record_event(&self, event: &NewAuditEvent) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        insert_audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_activity(
        &self,
        account_id: &AccountId,
        limit: u32,
    ) -> anyhow::Result<Vec<AuditEventRecord>> {
        sqlx::query(
            "select audit_event_id, kind, ip_address, user_agent, detail, created_at from audit_event
             where account_id = ? order by created_at desc, rowid desc limit ?",
        )
        .bind(account_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.readers.get().await)
        .await?
        .iter()
        .map(stored_row::audit_event)
        .collect()
    }
}
