-- Two-step verification: the second step of a sign-in or step-up, recovery codes and the
-- default sign-in method.

-- A sign-in (or step-up) whose password was right, waiting for a registered method to prove the
-- user. Only a SHA-256 hash of its cookie token is kept. status: pending, completed, locked.
create table second_step (
    second_step_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    purpose text not null,                       -- sign_in or step_up
    session_id text references session (session_id) on delete cascade, -- step_up: the session it refreshes
    sign_in_attempt_id text not null,            -- the password check it completes
    token_hash text not null unique,
    status text not null default 'pending',
    failed_attempts integer not null default 0,  -- wrong answers, any way; survives new challenges
    challenge text,                              -- JSON: the picked way's pending state
    language text not null,
    expires_at text not null,
    created_at text not null
);
create index second_step_account_idx on second_step (account_id, created_at);

-- One-time codes now also go to a second step: a code belongs to a registration or to a second
-- step, never both. Rebuilt because SQLite cannot drop a NOT NULL constraint.
create table one_time_code_new (
    one_time_code_id text primary key,
    registration_id text references registration (registration_id) on delete cascade,
    second_step_id text references second_step (second_step_id) on delete cascade,
    account_id text not null references account (account_id) on delete cascade,
    channel text not null,
    destination text not null,
    requested_from text,
    code_hash blob not null,
    code_length integer not null,
    expires_at text not null,
    created_at text not null,
    check ((registration_id is null) != (second_step_id is null))
);
insert into one_time_code_new (one_time_code_id, registration_id, account_id, channel, destination,
                               requested_from, code_hash, code_length, expires_at, created_at)
    select one_time_code_id, registration_id, account_id, channel, destination, requested_from,
           code_hash, code_length, expires_at, created_at
    from one_time_code;
drop table one_time_code;
alter table one_time_code_new rename to one_time_code;
create index one_time_code_registration_idx on one_time_code (registration_id, created_at);
create index one_time_code_second_step_idx on one_time_code (second_step_id, created_at);
create index one_time_code_account_idx on one_time_code (account_id, created_at);
create index one_time_code_destination_idx on one_time_code (destination, created_at);
create index one_time_code_requested_from_idx on one_time_code (requested_from, created_at);
create index one_time_code_channel_idx on one_time_code (channel, created_at);

-- Recovery codes: single use, stored only as salted password hashes (PHC strings); a new set
-- replaces the old one.
create table recovery_code (
    recovery_code_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    code_hash text not null,
    used_at text,
    created_at text not null
);
create index recovery_code_account_idx on recovery_code (account_id);

-- The method the user chose to be offered first at sign-in; when it is gone (or was never
-- chosen) the strongest remaining method is the default, so deleting it needs no update here.
alter table account add column default_method_id text;
