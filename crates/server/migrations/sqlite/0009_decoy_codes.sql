-- A password reset's email or phone way for a destination the account did not register (or a
-- name without an account) writes a decoy code: no account, never delivered, matching no code.
-- It is counted by the destination's and the client address's code limits like a sent code,
-- so those limits answer the same whether or not the destination is registered. Rebuilt
-- because SQLite cannot drop a NOT NULL constraint.
create table one_time_code_new (
    one_time_code_id text primary key,
    registration_id text references registration (registration_id) on delete cascade,
    second_step_id text references second_step (second_step_id) on delete cascade,
    password_reset_id text references password_reset (password_reset_id) on delete cascade,
    account_id text references account (account_id) on delete cascade,
    channel text not null,
    destination text not null,
    requested_from text,
    code_hash blob not null,
    code_length integer not null,
    expires_at text not null,
    created_at text not null,
    check ((registration_id is not null) + (second_step_id is not null)
           + (password_reset_id is not null) = 1),
    -- Only a reset's codes may lack an account.
    check (account_id is not null or password_reset_id is not null)
);
insert into one_time_code_new (one_time_code_id, registration_id, second_step_id, password_reset_id,
                               account_id, channel, destination, requested_from, code_hash,
                               code_length, expires_at, created_at)
    select one_time_code_id, registration_id, second_step_id, password_reset_id, account_id,
           channel, destination, requested_from, code_hash, code_length, expires_at, created_at
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
