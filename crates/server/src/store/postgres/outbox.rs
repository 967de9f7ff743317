//! The durable outbox, delivered from by every server process on the database: each process
//! claims the due messages it will deliver, so that each is delivered by one of them.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;

use super::{PgStore, rows::stored_row};
use crate::store::{OutboxRecord, OutboxStore};

#[async_trait]
impl OutboxStore for PgStore {
    async fn due_outbox_messages(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> anyhow::Result<Vec<OutboxRecord>> {
        // Claimed in one statement: `for update skip locked` passes over the rows another
        // process is claiming at this moment, `claimed_until` over those it claimed before
        // and may still be delivering.
        let mut rows = sqlx::query(
            "with due as (
                 select outbox_message_id from outbox_message
                 where sent_at is null and failed_at is null and next_attempt_at <= $1
                   and (claimed_until is null or claimed_until <= $1)
                 order by next_attempt_at, created_at limit $2
                 for update skip locked)
             update outbox_message as m set claimed_until = $3
             from due where m.outbox_message_id = due.outbox_message_id
             returning m.outbox_message_id, m.recipient, m.language, m.template, m.params,
                       m.sealed_secret, m.attempts, m.next_attempt_at, m.created_at",
        )
        .bind(now)
        .bind(i64::from(limit))
        .bind(now + self.outbox_lease)
        .fetch_all(&self.pool)
        .await?;
        // `returning` keeps no order.
        rows.sort_by_key(|row| {
            (
                row.try_get::<OffsetDateTime, _>("next_attempt_at").ok(),
                row.try_get::<OffsetDateTime, _>("created_at").ok(),
            )
        });
        rows.iter().map(stored_row::outbox_message).collect()
    }

    async fn mark_outbox_sent(
        &self,
        message_ids: &[String],
        at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        if message_ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "update outbox_message
             set sent_at = $1, sealed_secret = null, last_error = null, claimed_until = null
             where outbox_message_id = any($2)",
        )
        .bind(at)
        .bind(message_ids)
        .execute(&self.pool)
        .await?;
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
                "update outbox_message
                 set attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_until = null
                 where outbox_message_id = $3",
            )
            .bind(error)
            .bind(retry_at),
            None => sqlx::query(
                "update outbox_message
                 set attempts = attempts + 1, last_error = $1, failed_at = $2, sealed_secret = null,
                     claimed_until = null
                 where outbox_message_id = $3",
            )
            .bind(error)
            .bind(at),
        };
        query.bind(message_id).execute(&self.pool).await?;
        Ok(())
    }
}
