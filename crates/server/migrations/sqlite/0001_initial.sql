-- Security info: the initial schema. Timestamps are UTC RFC 3339 text of fixed width
-- (`2026-11-24T10:00:00.000Z`), so they compare correctly as text.

-- Server-wide secrets generated at first start (e.g. the code HMAC key when none is configured).
create table server_secret (
    server_secret_id text primary key,          -- the secret's name
    value blob not null,
    created_at text not null
);

-- The organization's accounts (seeded demo accounts, later an identity provider).
create table account (
    account_id text primary key,
    user_principal_name text not null unique collate nocase,
    display_name text not null,
    password_hash text not null,
    language text not null default 'en',        -- for mail: 'en' or 'nl'
    created_at text not null
);

-- Signed-in sessions; only a SHA-256 hash of the cookie token is kept.
create table session (
    session_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    token_hash text not null unique,
    authenticated_at text not null,             -- sign-in or last re-authentication (step-up)
    last_seen_at text not null,                 -- idle timeout
    expires_at text not null,                   -- absolute timeout
    created_at text not null
);
create index session_account_idx on session (account_id);

-- Every sign-in attempt, for throttling per account and per IP address.
create table sign_in_attempt (
    sign_in_attempt_id text primary key,
    username text not null collate nocase,
    ip_address text,
    succeeded integer not null,
    created_at text not null
);
create index sign_in_attempt_username_idx on sign_in_attempt (username, created_at);
create index sign_in_attempt_ip_idx on sign_in_attempt (ip_address, created_at);

-- Registered verification methods: at most one per type per account.
create table method (
    method_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    email_address text,
    created_at text not null,
    unique (account_id, method_type)
);

-- An email address waiting for its code. status: pending, completed, locked, superseded.
create table email_registration (
    email_registration_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    email_address text not null,
    language text not null,
    status text not null default 'pending',
    failed_attempts integer not null default 0, -- survives resends
    created_at text not null
);
create index email_registration_account_idx on email_registration (account_id);

-- Codes sent for a registration; only the newest one works. Stored as HMAC-SHA256 only.
create table verification_code (
    verification_code_id text primary key,
    email_registration_id text not null references email_registration (email_registration_id) on delete cascade,
    account_id text not null references account (account_id) on delete cascade,
    email_address text not null collate nocase,  -- for the per-address daily limit
    code_hash blob not null,
    code_length integer not null,
    expires_at text not null,
    created_at text not null
);
create index verification_code_registration_idx on verification_code (email_registration_id, created_at);
create index verification_code_account_idx on verification_code (account_id, created_at);
create index verification_code_address_idx on verification_code (email_address, created_at);

-- The security audit trail (time, IP address, user agent).
create table audit_event (
    audit_event_id text primary key,
    account_id text references account (account_id) on delete cascade,
    kind text not null,
    ip_address text,
    user_agent text,
    detail text,
    created_at text not null
);
create index audit_event_account_idx on audit_event (account_id, created_at);

-- Durable outbox: written in the same transaction as the change it reports, delivered by the
-- mail worker. Secrets (the code) are sealed with a key derived from the server secret and
-- erased once the message is sent; the body is rendered only at delivery time.
create table outbox_message (
    outbox_message_id text primary key,
    recipient text not null,
    language text not null,
    template text not null,
    params text not null,                        -- JSON, no secrets
    sealed_secret blob,
    attempts integer not null default 0,
    next_attempt_at text not null,
    sent_at text,
    failed_at text,
    last_error text,
    created_at text not null
);
create index outbox_message_due_idx on outbox_message (sent_at, failed_at, next_attempt_at);
