-- The last counter a method used: for an authenticator app the time step of its last accepted
-- code (a code is refused unless its step is after it, RFC 6238 5.2); for a security key its
-- signature counter.
alter table method add column counter integer;

-- Checks of a method outside a registration (the second step of sign-in, password reset):
-- counted before the check and failed until it succeeds, so that guesses sent in parallel all
-- count against the account's limit.
create table method_check (
    method_check_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    succeeded integer not null default 0,
    created_at text not null
);
create index method_check_account_idx on method_check (account_id, created_at);
