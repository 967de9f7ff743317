//! **Recent activity** (`/activity`): the user's own security events, newest first.

use leptos::prelude::*;
use security_info_api::{ActivityEvent, ActivityKind};

use crate::api;
use crate::components::load_error::{LoadError, Loading};
use crate::format;
use crate::i18n::{Key, use_i18n};
use crate::pages::use_page_title;

/// The text of an event kind.
pub fn kind_key(kind: ActivityKind) -> Key {
    match kind {
        ActivityKind::SignIn => Key::ActivityKindSignIn,
        ActivityKind::SignInFailed => Key::ActivityKindSignInFailed,
        ActivityKind::SignOut => Key::ActivityKindSignOut,
        ActivityKind::SignOutEverywhere => Key::ActivityKindSignOutEverywhere,
        ActivityKind::Reauthentication => Key::ActivityKindReauthentication,
        ActivityKind::RegistrationStarted => Key::ActivityKindRegistrationStarted,
        ActivityKind::CodeResent => Key::ActivityKindCodeResent,
        ActivityKind::VerificationFailed => Key::ActivityKindVerificationFailed,
        ActivityKind::VerificationLocked => Key::ActivityKindVerificationLocked,
        ActivityKind::MethodAdded => Key::ActivityKindMethodAdded,
        ActivityKind::MethodDeleted => Key::ActivityKindMethodDeleted,
        ActivityKind::MethodRenamed => Key::ActivityKindMethodRenamed,
        ActivityKind::SecurityKeyCloneSuspected => Key::ActivityKindSecurityKeyCloneSuspected,
        ActivityKind::SecondStepFailed => Key::ActivityKindSecondStepFailed,
        ActivityKind::RecoveryCodeUsed => Key::ActivityKindRecoveryCodeUsed,
        ActivityKind::RecoveryCodesCreated => Key::ActivityKindRecoveryCodesCreated,
        ActivityKind::DefaultMethodChanged => Key::ActivityKindDefaultMethodChanged,
        ActivityKind::PasswordResetStarted => Key::ActivityKindPasswordResetStarted,
        ActivityKind::PasswordResetGatePassed => Key::ActivityKindPasswordResetGatePassed,
        ActivityKind::PasswordResetGateFailed => Key::ActivityKindPasswordResetGateFailed,
        ActivityKind::PasswordChanged => Key::ActivityKindPasswordChanged,
        ActivityKind::AccountCreated => Key::ActivityKindAccountCreated,
        ActivityKind::AccountUpdated => Key::ActivityKindAccountUpdated,
        ActivityKind::AccountDisabled => Key::ActivityKindAccountDisabled,
        ActivityKind::AccountEnabled => Key::ActivityKindAccountEnabled,
        ActivityKind::MethodsCleared => Key::ActivityKindMethodsCleared,
    }
}

/// The activity page.
#[component]
pub fn Activity() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::ActivityTitle);
    let events = LocalResource::new(api::activity);
    view! {
        <h1 tabindex="-1">{i18n.text(Key::ActivityTitle)}</h1>
        <p class="lead">{i18n.text(Key::ActivityIntro)}</p>
        <section class="card">
            <Transition fallback=Loading>
                {move || {
                    events
                        .get()
                        .map(|result| match result {
                            Ok(list) if list.events.is_empty() => {
                                view! { <p class="empty-state">{i18n.text(Key::ActivityEmpty)}</p> }
                                    .into_any()
                            }
                            Ok(list) => {
                                view! {
                                    <ul class="activity-list">
                                        {list.events.into_iter().map(event_row).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <LoadError error=error on_retry=move |()| events.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn event_row(event: ActivityEvent) -> impl IntoView {
    let i18n = use_i18n();
    let occurred_at = event.occurred_at.clone();
    let machine_time = event.occurred_at.clone();
    let from = event.ip_address.clone();
    view! {
        <li class="activity">
            <span class="activity-kind">{move || i18n.t(kind_key(event.kind))}</span>
            {event.detail.map(|detail| view! { <span class="activity-detail">{detail}</span> })}
            <time class="activity-time" datetime=machine_time>
                {move || format::day_and_time(&occurred_at, i18n.lang())}
            </time>
            <span class="activity-source">
                {move || {
                    from.as_ref()
                        .map(|ip| i18n.tf(Key::ActivityFrom, &[("ip", ip)]))
                        .unwrap_or_default()
                }}
                {event.user_agent.map(|agent| view! { <span class="activity-agent">{agent}</span> })}
            </span>
        </li>
    }
}
