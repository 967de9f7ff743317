//! The SQLite implementation of [`Store`]: WAL mode, foreign keys on, migrations at start.
//! Writes that check a rule first run in `BEGIN IMMEDIATE` transactions, which SQLite
//! serializes, so two concurrent requests cannot both slip under a limit.
//!
//! Every write goes through one connection of its own, behind an async mutex; reads go
//! through read-only connections (see [`Readers`]). SQLite allows one writer at a time anyway; when
//! several connections competed for that lock, the losers got `SQLITE_BUSY` and SQLite's
//! busy handler put them to sleep for 1, 2, 5, 10, ... ms, polling (3,300 such sleeps in
//! 1,000 registration cycles). Queued on the mutex instead, they wait their turn in order and
//! wake as soon as it is free. (A pool of one would do the same but pings the connection on
//! every return, one more round trip to its thread while the write lock is still held.)

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration as StdDuration,
};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::{
    Connection, Row, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteRow, SqliteSynchronous},
};
use time::{Duration, OffsetDateTime};
use tokio::sync::{Mutex, MutexGuard};

use super::{files, method_cache::MethodCache, retention, *};
use crate::clock;

/// Migrations of this engine, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Connections to one SQLite database: one for writes, several for reads.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Read-only (`query_only`) connections.
    readers: Arc<Readers>,
    /// The one connection that writes. A dropped, uncommitted transaction queues its rollback
    /// on the connection's thread before the next holder's first statement.
    writer: Arc<Mutex<SqliteConnection>>,
    /// Method lists by account, forgotten by the writes that change them.
    methods: Arc<MethodCache>,
}

/// Read connections: a request makes at most one read at a time, and two cores are busy
/// with more than this many.
const READERS: usize = 8;

/// The read-only connections, each behind an async mutex of its own, taken in turn.
///
/// Not an `sqlx::Pool`: the pool pings every connection given back to it, a full round trip
/// to the connection's thread (a thread wake-up each way) after every query, doubling the
/// cost of the point reads that make up the hot paths. An SQLite connection needs no such
/// check: a query whose caller went away still runs to its end on the connection's thread,
/// before the next one.
#[derive(Debug)]
struct Readers {
    connections: Vec<Mutex<SqliteConnection>>,
    next: AtomicUsize,
}

impl Readers {
    /// An idle connection if there is one, else the next in turn once it is free.
    async fn get(&self) -> MutexGuard<'_, SqliteConnection> {
        let count = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for offset in 0..count {
            if let Ok(connection) = self.connections[(start + offset) % count].try_lock() {
                return connection;
            }
        }
        self.connections[start % count].lock().await
    }
}

impl SqliteStore {
    /// Opens (creating file and folder when needed, readable by this user only) and migrates
    /// the database at `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("SECURITY_INFO_DATABASE_URL is not a valid SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(StdDuration::from_secs(10));
        if !files::is_in_memory(url) {
            files::prepare(options.get_filename())?;
        }
        let mut writer = SqliteConnection::connect_with(&options)
            .await
            .context("cannot open the database")?;
        MIGRATOR
            .run(&mut writer)
            .await
            .context("database migrations failed")?;
        let read_only = options.pragma("query_only", "true");
        let mut connections = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let connection = SqliteConnection::connect_with(&read_only)
                .await
                .context("cannot open the database")?;
            connections.push(Mutex::new(connection));
        }
        Ok(Self {
            readers: Arc::new(Readers {
                connections,
                next: AtomicUsize::new(0),
            }),
            writer: Arc::new(Mutex::new(writer)),
            methods: Arc::default(),
        })
    }
}

impl SqliteStore {
    // The two writes that change an account's methods forget its cached list when their
    // transaction is over. They run as tasks of their own, so a request dropped mid-commit
    // (the client went away) does not drop them before the commit has really happened: the
    // list would be forgotten too early and a read in between could store the old one again.

    /// [`Store::delete_method`], run as its own task (see the comment above).
    async fn delete_method_to_the_end(
        &self,
        account_id: &str,
        method_id: &str,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let mut writer = self.writer.lock().await;
        let _forget = self.methods.invalidation(account_id);
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let Some(row) = sqlx::query(
            "delete from method where account_id = ? and method_id = ?
             returning method_id, method_type, email_address, created_at",
        )
        .bind(account_id)
        .bind(method_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let method = method_from_row(&row)?;
        insert_audit_and_outbox(&mut tx, audit, notification).await?;
        tx.commit().await?;
        Ok(Some(method))
    }

    /// [`Store::complete_email_registration`], run as its own task (see
    /// [`SqliteStore::forgetting`]).
    async fn complete_email_registration_to_the_end(
        &self,
        registration_id: &str,
        method: &NewMethod,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<CompleteOutcome> {
        let mut writer = self.writer.lock().await;
        let _forget = self.methods.invalidation(&method.account_id);
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "update email_registration set status = 'completed'
             where email_registration_id = ? and account_id = ? and status = 'pending'",
        )
        .bind(registration_id)
        .bind(&method.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(CompleteOutcome::NotPending);
        }
        let inserted = sqlx::query(
            "insert into method (method_id, account_id, method_type, email_address, created_at)
             values (?, ?, ?, ?, ?) on conflict (account_id, method_type) do nothing",
        )
        .bind(&method.method_id)
        .bind(&method.account_id)
        .bind(&method.method_type)
        .bind(&method.email_address)
        .bind(ts(method.created_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Leave the registration pending: the user may delete the old method and retry.
            tx.rollback().await?;
            return Ok(CompleteOutcome::AlreadyRegistered);
        }
        insert_audit_and_outbox(&mut tx, audit, notification).await?;
        tx.commit().await?;
        Ok(CompleteOutcome::Added)
    }
}

fn ts(at: OffsetDateTime) -> String {
    clock::format(at)
}

fn get_ts(row: &SqliteRow, column: &str) -> anyhow::Result<OffsetDateTime> {
    clock::parse(&row.try_get::<String, _>(column)?)
}

/// A query with its arguments bound so far.
type BoundQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

// The inserts that every change makes are kept as SQL plus a function binding their
// arguments, so that several can go to the connection in one query: sqlx runs a query of
// several statements in one round trip to the connection's thread, binding the arguments in
// order. On the one writer connection every round trip saved is time the next writer does
// not wait.

const INSERT_AUDIT: &str = "insert into audit_event (audit_event_id, account_id, kind, ip_address, user_agent, detail, created_at)
     values (?, ?, ?, ?, ?, ?, ?)";

fn bind_audit<'q>(query: BoundQuery<'q>, audit: &'q NewAuditEvent) -> BoundQuery<'q> {
    query
        .bind(&audit.audit_event_id)
        .bind(&audit.account_id)
        .bind(audit.kind)
        .bind(&audit.ip_address)
        .bind(&audit.user_agent)
        .bind(&audit.detail)
        .bind(ts(audit.created_at))
}

const INSERT_OUTBOX: &str = "insert into outbox_message (outbox_message_id, recipient, language, template, params, sealed_secret,
                                 attempts, next_attempt_at, created_at)
     values (?, ?, ?, ?, ?, ?, 0, ?, ?)";

fn bind_outbox<'q>(query: BoundQuery<'q>, mail: &'q NewOutboxMessage) -> BoundQuery<'q> {
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

const INSERT_CODE: &str = "insert into verification_code (verification_code_id, email_registration_id, account_id, email_address,
                                    code_hash, code_length, expires_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)";

fn bind_code<'q>(query: BoundQuery<'q>, code: &'q NewVerificationCode) -> BoundQuery<'q> {
    query
        .bind(&code.verification_code_id)
        .bind(&code.email_registration_id)
        .bind(&code.account_id)
        .bind(&code.email_address)
        .bind(&code.code_hash)
        .bind(i64::from(code.code_length))
        .bind(ts(code.expires_at))
        .bind(ts(code.created_at))
}

async fn insert_audit(conn: &mut SqliteConnection, audit: &NewAuditEvent) -> anyhow::Result<()> {
    bind_audit(sqlx::query(INSERT_AUDIT), audit)
        .execute(conn)
        .await?;
    Ok(())
}

/// A change's audit event and its notification, in one round trip.
async fn insert_audit_and_outbox(
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

/// A new code, its mail and its audit event, in one round trip.
async fn insert_code_outbox_and_audit(
    conn: &mut SqliteConnection,
    code: &NewVerificationCode,
    mail: &NewOutboxMessage,
    audit: &NewAuditEvent,
) -> anyhow::Result<()> {
    let sql = format!("{INSERT_CODE}; {INSERT_OUTBOX}; {INSERT_AUDIT}");
    bind_audit(bind_outbox(bind_code(sqlx::query(&sql), code), mail), audit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Checks the per-account and per-address quotas for a code about to be sent at `now`.
async fn check_quota(
    conn: &mut SqliteConnection,
    code: &NewVerificationCode,
    limits: &CodeLimits,
) -> anyhow::Result<Option<LimitHit>> {
    let now = code.created_at;
    let checks = [
        (
            "select count(*) as n, min(created_at) as oldest from verification_code
             where account_id = ? and created_at > ?",
            code.account_id.as_str(),
            Duration::HOUR,
            limits.per_account_per_hour,
        ),
        (
            "select count(*) as n, min(created_at) as oldest from verification_code
             where email_address = ? collate nocase and created_at > ?",
            code.email_address.as_str(),
            Duration::DAY,
            limits.per_address_per_day,
        ),
    ];
    for (sql, key, window, limit) in checks {
        let row = sqlx::query(sql)
            .bind(key)
            .bind(ts(now - window))
            .fetch_one(&mut *conn)
            .await?;
        let count: i64 = row.try_get("n")?;
        if count >= i64::from(limit) {
            let oldest = row
                .try_get::<Option<String>, _>("oldest")?
                .map(|t| clock::parse(&t))
                .transpose()?
                .unwrap_or(now);
            return Ok(Some(LimitHit::Quota {
                until: oldest + window,
            }));
        }
    }
    Ok(None)
}

fn account_from_row(row: &SqliteRow) -> anyhow::Result<AccountRecord> {
    Ok(AccountRecord {
        account_id: row.try_get("account_id")?,
        user_principal_name: row.try_get("user_principal_name")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        language: row.try_get("language")?,
    })
}

fn method_from_row(row: &SqliteRow) -> anyhow::Result<MethodRecord> {
    Ok(MethodRecord {
        method_id: row.try_get("method_id")?,
        method_type: row.try_get("method_type")?,
        email_address: row.try_get("email_address")?,
        created_at: get_ts(row, "created_at")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("select 1")
            .execute(&mut *self.readers.get().await)
            .await?;
        Ok(())
    }

    async fn server_secret(&self, name: &str, generate: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "insert into server_secret (server_secret_id, value, created_at) values (?, ?, ?)
             on conflict (server_secret_id) do nothing",
        )
        .bind(name)
        .bind(generate)
        .bind(ts(clock::now()))
        .execute(&mut *tx)
        .await?;
        let value: Vec<u8> =
            sqlx::query_scalar("select value from server_secret where server_secret_id = ?")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn upsert_account(
        &self,
        account: &NewAccount,
        replace_password: bool,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let existing: Option<String> =
            sqlx::query_scalar("select account_id from account where user_principal_name = ?")
                .bind(&account.user_principal_name)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            None => {
                sqlx::query(
                    "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
                     values (?, ?, ?, ?, ?)",
                )
                .bind(&account.account_id)
                .bind(&account.user_principal_name)
                .bind(&account.display_name)
                .bind(&account.password_hash)
                .bind(ts(clock::now()))
                .execute(&mut *tx)
                .await?;
            }
            Some(account_id) => {
                sqlx::query("update account set display_name = ? where account_id = ?")
                    .bind(&account.display_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                if replace_password {
                    sqlx::query("update account set password_hash = ? where account_id = ?")
                        .bind(&account.password_hash)
                        .bind(&account_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRecord>> {
        sqlx::query("select * from account where user_principal_name = ?")
            .bind(username)
            .fetch_optional(&mut *self.readers.get().await)
            .await?
            .as_ref()
            .map(account_from_row)
            .transpose()
    }

    async fn external_account(
        &self,
        identity: &ExternalIdentity,
        profile: &NewAccount,
    ) -> anyhow::Result<ExternalAccountOutcome> {
        const BY_IDENTITY: &str = "select account.* from account
             join external_identity using (account_id)
             where external_identity.issuer = ? and external_identity.subject = ?";
        let existing = sqlx::query(BY_IDENTITY)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&mut *self.readers.get().await)
            .await?
            .as_ref()
            .map(account_from_row)
            .transpose()?;
        if let Some(account) = &existing
            && account.display_name == profile.display_name
            && account.user_principal_name == profile.user_principal_name
        {
            return Ok(ExternalAccountOutcome::Account(account.clone()));
        }
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let account_id: Option<String> = sqlx::query_scalar(
            "select account_id from external_identity where issuer = ? and subject = ?",
        )
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let holder: Option<String> =
            sqlx::query_scalar("select account_id from account where user_principal_name = ?")
                .bind(&profile.user_principal_name)
                .fetch_optional(&mut *tx)
                .await?;
        let account_id = match account_id {
            Some(account_id) => {
                sqlx::query("update account set display_name = ? where account_id = ?")
                    .bind(&profile.display_name)
                    .bind(&account_id)
                    .execute(&mut *tx)
                    .await?;
                if holder.is_none() {
                    sqlx::query("update account set user_principal_name = ? where account_id = ?")
                        .bind(&profile.user_principal_name)
                        .bind(&account_id)
                        .execute(&mut *tx)
                        .await?;
                }
                account_id
            }
            None if holder.is_some() => return Ok(ExternalAccountOutcome::NameTaken),
            None => {
                let now = ts(clock::now());
                sqlx::query(
                    "insert into account (account_id, user_principal_name, display_name, password_hash, created_at)
                     values (?, ?, ?, '', ?)",
                )
                .bind(&profile.account_id)
                .bind(&profile.user_principal_name)
                .bind(&profile.display_name)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into external_identity (external_identity_id, account_id, issuer, subject, created_at)
                     values (?, ?, ?, ?, ?)",
                )
                .bind(crate::random::id()?)
                .bind(&profile.account_id)
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                profile.account_id.clone()
            }
        };
        let account = sqlx::query("select * from account where account_id = ?")
            .bind(&account_id)
            .fetch_one(&mut *tx)
            .await?;
        let account = account_from_row(&account)?;
        tx.commit().await?;
        Ok(ExternalAccountOutcome::Account(account))
    }

    async fn failed_sign_ins(
        &self,
        username: &str,
        ip_address: Option<&str>,
        since: OffsetDateTime,
    ) -> anyhow::Result<FailedSignIns> {
        let by_account = sqlx::query(
            "select count(*) as n, min(created_at) as oldest from sign_in_attempt
             where username = ? and succeeded = 0 and created_at > ?",
        )
        .bind(username)
        .bind(ts(since))
        .fetch_one(&mut *self.readers.get().await)
        .await?;
        let by_ip = sqlx::query(
            "select count(*) as n, min(created_at) as oldest from sign_in_attempt
             where ip_address = ? and succeeded = 0 and created_at > ?",
        )
        .bind(ip_address)
        .bind(ts(since))
        .fetch_one(&mut *self.readers.get().await)
        .await?;
        let oldest = |row: &SqliteRow| -> anyhow::Result<Option<OffsetDateTime>> {
            row.try_get::<Option<String>, _>("oldest")?
                .map(|t| clock::parse(&t))
                .transpose()
        };
        Ok(FailedSignIns {
            for_account: u32::try_from(by_account.try_get::<i64, _>("n")?).unwrap_or(u32::MAX),
            oldest_for_account: oldest(&by_account)?,
            from_ip: u32::try_from(by_ip.try_get::<i64, _>("n")?).unwrap_or(u32::MAX),
            oldest_from_ip: oldest(&by_ip)?,
        })
    }

    async fn record_failed_sign_in(
        &self,
        username: &str,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let (ip, at) = match audit {
            Some(a) => (a.ip_address.clone(), a.created_at),
            None => (None, clock::now()),
        };
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values (?, ?, ?, 0, ?)",
        )
        .bind(crate::random::id()?)
        .bind(username)
        .bind(ip)
        .bind(ts(at))
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit.filter(|a| a.account_id.is_some()) {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        session: &NewSession,
        language: &str,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let now = ts(session.created_at);
        sqlx::query(
            "insert into sign_in_attempt (sign_in_attempt_id, username, ip_address, succeeded, created_at)
             values (?, ?, ?, 1, ?)",
        )
        .bind(crate::random::id()?)
        .bind(&session.username)
        .bind(&session.ip_address)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into session (session_id, account_id, token_hash, authenticated_at, last_seen_at, expires_at, created_at)
             values (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&session.session_id)
        .bind(&session.account_id)
        .bind(&session.token_hash)
        .bind(&now)
        .bind(&now)
        .bind(ts(session.expires_at))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update account set language = ? where account_id = ?")
            .bind(language)
            .bind(&session.account_id)
            .execute(&mut *tx)
            .await?;
        // Housekeeping: expired sessions of this account go.
        sqlx::query("delete from session where account_id = ? and expires_at <= ?")
            .bind(&session.account_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<SessionRecord>> {
        let Some(row) = sqlx::query(
            "select session_id, account_id, authenticated_at, last_seen_at, expires_at
             from session where token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            session_id: row.try_get("session_id")?,
            account_id: row.try_get("account_id")?,
            authenticated_at: get_ts(&row, "authenticated_at")?,
            last_seen_at: get_ts(&row, "last_seen_at")?,
            expires_at: get_ts(&row, "expires_at")?,
        }))
    }

    async fn session_with_account(
        &self,
        token_hash: &str,
    ) -> anyhow::Result<Option<(SessionRecord, AccountRecord)>> {
        let Some(row) = sqlx::query(
            "select session.session_id, session.authenticated_at, session.last_seen_at,
                    session.expires_at, account.account_id, account.user_principal_name,
                    account.display_name, account.password_hash, account.language
             from session join account using (account_id) where session.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        else {
            return Ok(None);
        };
        let account = account_from_row(&row)?;
        let session = SessionRecord {
            session_id: row.try_get("session_id")?,
            account_id: account.account_id.clone(),
            authenticated_at: get_ts(&row, "authenticated_at")?,
            last_seen_at: get_ts(&row, "last_seen_at")?,
            expires_at: get_ts(&row, "expires_at")?,
        };
        Ok(Some((session, account)))
    }

    async fn touch_session(&self, session_id: &str, at: OffsetDateTime) -> anyhow::Result<()> {
        sqlx::query(
            "update session set last_seen_at = ? where session_id = ? and last_seen_at < ?",
        )
        .bind(ts(at))
        .bind(session_id)
        .bind(ts(at))
        .execute(&mut *self.writer.lock().await)
        .await?;
        Ok(())
    }

    async fn reauthenticate_session(
        &self,
        session_id: &str,
        at: OffsetDateTime,
        audit: &NewAuditEvent,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "update session set authenticated_at = ?, last_seen_at = ? where session_id = ?",
        )
        .bind(ts(at))
        .bind(ts(at))
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(
        &self,
        session_id: &str,
        audit: Option<&NewAuditEvent>,
    ) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("delete from session where session_id = ?")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn list_methods(&self, account_id: &str) -> anyhow::Result<Vec<MethodRecord>> {
        let miss = match self.methods.get(account_id) {
            Ok(list) => return Ok(list),
            Err(miss) => miss,
        };
        let list = sqlx::query(
            "select method_id, method_type, email_address, created_at from method
             where account_id = ? order by created_at, method_id",
        )
        .bind(account_id)
        .fetch_all(&mut *self.readers.get().await)
        .await?
        .iter()
        .map(method_from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
        self.methods.store(account_id, miss, &list);
        Ok(list)
    }

    async fn delete_method(
        &self,
        account_id: &str,
        method_id: &str,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<Option<MethodRecord>> {
        let (store, account_id, method_id) =
            (self.clone(), account_id.to_owned(), method_id.to_owned());
        let (audit, notification) = (audit.clone(), notification.clone());
        tokio::spawn(async move {
            store
                .delete_method_to_the_end(&account_id, &method_id, &audit, &notification)
                .await
        })
        .await?
    }

    async fn start_email_registration(
        &self,
        registration: &NewEmailRegistration,
        code: &NewVerificationCode,
        mail: &NewOutboxMessage,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(hit) = check_quota(&mut tx, code, limits).await? {
            return Ok(Err(hit));
        }
        sqlx::query(
            "update email_registration set status = 'superseded' where account_id = ? and status = 'pending';
             insert into email_registration (email_registration_id, account_id, email_address, language, status,
                                             failed_attempts, created_at)
             values (?, ?, ?, ?, 'pending', 0, ?)",
        )
        .bind(&registration.account_id)
        .bind(&registration.email_registration_id)
        .bind(&registration.account_id)
        .bind(&registration.email_address)
        .bind(&registration.language)
        .bind(ts(registration.created_at))
        .execute(&mut *tx)
        .await?;
        insert_code_outbox_and_audit(&mut tx, code, mail, audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn email_registration(
        &self,
        account_id: &str,
        registration_id: &str,
    ) -> anyhow::Result<Option<EmailRegistrationRecord>> {
        let Some(row) = sqlx::query(
            "select email_registration_id, email_address, language, status, failed_attempts
             from email_registration where account_id = ? and email_registration_id = ?",
        )
        .bind(account_id)
        .bind(registration_id)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        else {
            return Ok(None);
        };
        let code = sqlx::query(
            "select code_hash, code_length, expires_at, created_at from verification_code
             where email_registration_id = ? order by created_at desc, rowid desc limit 1",
        )
        .bind(registration_id)
        .fetch_optional(&mut *self.readers.get().await)
        .await?
        .map(|row| -> anyhow::Result<VerificationCodeRecord> {
            Ok(VerificationCodeRecord {
                code_hash: row.try_get("code_hash")?,
                code_length: u8::try_from(row.try_get::<i64, _>("code_length")?)?,
                expires_at: get_ts(&row, "expires_at")?,
                created_at: get_ts(&row, "created_at")?,
            })
        })
        .transpose()?;
        Ok(Some(EmailRegistrationRecord {
            email_registration_id: row.try_get("email_registration_id")?,
            email_address: row.try_get("email_address")?,
            language: row.try_get("language")?,
            status: RegistrationStatus::from_db(&row.try_get::<String, _>("status")?)?,
            failed_attempts: u32::try_from(row.try_get::<i64, _>("failed_attempts")?)?,
            code,
        }))
    }

    async fn add_verification_code(
        &self,
        code: &NewVerificationCode,
        mail: &NewOutboxMessage,
        audit: &NewAuditEvent,
        limits: &CodeLimits,
    ) -> anyhow::Result<Result<(), LimitHit>> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let status: Option<String> = sqlx::query_scalar(
            "select status from email_registration where email_registration_id = ?",
        )
        .bind(&code.email_registration_id)
        .fetch_optional(&mut *tx)
        .await?;
        if status.as_deref() != Some("pending") {
            return Ok(Err(LimitHit::NotPending));
        }
        let last: Option<String> = sqlx::query_scalar(
            "select max(created_at) from verification_code where email_registration_id = ?",
        )
        .bind(&code.email_registration_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(last) = last {
            let until = clock::parse(&last)? + limits.resend_cooldown;
            if until > code.created_at {
                return Ok(Err(LimitHit::Cooldown { until }));
            }
        }
        if let Some(hit) = check_quota(&mut tx, code, limits).await? {
            return Ok(Err(hit));
        }
        insert_code_outbox_and_audit(&mut tx, code, mail, audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn record_failed_verification(
        &self,
        registration_id: &str,
        seen_attempts: u32,
        lock: bool,
        audits: &[NewAuditEvent],
    ) -> anyhow::Result<bool> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let status = if lock { "locked" } else { "pending" };
        let updated = sqlx::query(
            "update email_registration set failed_attempts = failed_attempts + 1, status = ?
             where email_registration_id = ? and status = 'pending' and failed_attempts = ?",
        )
        .bind(status)
        .bind(registration_id)
        .bind(i64::from(seen_attempts))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        for audit in audits {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn complete_email_registration(
        &self,
        registration_id: &str,
        method: &NewMethod,
        audit: &NewAuditEvent,
        notification: &NewOutboxMessage,
    ) -> anyhow::Result<CompleteOutcome> {
        let (store, registration_id, method) =
            (self.clone(), registration_id.to_owned(), method.clone());
        let (audit, notification) = (audit.clone(), notification.clone());
        tokio::spawn(async move {
            store
                .complete_email_registration_to_the_end(
                    &registration_id,
                    &method,
                    &audit,
                    &notification,
                )
                .await
        })
        .await?
    }

    async fn list_activity(
        &self,
        account_id: &str,
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
        .map(|row| {
            Ok(AuditEventRecord {
                audit_event_id: row.try_get("audit_event_id")?,
                kind: row.try_get("kind")?,
                ip_address: row.try_get("ip_address")?,
                user_agent: row.try_get("user_agent")?,
                detail: row.try_get("detail")?,
                created_at: get_ts(row, "created_at")?,
            })
        })
        .collect()
    }

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
        .map(|row| {
            Ok(OutboxRecord {
                outbox_message_id: row.try_get("outbox_message_id")?,
                recipient: row.try_get("recipient")?,
                language: row.try_get("language")?,
                template: row.try_get("template")?,
                params: row.try_get("params")?,
                sealed_secret: row.try_get("sealed_secret")?,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?)?,
                created_at: get_ts(row, "created_at")?,
            })
        })
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

    async fn sweep(
        &self,
        now: OffsetDateTime,
        policy: &RetentionPolicy,
    ) -> anyhow::Result<SweepCounts> {
        retention::sweep(&self.writer, now, policy).await
    }
}
