//! The method types, one module each, behind one trait ([`MethodKind`]), the way Ory Kratos
//! keeps its strategies: the flows in [`lifecycle`] (start a registration, send another code,
//! check the answer, add the method) call the type's module for the type's own work and never
//! match on a type. Adding a type means writing its module and listing it in [`Methods::new`].
//!
//! Shared parts the modules plug into: [`one_time_code`] for codes sent over a channel (email,
//! text messages and calls), [`wrong_answer`] for counting wrong answers, the
//! registration lifecycle and its limits in [`lifecycle`], the method-list cache in the store.

pub mod authenticator_app;
pub mod check_limit;
pub mod email;
pub mod lifecycle;
pub mod one_time_code;
pub mod phone;
pub mod security_key;
pub mod security_questions;
pub mod wrong_answer;

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use security_info_api::{
    Method, MethodDetail, MethodType, Registration, RegistrationAnswer, StartRegistration,
};
use time::OffsetDateTime;

use crate::{
    clock,
    error::ApiResult,
    extract::ClientContext,
    state::AppState,
    store::{AccountRecord, MethodRecord, NewRegistration, RegistrationRecord, SentCode},
};

/// Who is registering, from where, and when: what every step of a registration needs.
pub struct Attempt<'a> {
    /// Settings, store and keys.
    pub state: &'a AppState,
    /// The signed-in user's account.
    pub account: &'a AccountRecord,
    /// The client's address, browser and language.
    pub context: &'a ClientContext,
    /// The time of the request.
    pub now: OffsetDateTime,
}

/// A registration a type has prepared: the row to store, its first code if the type sends
/// one, and the challenge to show the user.
pub struct Started {
    /// The registration row.
    pub registration: NewRegistration,
    /// The first code and its message, for types that send one.
    pub first_code: Option<SentCode>,
    /// A short, masked description for the audit trail (e.g. `a***@gmail.com`).
    pub description: String,
    /// What the user must answer.
    pub challenge: security_info_api::Challenge,
}

/// A new code a type has prepared for a pending registration.
pub struct Resent {
    /// The code and its message.
    pub code: SentCode,
    /// A short, masked description for the audit trail.
    pub description: String,
    /// The challenge with the new code's times.
    pub challenge: security_info_api::Challenge,
}

/// The method a right answer earns, before it is stored.
pub struct Earned {
    /// See [`crate::store::NewMethod::slot`].
    pub slot: String,
    /// The user's name for it, for types that have one.
    pub name: Option<String>,
    /// What the user sees of it (the type's JSON detail).
    pub detail: String,
    /// Type-private data.
    pub credential: Option<Vec<u8>>,
    /// See [`crate::store::NewMethod::counter`].
    pub counter: Option<i64>,
}

/// How a type's check of an answer came out, when it is not simply wrong.
pub enum Checked {
    /// Right: the method may be added.
    Right(Earned),
    /// Another request changed the registration while this one checked it: read it again.
    Raced,
}

/// One method type: its registration steps and how its methods read.
#[async_trait]
pub trait MethodKind: Send + Sync {
    /// The type this module implements.
    fn method_type(&self) -> MethodType;

    /// Whether its methods carry a name the user may change.
    fn renamable(&self) -> bool {
        false
    }

    /// What the user sees of a stored method of this type.
    fn detail(&self, method: &MethodRecord) -> anyhow::Result<MethodDetail>;

    /// A short description of a stored method for the audit trail and notices: enough to
    /// recognise it, never a secret (a masked address, a key's name).
    fn describe(&self, method: &MethodRecord) -> String;

    /// Checks the request and prepares a registration.
    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started>;

    /// Prepares a new code for a pending registration; types without codes refuse (409
    /// `no_code_to_resend`), as this default does.
    async fn resend(
        &self,
        _attempt: &Attempt<'_>,
        _registration: &RegistrationRecord,
    ) -> ApiResult<Resent> {
        Err(crate::error::ApiError::code(
            security_info_api::ProblemCode::NoCodeToResend,
        ))
    }

    /// Checks an answer. A wrong one is counted (and may lock the registration) and comes
    /// back as the error to answer with.
    async fn check(
        &self,
        attempt: &Attempt<'_>,
        registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked>;
}

/// The types this server implements.
#[derive(Clone)]
pub struct Methods {
    kinds: Arc<BTreeMap<MethodType, Arc<dyn MethodKind>>>,
}

impl Methods {
    /// Every type this build implements.
    pub fn new() -> Self {
        let kinds: [Arc<dyn MethodKind>; 5] = [
            Arc::new(authenticator_app::AuthenticatorApp),
            Arc::new(email::Email),
            Arc::new(phone::Phone),
            Arc::new(security_key::SecurityKey),
            Arc::new(security_questions::SecurityQuestions),
        ];
        Self {
            kinds: Arc::new(
                kinds
                    .into_iter()
                    .map(|kind| (kind.method_type(), kind))
                    .collect(),
            ),
        }
    }

    /// The module of a type, if this build implements it.
    pub fn get(&self, method_type: MethodType) -> Option<&dyn MethodKind> {
        self.kinds.get(&method_type).map(|kind| kind.as_ref())
    }

    /// The implemented types, in the help article's order.
    pub fn types(&self) -> Vec<MethodType> {
        MethodType::ALL
            .into_iter()
            .filter(|t| self.kinds.contains_key(t))
            .collect()
    }

    /// The wire form of a stored method (`None` for a type this build does not implement).
    pub fn wire(&self, method: &MethodRecord) -> anyhow::Result<Option<Method>> {
        let Some(kind) = self.get(method.method_type) else {
            return Ok(None);
        };
        Ok(Some(Method::new(
            method.method_id.to_string(),
            kind.detail(method)?,
            method.name.clone(),
            clock::format(method.created_at),
            method.last_used_at.map(clock::format),
        )))
    }

    /// A stored method's description for the audit trail and notices.
    pub fn describe(&self, method: &MethodRecord) -> String {
        self.get(method.method_type)
            .map(|kind| kind.describe(method))
            .unwrap_or_default()
    }
}

impl Default for Methods {
    fn default() -> Self {
        Self::new()
    }
}

/// Registration with the given pieces, for a type's [`MethodKind::start`], ending `lifetime`
/// after it starts (see [`crate::domain::policy::REGISTRATION_LIFETIME`]).
pub fn registration_of(
    attempt: &Attempt<'_>,
    method_type: MethodType,
    registration_id: crate::store::RegistrationId,
    challenge: &impl serde::Serialize,
    lifetime: time::Duration,
) -> anyhow::Result<NewRegistration> {
    Ok(NewRegistration {
        registration_id,
        account_id: attempt.account.account_id.clone(),
        method_type,
        challenge: serde_json::to_string(challenge)?,
        expires_at: attempt.now + lifetime,
        created_at: attempt.now,
    })
}

/// The wire form of a pending registration.
pub fn registration_answer(
    registration_id: &crate::store::RegistrationId,
    method_type: MethodType,
    challenge: security_info_api::Challenge,
) -> Registration {
    Registration {
        id: registration_id.to_string(),
        method_type,
        challenge,
    }
}
