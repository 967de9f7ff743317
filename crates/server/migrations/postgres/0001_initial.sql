-- Security info on PostgreSQL: the schema the SQLite migrations 0001 to 0010 arrive at, in one
-- step (a new engine has no older database to carry over), in types that fit the engine:
-- timestamptz for instants, bytea for bytes, boolean for flags, jsonb-free text for the JSON
-- the server writes and reads back verbatim (the store compares it as text).
--
-- Tables whose rows are read back in the order they were written (codes: the newest works;
-- the audit trail; recovery codes) have a `seq` identity column: rows written in one
-- transaction share their timestamp, and SQLite's rowid gave that order there.
--
-- Ids stay text: they are 32 random hex digits (`crate::random::id`), but an id taken from a
-- URL is looked up as it came and must simply match nothing; a uuid column would turn such an
-- id into a query error.
--
-- Names that SQLite compares `collate nocase` are compared here through `lower(...)`, with
-- expression indexes, so no extension (citext) is needed.

-- Server-wide secrets generated at first start; the first process to insert one wins, every
-- other process reads that one (insert ... on conflict do nothing, then select).
create table server_secret (
    server_secret_id text primary key,
    value bytea not null,
    created_at timestamptz not null
);

-- The organization's accounts.
create table account (
    account_id text primary key,
    user_principal_name text not null,
    display_name text not null,
    password_hash text not null,                 -- empty for accounts without a password
    language text not null default 'en',
    default_method_id text,                      -- the user's chosen default; may be gone
    disabled_at timestamptz,                     -- set while an operator has disabled it
    created_at timestamptz not null
);
create unique index account_user_principal_name_idx on account (lower(user_principal_name));

-- Accounts of users who come with a token from the organization's OpenID Connect provider.
create table external_identity (
    external_identity_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    issuer text not null,
    subject text not null,
    created_at timestamptz not null,
    unique (issuer, subject)
);
create index external_identity_account_idx on external_identity (account_id);

-- Signed-in sessions; only a SHA-256 hash of the cookie token is kept. Shared by every server
-- process on the database, so a client may alternate between them.
create table session (
    session_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    token_hash text not null unique,
    authenticated_at timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at timestamptz not null,
    created_at timestamptz not null
);
create index session_account_idx on session (account_id);

-- Every sign-in attempt, for throttling per name and per IP address.
create table sign_in_attempt (
    sign_in_attempt_id text primary key,
    username text not null,
    ip_address text,
    succeeded boolean not null,
    created_at timestamptz not null
);
create index sign_in_attempt_username_idx on sign_in_attempt (lower(username), created_at);
create index sign_in_attempt_ip_idx on sign_in_attempt (ip_address, created_at);

-- Registered methods; `slot` makes "one of each" rules hold in the schema too.
create table method (
    method_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    slot text not null,
    name text,
    detail text not null,                        -- JSON of what the user sees; never a secret
    credential bytea,                            -- type-private data (sealed secrets, public keys)
    counter bigint,                              -- last time step or signature counter used
    created_at timestamptz not null,
    last_used_at timestamptz,
    unique (account_id, method_type, slot)
);
create index method_account_idx on method (account_id, created_at);

-- A method being added. status: pending, completed, locked, expired, superseded.
create table registration (
    registration_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    status text not null default 'pending',
    failed_attempts integer not null default 0,
    challenge text not null,                     -- JSON: the type's pending state (secrets sealed)
    expires_at timestamptz not null,
    created_at timestamptz not null
);
create index registration_account_idx on registration (account_id, status);

-- Checks of a method outside a registration, counted before they run.
create table method_check (
    method_check_id text primary key,
    account_id text references account (account_id) on delete cascade,
    username text,                               -- a reset's name without an account
    method_type text not null,
    succeeded boolean not null default false,
    created_at timestamptz not null,
    check ((account_id is not null) <> (username is not null))
);
create index method_check_account_idx on method_check (account_id, created_at);
create index method_check_username_idx on method_check (lower(username), created_at);

-- The second step of a sign-in or step-up. status: pending, completed, locked.
create table second_step (
    second_step_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    purpose text not null,                       -- sign_in or step_up
    session_id text references session (session_id) on delete cascade,
    sign_in_attempt_id text not null,
    token_hash text not null unique,
    status text not null default 'pending',
    failed_attempts integer not null default 0,
    challenge text,                              -- JSON: the picked way's pending state
    language text not null,
    expires_at timestamptz not null,
    created_at timestamptz not null
);
create index second_step_account_idx on second_step (account_id, created_at);

-- Self-service password resets. status: pending, verified, completed, locked.
create table password_reset (
    password_reset_id text primary key,
    username text not null,                      -- as typed, trimmed and lower case
    account_id text references account (account_id) on delete cascade,
    token_hash text not null unique,
    status text not null default 'pending',
    gates integer not null,
    passed text not null default '[]',           -- JSON: the method types passed, in order
    failed_attempts integer not null default 0,
    challenge text,                              -- JSON: the chosen way's pending state
    requested_from text,
    language text not null,
    expires_at timestamptz not null,
    created_at timestamptz not null
);
create index password_reset_username_idx on password_reset (lower(username), created_at);
create index password_reset_requested_from_idx on password_reset (requested_from, created_at);
create index password_reset_created_idx on password_reset (created_at);

-- One-time codes; a code belongs to exactly one registration, second step or reset, and only
-- a reset's (decoy) codes may lack an account. Stored as HMAC-SHA256 only.
create table one_time_code (
    one_time_code_id text primary key,
    seq bigint generated always as identity,
    registration_id text references registration (registration_id) on delete cascade,
    second_step_id text references second_step (second_step_id) on delete cascade,
    password_reset_id text references password_reset (password_reset_id) on delete cascade,
    account_id text references account (account_id) on delete cascade,
    channel text not null,
    destination text not null,                   -- normalized address or number
    requested_from text,
    code_hash bytea not null,
    code_length integer not null,
    expires_at timestamptz not null,
    created_at timestamptz not null,
    check (num_nonnulls(registration_id, second_step_id, password_reset_id) = 1),
    check (account_id is not null or password_reset_id is not null)
);
create index one_time_code_registration_idx on one_time_code (registration_id, created_at);
create index one_time_code_second_step_idx on one_time_code (second_step_id, created_at);
create index one_time_code_password_reset_idx on one_time_code (password_reset_id, created_at);
create index one_time_code_account_idx on one_time_code (account_id, created_at);
create index one_time_code_destination_idx on one_time_code (destination, created_at);
create index one_time_code_requested_from_idx on one_time_code (requested_from, created_at);
create index one_time_code_channel_idx on one_time_code (channel, created_at);

-- Recovery codes: single use, stored only as salted password hashes (PHC strings).
create table recovery_code (
    recovery_code_id text primary key,
    seq bigint generated always as identity,
    account_id text not null references account (account_id) on delete cascade,
    code_hash text not null,
    used_at timestamptz,
    created_at timestamptz not null
);
create index recovery_code_account_idx on recovery_code (account_id);

-- The security audit trail.
create table audit_event (
    audit_event_id text primary key,
    seq bigint generated always as identity,
    account_id text references account (account_id) on delete cascade,
    kind text not null,
    ip_address text,
    user_agent text,
    detail text,
    created_at timestamptz not null
);
create index audit_event_account_idx on audit_event (account_id, created_at);

-- Durable outbox, written in the same transaction as the change it reports. Several server
-- processes deliver from it: a process claims due messages with `for update skip locked` and
-- sets `claimed_until` (its lease) in that transaction; other processes skip a message whose
-- lease has not run out, and deliver it once it has (its claimant crashed).
create table outbox_message (
    outbox_message_id text primary key,
    recipient text not null,
    language text not null,
    template text not null,
    params text not null,                        -- JSON, no secrets
    sealed_secret bytea,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,                   -- a delivering process's lease
    sent_at timestamptz,
    failed_at timestamptz,
    last_error text,
    created_at timestamptz not null
);
-- Only undelivered messages are ever looked for by due time.
create index outbox_message_due_idx on outbox_message (next_attempt_at)
    where sent_at is null and failed_at is null;

-- Another program than the server (the `accounts` commands) bumps this one row in the same
-- transaction as its change; a server process trusts the method lists it keeps in memory only
-- while it has not moved.
create table store_generation (
    store_generation_id integer primary key check (store_generation_id = 1),
    generation bigint not null,
    changed_at timestamptz not null,
    created_at timestamptz not null
);
insert into store_generation (store_generation_id, generation, changed_at, created_at)
    values (1, 0, now(), now());
