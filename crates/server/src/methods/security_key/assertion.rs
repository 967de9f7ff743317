//! Proving who one is with a registered security key, for sign-in's second step and password
//! reset: [`request`] makes the options for `navigator.credentials.get` and the challenge
//! state the flow keeps server-side; [`verify`] checks the browser's answer against it, once.
//!
//! Every check counts against the account's limit before it runs, as authenticator app codes
//! do ([`crate::domain::policy::METHOD_CHECK_FAILURES`] in
//! [`crate::domain::policy::SIGN_IN_FAILURE_WINDOW`]). A key whose
//! signature counter goes back may have been copied: the answer is refused and the audit
//! trail says so (WebAuthn Level 2, 6.1.1).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use security_info_api::{ActivityKind, MethodType};
use time::OffsetDateTime;
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential, WebauthnError};

use super::{registered_keys, relying_party::RelyingParty};
use crate::{
    domain::audit,
    error::ApiResult,
    extract::ClientContext,
    methods::check_limit,
    store::{AccountId, AuditStore, CheckSubject, MethodId, MethodStore},
};

/// What checking a key needs: the relying party, the methods and the audit trail.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    /// Our relying party.
    pub party: &'a RelyingParty,
    /// The registered methods.
    pub methods: &'a dyn MethodStore,
    /// Where a suspected copy is recorded.
    pub audit: &'a dyn AuditStore,
}

/// A real authenticator in software, shared with the black-box tests.
#[cfg(test)]
#[path = "../../../tests/support/soft_key.rs"]
mod soft_key;

/// A request to the account's keys, and the state to keep until the answer.
pub struct AssertionRequest {
    /// `PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3), what
    /// `PublicKeyCredential.parseRequestOptionsFromJSON` takes.
    pub options: serde_json::Value,
    /// The challenge state: keep it server-side with the flow and give it to [`verify`] once.
    pub state: String,
}

/// How an answer from a key came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssertionVerdict {
    /// One of the account's keys signed this challenge: it is the user.
    Right(MethodId),
    /// Not a valid answer from one of the account's keys for this challenge.
    Refused,
    /// A key of the account answered with a signature counter at or below the last one it
    /// used: refused, and recorded in the audit trail.
    CloneSuspected(MethodId),
}

/// The options for the browser's prompt and the state to keep, or `None` when the account
/// has no key.
pub async fn request(
    keys: Keys<'_>,
    account_id: &AccountId,
) -> ApiResult<Option<AssertionRequest>> {
    let party = keys.party;
    let keys: Vec<_> = registered_keys(keys.methods, account_id)
        .await?
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(request_to(party, &keys)?))
}

/// The options for a prompt that any of `keys` may answer, and the state to keep: for the
/// account's own keys ([`request`]) or for [`stand_in`](super::stand_in) keys.
pub fn request_to(party: &RelyingParty, keys: &[Passkey]) -> ApiResult<AssertionRequest> {
    let (options, challenge) = party
        .webauthn
        .start_passkey_authentication(keys)
        .map_err(|e| anyhow::anyhow!("starting a WebAuthn assertion: {e}"))?;
    let mut options = serde_json::to_value(options).map_err(anyhow::Error::from)?;
    Ok(AssertionRequest {
        options: options["publicKey"].take(),
        state: serde_json::to_string(&challenge).map_err(anyhow::Error::from)?,
    })
}

/// Checks an answer to a challenge made for [`stand_in`](super::stand_in) keys as a real one
/// is checked, and refuses it whatever it is: no key holds a stand-in's credential.
pub fn refuse(party: &RelyingParty, kept: &str, answer: serde_json::Value) -> ApiResult<()> {
    let challenge: PasskeyAuthentication =
        serde_json::from_str(kept).map_err(anyhow::Error::from)?;
    if let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(answer) {
        // The outcome is a refusal either way; the check is the work a real answer gets.
        let _ = party
            .webauthn
            .finish_passkey_authentication(&answer, &challenge);
    }
    Ok(())
}

/// Checks the browser's answer (`AuthenticationResponseJSON`, what `toJSON()` gives) to the
/// challenge kept as `kept`, for `account_id`. A right answer updates the key's counter and
/// last use. `too_many_requests` (with `Retry-After`) past the account's limit.
pub async fn verify(
    keys: Keys<'_>,
    context: &ClientContext,
    account_id: &AccountId,
    kept: &str,
    answer: serde_json::Value,
    now: OffsetDateTime,
) -> ApiResult<AssertionVerdict> {
    let Keys {
        party,
        methods,
        audit: audit_trail,
    } = keys;
    let check_id = check_limit::reserve(
        methods,
        CheckSubject::Account(account_id.clone()),
        MethodType::SecurityKey,
        now,
    )
    .await?;
    let challenge: PasskeyAuthentication =
        serde_json::from_str(kept).map_err(anyhow::Error::from)?;
    let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(answer) else {
        return Ok(AssertionVerdict::Refused);
    };
    let keys = registered_keys(methods, account_id).await?;
    let key_of = |credential_id: &[u8]| {
        keys.iter()
            .find(|(_, key)| key.cred_id().as_slice() == credential_id)
    };
    match party
        .webauthn
        .finish_passkey_authentication(&answer, &challenge)
    {
        Ok(result) => {
            let Some((method, key)) = key_of(result.cred_id().as_slice()) else {
                // Deleted since the challenge was made.
                return Ok(AssertionVerdict::Refused);
            };
            let mut key = key.clone();
            key.update_credential(&result);
            let used = methods
                .use_security_key(
                    account_id,
                    &method.method_id,
                    &serde_json::to_vec(&key).map_err(anyhow::Error::from)?,
                    i64::from(result.counter()),
                    &check_id,
                    now,
                )
                .await?;
            Ok(if used {
                AssertionVerdict::Right(method.method_id.clone())
            } else {
                AssertionVerdict::Refused
            })
        }
        Err(WebauthnError::CredentialPossibleCompromise) => {
            let Some((method, _)) = key_of(&answer.raw_id) else {
                return Ok(AssertionVerdict::Refused);
            };
            tracing::warn!(
                account = %account_id,
                credential = %URL_SAFE_NO_PAD.encode(&answer.raw_id),
                "a security key's signature counter went back: it may have been copied"
            );
            let event = audit::event(
                ActivityKind::SecurityKeyCloneSuspected,
                Some(account_id),
                context,
                method.name.clone(),
                now,
            )?;
            audit_trail.record_event(&event).await?;
            Ok(AssertionVerdict::CloneSuspected(method.method_id.clone()))
        }
        Err(error) => {
            tracing::info!(%error, "a security key's assertion was refused");
            Ok(AssertionVerdict::Refused)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{clock, domain::policy};
    use axum::response::IntoResponse;
    use security_info_api::MethodType;
    use serde_json::Value;

    use super::{soft_key::SoftKey, *};
    use crate::{
        extract::ClientContext,
        methods::security_key::stand_in,
        store::{
            CachedMethods, NewMethod, RegistrationId,
            sqlite::SqliteStore,
            test_support::{audit, notice, store_with_registration},
        },
    };

    const ORIGIN: &str = "http://localhost:8080";

    /// An account with one registered soft key, and what checking it needs.
    struct Fixture {
        _dir: tempfile::TempDir,
        store: std::sync::Arc<SqliteStore>,
        methods: CachedMethods<SqliteStore>,
        party: RelyingParty,
        account: AccountId,
        method_id: MethodId,
        key: SoftKey,
    }

    impl Fixture {
        async fn new() -> Self {
            let (dir, store, account, registration_id) =
                store_with_registration(MethodType::SecurityKey).await;
            let methods = CachedMethods::new(store.clone());
            let party = RelyingParty::new(ORIGIN, None, "Contoso", vec![]).expect("relying party");
            let mut key = SoftKey::new([7; 16]);
            let method_id = register(&party, &methods, &account, &registration_id, &mut key).await;
            Self {
                _dir: dir,
                store,
                methods,
                party,
                account,
                method_id,
                key,
            }
        }

        fn keys(&self) -> Keys<'_> {
            Keys {
                party: &self.party,
                methods: &self.methods,
                audit: self.store.as_ref(),
            }
        }

        async fn request(&self) -> AssertionRequest {
            request(self.keys(), &self.account)
                .await
                .expect("request")
                .expect("the account has a key")
        }

        async fn verify(&self, kept: &str, answer: Value) -> ApiResult<AssertionVerdict> {
            verify(
                self.keys(),
                &ClientContext {
                    ip_address: Some("192.0.2.7".into()),
                    user_agent: None,
                    language: "en",
                },
                &self.account,
                kept,
                answer,
                clock::now(),
            )
            .await
        }
    }

    /// Registers `key` for `account` as the registration flow would, through webauthn-rs.
    async fn register(
        party: &RelyingParty,
        methods: &CachedMethods<SqliteStore>,
        account: &AccountId,
        registration_id: &RegistrationId,
        key: &mut SoftKey,
    ) -> MethodId {
        let (options, state) = party
            .webauthn
            .start_passkey_registration(
                webauthn_rs::prelude::Uuid::from_bytes([1; 16]),
                "alain@contoso.example",
                "Alain",
                None,
            )
            .expect("start");
        let options = serde_json::to_value(options).expect("json")["publicKey"].clone();
        let answer = serde_json::from_value(key.create(&options, ORIGIN)).expect("credential");
        let passkey = party
            .webauthn
            .finish_passkey_registration(&answer, &state)
            .expect("registered");
        let method_id = MethodId::generate().expect("id");
        let method = NewMethod {
            method_id: method_id.clone(),
            account_id: account.clone(),
            method_type: MethodType::SecurityKey,
            slot: "key".into(),
            name: Some("YubiKey".into()),
            detail: r#"{"synced":false}"#.into(),
            credential: Some(serde_json::to_vec(&passkey).expect("json")),
            counter: Some(1),
            created_at: clock::now(),
        };
        methods
            .add_method(registration_id, &method, 10, &audit(account), &notice())
            .await
            .expect("add");
        method_id
    }

    #[tokio::test]
    async fn the_registered_key_signs_in_once_per_challenge() {
        let mut fixture = Fixture::new().await;
        let asked = fixture.request().await;
        assert_eq!(asked.options["rpId"], "localhost");
        assert_eq!(asked.options["userVerification"], "required");
        let allowed = &asked.options["allowCredentials"][0]["id"];
        assert_eq!(
            allowed.as_str(),
            Some(URL_SAFE_NO_PAD.encode(&fixture.key.credential_id).as_str())
        );
        let answer = fixture.key.get(&asked.options, ORIGIN);
        assert_eq!(
            fixture
                .verify(&asked.state, answer.clone())
                .await
                .expect("checked"),
            AssertionVerdict::Right(fixture.method_id.clone())
        );
        let listed = fixture
            .methods
            .list_methods(&fixture.account)
            .await
            .expect("list");
        assert!(listed[0].last_used_at.is_some());
        assert_eq!(listed[0].counter, Some(2));
        // The same answer again, even with its challenge state kept by mistake.
        assert_eq!(
            fixture.verify(&asked.state, answer).await.expect("checked"),
            AssertionVerdict::Refused
        );
    }

    #[tokio::test]
    async fn answers_from_another_origin_key_or_challenge_are_refused() {
        let mut fixture = Fixture::new().await;
        let asked = fixture.request().await;
        let elsewhere = fixture
            .key
            .get(&asked.options, "http://localhost.evil.example:8080");
        let mut stranger = SoftKey::new([7; 16]);
        let foreign = stranger.get(&asked.options, ORIGIN);
        let other_challenge = fixture.request().await;
        let stale = fixture.key.get(&other_challenge.options, ORIGIN);
        for answer in [elsewhere, foreign, stale, serde_json::json!({"id": 1})] {
            assert_eq!(
                fixture.verify(&asked.state, answer).await.expect("checked"),
                AssertionVerdict::Refused
            );
        }
        // None of them used the key.
        let listed = fixture
            .methods
            .list_methods(&fixture.account)
            .await
            .expect("list");
        assert_eq!(listed[0].last_used_at, None);
    }

    #[tokio::test]
    async fn a_counter_that_goes_back_is_refused_and_recorded_as_a_possible_copy() {
        let mut fixture = Fixture::new().await;
        let asked = fixture.request().await;
        let answer = fixture.key.get(&asked.options, ORIGIN);
        assert!(matches!(
            fixture.verify(&asked.state, answer).await.expect("checked"),
            AssertionVerdict::Right(_)
        ));
        // A copy of the key, whose counter is behind the original's.
        fixture.key.counter = 0;
        let asked = fixture.request().await;
        let answer = fixture.key.get(&asked.options, ORIGIN);
        assert_eq!(
            fixture.verify(&asked.state, answer).await.expect("checked"),
            AssertionVerdict::CloneSuspected(fixture.method_id.clone())
        );
        let trail = fixture
            .store
            .list_activity(&fixture.account, 10)
            .await
            .expect("activity");
        let suspected = trail
            .iter()
            .find(|e| e.kind == "security_key_clone_suspected")
            .expect("recorded");
        assert_eq!(suspected.detail.as_deref(), Some("YubiKey"));
    }

    #[tokio::test]
    async fn refusals_past_the_limit_stop_checking_until_the_window_moves_on() {
        let mut fixture = Fixture::new().await;
        let asked = fixture.request().await;
        for _ in 0..policy::METHOD_CHECK_FAILURES {
            let answer = fixture.key.get(&asked.options, "http://evil.example");
            assert_eq!(
                fixture.verify(&asked.state, answer).await.expect("checked"),
                AssertionVerdict::Refused
            );
        }
        let right = fixture.key.get(&asked.options, ORIGIN);
        let refused = fixture
            .verify(&asked.state, right)
            .await
            .expect_err("throttled")
            .into_response();
        assert_eq!(refused.status(), 429);
        assert!(refused.headers().contains_key("retry-after"));
    }

    #[tokio::test]
    async fn a_stand_in_is_asked_for_like_a_real_key_and_no_answer_passes_it() {
        let fixture = Fixture::new().await;
        let real = fixture.request().await;
        let id = vec![9; stand_in::CREDENTIAL_ID_LENGTH];
        let asked = request_to(&fixture.party, &[stand_in::key(id.clone())]).expect("request");
        let keys = |value: &Value| {
            value
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(keys(&real.options), keys(&asked.options));
        let entry = |options: &Value| options["allowCredentials"][0].clone();
        assert_eq!(keys(&entry(&real.options)), keys(&entry(&asked.options)));
        assert_eq!(
            asked.options["allowCredentials"][0]["id"],
            URL_SAFE_NO_PAD.encode(&id)
        );
        // A key claiming the stand-in's id: its signature cannot verify.
        let mut pretender = SoftKey::new([7; 16]);
        pretender.credential_id = id;
        let answer = pretender.get(&asked.options, ORIGIN);
        let challenge: PasskeyAuthentication = serde_json::from_str(&asked.state).expect("state");
        let parsed: PublicKeyCredential = serde_json::from_value(answer.clone()).expect("answer");
        assert!(
            fixture
                .party
                .webauthn
                .finish_passkey_authentication(&parsed, &challenge)
                .is_err()
        );
        for answer in [answer, serde_json::json!({"id": 1})] {
            refuse(&fixture.party, &asked.state, answer).expect("refused");
        }
        // Its state is a challenge state like any other: a broken one is the server's fault.
        assert!(refuse(&fixture.party, "{}", serde_json::json!({})).is_err());
    }

    #[tokio::test]
    async fn an_account_without_keys_gets_no_request() {
        let fixture = Fixture::new().await;
        let stranger = AccountId::generate().expect("id");
        assert!(
            request(fixture.keys(), &stranger)
                .await
                .expect("request")
                .is_none()
        );
    }
}
