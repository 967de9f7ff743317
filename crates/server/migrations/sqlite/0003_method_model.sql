-- One model for every method type: a method has a type-specific detail instead of one column
-- per type; a registration has the type's own challenge; codes sent over any channel share one
-- table keyed by channel and destination. Existing email methods, registrations and codes are
-- carried over as they are.

-- Registered methods. How many one account may have is the type's rule (checked when one is
-- added); `slot` makes "one of each" rules hold in the schema too: one email (slot ''), one
-- phone of each kind (slot = the kind), any number of keys (slot = the method id).
create table method_new (
    method_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    slot text not null,
    name text,                                   -- the user's name for it, for types that have one
    detail text not null,                        -- JSON of what the user sees; never a secret
    credential blob,                             -- type-private data (sealed secrets, public keys)
    created_at text not null,
    last_used_at text,
    unique (account_id, method_type, slot)
);
insert into method_new (method_id, account_id, method_type, slot, detail, created_at)
    select method_id, account_id, method_type, '', json_object('emailAddress', email_address), created_at
    from method;
drop table method;
alter table method_new rename to method;
create index method_account_idx on method (account_id, created_at);

-- A method being added. status: pending, completed, locked, expired, superseded.
create table registration (
    registration_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    method_type text not null,
    status text not null default 'pending',
    failed_attempts integer not null default 0,  -- wrong answers; survives resends
    challenge text not null,                     -- JSON: the type's pending state (secrets sealed)
    expires_at text not null,                    -- the registration as a whole
    created_at text not null
);
create index registration_account_idx on registration (account_id, status);
insert into registration (registration_id, account_id, method_type, status, failed_attempts, challenge,
                          expires_at, created_at)
    select email_registration_id, account_id, 'email', status, failed_attempts,
           json_object('emailAddress', email_address, 'language', language),
           strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+1 hour'), created_at
    from email_registration;

-- One-time codes sent over a channel (email today) for a registration; only the newest one of
-- a registration works. Stored as HMAC-SHA256 only.
create table one_time_code (
    one_time_code_id text primary key,
    registration_id text not null references registration (registration_id) on delete cascade,
    account_id text not null references account (account_id) on delete cascade,
    channel text not null,                       -- email
    destination text not null,                   -- normalized address or number (limit per destination, any channel)
    code_hash blob not null,
    code_length integer not null,
    expires_at text not null,
    created_at text not null
);
create index one_time_code_registration_idx on one_time_code (registration_id, created_at);
create index one_time_code_account_idx on one_time_code (account_id, created_at);
create index one_time_code_destination_idx on one_time_code (destination, created_at);
insert into one_time_code (one_time_code_id, registration_id, account_id, channel, destination, code_hash,
                           code_length, expires_at, created_at)
    select verification_code_id, email_registration_id, account_id, 'email', lower(email_address), code_hash,
           code_length, expires_at, created_at
    from verification_code;

-- Dropped children first: dropping a parent deletes its rows, cascading to its children.
drop table verification_code;
drop table email_registration;
