-- Accounts of users who come with a token from the organization's OpenID Connect provider:
-- the user is the (issuer, subject) pair, never the email address in the token. Such accounts
-- have no password (account.password_hash is empty), so password sign-in never matches them.
create table external_identity (
    external_identity_id text primary key,
    account_id text not null references account (account_id) on delete cascade,
    issuer text not null,
    subject text not null,
    created_at text not null,
    unique (issuer, subject)
);
create index external_identity_account_idx on external_identity (account_id);
