use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get_page(path).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{path}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_call() {
    let app = TestApp::spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1")
    );
    let paths = document["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/session", "post"),
        ("/session", "delete"),
        ("/session/reauthenticate", "post"),
        ("/session/second-step/challenge", "post"),
        ("/session/second-step", "post"),
        ("/me", "get"),
        ("/me/recovery-codes", "get"),
        ("/me/recovery-codes", "post"),
        ("/me/default-method", "put"),
        ("/me/methods", "get"),
        ("/me/method-types", "get"),
        ("/me/methods/{id}", "delete"),
        ("/me/methods/{id}", "patch"),
        ("/me/registrations", "post"),
        ("/me/registrations/{id}/resend", "post"),
        ("/me/registrations/{id}/verify", "post"),
        ("/me/activity", "get"),
        ("/embedding", "get"),
        ("/openapi.json", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
    // Every operation lists what the guards in front of the handlers answer too.
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let answers = operation["responses"].as_object().expect("responses");
            let has = |status: &str| answers.contains_key(status);
            assert!(has("500") && has("503") && has("421"), "{method} {path}");
            if method == "post" {
                assert!(has("400") && has("413") && has("415"), "{method} {path}");
            }
            if method != "get" {
                assert!(has("403"), "{method} {path}");
            }
            // Public operations never need a session; only the sign-in's own steps can
            // answer 401 (a wrong password, a second step that is over).
            let public = operation["security"] == json!([{}]);
            let signs_in = method == "post"
                && (path == "/session" || path.starts_with("/session/second-step"));
            assert_eq!(has("401"), !public || signs_in, "{method} {path}");
        }
    }
    // The constraints the server enforces are in the schemas, so a client can know them.
    for (property, constraint, value) in [
        ("emailAddress", "maxLength", json!(254)),
        ("emailAddress", "minLength", json!(3)),
        ("number", "maxLength", json!(40)),
        ("number", "pattern", json!("^\\s*\\+?[0-9\\s()./-]*$")),
        ("username", "minLength", json!(3)),
        ("answer", "minLength", json!(1)),
        ("code", "pattern", json!("^[0-9\\s-]+$")),
        ("name", "maxLength", json!(64)),
    ] {
        assert!(
            property_has(&document["components"], property, constraint, &value),
            "{property}: {constraint} {value}"
        );
    }
    // A body of one of several shapes is closed in each shape, as the server refuses unknown
    // fields in every one.
    let schemas = &document["components"]["schemas"];
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let body = &operation["requestBody"]["content"]["application/json"]["schema"]["$ref"];
            let Some(name) = body
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                continue;
            };
            for variant in schemas[name]["oneOf"].as_array().into_iter().flatten() {
                assert_eq!(
                    variant["additionalProperties"],
                    json!(false),
                    "{method} {path}: {name} {}",
                    variant["description"]
                );
            }
        }
    }
    let codes = &document["components"]["schemas"]["ProblemCode"]["enum"];
    for code in security_info_api::ProblemCode::ALL {
        assert!(
            codes
                .as_array()
                .expect("enum")
                .contains(&Value::from(code.as_str())),
            "{code:?}"
        );
    }
}

#[tokio::test]
async fn the_checked_in_openapi_file_is_up_to_date() {
    let app = TestApp::spawn().await;
    let served: Value = app.get_json("/openapi.json").await;
    let pretty = serde_json::to_string_pretty(&served).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in == pretty {
        return;
    }
    // Even when asked to regenerate, a file that differed fails this run: a regeneration is a
    // change to review and commit, never a pass.
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &pretty).expect("write openapi.json");
        panic!(
            "crates/server/openapi.json was out of date and has been rewritten: review and commit it"
        );
    }
    panic!(
        "crates/server/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p security-info-server openapi`, then review and commit it"
    );
}

#[tokio::test]
async fn the_dev_mailbox_exists_only_without_smtp() {
    let dev = TestApp::spawn().await;
    assert_eq!(dev.mailbox().await.messages.len(), 0);
    let with_smtp = TestApp::spawn_with(&["--smtp-url", "smtp://127.0.0.1:9"]).await;
    let response = with_smtp.get_page("/dev/mailbox").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// Whether some schema under `node` has `property` with `constraint` equal to `value`.
fn property_has(node: &Value, property: &str, constraint: &str, value: &Value) -> bool {
    match node {
        Value::Object(map) => {
            map.get("properties")
                .and_then(|p| p.get(property))
                .is_some_and(|p| p.get(constraint) == Some(value))
                || map
                    .values()
                    .any(|child| property_has(child, property, constraint, value))
        }
        Value::Array(items) => items
            .iter()
            .any(|child| property_has(child, property, constraint, value)),
        _ => false,
    }
}

/// The path and method of the operation `operation_id` in `document`.
fn operation<'a>(document: &'a Value, operation_id: &str) -> (String, &'a str) {
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            if operation["operationId"] == operation_id {
                return (path.clone(), method.as_str());
            }
        }
    }
    panic!("no operation {operation_id}");
}

/// Follows the link `name` of the answer `status` of `operation_id` from that answer's body,
/// as a client reading the document would: the target's path with the link's parameters
/// filled in from `$response.body#/...` pointers, and its method.
fn follow(
    document: &Value,
    operation_id: &str,
    status: &str,
    name: &str,
    body: &Value,
) -> (String, String) {
    let (path, method) = operation(document, operation_id);
    let link = &document["paths"][&path][method]["responses"][status]["links"][name];
    let target = link["operationId"]
        .as_str()
        .expect("a link names its operation");
    let (mut target_path, target_method) = operation(document, target);
    for (parameter, expression) in link["parameters"].as_object().into_iter().flatten() {
        let pointer = expression
            .as_str()
            .and_then(|e| e.strip_prefix("$response.body#"))
            .expect("a body pointer");
        let value = body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{pointer} is not in {body}"));
        let placeholder = format!("{{{parameter}}}");
        assert!(
            target_path.contains(&placeholder),
            "{target_path} has no {placeholder}"
        );
        target_path = target_path.replace(&placeholder, value);
    }
    (target_path, target_method.to_uppercase())
}

#[tokio::test]
async fn the_documents_links_chain_a_registration_to_its_method_and_its_deletion() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .get_page("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    app.sign_in(ALAIN).await;
    let response = app.register_email("alain@gmail.com").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let started: Value = response.json().await.expect("registration");
    let code = app.code_sent_to("alain@gmail.com").await;

    let (path, method) = follow(&document, "create_registration", "202", "verify", &started);
    assert_eq!(method, "POST");
    let response = app.post(&path, json!({"kind": "code", "code": code})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("method");

    let (path, method) = follow(&document, "verify_registration", "201", "delete", &created);
    assert_eq!(method, "DELETE");
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let methods: Value = app.get("/me/methods").await.json().await.expect("methods");
    assert_eq!(methods["methods"], json!([]), "the linked method is gone");
}
