//! Retention: rows past their use are deleted, so the tables stop growing with time.
//!
//! Sign-in attempts, codes, finished registrations, delivered (or given-up) mail, ended
//! sessions and old audit events serve for a while and then for nothing: a throttle counts the
//! attempts of its window only, a code works minutes and counts for the daily limit a day,
//! a session past its timeouts is refused anyway. Each pass below deletes at most [`CHUNK`]
//! rows per table and then hands the write connection back, so a first sweep over years of
//! rows never holds up the users' own writes for long.

use sqlx::SqliteConnection;
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use crate::clock;

/// How long each kind of row is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Sign-in attempts and method checks (successful or not): the throttles' windows.
    pub sign_in_attempts: Duration,
    /// Verification codes: the longest window a code limit counts them in.
    pub codes: Duration,
    /// Registrations no longer pending (completed, locked, superseded). They go with their
    /// last code only, so a code the limits still count never leaves with its registration.
    pub finished_registrations: Duration,
    /// Outbox messages sent or given up, counted from then.
    pub finished_mail: Duration,
    /// Sessions unused this long (the idle timeout). Sessions past their absolute timeout go
    /// whatever their last use.
    pub idle_sessions: Duration,
    /// Audit events.
    pub audit_events: Duration,
}

/// Rows deleted by a sweep, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepCounts {
    /// `sign_in_attempt` and `method_check` rows.
    pub sign_in_attempts: u64,
    /// `one_time_code` rows.
    pub codes: u64,
    /// `registration` rows, and the `second_step` rows of sign-ins and step-ups.
    pub registrations: u64,
    /// `outbox_message` rows.
    pub mail: u64,
    /// `session` rows.
    pub sessions: u64,
    /// `audit_event` rows.
    pub audit_events: u64,
}

impl SweepCounts {
    /// All rows deleted.
    pub fn total(&self) -> u64 {
        self.sign_in_attempts
            + self.codes
            + self.registrations
            + self.mail
            + self.sessions
            + self.audit_events
    }
}

/// Rows each statement deletes at most before the write connection is handed back.
pub(super) const CHUNK: i64 = 1000;

// Each statement takes a cut-off time (`?1`) and the chunk size (`?2`). Codes go before
// registrations, whose deletion waits for their codes to be gone. The two session rules are
// those of the session check on every request.
const SIGN_IN_ATTEMPTS: &str = "delete from sign_in_attempt where rowid in
     (select rowid from sign_in_attempt where created_at < ?1 limit ?2)";
const METHOD_CHECKS: &str = "delete from method_check where rowid in
     (select rowid from method_check where created_at < ?1 limit ?2)";
const CODES: &str = "delete from one_time_code where rowid in
     (select rowid from one_time_code where created_at < ?1 limit ?2)";
// A pending registration past its own expiry is over too, even if nobody came back to it.
const REGISTRATIONS: &str = "delete from registration where rowid in
     (select rowid from registration as r
      where (status <> 'pending' or expires_at < ?1) and created_at < ?1
        and not exists (select 1 from one_time_code as c
                        where c.registration_id = r.registration_id)
      limit ?2)";
// A second step, likewise, once it is over and its codes are gone.
const SECOND_STEPS: &str = "delete from second_step where rowid in
     (select rowid from second_step as s
      where (status <> 'pending' or expires_at < ?1) and created_at < ?1
        and not exists (select 1 from one_time_code as c
                        where c.second_step_id = s.second_step_id)
      limit ?2)";
const MAIL: &str = "delete from outbox_message where rowid in
     (select rowid from outbox_message where sent_at < ?1 or failed_at < ?1 limit ?2)";
const ENDED_SESSIONS: &str = "delete from session where rowid in
     (select rowid from session where expires_at <= ?1 limit ?2)";
const IDLE_SESSIONS: &str = "delete from session where rowid in
     (select rowid from session where last_seen_at <= ?1 limit ?2)";
const AUDIT_EVENTS: &str = "delete from audit_event where rowid in
     (select rowid from audit_event where created_at < ?1 limit ?2)";

/// Deletes the rows `policy` no longer keeps at `now`, in passes of at most [`CHUNK`] rows per
/// statement, taking `writer` for one pass at a time.
pub(super) async fn sweep(
    writer: &Mutex<SqliteConnection>,
    now: OffsetDateTime,
    policy: &RetentionPolicy,
) -> anyhow::Result<SweepCounts> {
    let sql = [
        SIGN_IN_ATTEMPTS,
        METHOD_CHECKS,
        CODES,
        REGISTRATIONS,
        SECOND_STEPS,
        MAIL,
        ENDED_SESSIONS,
        IDLE_SESSIONS,
        AUDIT_EVENTS,
    ];
    let statements: Vec<_> = sql
        .into_iter()
        .zip(cut_offs(now, policy).map(clock::format))
        .collect();
    let mut total = [0u64; 9];
    loop {
        let mut pass = [0u64; 9];
        let mut connection = writer.lock().await;
        for ((sql, cut_off), deleted) in statements.iter().zip(&mut pass) {
            *deleted = sqlx::query(sql)
                .bind(cut_off)
                .bind(CHUNK)
                .execute(&mut *connection)
                .await?
                .rows_affected();
        }
        drop(connection);
        for (sum, deleted) in total.iter_mut().zip(pass) {
            *sum += deleted;
        }
        // A full chunk may have left more behind.
        if !pass.contains(&CHUNK.unsigned_abs()) {
            return Ok(counts(total));
        }
    }
}

/// The cut-off time of each of the nine statements of a sweep at `now`, in their order: sign-in
/// attempts, method checks, codes, registrations, second steps, mail, ended sessions (`now`
/// itself), idle sessions, audit events. Every engine deletes the same rows.
pub(super) fn cut_offs(now: OffsetDateTime, policy: &RetentionPolicy) -> [OffsetDateTime; 9] {
    [
        now - policy.sign_in_attempts,
        now - policy.sign_in_attempts,
        now - policy.codes,
        now - policy.finished_registrations,
        now - policy.finished_registrations,
        now - policy.finished_mail,
        now,
        now - policy.idle_sessions,
        now - policy.audit_events,
    ]
}

/// The sweep's counts from the rows each of the statements of [`cut_offs`] deleted.
pub(super) fn counts(total: [u64; 9]) -> SweepCounts {
    let [
        sign_in_attempts,
        method_checks,
        codes,
        registrations,
        second_steps,
        mail,
        ended,
        idle,
        audit_events,
    ] = total;
    SweepCounts {
        sign_in_attempts: sign_in_attempts + method_checks,
        codes,
        registrations: registrations + second_steps,
        mail,
        sessions: ended + idle,
        audit_events,
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;
    use time::macros::datetime;

    use super::*;
    use crate::store::{Store, sqlite::SqliteStore};

    /// The sweep's "now": a fixed time, so every age below is exact.
    const NOW: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);

    const POLICY: RetentionPolicy = RetentionPolicy {
        sign_in_attempts: Duration::minutes(15),
        codes: Duration::DAY,
        finished_registrations: Duration::DAY,
        finished_mail: Duration::WEEK,
        idle_sessions: Duration::minutes(30),
        audit_events: Duration::days(400),
    };

    /// A time `ago` before [`NOW`], as stored.
    fn ago(ago: Duration) -> String {
        clock::format(NOW - ago)
    }

    /// Just past the limit, and just inside it.
    const PAST: Duration = Duration::seconds(1);

    /// A store on a fresh database, with a second connection to write rows directly.
    async fn store() -> (tempfile::TempDir, SqliteStore, SqliteConnection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
        let store = SqliteStore::connect(&url).await.expect("store");
        let mut connection = SqliteConnection::connect(&url).await.expect("connection");
        sqlx::query(
            "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
             values ('a', 'alain@contoso.example', 'Alain', '', ?)",
        )
        .bind(ago(Duration::days(1000)))
        .execute(&mut connection)
        .await
        .expect("account");
        (dir, store, connection)
    }

    async fn run(connection: &mut SqliteConnection, sql: &str, binds: &[&str]) {
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.execute(connection).await.expect(sql);
    }

    async fn ids(connection: &mut SqliteConnection, sql: &str) -> Vec<String> {
        sqlx::query_scalar(sql)
            .fetch_all(connection)
            .await
            .expect(sql)
    }

    #[tokio::test]
    async fn rows_go_just_past_their_time_and_stay_just_before_it() {
        let (_dir, store, mut db) = store().await;
        for (id, age) in [
            ("old", POLICY.sign_in_attempts + PAST),
            ("new", POLICY.sign_in_attempts - PAST),
        ] {
            run(
                &mut db,
                "insert into sign_in_attempt values (?, 'alain@contoso.example', null, 0, ?)",
                &[id, &ago(age)],
            )
            .await;
        }
        // Registrations: finished and old without codes (gone), finished and old with a code
        // still counted (kept), pending but long expired (gone), finished and recent (kept).
        for (id, status, age) in [
            (
                "done-old",
                "completed",
                POLICY.finished_registrations + PAST,
            ),
            (
                "resent-old",
                "superseded",
                POLICY.finished_registrations + PAST,
            ),
            ("pending-old", "pending", Duration::days(30)),
            ("locked-new", "locked", POLICY.finished_registrations - PAST),
        ] {
            run(
                &mut db,
                "insert into registration values (?, 'a', 'email', ?, 0, '{}', ?, ?)",
                &[id, status, &ago(age - Duration::HOUR), &ago(age)],
            )
            .await;
        }
        for (id, registration, age) in [
            ("code-old", "done-old", POLICY.codes + PAST),
            ("code-older", "resent-old", POLICY.codes + Duration::HOUR),
            ("code-new", "resent-old", POLICY.codes - PAST),
        ] {
            run(
                &mut db,
                "insert into one_time_code (one_time_code_id, registration_id, account_id, channel, destination, code_hash, code_length, expires_at, created_at)
                 values (?, ?, 'a', 'email', 'x@gmail.com', x'00', 6, ?, ?)",
                &[id, registration, &ago(age), &ago(age)],
            )
            .await;
        }
        // Second steps: passed and old (gone), pending but long expired (gone), old with a
        // phone code the limits still count (kept), pending and recent (kept).
        for (id, status, age) in [
            (
                "step-done-old",
                "completed",
                POLICY.finished_registrations + PAST,
            ),
            ("step-abandoned", "pending", Duration::days(30)),
            (
                "step-texted-old",
                "locked",
                POLICY.finished_registrations + PAST,
            ),
            ("step-new", "pending", Duration::minutes(1)),
        ] {
            run(
                &mut db,
                "insert into second_step (second_step_id, account_id, purpose, sign_in_attempt_id, token_hash,
                                          status, language, expires_at, created_at)
                 values (?1, 'a', 'sign_in', 'attempt', ?1, ?2, 'en', ?3, ?4)",
                &[id, status, &ago(age - Duration::minutes(10)), &ago(age)],
            )
            .await;
        }
        run(
            &mut db,
            "insert into one_time_code (one_time_code_id, second_step_id, account_id, channel, destination, code_hash, code_length, expires_at, created_at)
             values ('step-code', 'step-texted-old', 'a', 'sms', '+31612345678', x'00', 6, ?1, ?1)",
            &[&ago(POLICY.codes - PAST)],
        )
        .await;
        // Mail: sent or given up past the week (gone), sent inside it (kept), and mail still
        // waiting for delivery, however old (kept: the worker gives it up itself).
        for (id, sent, failed) in [
            ("sent-old", Some(ago(POLICY.finished_mail + PAST)), None),
            ("failed-old", None, Some(ago(POLICY.finished_mail + PAST))),
            ("sent-new", Some(ago(POLICY.finished_mail - PAST)), None),
            ("waiting", None, None),
        ] {
            let created = ago(Duration::days(30));
            sqlx::query("insert into outbox_message (outbox_message_id, recipient, language, template, params, next_attempt_at, sent_at, failed_at, created_at)
                         values (?, 'x@gmail.com', 'en', 'verification_code', '{}', ?, ?, ?, ?)")
                .bind(id).bind(&created).bind(sent).bind(failed).bind(&created)
                .execute(&mut db).await.expect("outbox");
        }
        // Sessions: past the absolute timeout (gone), idle for the idle timeout (gone), in use.
        for (id, last_seen, expires) in [
            ("ended", ago(Duration::minutes(1)), ago(Duration::ZERO)),
            ("idle", ago(POLICY.idle_sessions), ago(-Duration::HOUR)),
            ("live", ago(POLICY.idle_sessions - PAST), ago(-PAST)),
        ] {
            run(
                &mut db,
                "insert into session values (?, 'a', ?, ?, ?, ?, ?)",
                &[id, id, &last_seen, &last_seen, &expires, &last_seen],
            )
            .await;
        }
        for (id, age) in [
            ("audit-old", POLICY.audit_events + PAST),
            ("audit-new", POLICY.audit_events - PAST),
        ] {
            run(
                &mut db,
                "insert into audit_event values (?, 'a', 'signed_in', null, null, null, ?)",
                &[id, &ago(age)],
            )
            .await;
        }

        let counts = store.sweep(NOW, &POLICY).await.expect("sweep");

        assert_eq!(
            counts,
            SweepCounts {
                sign_in_attempts: 1,
                codes: 2,
                registrations: 4,
                mail: 2,
                sessions: 2,
                audit_events: 1
            }
        );
        assert_eq!(
            ids(&mut db, "select sign_in_attempt_id from sign_in_attempt").await,
            ["new"]
        );
        assert_eq!(
            ids(
                &mut db,
                "select one_time_code_id from one_time_code order by 1"
            )
            .await,
            ["code-new", "step-code"]
        );
        assert_eq!(
            ids(&mut db, "select second_step_id from second_step order by 1").await,
            ["step-new", "step-texted-old"]
        );
        assert_eq!(
            ids(
                &mut db,
                "select registration_id from registration order by 1"
            )
            .await,
            ["locked-new", "resent-old"]
        );
        assert_eq!(
            ids(
                &mut db,
                "select outbox_message_id from outbox_message order by 1"
            )
            .await,
            ["sent-new", "waiting"]
        );
        assert_eq!(
            ids(&mut db, "select session_id from session").await,
            ["live"]
        );
        assert_eq!(
            ids(&mut db, "select audit_event_id from audit_event").await,
            ["audit-new"]
        );
        // Nothing is left to do.
        assert_eq!(
            store.sweep(NOW, &POLICY).await.expect("sweep"),
            SweepCounts::default()
        );
    }

    #[tokio::test]
    async fn a_large_backlog_goes_in_chunks_until_none_is_left() {
        let (_dir, store, mut db) = store().await;
        let backlog = 2 * CHUNK + 500;
        sqlx::query(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
             insert into audit_event (audit_event_id, account_id, kind, created_at)
             select 'old-' || i, 'a', 'signed_in', ? from n",
        )
        .bind(backlog)
        .bind(ago(Duration::days(401)))
        .execute(&mut db)
        .await
        .expect("backlog");
        run(&mut db, "insert into audit_event (audit_event_id, account_id, kind, created_at) values ('new', 'a', 'signed_in', ?)", &[&ago(Duration::DAY)]).await;

        let counts = store.sweep(NOW, &POLICY).await.expect("sweep");

        assert_eq!(counts.audit_events, backlog.unsigned_abs());
        assert_eq!(counts.total(), backlog.unsigned_abs());
        assert_eq!(
            ids(&mut db, "select audit_event_id from audit_event").await,
            ["new"]
        );
    }
}
