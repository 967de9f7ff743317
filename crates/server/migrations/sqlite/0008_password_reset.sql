-- Self-service password reset: a reset proves the user with one or two of their methods
-- ("gates") before a new password is set.

-- A reset in progress, found by a random token in an HttpOnly cookie (only its SHA-256 hash is
-- kept). Every name gets one, whether or not an account has it: `account_id` is null then, and
-- the reset answers exactly as one whose account has none of the methods asked for.
-- status: pending (gates to pass), verified (every gate passed), completed, locked.
create table password_reset (
    password_reset_id text primary key,
    username text not null collate nocase,      -- as typed, trimmed and lower case
    account_id text references account (account_id) on delete cascade,
    token_hash text not null unique,
    status text not null default 'pending',
    gates integer not null,                      -- how many different ways must pass
    passed text not null default '[]',           -- JSON: the method types passed, in order
    failed_attempts integer not null default 0,  -- wrong answers, any way
    challenge text,                              -- JSON: the chosen way's pending state
    requested_from text,                         -- the client's IP address, if known
    language text not null,
    expires_at text not null,
    created_at text not null
);
create index password_reset_username_idx on password_reset (username, created_at);
create index password_reset_requested_from_idx on password_reset (requested_from, created_at);
create index password_reset_created_idx on password_reset (created_at);

-- One-time codes now also go to a reset: a code belongs to exactly one registration, second
-- step or reset. Rebuilt because SQLite cannot change a CHECK constraint.
create table one_time_code_new (
    one_time_code_id text primary key,
    registration_id text references registration (registration_id) on delete cascade,
    second_step_id text references second_step (second_step_id) on delete cascade,
    password_reset_id text references password_reset (password_reset_id) on delete cascade,
    account_id text not null references account (account_id) on delete cascade,
    channel text not null,
    destination text not null,
    requested_from text,
    code_hash blob not null,
    code_length integer not null,
    expires_at text not null,
    created_at text not null,
    check ((registration_id is not null) + (second_step_id is not null)
           + (password_reset_id is not null) = 1)
);
insert into one_time_code_new (one_time_code_id, registration_id, second_step_id, account_id, channel,
                               destination, requested_from, code_hash, code_length, expires_at, created_at)
    select one_time_code_id, registration_id, second_step_id, account_id, channel, destination,
           requested_from, code_hash, code_length, expires_at, created_at
    from one_time_code;
drop table one_time_code;
alter table one_time_code_new rename to one_time_code;
create index one_time_code_registration_idx on one_time_code (registration_id, created_at);
create index one_time_code_second_step_idx on one_time_code (second_step_id, created_at);
create index one_time_code_password_reset_idx on one_time_code (password_reset_id, created_at);
create index one_time_code_account_idx on one_time_code (account_id, created_at);
create index one_time_code_destination_idx on one_time_code (destination, created_at);
create index one_time_code_requested_from_idx on one_time_code (requested_from, created_at);
create index one_time_code_channel_idx on one_time_code (channel, created_at);
