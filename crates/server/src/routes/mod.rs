//! The HTTP handlers of `/api/v1`, one file per resource, named verb_resource.

pub mod activity;
pub mod default_method;
pub mod dev_mailbox;
pub mod embedding;
pub mod fallback;
pub mod health;
pub mod key_hand_off;
pub mod me;
pub mod methods;
pub mod oidc_sign_in;
pub mod password_reset;
pub mod phone_regions;
pub mod recovery_codes;
pub mod registrations;
pub mod second_step;
pub mod session;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{delete, get, post, put},
};

use crate::{api_answers, csrf, domain::policy, openapi, state::AppState};

/// Everything under `/api/v1`.
pub fn api_router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            post(session::create_session).delete(session::delete_session),
        )
        .route(
            "/session/reauthenticate",
            post(session::reauthenticate_session),
        )
        .route(
            "/session/second-step/challenge",
            post(second_step::create_second_step_challenge),
        )
        .route("/session/second-step", post(second_step::pass_second_step))
        .route(
            "/me/recovery-codes",
            get(recovery_codes::get_recovery_codes).post(recovery_codes::create_recovery_codes),
        )
        .route(
            "/me/default-method",
            put(default_method::set_default_method),
        )
        .route("/sign-in-options", get(oidc_sign_in::get_sign_in_options))
        .route(
            "/password-reset",
            post(password_reset::start_password_reset),
        )
        .route(
            "/password-reset/challenge",
            post(password_reset::choose_reset_way),
        )
        .route(
            "/password-reset/verify",
            post(password_reset::verify_reset_way),
        )
        .route(
            "/password-reset/password-check",
            post(password_reset::check_new_password),
        )
        .route(
            "/password-reset/password",
            post(password_reset::set_new_password),
        )
        .route("/oidc/sign-in", get(oidc_sign_in::start_oidc_sign_in))
        .route("/oidc/callback", get(oidc_sign_in::finish_oidc_sign_in))
        .route("/me", get(me::get_me))
        .route("/me/sessions", delete(session::delete_all_sessions))
        .route("/me/methods", get(methods::list_methods))
        .route(
            "/me/methods/{id}",
            delete(methods::delete_method).patch(methods::rename_method),
        )
        .route("/me/method-types", get(methods::list_method_types))
        .route(
            "/me/registrations",
            post(registrations::create_registration),
        )
        .route(
            "/me/registrations/{id}",
            get(registrations::get_registration),
        )
        .route(
            "/me/registrations/{id}/resend",
            post(registrations::resend_registration),
        )
        .route(
            "/me/registrations/{id}/qr-code",
            get(registrations::get_qr_code),
        )
        .route(
            "/me/registrations/{id}/verify",
            post(registrations::verify_registration),
        )
        .route(
            "/security-key-registrations/{id}/options",
            post(key_hand_off::get_key_prompt),
        )
        .route(
            "/security-key-registrations/{id}/verify",
            post(key_hand_off::verify_handed_off_key),
        )
        .route("/me/activity", get(activity::list_activity))
        .route("/embedding", get(embedding::get_embedding))
        .route("/phone-regions", get(phone_regions::list_phone_regions))
        .route("/openapi.json", get(openapi::get_openapi))
        // Only for requests that reach a route: an unknown path or a method the resource
        // lacks is a 404 or a 405 (with `Allow`), whatever its body or origin.
        .route_layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_supported)
        .layer(DefaultBodyLimit::max(policy::MAX_BODY_BYTES))
        .layer(middleware::from_fn(api_answers::normalize))
}
