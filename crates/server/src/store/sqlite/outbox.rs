//! The durable outbox, as the mail worker reads and updates it.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{SqliteStore, rows::*};
use crate::store::{OutboxRecord, OutboxStore};

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn due_outbox_messages(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> anyhow::Result<Vec<OutboxRecord>> {
        sqlx::query(
            "select outbox_message_id, recipient, language, template, params, sealed_secret, attempts, created_at
             from outbox_message
             where sent_at is null and failed_at is null and next_attempt_at <= ?
             order by next_attempt_at, created_at limit ?",
        )
        .bind(ts(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.readers.get().await)
        .await?
        .iter()
        .map(stored_row::outbox_message)
        .collect()
    }

    async fn mark_outbox_sent(
        &self,
        message_ids: &[String],
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        if message_ids.is_empty() {
            return Ok(());
        }
        // One placeholder per id: the ids are bound, never spliced into the SQL.
        let placeholders = vec!["?"; message_ids.len()].join(", ");
        let sql = format!(
            "update outbox_message set sent_at = ?, sealed_secret = null, last_error = null
             where outbox_message_id in ({placeholders})"
        );
        let mut query = sqlx::query(&sql).bind(ts(at));
        for id in message_ids {
            query = query.bind(id);
        }
        query.execute(&mut *self.writer.lock().await).await?;
        Ok(())
    }

    async fn mark_outbox_failed(
        &self,
        message_id: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let query = match retry_at {
            Some(retry_at) => sqlx::query(
                "update outbox_message set attempts = attempts + 1, last_error = ?, next_attempt_at = ?
                 where outbox_message_id = ?",
            )
            .bind(error)
            .bind(ts(retry_at)),
            None => sqlx::query(
                "update outbox_message set attempts = attempts + 1, last_error = ?, failed_at = ?,
                        sealed_secret = null
                 where outbox_message_id = ?",
            )
            .bind(error)
            .bind(ts(at)),
        };
        query
            .bind(message_id)
            .execute(&mut *self.writer.lock().await)
            .await?;
        Ok(())
    }
}
