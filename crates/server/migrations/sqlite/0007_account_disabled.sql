-- Accounts for operators (`security-info-server accounts ...`).

-- When an operator disabled the account: no sign-in, no session, no bearer token until it is
-- enabled again (null while it may be used).
alter table account add column disabled_at text;

-- Another program than the server (the `accounts` commands) may change the database while the
-- server runs. It bumps this one row in the same transaction; the server reads it before it
-- trusts the method lists it keeps in memory (`CachedMethods`) and forgets them all when it
-- moved.
create table store_generation (
    store_generation_id integer primary key check (store_generation_id = 1),
    generation integer not null,
    changed_at text not null,
    created_at text not null
);
insert into store_generation (store_generation_id, generation, changed_at, created_at)
    values (1, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
