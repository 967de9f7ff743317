//! The OpenAPI 3.1 document of the API, generated from the handlers and wire types.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{
    activity, embedding, key_hand_off, me, methods, phone_regions, registrations, session,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Security info API",
        description = "Self-service management of verification methods. Every error is \
                       `application/problem+json` (RFC 9457) with a stable `code`. Every POST \
                       must be `Content-Type: application/json` (an empty body counts as `{}`), \
                       and a state-changing request's `Origin`, when sent, must be the app's \
                       own or a configured portal; otherwise 415 `unsupported_media_type` or \
                       403 `forbidden_origin`. Bodies over 16 KiB: 413 `payload_too_large`. \
                       Malformed JSON, unknown fields, wrong types: 400 `malformed_request`. \
                       Server failures: 500 `internal` with a `correlationId`."
    ),
    servers((url = "/api/v1")),
    paths(
        session::create_session,
        session::delete_session,
        session::reauthenticate_session,
        session::delete_all_sessions,
        me::get_me,
        methods::list_methods,
        methods::list_method_types,
        methods::delete_method,
        methods::rename_method,
        registrations::create_registration,
        registrations::get_registration,
        registrations::resend_registration,
        registrations::verify_registration,
        registrations::get_qr_code,
        key_hand_off::get_key_prompt,
        key_hand_off::verify_handed_off_key,
        activity::list_activity,
        embedding::get_embedding,
        phone_regions::list_phone_regions,
        get_openapi,
    ),
    components(schemas(security_info_api::ProblemCode, security_info_api::ActivityKind)),
    modifiers(&SessionCookie),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "session", description = "Sign-in, sign-out, step-up"),
        (name = "me", description = "The signed-in user"),
        (name = "methods", description = "Registered methods"),
        (name = "registrations", description = "Adding a method of any type: start, answer the challenge"),
    )
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "si_session",
                "Session cookie set by `POST /session` (`__Host-si_session` over HTTPS)",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token (or ID token) of the organization's OpenID Connect \
                         provider (`SECURITY_INFO_OIDC_ISSUER`, audience \
                         `SECURITY_INFO_OIDC_AUDIENCE`); accepted by the `/me` resources only. \
                         Changes need `auth_time` within the step-up window \
                         (`SECURITY_INFO_STEP_UP_SECONDS`, 10 minutes by default), else \
                         `reauthentication_required`. See docs/embedding.md.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document (JSON).
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn get_openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
