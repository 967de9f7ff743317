//! The phone method: a number proven by a code texted to it or spoken in a call, through the
//! organization's gateway. A user has up to three, one of each [`PhoneKind`] (mobile,
//! alternate mobile, office); only a mobile phone takes texts, and only a number that can
//! receive them. A changed number is a new method (delete and add: a new binding, NIST SP
//! 800-63B 5.1.3.3), so a stored number never changes.

use async_trait::async_trait;
use security_info_api::{
    Channel, MethodDetail, MethodType, PhoneChannel, PhoneKind, ProblemCode, RegistrationAnswer,
    StartRegistration,
};
use serde::{Deserialize, Serialize};

use super::{
    Attempt, Checked, MethodKind, Resent, Started,
    one_time_code::{self, Destination, Reward},
    registration_of,
};
use crate::{
    domain::{
        mask,
        phone::{self, PhoneNumber, PhoneProblem},
        policy,
    },
    error::{ApiError, ApiResult},
    store::{MethodRecord, RegistrationId, RegistrationRecord},
};

/// The phone method type.
pub struct Phone;

/// The longest extension an office phone may have.
const MAX_EXTENSION_DIGITS: usize = 10;

/// A phone as it is stored, and as a pending registration keeps it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    kind: PhoneKind,
    /// E.164: what the gateway is given.
    e164: String,
    /// International form: what the user reads.
    international: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extension: Option<String>,
    /// Whether texts can reach it.
    texts: bool,
}

/// A registered phone as a sign-in's second step uses it.
#[derive(Debug, Clone)]
pub struct RegisteredPhone {
    /// E.164: what the gateway is given.
    pub e164: String,
    /// International form: what the user reads (masked before a sign-in is complete).
    pub international: String,
    /// An office phone's extension.
    pub extension: Option<String>,
    /// Whether texts can reach it.
    pub texts: bool,
}

/// The registered phone a stored method holds.
pub fn registered(method: &MethodRecord) -> anyhow::Result<RegisteredPhone> {
    let stored: Stored = serde_json::from_str(&method.detail)?;
    Ok(RegisteredPhone {
        e164: stored.e164,
        international: stored.international,
        extension: stored.extension,
        texts: stored.texts,
    })
}

/// What a pending phone registration keeps: the phone, and how and in which language its
/// codes go.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    phone: Stored,
    channel: PhoneChannel,
    language: String,
}

impl Pending {
    fn of(registration: &RegistrationRecord) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(&registration.challenge)?)
    }

    fn destination(&self) -> Destination<'_> {
        Destination {
            channel: Channel::from(self.channel),
            extension: self.phone.extension.as_deref(),
            address: &self.phone.international,
            normalized: &self.phone.e164,
            language: &self.language,
        }
    }

    fn description(&self) -> String {
        mask::phone(&self.phone.international)
    }
}

/// The answer to a number the server cannot take.
pub fn number_error(problem: PhoneProblem) -> ApiError {
    ApiError::code(match problem {
        PhoneProblem::Unreadable | PhoneProblem::Invalid => ProblemCode::InvalidPhoneNumber,
        PhoneProblem::NotPersonal => ProblemCode::PhoneNumberNotPersonal,
        PhoneProblem::RegionNotAllowed => ProblemCode::PhoneRegionNotAllowed,
    })
}

/// An office phone's extension: 1 to [`MAX_EXTENSION_DIGITS`] digits; the other kinds have none.
fn checked_extension(kind: PhoneKind, typed: Option<String>) -> ApiResult<Option<String>> {
    let typed = typed.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    match typed {
        None => Ok(None),
        Some(extension)
            if kind == PhoneKind::Office
                && extension.len() <= MAX_EXTENSION_DIGITS
                && extension.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(extension))
        }
        Some(_) => Err(ApiError::code(ProblemCode::InvalidExtension)),
    }
}

/// Refuses texts to a phone that takes calls only: the kinds other than mobile, and numbers
/// whose line cannot receive texts (a fixed line).
fn check_channel(kind: PhoneKind, number: &PhoneNumber, channel: PhoneChannel) -> ApiResult<()> {
    if channel == PhoneChannel::Sms && !(kind.takes_texts() && number.kind.receives_texts()) {
        return Err(ApiError::code(ProblemCode::TextsNotPossible));
    }
    Ok(())
}

#[async_trait]
impl MethodKind for Phone {
    fn method_type(&self) -> MethodType {
        MethodType::Phone
    }

    fn detail(&self, method: &MethodRecord) -> anyhow::Result<MethodDetail> {
        let stored: Stored = serde_json::from_str(&method.detail)?;
        Ok(MethodDetail::Phone {
            kind: stored.kind,
            number: stored.international,
            extension: stored.extension,
            texts: stored.texts,
        })
    }

    fn describe(&self, method: &MethodRecord) -> String {
        serde_json::from_str::<Stored>(&method.detail)
            .map(|stored| mask::phone(&stored.international))
            .unwrap_or_default()
    }

    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started> {
        let StartRegistration::Phone {
            kind,
            region,
            number,
            extension,
            channel,
        } = request
        else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let settings = &attempt.state.settings;
        let number =
            phone::parse(&number, &region, &settings.phone_regions).map_err(number_error)?;
        let extension = checked_extension(kind, extension)?;
        check_channel(kind, &number, channel)?;
        // One phone of each kind: refused before a code goes out, not after it was paid for.
        let taken = attempt
            .state
            .methods
            .list_methods(&attempt.account.account_id)
            .await?
            .iter()
            .any(|m| m.method_type == MethodType::Phone && m.slot == kind.as_str());
        if taken {
            return Err(ApiError::code(ProblemCode::MethodAlreadyRegistered));
        }
        let pending = Pending {
            phone: Stored {
                kind,
                e164: number.e164,
                international: number.international,
                extension,
                texts: number.kind.receives_texts(),
            },
            channel,
            language: attempt.context.language.to_owned(),
        };
        let registration_id = RegistrationId::generate()?;
        let sent = one_time_code::issue(
            attempt,
            registration_id.clone().into(),
            pending.destination(),
        )?;
        Ok(Started {
            registration: registration_of(
                attempt,
                MethodType::Phone,
                registration_id,
                &pending,
                policy::REGISTRATION_LIFETIME,
            )?,
            challenge: one_time_code::challenge(&sent, &pending.phone.international, settings),
            first_code: Some(sent),
            description: pending.description(),
        })
    }

    async fn resend(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
    ) -> ApiResult<Resent> {
        let pending = Pending::of(registration)?;
        let code = one_time_code::issue(
            attempt,
            registration.registration_id.clone().into(),
            pending.destination(),
        )?;
        Ok(Resent {
            challenge: one_time_code::challenge(
                &code,
                &pending.phone.international,
                &attempt.state.settings,
            ),
            code,
            description: pending.description(),
        })
    }

    async fn check(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked> {
        let pending = Pending::of(registration)?;
        // One phone of each kind per account: the kind is the slot.
        let reward = Reward {
            slot: pending.phone.kind.as_str(),
            detail: &pending.phone,
        };
        let description = pending.description();
        one_time_code::earn(attempt, registration, answer, &description, reward).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_office_phone_has_an_extension_of_digits() {
        let office = |typed: &str| checked_extension(PhoneKind::Office, Some(typed.to_owned()));
        assert_eq!(office(" 1234 ").expect("digits"), Some("1234".to_owned()));
        assert_eq!(office("").expect("none"), None);
        assert_eq!(
            office("0123456789").expect("ten"),
            Some("0123456789".into())
        );
        for bad in ["12a", "#12", "01234567890", "١٢٣"] {
            assert!(office(bad).is_err(), "{bad}");
        }
        assert!(checked_extension(PhoneKind::Mobile, Some("12".into())).is_err());
        assert_eq!(
            checked_extension(PhoneKind::Mobile, None).expect("none"),
            None
        );
    }

    #[test]
    fn texts_go_only_to_a_mobile_phone_that_can_take_them() {
        let allowed = phone::AllowedRegions::default();
        let mobile = phone::parse("06 12345678", "NL", &allowed).expect("mobile");
        let fixed = phone::parse("020 555 0123", "NL", &allowed).expect("fixed");
        assert!(check_channel(PhoneKind::Mobile, &mobile, PhoneChannel::Sms).is_ok());
        assert!(check_channel(PhoneKind::Mobile, &fixed, PhoneChannel::Sms).is_err());
        assert!(check_channel(PhoneKind::AlternateMobile, &mobile, PhoneChannel::Sms).is_err());
        assert!(check_channel(PhoneKind::Office, &fixed, PhoneChannel::Voice).is_ok());
        assert!(check_channel(PhoneKind::AlternateMobile, &mobile, PhoneChannel::Voice).is_ok());
    }
}
