//! The OpenAPI 3.1 document of the API, generated from the handlers and wire types.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{
    activity, default_method, embedding, key_hand_off, me, methods, oidc_sign_in, password_reset,
    phone_regions, recovery_codes, registrations, second_step, session,
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
        second_step::create_second_step_challenge,
        second_step::pass_second_step,
        password_reset::start_password_reset,
        password_reset::choose_reset_way,
        password_reset::verify_reset_way,
        password_reset::check_new_password,
        password_reset::set_new_password,
        oidc_sign_in::get_sign_in_options,
        oidc_sign_in::start_oidc_sign_in,
        oidc_sign_in::finish_oidc_sign_in,
        me::get_me,
        methods::list_methods,
        methods::list_method_types,
        methods::delete_method,
        methods::rename_method,
        default_method::set_default_method,
        recovery_codes::get_recovery_codes,
        recovery_codes::create_recovery_codes,
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
    modifiers(&SessionCookie, &CommonAnswers, &ClosedVariants),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "session", description = "Sign-in, sign-out, step-up"),
        (name = "me", description = "The signed-in user"),
        (name = "methods", description = "Registered methods"),
        (name = "password reset", description = "Self-service password reset: who are you, one or two gates with the registered methods, a new password"),
        (name = "recovery codes", description = "Single-use codes that pass a sign-in's second step when the user's methods are out of reach"),
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

/// Adds to every operation the answers the guards in front of the handlers give, so the
/// document lists every status an operation can return, not only its handler's: 415 and 400
/// for a body that is not JSON or not well-formed, 413 and 408 for one too large or too slow,
/// 403 for a state-changing request from a foreign origin, 401 where a session or token is
/// needed, and 421, 431, 500 and 503 for any request. An answer the handler documents itself
/// is kept as it wrote it.
struct CommonAnswers;

impl CommonAnswers {
    /// `(status, problem codes)` for an operation with or without a body, changing state or
    /// not, needing a session or not.
    fn answers(
        has_body: bool,
        changes: bool,
        signed_in: bool,
    ) -> Vec<(&'static str, &'static str)> {
        let mut answers = Vec::new();
        if has_body {
            answers.extend([
                (
                    "400",
                    "`malformed_request`: not JSON, unknown fields or wrong types",
                ),
                ("408", "`request_timeout`: the body did not arrive in time"),
                ("413", "`payload_too_large`: a body over 16 KiB"),
                (
                    "415",
                    "`unsupported_media_type`: a body that is not `application/json`",
                ),
            ]);
        }
        if changes {
            answers.push((
                "403",
                "`forbidden_origin`: a state-changing request from a foreign `Origin`",
            ));
        }
        if signed_in {
            answers.push(("401", "`unauthenticated`: no valid session or bearer token"));
        }
        answers.extend([
            ("421", "`misdirected_request`: a `Host` this server does not answer for"),
            ("431", "`headers_too_large`: too many or too large request headers"),
            ("500", "`internal`, with a `correlationId` to find in the logs"),
            ("503", "`service_unavailable`, with `Retry-After`: the database is busy or a dependency is down"),
        ]);
        answers
    }
}

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        for item in openapi.paths.paths.values_mut() {
            // (operation, whether it changes state, whether the JSON guard reads a body: every
            // POST, whose empty body counts as `{}`, and any with a declared body).
            let operations = [
                (&mut item.get, false, false),
                (&mut item.post, true, true),
                (&mut item.patch, true, false),
                (&mut item.put, true, false),
                (&mut item.delete, true, false),
            ];
            for (operation, changes, posted) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                // `security(())` is one empty requirement: the call needs no session.
                let public = operation.security.as_ref().is_some_and(|requirements| {
                    requirements.iter().any(|requirement| {
                        serde_json::to_value(requirement).is_ok_and(|v| v == serde_json::json!({}))
                    })
                });
                let has_body = posted || operation.request_body.is_some();
                // The query extractors refuse unknown parameters and values of the wrong type.
                let has_query = operation.parameters.iter().flatten().any(|parameter| {
                    matches!(
                        parameter.parameter_in,
                        utoipa::openapi::path::ParameterIn::Query
                    )
                });
                let mut answers = Self::answers(has_body, changes, !public);
                if has_query && !has_body {
                    answers.push((
                        "400",
                        "`malformed_request`: an unknown query parameter or a value of the wrong type",
                    ));
                }
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .content(
                                    security_info_api::problem::PROBLEM_CONTENT_TYPE,
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Problem")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

/// The request bodies that are tagged enums (`#[serde(tag = ..., deny_unknown_fields)]`).
pub const CLOSED_ENUMS: [&str; 6] = [
    "StartRegistration",
    "RegistrationAnswer",
    "ResetChoice",
    "ResetAnswer",
    "SecondStepChoice",
    "SecondStepAnswer",
];

/// Closes each variant of [`CLOSED_ENUMS`] (`additionalProperties: false`), as the server
/// refuses unknown fields in them (400 `malformed_request`). utoipa closes a struct with
/// `deny_unknown_fields`, but not the variants of an enum with it, and serde takes the
/// attribute on the enum only.
struct ClosedVariants;

impl Modify for ClosedVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            RefOr,
            schema::{AdditionalProperties, Schema},
        };
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in CLOSED_ENUMS {
            let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut(name) else {
                continue;
            };
            for variant in &mut one_of.items {
                if let RefOr::T(Schema::Object(object)) = variant {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// The OpenAPI document (JSON).
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub async fn get_openapi() -> Json<serde_json::Value> {
    Json(document())
}

/// The document as JSON, with its links' fields in the OpenAPI spelling.
pub fn document() -> serde_json::Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    camel_case_links(&mut document);
    document
}

/// utoipa 5.5 writes a Link Object's fields as Rust spells them (`operation_id`), which
/// OpenAPI clients do not read as `operationId`, so no link would be followed.
fn camel_case_links(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut() {
                    let serde_json::Value::Object(link) = link else {
                        continue;
                    };
                    for (from, to) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                        ("request_body", "requestBody"),
                    ] {
                        if let Some(field) = link.remove(from) {
                            link.insert(to.to_owned(), field);
                        }
                    }
                }
            }
            map.values_mut().for_each(camel_case_links);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(camel_case_links),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::{
        RegistrationAnswer, ResetAnswer, ResetChoice, SecondStepAnswer, SecondStepChoice,
        StartRegistration,
    };
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;

    /// Each variant parses, and with one field more does not.
    fn closed<T: DeserializeOwned>(variants: &[Value]) -> usize {
        for variant in variants {
            assert!(
                serde_json::from_value::<T>(variant.clone()).is_ok(),
                "{variant}"
            );
            let mut more = variant.clone();
            more["unknown"] = json!(1);
            assert!(serde_json::from_value::<T>(more).is_err(), "{variant}");
        }
        variants.len()
    }

    #[test]
    fn the_closed_variants_are_the_ones_the_server_closes() {
        let document = document();
        let variants_of = |name: &str| {
            let variants = document["components"]["schemas"][name]["oneOf"]
                .as_array()
                .expect("oneOf")
                .clone();
            assert!(
                variants
                    .iter()
                    .all(|v| v["additionalProperties"] == json!(false)),
                "{name}"
            );
            variants.len()
        };
        let tried = [
            (
                "StartRegistration",
                closed::<StartRegistration>(&[
                    json!({"type": "authenticatorApp"}),
                    json!({"type": "securityKey"}),
                    json!({"type": "securityQuestions"}),
                    json!({"type": "phone", "kind": "mobile", "number": "0612345678", "channel": "sms"}),
                    json!({"type": "email", "emailAddress": "a@b.example"}),
                ]),
            ),
            (
                "RegistrationAnswer",
                closed::<RegistrationAnswer>(&[
                    json!({"kind": "code", "code": "123456"}),
                    json!({"kind": "answers", "answers": []}),
                    json!({"kind": "credential", "credential": {}}),
                ]),
            ),
            (
                "ResetChoice",
                closed::<ResetChoice>(&[
                    json!({"type": "email", "emailAddress": "a@b.example"}),
                    json!({"type": "phone", "region": "NL", "number": "0612345678", "channel": "sms"}),
                    json!({"type": "authenticatorApp"}),
                    json!({"type": "securityKey"}),
                    json!({"type": "securityQuestions"}),
                ]),
            ),
            (
                "ResetAnswer",
                closed::<ResetAnswer>(&[
                    json!({"kind": "code", "code": "123456"}),
                    json!({"kind": "assertion", "credential": {}}),
                    json!({"kind": "answers", "answers": []}),
                ]),
            ),
            (
                "SecondStepChoice",
                closed::<SecondStepChoice>(&[
                    json!({"type": "authenticatorApp"}),
                    json!({"type": "securityKey"}),
                    json!({"type": "phone", "methodId": "m1", "channel": "sms"}),
                ]),
            ),
            (
                "SecondStepAnswer",
                closed::<SecondStepAnswer>(&[
                    json!({"kind": "code", "code": "123456"}),
                    json!({"kind": "assertion", "credential": {}}),
                    json!({"kind": "recoveryCode", "code": "abcde-fghij"}),
                ]),
            ),
        ];
        assert_eq!(tried.map(|(name, _)| name), CLOSED_ENUMS);
        for (name, count) in tried {
            assert_eq!(variants_of(name), count, "every variant of {name} is tried");
        }
    }
}
