//! The email method: an address outside the organization, proven by a code mailed to it. For
//! password reset only (NIST SP 800-63B 5.1.3.1: email is not an authenticator).

use async_trait::async_trait;
use security_info_api::{
    Channel, EmailAddress, MethodDetail, MethodType, ProblemCode, RegistrationAnswer,
    StartRegistration,
};
use serde::{Deserialize, Serialize};

use super::{
    Attempt, Checked, MethodKind, Resent, Started,
    one_time_code::{self, Destination, Reward},
    registration_of,
};
use crate::{
    domain::{mask, policy},
    error::{ApiError, ApiResult},
    store::{MethodRecord, RegistrationId, RegistrationRecord},
};

/// The email method type.
pub struct Email;

/// What a pending email registration keeps: the address and the language of its mail.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    email_address: String,
    language: String,
}

/// What a stored email method shows.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    email_address: String,
}

impl Pending {
    fn of(registration: &RegistrationRecord) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(&registration.challenge)?)
    }

    /// The address in the form the per-destination limit counts.
    fn normalized(&self) -> String {
        self.email_address.to_lowercase()
    }

    fn destination<'a>(&'a self, normalized: &'a str) -> Destination<'a> {
        Destination {
            channel: Channel::Email,
            extension: None,
            address: &self.email_address,
            normalized,
            language: &self.language,
        }
    }
}

#[async_trait]
impl MethodKind for Email {
    fn method_type(&self) -> MethodType {
        MethodType::Email
    }

    fn detail(&self, method: &MethodRecord) -> anyhow::Result<MethodDetail> {
        let stored: Stored = serde_json::from_str(&method.detail)?;
        Ok(MethodDetail::Email {
            email_address: stored.email_address,
        })
    }

    fn describe(&self, method: &MethodRecord) -> String {
        serde_json::from_str::<Stored>(&method.detail)
            .map(|stored| mask::email(&stored.email_address))
            .unwrap_or_default()
    }

    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started> {
        let StartRegistration::Email { email_address } = request else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let address = EmailAddress::parse(&email_address)
            .map_err(|error| ApiError::detail(ProblemCode::InvalidEmail, error.to_string()))?;
        if address.is_in_any_domain(&attempt.state.settings.org_domains) {
            return Err(ApiError::code(ProblemCode::WorkEmailNotAllowed));
        }
        let pending = Pending {
            email_address: address.as_str().to_owned(),
            language: attempt.context.language.to_owned(),
        };
        let registration_id = RegistrationId::generate()?;
        let normalized = pending.normalized();
        let sent = one_time_code::issue(
            attempt,
            registration_id.clone().into(),
            pending.destination(&normalized),
        )?;
        Ok(Started {
            // Resends keep the codes short-lived; the registration itself ends after an hour.
            registration: registration_of(
                attempt,
                MethodType::Email,
                registration_id,
                &pending,
                policy::REGISTRATION_LIFETIME,
            )?,
            challenge: one_time_code::challenge(
                &sent,
                &pending.email_address,
                &attempt.state.settings,
            ),
            first_code: Some(sent),
            description: mask::email(&pending.email_address),
        })
    }

    async fn resend(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
    ) -> ApiResult<Resent> {
        let pending = Pending::of(registration)?;
        let normalized = pending.normalized();
        let code = one_time_code::issue(
            attempt,
            registration.registration_id.clone().into(),
            pending.destination(&normalized),
        )?;
        Ok(Resent {
            challenge: one_time_code::challenge(
                &code,
                &pending.email_address,
                &attempt.state.settings,
            ),
            code,
            description: mask::email(&pending.email_address),
        })
    }

    async fn check(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked> {
        let pending = Pending::of(registration)?;
        let stored = Stored {
            email_address: pending.email_address,
        };
        let description = mask::email(&stored.email_address);
        // One email method per account: the empty slot.
        let reward = Reward {
            slot: "",
            detail: &stored,
        };
        one_time_code::earn(attempt, registration, answer, &description, reward).await
    }
}
