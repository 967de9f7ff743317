-- A password reset of a name without an account counts its authenticator app and security
-- key answers against the name, as an account's count against the account, so the limit's
-- 429 comes at the same answer for both. Rebuilt because SQLite cannot drop a NOT NULL
-- constraint.
create table method_check_new (
    method_check_id text primary key,
    account_id text references account (account_id) on delete cascade,
    username text collate nocase,               -- a reset's name without an account
    method_type text not null,
    succeeded integer not null default 0,
    created_at text not null,
    check ((account_id is not null) + (username is not null) = 1)
);
insert into method_check_new (method_check_id, account_id, method_type, succeeded, created_at)
    select method_check_id, account_id, method_type, succeeded, created_at from method_check;
drop table method_check;
alter table method_check_new rename to method_check;
create index method_check_account_idx on method_check (account_id, created_at);
create index method_check_username_idx on method_check (username, created_at);
