//! `security-info-server accounts ...`: operators add, import, disable and enable accounts and
//! clear a user's methods, on the server's own database and while the server runs. Every
//! change is one transaction with its audit event (no address or browser; the detail names
//! the operator), and bumps the store generation so that the running server forgets the
//! method lists it keeps in memory (see `CachedMethods`).
//!
//! Results go to stdout, errors to stderr. Exit status: 0 done, 1 refused (bad input, an
//! account that exists or does not, refused import rows) or failed, 2 usage (clap's own, or
//! settings that cannot work).

pub(crate) mod rows;

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    str::FromStr,
};

use clap::{Args, Subcommand};
use security_info_api::ActivityKind;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::task::JoinSet;

pub use rows::Format;
use rows::{Row, Rows};

use crate::{
    clock,
    config::Config,
    domain::{audit, password::PasswordHasher},
    mail::outbox,
    random,
    secret::Secret,
    store::{
        AccountChange, AccountId, AccountRecord, NewAccount, NewAuditEvent, OUTSIDE_CHANGE_SETTLES,
        Store, postgres, sqlite::SqliteStore,
    },
};

/// Waits until every running server has seen the change (see `CachedMethods`): only then
/// may the command end and the operator rely on it.
async fn settle() {
    tokio::time::sleep(OUTSIDE_CHANGE_SETTLES).await;
}

/// `accounts` subcommands.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account. Without `--password-stdin` it has no password: it signs in only
    /// through the identity provider or a portal's tokens.
    Add(AddArgs),
    /// Create and update accounts from a CSV file (header
    /// `userPrincipalName,displayName,language,password`, password optional) or JSON lines
    /// with the same fields. Idempotent: a row that matches its account changes nothing.
    /// Every refused row is reported by line; the others are imported in one transaction.
    Import(ImportArgs),
    /// Disable an account: it cannot sign in (answered as a wrong password), its sessions end
    /// at once and its bearer tokens are refused.
    Disable {
        /// The account's user principal name (sign-in address).
        user_principal_name: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account's user principal name (sign-in address).
        user_principal_name: String,
    },
    /// Require re-registration: delete every method of the account, its pending
    /// registrations and recovery codes, end its sessions, and tell the user by mail.
    ClearMethods {
        /// The account's user principal name (sign-in address).
        user_principal_name: String,
    },
}

/// `accounts add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The user principal name: the address the user signs in with.
    pub user_principal_name: String,
    /// The name the page greets the user with.
    #[arg(long)]
    pub display_name: String,
    /// The language of the user's mail until they sign in (then their browser's).
    #[arg(long, value_parser = ["en", "nl"], default_value = "en")]
    pub language: String,
    /// Read the password from standard input (its first line; at least 8 characters).
    #[arg(long)]
    pub password_stdin: bool,
}

/// `accounts import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: `.csv` or `.jsonl` (else say `--format`).
    pub file: PathBuf,
    /// The file's format, when its extension does not tell.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Only check the file and say what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also set the password of existing accounts whose row has one (by default passwords are
    /// set for new accounts only).
    #[arg(long)]
    pub reset_passwords: bool,
}

/// Why a command did not do (all) its work.
#[derive(Debug)]
enum Failure {
    /// The input was refused (exit 1); the message says why.
    Refused(String),
    /// The settings cannot work (exit 2).
    Usage(String),
    /// Something failed (exit 1).
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::Error(error)
    }
}

/// Exit status of a refusal or failure.
const REFUSED: u8 = 1;
/// Exit status of a usage error (as clap's own).
const USAGE: u8 = 2;

/// Runs `command` with the server's settings; prints its results and errors.
pub async fn run(config: &Config, command: AccountsCommand) -> ExitCode {
    match execute(config, command).await {
        Ok(code) => code,
        Err(Failure::Refused(message)) => {
            eprintln!("refused: {message}");
            ExitCode::from(REFUSED)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
        Err(Failure::Error(error)) => {
            eprintln!("failed: {error:#}");
            ExitCode::from(REFUSED)
        }
    }
}

async fn execute(config: &Config, command: AccountsCommand) -> Result<ExitCode, Failure> {
    // Checked before the database is opened: a refused command leaves no trace.
    let prepared = match command {
        AccountsCommand::Add(args) => Prepared::Add(prepare_add(args)?),
        AccountsCommand::Import(args) => Prepared::Import(prepare_import(args)?),
        AccountsCommand::Disable {
            user_principal_name,
        } => Prepared::Disable(address(&user_principal_name)?, true),
        AccountsCommand::Enable {
            user_principal_name,
        } => Prepared::Disable(address(&user_principal_name)?, false),
        AccountsCommand::ClearMethods {
            user_principal_name,
        } => Prepared::ClearMethods(address(&user_principal_name)?),
    };
    let store = open(config).await?;
    let operator = Operator::current();
    match prepared {
        Prepared::Add(row) => add(store.as_ref(), &operator, row).await,
        Prepared::Import(import) => import_rows(store.as_ref(), &operator, import).await,
        Prepared::Disable(upn, disable) => {
            set_disabled(store.as_ref(), &operator, &upn, disable).await
        }
        Prepared::ClearMethods(upn) => clear_methods(store.as_ref(), &operator, config, &upn).await,
    }
}

/// A command whose input was read and checked.
enum Prepared {
    Add(Row),
    Import(Import),
    Disable(String, bool),
    ClearMethods(String),
}

/// An import's checked rows and options.
struct Import {
    rows: Rows,
    dry_run: bool,
    reset_passwords: bool,
}

/// A user principal name as accounts are stored (see [`rows::check_account`]).
fn address(user_principal_name: &str) -> Result<String, Failure> {
    rows::check_account(user_principal_name, "-", None)
        .map(|(address, _, _)| address)
        .map_err(Failure::Refused)
}

fn prepare_add(args: AddArgs) -> Result<Row, Failure> {
    let (user_principal_name, display_name, language) = rows::check_account(
        &args.user_principal_name,
        &args.display_name,
        Some(args.language.as_str()),
    )
    .map_err(Failure::Refused)?;
    let password = if args.password_stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|error| Failure::Refused(format!("cannot read the password: {error}")))?;
        let password = input.lines().next().unwrap_or_default().to_owned();
        rows::check_password(&password).map_err(Failure::Refused)?;
        Some(Secret::new(password))
    } else {
        None
    };
    Ok(Row {
        line: 0,
        user_principal_name,
        display_name,
        language,
        password,
    })
}

fn prepare_import(args: ImportArgs) -> Result<Import, Failure> {
    let format = match args.format {
        Some(format) => format,
        None => format_of(&args.file).ok_or_else(|| {
            Failure::Usage(format!(
                "{}: say --format csv or --format jsonl (the extension is not .csv or .jsonl)",
                args.file.display()
            ))
        })?,
    };
    let bytes = std::fs::read(&args.file)
        .map_err(|error| Failure::Refused(format!("{}: {error}", args.file.display())))?;
    let rows = rows::read(&bytes, format)
        .map_err(|reason| Failure::Refused(format!("{}: {reason}", args.file.display())))?;
    Ok(Import {
        rows,
        dry_run: args.dry_run,
        reset_passwords: args.reset_passwords,
    })
}

/// The format an extension names.
fn format_of(path: &Path) -> Option<Format> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "csv" => Some(Format::Csv),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        _ => None,
    }
}

/// Opens the server's database, SQLite or PostgreSQL. A SQLite file that does not exist is
/// refused rather than created: a command run in another folder than the server's (the
/// default URL is relative) would otherwise fill a database no server reads.
async fn open(config: &Config) -> Result<Box<dyn Store>, Failure> {
    let url = config.database_url.expose();
    if postgres::is_postgres_url(url) {
        return Ok(Box::new(postgres::PgStore::connect(url).await?));
    }
    if !url.starts_with("sqlite:") {
        return Err(Failure::Usage(
            "SECURITY_INFO_DATABASE_URL must be a sqlite: or postgres: URL".to_owned(),
        ));
    }
    let options = SqliteConnectOptions::from_str(url).map_err(|_| {
        Failure::Usage("SECURITY_INFO_DATABASE_URL is not a valid SQLite URL".to_owned())
    })?;
    let file = options.get_filename();
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(Failure::Usage(
            "SECURITY_INFO_DATABASE_URL is an in-memory database: there are no accounts to manage"
                .to_owned(),
        ));
    }
    if !file.exists() {
        return Err(Failure::Usage(format!(
            "no database at {}: set SECURITY_INFO_DATABASE_URL (or --database-url) as for the \
             server, or run the command in the server's folder",
            file.display()
        )));
    }
    Ok(Box::new(SqliteStore::connect(url).await?))
}

/// Who runs the command, for the audit trail.
struct Operator {
    detail: String,
}

impl Operator {
    /// The OS user (the one behind `sudo` when there is one).
    fn current() -> Self {
        let name = ["SUDO_USER", "USER", "LOGNAME"]
            .iter()
            .filter_map(|variable| std::env::var(variable).ok())
            .map(|name| name.trim().chars().take(64).collect::<String>())
            .find(|name| !name.is_empty() && !name.chars().any(char::is_control));
        Self {
            detail: match name {
                Some(name) => format!("operator {name}"),
                None => "operator".to_owned(),
            },
        }
    }

    /// An audit event of `kind` for `account_id`, with `more` after the operator.
    fn event(
        &self,
        kind: ActivityKind,
        account_id: &AccountId,
        more: Option<String>,
    ) -> anyhow::Result<NewAuditEvent> {
        let detail = match more {
            Some(more) => format!("{}: {more}", self.detail),
            None => self.detail.clone(),
        };
        Ok(NewAuditEvent {
            audit_event_id: random::id()?,
            account_id: Some(account_id.clone()),
            kind: audit::kind_name(kind),
            ip_address: None,
            user_agent: None,
            detail: Some(detail),
            created_at: clock::now(),
        })
    }
}

async fn add(store: &dyn Store, operator: &Operator, row: Row) -> Result<ExitCode, Failure> {
    if store
        .account_by_username(&row.user_principal_name)
        .await?
        .is_some()
    {
        return Err(Failure::Refused(format!(
            "an account {} exists already",
            row.user_principal_name
        )));
    }
    let upn = row.user_principal_name.clone();
    let hashes = hash_passwords(std::slice::from_ref(&row)).await?;
    let change = create(operator, row, hashes.into_iter().next().flatten())?;
    if store.apply_account_changes(&[change]).await?.is_err() {
        return Err(Failure::Refused(format!("an account {upn} exists already")));
    }
    settle().await;
    println!("created {upn}");
    Ok(ExitCode::SUCCESS)
}

/// The change that creates `row`'s account.
fn create(
    operator: &Operator,
    row: Row,
    password_hash: Option<String>,
) -> anyhow::Result<AccountChange> {
    let account_id = AccountId::generate()?;
    let audit = operator.event(ActivityKind::AccountCreated, &account_id, None)?;
    Ok(AccountChange::Create {
        account: NewAccount {
            account_id,
            user_principal_name: row.user_principal_name,
            display_name: row.display_name,
            password_hash: password_hash.unwrap_or_default(),
        },
        language: row.language.unwrap_or_else(|| "en".to_owned()),
        audit,
    })
}

/// Hashes the rows' passwords, a few at a time (the hasher's bound), in row order.
async fn hash_passwords(rows: &[Row]) -> anyhow::Result<Vec<Option<String>>> {
    if rows.iter().all(|row| row.password.is_none()) {
        return Ok(vec![None; rows.len()]);
    }
    let hasher = PasswordHasher::new().await?;
    let mut tasks = JoinSet::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(password) = &row.password {
            let (hasher, password) = (hasher.clone(), Secret::new(password.expose().clone()));
            tasks.spawn(async move { (index, hasher.hash(password).await) });
        }
    }
    let mut hashes = vec![None; rows.len()];
    while let Some(done) = tasks.join_next().await {
        let (index, hash) = done?;
        hashes[index] = Some(hash?);
    }
    Ok(hashes)
}

/// What an import does with one good row.
enum Plan {
    Create(Row),
    Update {
        row: Row,
        account: AccountRecord,
        new_password: bool,
        changed: Vec<&'static str>,
    },
    Unchanged,
}

async fn import_rows(
    store: &dyn Store,
    operator: &Operator,
    import: Import,
) -> Result<ExitCode, Failure> {
    let Import {
        rows,
        dry_run,
        reset_passwords,
    } = import;
    for refusal in &rows.refused {
        eprintln!("line {}: {}", refusal.line, refusal.reason);
    }
    let mut verifier = None;
    let mut plans = Vec::with_capacity(rows.good.len());
    for row in rows.good {
        let Some(account) = store.account_by_username(&row.user_principal_name).await? else {
            plans.push(Plan::Create(row));
            continue;
        };
        let mut changed = Vec::new();
        if account.display_name != row.display_name {
            changed.push("display name");
        }
        if row
            .language
            .as_ref()
            .is_some_and(|l| *l != account.language)
        {
            changed.push("language");
        }
        let mut new_password = false;
        if let (true, Some(password)) = (reset_passwords, &row.password) {
            if verifier.is_none() {
                verifier = Some(PasswordHasher::new().await?);
            }
            if let Some(verifier) = &verifier {
                new_password = !verifier
                    .verify(
                        Secret::new(password.expose().clone()),
                        Some(account.password_hash.clone()),
                    )
                    .await?;
            }
            if new_password {
                changed.push("password");
            }
        }
        plans.push(if changed.is_empty() {
            Plan::Unchanged
        } else {
            Plan::Update {
                row,
                account,
                new_password,
                changed,
            }
        });
    }
    let count = |wanted: fn(&Plan) -> bool| plans.iter().filter(|plan| wanted(plan)).count();
    let created = count(|plan| matches!(plan, Plan::Create(_)));
    let updated = count(|plan| matches!(plan, Plan::Update { .. }));
    let unchanged = count(|plan| matches!(plan, Plan::Unchanged));
    if !dry_run && created + updated > 0 {
        let changes = changes(operator, plans).await?;
        if store.apply_account_changes(&changes).await?.is_err() {
            return Err(Failure::Refused(
                "accounts were added or removed while the import ran (another operator, or a \
                 first sign-in through the identity provider): nothing was imported; run it again"
                    .to_owned(),
            ));
        }
        settle().await;
    }
    let summary = Summary {
        dry_run,
        created,
        updated,
        unchanged,
        refused: rows.refused.len(),
    };
    summary
        .print(&mut std::io::stdout().lock())
        .map_err(anyhow::Error::from)?;
    Ok(if rows.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(REFUSED)
    })
}

/// What an import did (or, in a dry run, would do).
struct Summary {
    dry_run: bool,
    created: usize,
    updated: usize,
    unchanged: usize,
    refused: usize,
}

impl Summary {
    fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.dry_run {
            writeln!(out, "dry run: nothing was changed")?;
        }
        writeln!(out, "created: {}", self.created)?;
        writeln!(out, "updated: {}", self.updated)?;
        writeln!(out, "unchanged: {}", self.unchanged)?;
        writeln!(out, "refused: {}", self.refused)
    }
}

/// The changes of the planned rows, passwords hashed.
async fn changes(operator: &Operator, plans: Vec<Plan>) -> anyhow::Result<Vec<AccountChange>> {
    // Only the passwords that will be stored are hashed.
    let mut to_hash = Vec::new();
    let mut kept = Vec::new();
    for plan in plans {
        match plan {
            Plan::Create(row) => to_hash.push((row, None)),
            Plan::Update {
                mut row,
                account,
                new_password,
                changed,
            } => {
                if !new_password {
                    row.password = None;
                }
                to_hash.push((row, Some((account, changed))));
            }
            Plan::Unchanged => {}
        }
    }
    let (rows, updates): (Vec<Row>, Vec<_>) = to_hash.into_iter().unzip();
    let hashes = hash_passwords(&rows).await?;
    for ((row, update), hash) in rows.into_iter().zip(updates).zip(hashes) {
        kept.push(match update {
            None => create(operator, row, hash)?,
            Some((account, changed)) => AccountChange::Update {
                audit: operator.event(
                    ActivityKind::AccountUpdated,
                    &account.account_id,
                    Some(changed.join(", ")),
                )?,
                display_name: row.display_name,
                language: row.language.unwrap_or(account.language),
                password_hash: hash,
                account_id: account.account_id,
            },
        });
    }
    Ok(kept)
}

/// The account of `upn`, or a refusal naming it.
async fn account(store: &dyn Store, upn: &str) -> Result<AccountRecord, Failure> {
    store
        .account_by_username(upn)
        .await?
        .ok_or_else(|| Failure::Refused(format!("there is no account {upn}")))
}

async fn set_disabled(
    store: &dyn Store,
    operator: &Operator,
    upn: &str,
    disable: bool,
) -> Result<ExitCode, Failure> {
    let account = account(store, upn).await?;
    let (kind, at) = if disable {
        (ActivityKind::AccountDisabled, Some(clock::now()))
    } else {
        (ActivityKind::AccountEnabled, None)
    };
    let audit = operator.event(kind, &account.account_id, None)?;
    let changed = store
        .set_account_disabled(&account.account_id, at, &audit)
        .await?;
    if changed.is_some() {
        settle().await;
    }
    match changed {
        None if disable => println!("{upn} was disabled already"),
        None => println!("{upn} was not disabled"),
        Some(sessions) if disable => println!("disabled {upn} (sessions ended: {sessions})"),
        Some(_) => println!("enabled {upn}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn clear_methods(
    store: &dyn Store,
    operator: &Operator,
    config: &Config,
    upn: &str,
) -> Result<ExitCode, Failure> {
    let account = account(store, upn).await?;
    let now = clock::now();
    let audit = operator.event(ActivityKind::MethodsCleared, &account.account_id, None)?;
    let notice = outbox::methods_cleared_notice(&account, config.org_name.trim(), now)?;
    let cleared = store
        .clear_methods(&account.account_id, &audit, &notice)
        .await?;
    settle().await;
    println!(
        "cleared {upn}: methods {}, pending registrations {}, recovery codes {}, sessions ended {}",
        cleared.methods, cleared.registrations, cleared.recovery_codes, cleared.sessions
    );
    Ok(ExitCode::SUCCESS)
}
