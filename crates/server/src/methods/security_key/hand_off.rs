//! Finishing a security key registration in a window of the app's own.
//!
//! Inside a portal's cross-origin frame the browser marks the credential it makes as made
//! there (`crossOrigin`), and webauthn-rs refuses such answers. So the frame starts the
//! registration as usual and opens the challenge's `continueUrl` in a new window: the app on
//! its own origin, top-level, where the browser's prompt makes an ordinary credential. That
//! window has no session (the frame's token or partitioned cookie is not there), so the URL's
//! fragment carries a capability for this one registration: the account's id and a MAC of both
//! ids under the server's code key. It is never sent in a request line (a fragment), works only
//! while the registration is pending (ten minutes by default, once), and only answers this
//! registration. The frame watches the registration's stage meanwhile.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use security_info_api::{
    HandOff, HandedOffCredential, KeyPrompt, Method, MethodType, ProblemCode, RegistrationAnswer,
};

use super::Pending;
use crate::{
    clock,
    domain::codes::CodeKeys,
    error::{ApiError, ApiResult},
    extract::ClientContext,
    methods::lifecycle,
    state::AppState,
    store::{AccountId, AccountRecord, RegistrationId, RegistrationRecord},
};

/// What the MAC binds besides the registration id.
fn bound(account_id: &str) -> String {
    format!("security-key-hand-off:{account_id}")
}

/// The registration's capability.
fn secret(keys: &CodeKeys, account_id: &AccountId, registration_id: &RegistrationId) -> String {
    URL_SAFE_NO_PAD.encode(keys.hash(registration_id.as_str(), &bound(account_id.as_str())))
}

/// Where the registration can be finished in a window of the app's own.
pub fn continue_url(
    keys: &CodeKeys,
    account_id: &AccountId,
    registration_id: &RegistrationId,
) -> String {
    format!(
        "/add-security-key#registration={registration_id}&account={account_id}&secret={}",
        secret(keys, account_id, registration_id)
    )
}

/// The account and registration a hand-off names, if its secret is theirs; `not_found` for
/// anything else, alike (a wrong secret, another account, no such registration, another type).
async fn handed_off(
    state: &AppState,
    id: &RegistrationId,
    hand_off: &HandOff,
) -> ApiResult<(AccountRecord, RegistrationRecord)> {
    let not_found = || ApiError::code(ProblemCode::NotFound);
    let secret = URL_SAFE_NO_PAD
        .decode(&hand_off.secret)
        .map_err(|_| not_found())?;
    if !state
        .code_keys
        .matches(id.as_str(), &bound(&hand_off.account), &secret)
    {
        return Err(not_found());
    }
    let account = state
        .store
        .account(&AccountId::from(hand_off.account.clone()))
        .await?
        .filter(|account| !account.is_disabled())
        .ok_or_else(not_found)?;
    let registration = lifecycle::find_for(state, &account.account_id, id).await?;
    if registration.method_type != MethodType::SecurityKey {
        return Err(not_found());
    }
    Ok((account, registration))
}

/// The browser's options of a handed-off registration, while it is pending.
pub async fn prompt(
    state: &AppState,
    id: &RegistrationId,
    hand_off: &HandOff,
) -> ApiResult<KeyPrompt> {
    let (account, registration) = handed_off(state, id, hand_off).await?;
    lifecycle::require_pending(state, &registration, clock::now()).await?;
    let pending = Pending::of(&registration)?;
    Ok(KeyPrompt {
        options: pending.options,
        user_principal_name: account.user_principal_name,
        expires_at: clock::format(registration.expires_at),
    })
}

/// Answers a handed-off registration with the window's credential, as the frame would have.
pub async fn finish(
    state: &AppState,
    context: &ClientContext,
    id: &RegistrationId,
    body: HandedOffCredential,
) -> ApiResult<Method> {
    let (account, _) = handed_off(state, id, &body.hand_off).await?;
    let answer = RegistrationAnswer::Credential {
        credential: body.credential,
        name: body.name,
    };
    lifecycle::verify_handed_off(state, context, &account, id, answer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capability_names_one_registration_of_one_account() {
        let keys = CodeKeys::new(&[9; 32]).expect("keys");
        let alain = AccountId::from("alain".to_owned());
        let megan = AccountId::from("megan".to_owned());
        let first = RegistrationId::from("r1".to_owned());
        let second = RegistrationId::from("r2".to_owned());
        let url = continue_url(&keys, &alain, &first);
        let secret = url.rsplit("secret=").next().expect("a secret");
        assert!(url.starts_with("/add-security-key#registration=r1&account=alain&secret="));
        assert_eq!(secret.len(), 43, "256 bits in base64url");
        let decoded = URL_SAFE_NO_PAD.decode(secret).expect("base64url");
        assert!(keys.matches("r1", &bound("alain"), &decoded));
        assert!(!keys.matches("r2", &bound("alain"), &decoded));
        assert!(!keys.matches("r1", &bound("megan"), &decoded));
        assert_ne!(
            secret,
            super::secret(&keys, &megan, &first),
            "another account"
        );
        assert_ne!(secret, super::secret(&keys, &alain, &second));
        let other_server = CodeKeys::new(&[8; 32]).expect("keys");
        assert!(!other_server.matches("r1", &bound("alain"), &decoded));
    }
}
