//! The sweep (see [`crate::store::retention`]) on PostgreSQL: the same rows go, chosen by the
//! same cut-offs, in chunks of the same size; each statement commits on its own, so a first
//! sweep over years of rows never holds locks for long.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::store::{
    RetentionPolicy, SweepCounts,
    retention::{CHUNK, counts, cut_offs},
};

// In the order of `cut_offs`: each takes the cut-off (`$1`) and the chunk size (`$2`). `ctid`
// stands for SQLite's rowid: the row's place, enough to delete the rows just chosen.
const STATEMENTS: [&str; 9] = [
    "delete from sign_in_attempt where ctid in
     (select ctid from sign_in_attempt where created_at < $1 limit $2)",
    "delete from method_check where ctid in
     (select ctid from method_check where created_at < $1 limit $2)",
    "delete from one_time_code where ctid in
     (select ctid from one_time_code where created_at < $1 limit $2)",
    "delete from registration where ctid in
     (select ctid from registration as r
      where (status <> 'pending' or expires_at < $1) and created_at < $1
        and not exists (select 1 from one_time_code as c
                        where c.registration_id = r.registration_id)
      limit $2)",
    "delete from second_step where ctid in
     (select ctid from second_step as s
      where (status <> 'pending' or expires_at < $1) and created_at < $1
        and not exists (select 1 from one_time_code as c
                        where c.second_step_id = s.second_step_id)
      limit $2)",
    "delete from outbox_message where ctid in
     (select ctid from outbox_message where sent_at < $1 or failed_at < $1 limit $2)",
    "delete from session where ctid in
     (select ctid from session where expires_at <= $1 limit $2)",
    "delete from session where ctid in
     (select ctid from session where last_seen_at <= $1 limit $2)",
    "delete from audit_event where ctid in
     (select ctid from audit_event where created_at < $1 limit $2)",
];

/// Deletes the rows `policy` no longer keeps at `now`, in passes of at most [`CHUNK`] rows per
/// statement.
pub(super) async fn sweep(
    pool: &PgPool,
    now: OffsetDateTime,
    policy: &RetentionPolicy,
) -> anyhow::Result<SweepCounts> {
    let cut_offs = cut_offs(now, policy);
    let mut total = [0u64; 9];
    loop {
        let mut pass = [0u64; 9];
        for ((sql, cut_off), deleted) in STATEMENTS.iter().zip(cut_offs).zip(&mut pass) {
            *deleted = sqlx::query(sql)
                .bind(cut_off)
                .bind(CHUNK)
                .execute(pool)
                .await?
                .rows_affected();
        }
        for (sum, deleted) in total.iter_mut().zip(pass) {
            *sum += deleted;
        }
        // A full chunk may have left more behind.
        if !pass.contains(&CHUNK.unsigned_abs()) {
            return Ok(counts(total));
        }
    }
}
