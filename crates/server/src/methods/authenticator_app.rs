//! The authenticator app method: a key the user's app scans from a QR code (or types), proven
//! by the code the app then shows (RFC 6238: SHA-1, 6 digits, 30 s, what every app supports).
//! For two-step verification and password reset.
//!
//! The key is 160 bits from the OS CSPRNG, sealed at rest (XChaCha20-Poly1305 under a key
//! derived from the server secret, bound to the account), shown only in the answer that
//! starts the registration and in its QR code while the registration is pending. A code is
//! accepted one step either side of now; the step it belongs to is stored with the method and
//! a code of that step or an earlier one is refused from then on ([`verify_code`]).

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use security_info_api::{
    Challenge, MethodDetail, MethodType, ProblemCode, RegistrationAnswer, StartRegistration,
    VerificationCode,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Attempt, Checked, Earned, MethodKind, Started, lifecycle, registration_of,
    wrong_answer::{self, WrongAnswer},
};
use crate::{
    clock,
    domain::{codes::CodeKeys, totp},
    error::{ApiError, ApiResult},
    extract::CurrentUser,
    methods::check_limit,
    state::AppState,
    store::{
        AccountId, CheckSubject, MethodId, MethodRecord, MethodStore, RegistrationId,
        RegistrationRecord,
    },
};

/// The authenticator app type.
pub struct AuthenticatorApp;

/// What a pending registration keeps: the sealed key and the language of the default name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    /// Base64 of the sealed key.
    sealed_secret: String,
    language: String,
}

/// The type's name in the user's language: the audit trail's description of a registration
/// before the app has a name (the activity page shows it as it is), and the stem of default
/// names.
fn type_name(language: &str) -> &'static str {
    match language {
        "nl" => "Authenticator-app",
        _ => "Authenticator app",
    }
}

/// What a key is sealed to: its account, so a key copied to another account's row does not
/// open.
fn seal_id(account_id: &AccountId) -> String {
    format!("authenticator-app:{account_id}")
}

fn open_secret(keys: &CodeKeys, account_id: &AccountId, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    keys.open_bytes(&seal_id(account_id), sealed)
}

impl Pending {
    fn of(registration: &RegistrationRecord) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(&registration.challenge)?)
    }

    fn sealed(&self) -> anyhow::Result<Vec<u8>> {
        Ok(STANDARD.decode(&self.sealed_secret)?)
    }
}

/// The name a new app gets: the type's name in the user's language and the first ordinal no
/// app of the account has (`Authenticator app 2`).
fn default_name(language: &str, existing: &[MethodRecord]) -> String {
    let type_name = type_name(language);
    (1..)
        .map(|ordinal| format!("{type_name} {ordinal}"))
        .find(|name| !existing.iter().any(|m| m.name.as_deref() == Some(name)))
        .unwrap_or_else(|| type_name.to_owned())
}

/// Where the QR code of a pending registration is served (see
/// `routes::registrations::get_qr_code`).
fn qr_code_url(registration_id: &RegistrationId) -> String {
    format!("/api/v1/me/registrations/{registration_id}/qr-code")
}

/// The QR code (SVG) of the signed-in user's pending authenticator app registration `id`:
/// `not_found` for any other registration, the same refusals as answering it once it is over.
pub async fn pending_qr_code(
    state: &AppState,
    current: &CurrentUser,
    id: &RegistrationId,
) -> ApiResult<String> {
    let registration = lifecycle::find(state, current, id).await?;
    if registration.method_type != MethodType::AuthenticatorApp {
        return Err(ApiError::code(ProblemCode::NotFound));
    }
    lifecycle::require_pending(state, &registration, clock::now()).await?;
    let pending = Pending::of(&registration)?;
    let account = &current.account;
    let secret = open_secret(&state.code_keys, &account.account_id, &pending.sealed()?)?;
    let uri = totp::key_uri(
        &secret,
        &state.settings.org_name,
        &account.user_principal_name,
    );
    Ok(qr_code_svg(&uri)?)
}

/// The QR code of `uri` as an SVG document: black modules on white with the quiet zone the
/// standard asks for, sized by `viewBox` so the page's stylesheet decides how large it shows.
pub fn qr_code_svg(uri: &str) -> anyhow::Result<String> {
    use qrcode::{EcLevel, QrCode, render::svg};
    // Level M: the usual choice for screens; a 160-bit key URI stays a small code.
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .build())
}

#[async_trait]
impl MethodKind for AuthenticatorApp {
    fn method_type(&self) -> MethodType {
        MethodType::AuthenticatorApp
    }

    fn renamable(&self) -> bool {
        true
    }

    fn detail(&self, _method: &MethodRecord) -> anyhow::Result<MethodDetail> {
        Ok(MethodDetail::AuthenticatorApp {})
    }

    fn describe(&self, method: &MethodRecord) -> String {
        method
            .name
            .clone()
            .unwrap_or_else(|| type_name("en").to_owned())
    }

    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started> {
        let StartRegistration::AuthenticatorApp {} = request else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let secret = crate::random::bytes::<{ totp::SECRET_BYTES }>()?;
        let account = attempt.account;
        let sealed = attempt
            .state
            .code_keys
            .seal(&seal_id(&account.account_id), &secret)?;
        let pending = Pending {
            sealed_secret: STANDARD.encode(sealed),
            language: attempt.context.language.to_owned(),
        };
        let registration_id = RegistrationId::generate()?;
        // No code is sent to keep it alive: it lasts as long as a code does.
        let registration = registration_of(
            attempt,
            MethodType::AuthenticatorApp,
            registration_id.clone(),
            &pending,
            attempt.state.settings.code_validity,
        )?;
        let issuer = attempt.state.settings.org_name.clone();
        let challenge = Challenge::Totp {
            secret: totp::base32(&secret),
            uri: totp::key_uri(&secret, &issuer, &account.user_principal_name),
            issuer,
            account_name: account.user_principal_name.clone(),
            qr_code_url: qr_code_url(&registration_id),
            code_length: totp::DIGITS,
            period_seconds: totp::PERIOD_SECONDS,
            expires_at: clock::format(registration.expires_at),
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
        let RegistrationAnswer::Code { code } = answer else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let pending = Pending::of(registration)?;
        let sealed = pending.sealed()?;
        let secret = open_secret(
            &attempt.state.code_keys,
            &attempt.account.account_id,
            &sealed,
        )?;
        // Input that cannot be a code is refused without counting, as for sent codes.
        let Ok(typed) = VerificationCode::parse(&code, usize::from(totp::DIGITS)) else {
            return Err(ApiError::code_incorrect(wrong_answer::attempts_left(
                registration,
            )));
        };
        let now_step = totp::step_at(attempt.now.unix_timestamp());
        let Some(step) = totp::matching_step(&secret, typed.as_str(), now_step) else {
            let description = type_name(&pending.language);
            return match wrong_answer::count(attempt, registration, description).await? {
                WrongAnswer::Counted(error) => Err(error),
                WrongAnswer::Raced => Ok(Checked::Raced),
            };
        };
        let existing: Vec<MethodRecord> = attempt
            .state
            .methods
            .list_methods(&attempt.account.account_id)
            .await?
            .into_iter()
            .filter(|m| m.method_type == MethodType::AuthenticatorApp)
            .collect();
        Ok(Checked::Right(Earned {
            // Any number of apps, up to the type's limit.
            slot: registration.registration_id.to_string(),
            name: Some(default_name(&pending.language, &existing)),
            detail: "{}".to_owned(),
            credential: Some(sealed),
            // The step just used is used up: the same code cannot sign in next.
            counter: Some(i64::try_from(step).map_err(anyhow::Error::from)?),
        }))
    }
}

/// How a code compared with an account's authenticator apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeVerdict {
    /// The current code of this app, not used before: it is now.
    Right(MethodId),
    /// The code of a step this app has already used (RFC 6238 5.2: each code works once).
    Replayed,
    /// No app of the account shows this code now.
    Wrong,
}

/// Checks a code an authenticator app shows against the account's apps, for sign-in's second
/// step and password reset: counted against the account's limit before it runs
/// ([`crate::domain::policy::METHOD_CHECK_FAILURES`] failures in
/// [`crate::domain::policy::SIGN_IN_FAILURE_WINDOW`]; then
/// `too_many_requests` with `Retry-After`), and the step it belongs to recorded in the same
/// transaction that checks it was not used, so two requests with one code cannot both pass.
pub async fn verify_code(
    methods: &dyn MethodStore,
    keys: &CodeKeys,
    account_id: &AccountId,
    typed: &str,
    now: OffsetDateTime,
) -> ApiResult<CodeVerdict> {
    let check_id = check_limit::reserve(
        methods,
        CheckSubject::Account(account_id.clone()),
        MethodType::AuthenticatorApp,
        now,
    )
    .await?;
    let Ok(typed) = VerificationCode::parse(typed, usize::from(totp::DIGITS)) else {
        return Ok(CodeVerdict::Wrong);
    };
    let now_step = totp::step_at(now.unix_timestamp());
    for app in methods
        .list_methods(account_id)
        .await?
        .into_iter()
        .filter(|m| m.method_type == MethodType::AuthenticatorApp)
    {
        let Some(sealed) = &app.credential else {
            continue;
        };
        let secret = open_secret(keys, account_id, sealed)?;
        if let Some(step) = totp::matching_step(&secret, typed.as_str(), now_step) {
            let used = methods
                .use_method(
                    account_id,
                    &app.method_id,
                    i64::try_from(step).map_err(anyhow::Error::from)?,
                    &check_id,
                    now,
                )
                .await?;
            return Ok(if used {
                CodeVerdict::Right(app.method_id)
            } else {
                CodeVerdict::Replayed
            });
        }
    }
    Ok(CodeVerdict::Wrong)
}

#[cfg(test)]
mod tests {

    use axum::response::IntoResponse;

    use super::*;
    use crate::domain::policy;
    use crate::store::{
        CachedMethods, NewMethod,
        test_support::{audit, notice, store_with_registration},
    };

    const KEY: &[u8; 20] = b"12345678901234567890";

    /// An account with one app whose key is [`KEY`], and the keys that sealed it.
    async fn account_with_app() -> (
        tempfile::TempDir,
        CachedMethods<crate::store::sqlite::SqliteStore>,
        CodeKeys,
        AccountId,
        MethodId,
    ) {
        let (dir, store, account_id, registration_id) =
            store_with_registration(MethodType::AuthenticatorApp).await;
        let keys = CodeKeys::new(&[7; 32]).expect("keys");
        let methods = CachedMethods::new(store);
        let method_id = MethodId::generate().expect("id");
        let method = NewMethod {
            method_id: method_id.clone(),
            account_id: account_id.clone(),
            method_type: MethodType::AuthenticatorApp,
            slot: registration_id.to_string(),
            name: Some("Authenticator app 1".into()),
            detail: "{}".into(),
            credential: Some(keys.seal(&seal_id(&account_id), KEY).expect("seal")),
            counter: None,
            created_at: clock::now(),
        };
        methods
            .add_method(&registration_id, &method, 5, &audit(&account_id), &notice())
            .await
            .expect("add");
        (dir, methods, keys, account_id, method_id)
    }

    fn code_at(time: OffsetDateTime) -> String {
        totp::code(KEY, totp::step_at(time.unix_timestamp()), totp::DIGITS)
    }

    #[tokio::test]
    async fn a_code_works_once_and_no_earlier_code_works_after_it() {
        let (_dir, methods, keys, account, method_id) = account_with_app().await;
        let now = clock::now();
        let step = time::Duration::seconds(30);
        let verify = |code: String, at| {
            let (methods, keys, account) = (&methods, &keys, &account);
            async move { verify_code(methods, keys, account, &code, at).await }
        };
        assert_eq!(
            verify(code_at(now), now).await.expect("checked"),
            CodeVerdict::Right(method_id.clone())
        );
        // The same code again, and the previous step's (still inside the window).
        assert_eq!(
            verify(code_at(now), now).await.expect("checked"),
            CodeVerdict::Replayed
        );
        assert_eq!(
            verify(code_at(now - step), now).await.expect("checked"),
            CodeVerdict::Replayed
        );
        // The next step's code works, typed with a space as apps show it.
        let next = code_at(now + step);
        let spaced = format!("{} {}", &next[..3], &next[3..]);
        assert_eq!(
            verify(spaced, now + step).await.expect("checked"),
            CodeVerdict::Right(method_id.clone())
        );
        let listed = methods.list_methods(&account).await.expect("list");
        assert_eq!(listed[0].last_used_at, Some(now + step));
        assert_eq!(
            verify(wrong(&code_at(now)), now).await.expect("checked"),
            CodeVerdict::Wrong
        );
        assert_eq!(
            verify("12a456".into(), now).await.expect("checked"),
            CodeVerdict::Wrong
        );
    }

    /// A code differing from `code` in every digit.
    fn wrong(code: &str) -> String {
        code.bytes()
            .map(|b| char::from(b'0' + (b - b'0' + 1) % 10))
            .collect()
    }

    #[tokio::test]
    async fn the_same_code_checked_twice_at_once_passes_once() {
        let (_dir, methods, keys, account, method_id) = account_with_app().await;
        let now = clock::now();
        let code = code_at(now);
        let (first, second) = tokio::join!(
            verify_code(&methods, &keys, &account, &code, now),
            verify_code(&methods, &keys, &account, &code, now)
        );
        let mut verdicts = [first.expect("checked"), second.expect("checked")];
        verdicts.sort_by_key(|v| matches!(v, CodeVerdict::Replayed));
        assert_eq!(
            verdicts,
            [CodeVerdict::Right(method_id), CodeVerdict::Replayed]
        );
    }

    #[tokio::test]
    async fn failures_past_the_limit_are_refused_until_the_window_moves_on() {
        let (_dir, methods, keys, account, _) = account_with_app().await;
        let now = clock::now();
        let bad = wrong(&code_at(now));
        for _ in 0..policy::METHOD_CHECK_FAILURES {
            assert_eq!(
                verify_code(&methods, &keys, &account, &bad, now)
                    .await
                    .expect("checked"),
                CodeVerdict::Wrong
            );
        }
        // Even the right code is refused now, unchecked.
        let refused = verify_code(&methods, &keys, &account, &code_at(now), now)
            .await
            .expect_err("throttled")
            .into_response();
        assert_eq!(refused.status(), 429);
        assert_eq!(refused.headers()["retry-after"], "900");
        let later = now + policy::SIGN_IN_FAILURE_WINDOW;
        assert!(matches!(
            verify_code(&methods, &keys, &account, &code_at(later), later)
                .await
                .expect("checked"),
            CodeVerdict::Right(_)
        ));
    }

    #[tokio::test]
    async fn a_key_sealed_for_another_account_does_not_open() {
        let keys = CodeKeys::new(&[7; 32]).expect("keys");
        let alain = AccountId::generate().expect("id");
        let megan = AccountId::generate().expect("id");
        let sealed = keys.seal(&seal_id(&alain), KEY).expect("seal");
        assert_eq!(open_secret(&keys, &alain, &sealed).expect("opens"), KEY);
        assert!(open_secret(&keys, &megan, &sealed).is_err());
        assert!(!sealed.windows(KEY.len()).any(|w| w == KEY));
    }

    #[test]
    fn default_names_take_the_first_free_ordinal_in_the_users_language() {
        let named = |name: &str| MethodRecord {
            method_id: MethodId::from(name.to_owned()),
            method_type: MethodType::AuthenticatorApp,
            slot: name.to_owned(),
            name: Some(name.to_owned()),
            detail: "{}".into(),
            credential: None,
            counter: None,
            created_at: clock::now(),
            last_used_at: None,
        };
        assert_eq!(default_name("en", &[]), "Authenticator app 1");
        assert_eq!(default_name("nl", &[]), "Authenticator-app 1");
        let existing = [named("Authenticator app 1"), named("Authenticator app 3")];
        assert_eq!(default_name("en", &existing), "Authenticator app 2");
    }
}
