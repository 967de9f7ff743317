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
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Attempt, Checked, Earned, MethodKind, Resent, Started, lifecycle, registration_of,
    wrong_answer::{self, WrongAnswer},
};
use crate::{
    clock,
    domain::{codes::CodeKeys, policy, totp},
    error::{ApiError, ApiResult},
    extract::CurrentUser,
    state::AppState,
    store::{
        AccountId, MethodCheck, MethodCheckLimit, MethodId, MethodRecord, MethodStore,
        RegistrationId, RegistrationRecord,
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

/// What the audit trail says of a registration before the app has a name.
const DESCRIPTION: &str = "authenticator app";

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
    let type_name = match language {
        "nl" => "Authenticator-app",
        _ => "Authenticator app",
    };
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
            .unwrap_or_else(|| DESCRIPTION.to_owned())
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
        let mut registration = registration_of(
            attempt,
            MethodType::AuthenticatorApp,
            registration_id.clone(),
            &pending,
        )?;
        // No code is sent to keep it alive: it lasts as long as a code does.
        registration.expires_at = attempt.now + attempt.state.settings.code_validity;
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
            description: DESCRIPTION.to_owned(),
            challenge,
        })
    }

    async fn resend(
        &self,
        _attempt: &Attempt<'_>,
        _registration: &RegistrationRecord,
    ) -> ApiResult<Resent> {
        Err(ApiError::code(ProblemCode::NoCodeToResend))
    }

    async fn check(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked> {
        let RegistrationAnswer::Code { code } = answer;
        let pending = Pending::of(registration)?;
        let sealed = pending.sealed()?;
        let secret = open_secret(
            &attempt.state.code_keys,
            &attempt.account.account_id,
            &sealed,
        )?;
        let now_step = totp::step_at(attempt.now.unix_timestamp());
        let Some(step) = totp::matching_step(&secret, code.trim(), now_step) else {
            return match wrong_answer::count(attempt, registration, DESCRIPTION).await? {
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
/// ([`policy::METHOD_CHECK_FAILURES`] failures in [`policy::SIGN_IN_FAILURE_WINDOW`]; then
/// `too_many_requests` with `Retry-After`), and the step it belongs to recorded in the same
/// transaction that checks it was not used, so two requests with one code cannot both pass.
pub async fn verify_code(
    methods: &dyn MethodStore,
    keys: &CodeKeys,
    account_id: &AccountId,
    typed: &str,
    now: OffsetDateTime,
) -> ApiResult<CodeVerdict> {
    let check = MethodCheck {
        method_check_id: crate::random::id()?,
        account_id: account_id.clone(),
        method_type: MethodType::AuthenticatorApp,
        created_at: now,
    };
    let limit = MethodCheckLimit {
        window: policy::SIGN_IN_FAILURE_WINDOW,
        failures: policy::METHOD_CHECK_FAILURES,
    };
    if let Err(throttled) = methods.reserve_method_check(&check, &limit).await? {
        return Err(ApiError::retry_after(
            ProblemCode::TooManyRequests,
            clock::seconds_until(now, throttled.until),
        ));
    }
    let now_step = totp::step_at(now.unix_timestamp());
    let typed = typed.trim();
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
        if let Some(step) = totp::matching_step(&secret, typed, now_step) {
            let used = methods
                .use_method(
                    account_id,
                    &app.method_id,
                    i64::try_from(step).map_err(anyhow::Error::from)?,
                    &check.method_check_id,
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
