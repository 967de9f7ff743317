//! Audit events: who did what, when, from where. Never a secret in `detail`.

use security_info_api::ActivityKind;
use time::OffsetDateTime;

use crate::{
    extract::ClientContext,
    random,
    store::{AccountId, NewAuditEvent},
};

/// The stored name of a kind (its wire name).
pub fn kind_name(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::SignIn => "sign_in",
        ActivityKind::SignInFailed => "sign_in_failed",
        ActivityKind::SignOut => "sign_out",
        ActivityKind::SignOutEverywhere => "sign_out_everywhere",
        ActivityKind::Reauthentication => "reauthentication",
        ActivityKind::SecondStepFailed => "second_step_failed",
        ActivityKind::RecoveryCodeUsed => "recovery_code_used",
        ActivityKind::RecoveryCodesCreated => "recovery_codes_created",
        ActivityKind::DefaultMethodChanged => "default_method_changed",
        ActivityKind::PasswordResetStarted => "password_reset_started",
        ActivityKind::PasswordResetGatePassed => "password_reset_gate_passed",
        ActivityKind::PasswordResetGateFailed => "password_reset_gate_failed",
        ActivityKind::PasswordChanged => "password_changed",
        ActivityKind::RegistrationStarted => "registration_started",
        ActivityKind::CodeResent => "code_resent",
        ActivityKind::VerificationFailed => "verification_failed",
        ActivityKind::VerificationLocked => "verification_locked",
        ActivityKind::MethodAdded => "method_added",
        ActivityKind::MethodDeleted => "method_deleted",
        ActivityKind::MethodRenamed => "method_renamed",
        ActivityKind::SecurityKeyCloneSuspected => "security_key_clone_suspected",
        ActivityKind::AccountCreated => "account_created",
        ActivityKind::AccountUpdated => "account_updated",
        ActivityKind::AccountDisabled => "account_disabled",
        ActivityKind::AccountEnabled => "account_enabled",
        ActivityKind::MethodsCleared => "methods_cleared",
    }
}

/// The kind with this stored name.
pub fn kind_from_name(name: &str) -> Option<ActivityKind> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// A new event for `account_id`, with the client's IP address and user agent.
pub fn event(
    kind: ActivityKind,
    account_id: Option<&AccountId>,
    context: &ClientContext,
    detail: Option<String>,
    at: OffsetDateTime,
) -> anyhow::Result<NewAuditEvent> {
    Ok(NewAuditEvent {
        audit_event_id: random::id()?,
        account_id: account_id.cloned(),
        kind: kind_name(kind),
        ip_address: context.ip_address.clone(),
        user_agent: context.user_agent.clone(),
        detail,
        created_at: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_wire_names() {
        for kind in [
            ActivityKind::SignIn,
            ActivityKind::SignInFailed,
            ActivityKind::SignOut,
            ActivityKind::SignOutEverywhere,
            ActivityKind::Reauthentication,
            ActivityKind::RegistrationStarted,
            ActivityKind::CodeResent,
            ActivityKind::VerificationFailed,
            ActivityKind::VerificationLocked,
            ActivityKind::MethodAdded,
            ActivityKind::MethodDeleted,
            ActivityKind::MethodRenamed,
            ActivityKind::SecurityKeyCloneSuspected,
            ActivityKind::SecondStepFailed,
            ActivityKind::RecoveryCodeUsed,
            ActivityKind::RecoveryCodesCreated,
            ActivityKind::DefaultMethodChanged,
            ActivityKind::AccountCreated,
            ActivityKind::AccountUpdated,
            ActivityKind::AccountDisabled,
            ActivityKind::AccountEnabled,
            ActivityKind::MethodsCleared,
        ] {
            assert_eq!(kind_from_name(kind_name(kind)), Some(kind));
        }
    }
}
