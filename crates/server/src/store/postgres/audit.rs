//! Reading the audit trail back (events are inserted by the changes they record), and the
//! events that go with no change.

use async_trait::async_trait;

use super::{PgStore, rows::*};
use crate::store::{AccountId, AuditEventRecord, AuditStore, NewAuditEvent};

#[async_trait]
impl AuditStore for PgStore {
    async fn record_event(&self, event: &NewAuditEvent) -> anyhow::Result<()> {
        insert_audit(&mut *self.pool.acquire().await?, event).await
    }

    async fn list_activity(
        &self,
        account_id: &AccountId,
        limit: u32,
    ) -> anyhow::Result<Vec<AuditEventRecord>> {
        sqlx::query(
            "select audit_event_id, kind, ip_address, user_agent, detail, created_at from audit_event
             where account_id = $1 order by created_at desc, seq desc limit $2",
        )
        .bind(account_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(stored_row::audit_event)
        .collect()
    }
}
