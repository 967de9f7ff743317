//! The security key method: a FIDO2 key or a passkey (WebAuthn), for two-step verification and
//! password reset; phishing-resistant, as its answers are bound to our origin by the browser.
//!
//! A registration keeps webauthn-rs's challenge state in its row (server-side, single use,
//! expiring with the registration); the browser gets the options for
//! `navigator.credentials.create` and answers with the credential it made. Any refused answer
//! voids the registration: a new try starts with a new challenge. The stored credential is
//! webauthn-rs's `Passkey` (a public key, its id, the signature counter and backup flags),
//! which [`assertion`] checks at sign-in and password reset.

pub mod assertion;
pub mod hand_off;
pub mod model;
pub mod relying_party;
pub mod stand_in;

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use security_info_api::{
    ActivityKind, Challenge, MethodDetail, MethodType, ProblemCode, RegistrationAnswer,
    StartRegistration, parse_method_name,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use self::relying_party::RelyingParty;
use super::{Attempt, Checked, Earned, MethodKind, Started, registration_of};
use crate::{
    clock,
    domain::audit,
    error::{ApiError, ApiResult},
    state::AppState,
    store::{AccountId, MethodRecord, MethodStore, RegistrationId, RegistrationRecord},
};

/// The security key type.
pub struct SecurityKey;

/// What a pending registration keeps: webauthn-rs's challenge state, the options the browser
/// was given (served again to a window the registration is handed off to) and the user's
/// language (for the default name).
#[derive(Serialize, Deserialize)]
struct Pending {
    state: PasskeyRegistration,
    options: serde_json::Value,
    language: String,
}

impl Pending {
    fn of(registration: &RegistrationRecord) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(&registration.challenge)?)
    }
}

/// The type-specific part of a stored key that the list shows.
#[derive(Serialize, Deserialize)]
struct Detail {
    synced: bool,
}

/// The type's name, for the audit trail before a key has its own.
fn type_name(language: &str) -> &'static str {
    match language {
        "nl" => "Beveiligingssleutel",
        _ => "Security key",
    }
}

/// The relying party, which exists whenever the type is allowed (start-up refuses otherwise).
pub fn relying_party(state: &AppState) -> ApiResult<&RelyingParty> {
    state
        .relying_party
        .as_deref()
        .ok_or_else(|| ApiError::code(ProblemCode::MethodNotAllowed))
}

/// The user handle keys store for an account: derived from its id, so it is stable, says
/// nothing about the person, and needs no column.
fn user_handle(account_id: &AccountId) -> Uuid {
    let digest = Sha256::digest(format!("security-key-user:{account_id}").as_bytes());
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// The account's keys with their stored credentials.
pub(crate) async fn registered_keys(
    methods: &dyn MethodStore,
    account_id: &AccountId,
) -> anyhow::Result<Vec<(MethodRecord, Passkey)>> {
    methods
        .list_methods(account_id)
        .await?
        .into_iter()
        .filter(|m| m.method_type == MethodType::SecurityKey)
        .map(|method| {
            let passkey = serde_json::from_slice(method.credential.as_deref().unwrap_or_default())?;
            Ok((method, passkey))
        })
        .collect()
}

/// The name a new key gets: its kind's name, with the first ordinal no key of the account has
/// when that name is taken (`Security key 2`).
fn default_name(kind_name: &str, existing: &[MethodRecord]) -> String {
    let taken = |name: &str| existing.iter().any(|m| m.name.as_deref() == Some(name));
    if !taken(kind_name) {
        return kind_name.to_owned();
    }
    (2..)
        .map(|ordinal| format!("{kind_name} {ordinal}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| kind_name.to_owned())
}

/// Voids a registration whose answer was refused (its challenge is used up) and answers with
/// `refusal`.
async fn void(
    attempt: &Attempt<'_>,
    registration: &RegistrationRecord,
    description: &str,
    refusal: ProblemCode,
) -> ApiResult<Checked> {
    let event = audit::event(
        ActivityKind::VerificationFailed,
        Some(&attempt.account.account_id),
        attempt.context,
        Some(description.to_owned()),
        attempt.now,
    )?;
    let voided = attempt
        .state
        .store
        .record_failed_answer(
            &registration.registration_id,
            registration.failed_attempts,
            true,
            &[event],
        )
        .await?;
    if voided {
        Err(ApiError::code(refusal))
    } else {
        Ok(Checked::Raced)
    }
}

#[async_trait]
impl MethodKind for SecurityKey {
    fn method_type(&self) -> MethodType {
        MethodType::SecurityKey
    }

    fn renamable(&self) -> bool {
        true
    }

    fn detail(&self, method: &MethodRecord) -> anyhow::Result<MethodDetail> {
        let detail: Detail = serde_json::from_str(&method.detail)?;
        Ok(MethodDetail::SecurityKey {
            synced: detail.synced,
        })
    }

    fn describe(&self, method: &MethodRecord) -> String {
        method
            .name
            .clone()
            .unwrap_or_else(|| type_name("en").to_owned())
    }

    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started> {
        let StartRegistration::SecurityKey {} = request else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let party = relying_party(attempt.state)?;
        let account = attempt.account;
        // The browser refuses to make a second credential on a key that has one here.
        let registered = registered_keys(attempt.state.methods.as_ref(), &account.account_id)
            .await?
            .into_iter()
            .map(|(_, key)| key.cred_id().clone())
            .collect();
        let (options, state) = party
            .webauthn
            .start_passkey_registration(
                user_handle(&account.account_id),
                &account.user_principal_name,
                &account.display_name,
                Some(registered),
            )
            .map_err(|e| anyhow::anyhow!("starting a WebAuthn registration: {e}"))?;
        let mut options = serde_json::to_value(options).map_err(anyhow::Error::from)?;
        let options = options["publicKey"].take();
        let pending = Pending {
            state,
            options: options.clone(),
            language: attempt.context.language.to_owned(),
        };
        let registration_id = RegistrationId::generate()?;
        let registration = registration_of(
            attempt,
            MethodType::SecurityKey,
            registration_id.clone(),
            &pending,
            attempt.state.settings.code_validity,
        )?;
        let challenge = Challenge::WebAuthn {
            options,
            expires_at: clock::format(registration.expires_at),
            continue_url: hand_off::continue_url(
                &attempt.state.code_keys,
                &account.account_id,
                &registration_id,
            ),
        };
        Ok(Started {
            registration,
            first_code: None,
            description: type_name(attempt.context.language).to_owned(),
            challenge,
        })
    }

    async fn check(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked> {
        let RegistrationAnswer::Credential { credential, name } = answer else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        // Checked first: a name to fix must not use up the challenge.
        let name = name
            .map(|name| {
                parse_method_name(&name).map_err(|error| {
                    ApiError::detail(ProblemCode::InvalidMethodName, format!("{error:?}"))
                })
            })
            .transpose()?;
        let Ok(credential) = serde_json::from_value::<RegisterPublicKeyCredential>(credential)
        else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let pending = Pending::of(registration)?;
        let description = type_name(&pending.language);
        let party = relying_party(attempt.state)?;
        let existing =
            registered_keys(attempt.state.methods.as_ref(), &attempt.account.account_id).await?;
        // A browser that ignored the excluded credentials, or a replayed credential.
        if existing
            .iter()
            .any(|(_, key)| key.cred_id().as_slice() == credential.raw_id.as_slice())
        {
            return void(
                attempt,
                registration,
                description,
                ProblemCode::MethodAlreadyRegistered,
            )
            .await;
        }
        let passkey = match party
            .webauthn
            .finish_passkey_registration(&credential, &pending.state)
        {
            Ok(passkey) => passkey,
            Err(error) => {
                tracing::info!(%error, "a security key's answer was refused");
                return void(
                    attempt,
                    registration,
                    description,
                    ProblemCode::SecurityKeyNotAccepted,
                )
                .await;
            }
        };
        let model = model::aaguid(&credential.response.attestation_object);
        if !party.accepts_model(model) {
            return void(
                attempt,
                registration,
                description,
                ProblemCode::SecurityKeyModelNotAllowed,
            )
            .await;
        }
        let internals = webauthn_rs::prelude::Credential::from(passkey.clone());
        let transports = credential.response.transports.clone().unwrap_or_default();
        let existing: Vec<MethodRecord> = existing.into_iter().map(|(method, _)| method).collect();
        let kind_name = model::kind_name(model, &transports, &pending.language);
        Ok(Checked::Right(Earned {
            // One method per credential: the same credential twice is refused by the store.
            slot: format!("credential:{}", URL_SAFE_NO_PAD.encode(passkey.cred_id())),
            name: Some(name.unwrap_or_else(|| default_name(&kind_name, &existing))),
            detail: serde_json::to_string(&Detail {
                synced: internals.backup_eligible,
            })
            .map_err(anyhow::Error::from)?,
            credential: Some(serde_json::to_vec(&passkey).map_err(anyhow::Error::from)?),
            counter: Some(i64::from(internals.counter)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_handle_is_stable_and_differs_between_accounts() {
        let alain = AccountId::from("alain".to_owned());
        let megan = AccountId::from("megan".to_owned());
        assert_eq!(user_handle(&alain), user_handle(&alain));
        assert_ne!(user_handle(&alain), user_handle(&megan));
    }

    #[test]
    fn a_taken_default_name_gets_the_first_free_ordinal() {
        let named = |name: &str| MethodRecord {
            method_id: crate::store::MethodId::from(name.to_owned()),
            method_type: MethodType::SecurityKey,
            slot: name.to_owned(),
            name: Some(name.to_owned()),
            detail: r#"{"synced":false}"#.into(),
            credential: None,
            counter: None,
            created_at: clock::now(),
            last_used_at: None,
        };
        assert_eq!(default_name("Security key", &[]), "Security key");
        let existing = [named("Security key"), named("Security key 3")];
        assert_eq!(default_name("Security key", &existing), "Security key 2");
        assert_eq!(
            default_name("iCloud Keychain", &existing),
            "iCloud Keychain"
        );
    }
}
