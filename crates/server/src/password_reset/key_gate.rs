//! The security key gate of a password reset, with the sign-in's own assertion check
//! ([`assertion`]).
//!
//! A name with keys is asked for them. A name without (no account, no key, a disabled
//! account) is asked for a [`stand_in`] key whose id comes from a keyed hash of the name
//! ([`stable`]): the same every time, and made by the same webauthn-rs call, so the
//! options look like an account's own. Its answer is checked as far as a real one and refused.

use time::OffsetDateTime;
use webauthn_rs::prelude::Passkey;

use super::stable;
use crate::{
    error::ApiResult,
    extract::ClientContext,
    methods::security_key::{
        self,
        assertion::{self, AssertionRequest, AssertionVerdict, Keys},
        stand_in,
    },
    state::AppState,
    store::AccountRecord,
};

/// What checking keys needs, from the server's state.
fn keys(state: &AppState) -> ApiResult<Keys<'_>> {
    Ok(Keys {
        party: security_key::relying_party(state)?,
        methods: state.methods.as_ref(),
        audit: state.store.as_ref(),
    })
}

/// The stand-in key `username` is asked for when it has none: the same for every reset of it.
fn stand_in_for(state: &AppState, username: &str) -> Passkey {
    let mut id = stable::bytes(state, "reset-security-key-id", username);
    id.truncate(stand_in::CREDENTIAL_ID_LENGTH);
    stand_in::key(id)
}

/// The prompt for `username`: its account's keys, or its stand-in.
pub async fn challenge(
    state: &AppState,
    username: &str,
    account: Option<&AccountRecord>,
) -> ApiResult<AssertionRequest> {
    let keys = keys(state)?;
    let own = match account {
        Some(account) => assertion::request(keys, &account.account_id).await?,
        None => None,
    };
    match own {
        Some(request) => Ok(request),
        None => assertion::request_to(keys.party, &[stand_in_for(state, username)]),
    }
}

/// Whether `credential` answers the challenge kept as `kept` with one of the account's keys.
/// An account's answers count against its check limit whether or not it has keys
/// (`too_many_requests` past it), as its authenticator codes do.
pub async fn check(
    state: &AppState,
    context: &ClientContext,
    account: Option<&AccountRecord>,
    kept: &str,
    credential: serde_json::Value,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let keys = keys(state)?;
    match account {
        Some(account) => Ok(matches!(
            assertion::verify(keys, context, &account.account_id, kept, credential, now).await?,
            AssertionVerdict::Right(_)
        )),
        None => {
            assertion::refuse(keys.party, kept, credential)?;
            Ok(false)
        }
    }
}
