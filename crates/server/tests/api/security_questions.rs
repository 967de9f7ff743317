//! Security questions over HTTP: off unless allowed, the question list in the user's
//! language, each answer rule refused with its problem code and the answer's index (without
//! using the registration up), the answers only as argon2id hashes in the database, one set per
//! account, deleted as one.

use reqwest::StatusCode;
use security_info_api::{
    Challenge, MethodCreated, MethodList, MethodTypeList, Registration, UnavailableReason, Usage,
};
use serde_json::{Value, json};

use crate::helpers::*;

const ALLOWED: [&str; 2] = ["--allowed-methods", "email,securityQuestions"];

async fn start(app: &TestApp) -> Registration {
    let response = app
        .post("/me/registrations", json!({"type": "securityQuestions"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json().await.expect("registration")
}

async fn answer(app: &TestApp, registration: &Registration, answers: Value) -> reqwest::Response {
    app.post(
        &verify_path(registration),
        json!({"kind": "answers", "answers": answers}),
    )
    .await
}

fn three(first: &str, second: &str, third: &str) -> Value {
    json!([
        {"questionId": "firstPet", "answer": first},
        {"questionId": "firstSchool", "answer": second},
        {"questionId": "childhoodHero", "answer": third},
    ])
}

#[tokio::test]
async fn the_type_is_off_unless_the_organization_allows_it() {
    let app = TestApp::spawn().await;
    app.sign_in(ALAIN).await;
    let types: MethodTypeList = app.get_json("/me/method-types").await;
    let info = type_info(&types, "securityQuestions");
    assert!(!info.allowed);
    assert_eq!(info.reason, Some(UnavailableReason::NotAllowedByPolicy));
    assert_eq!(info.usable_for, vec![Usage::PasswordReset]);
    let response = app
        .post("/me/registrations", json!({"type": "securityQuestions"}))
        .await;
    assert_problem(response, 403, "method_not_allowed").await;
}

#[tokio::test]
async fn three_answered_questions_are_one_method_for_password_reset_whose_answers_are_only_hashes()
{
    let app = TestApp::spawn_with(&ALLOWED).await;
    app.sign_in(ALAIN).await;
    let registration = start(&app).await;
    let Challenge::Questions {
        questions,
        count,
        own_questions,
        ..
    } = &registration.challenge
    else {
        panic!("not a questions challenge: {:?}", registration.challenge);
    };
    assert!(questions.len() >= 20);
    assert_eq!(questions[0].id, "firstPet");
    assert_eq!(questions[0].text, "What was the name of your first pet?");
    assert_eq!((*count, *own_questions), (3, false));

    let response = answer(
        &app,
        &registration,
        three("Rex the Dog", "De Klimop", "Pippi Langkous"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MethodCreated = response.json().await.expect("method");
    assert_eq!(created.method.usable_for, vec![Usage::PasswordReset]);
    let raw: Value = app.get_json("/me/methods").await;
    assert_eq!(
        raw["methods"][0]["detail"],
        json!({"type": "securityQuestions", "count": 3})
    );
    // Never returned, and only hashes in the database.
    for path in ["/me/methods", "/me/activity", "/me"] {
        let text = app.get(path).await.text().await.expect("text");
        for secret in ["rex the dog", "Rex the Dog", "klimop", "pippi"] {
            assert!(
                !text.to_lowercase().contains(&secret.to_lowercase()),
                "{secret} in {path}"
            );
        }
    }
    let db = app.db().await;
    let pool = db.pool();
    let credential: Vec<u8> =
        sqlx::query_scalar("select credential from method where method_type = 'securityQuestions'")
            .fetch_one(pool)
            .await
            .expect("stored");
    let stored = String::from_utf8(credential).expect("json");
    assert_eq!(stored.matches("$argon2id$").count(), 3, "{stored}");
    assert!(
        !stored.contains("rex") && !stored.contains("klimop"),
        "{stored}"
    );
    db.close().await;
    // Nor in any of the database's files (WAL included), in any case.
    let folder = app.db_path.parent().expect("the database folder");
    for entry in std::fs::read_dir(folder).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for secret in ["rex the dog", "klimop", "pippi langkous"] {
            assert!(!text.contains(secret), "{secret} in a database file");
        }
    }

    // One set per account; deleting removes all.
    let response = app
        .post("/me/registrations", json!({"type": "securityQuestions"}))
        .await;
    assert_problem(response, 409, "method_already_registered").await;
    let delete = app
        .delete(&format!("/me/methods/{}", created.method.id))
        .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let methods: MethodList = app.get_json("/me/methods").await;
    assert!(methods.methods.is_empty());
}

#[tokio::test]
async fn the_questions_come_in_the_users_language() {
    let app = TestApp::spawn_with(&ALLOWED).await;
    app.sign_in(ALAIN).await;
    let response = app
        .client
        .post(app.api("/me/registrations"))
        .header("accept-language", "nl-NL")
        .json(&json!({"type": "securityQuestions"}))
        .send()
        .await
        .expect("request");
    let registration: Registration = response.json().await.expect("registration");
    let Challenge::Questions { questions, .. } = &registration.challenge else {
        panic!("not a questions challenge");
    };
    assert_eq!(questions[0].text, "Hoe heette je eerste huisdier?");
}

#[tokio::test]
async fn each_rule_is_refused_with_its_code_and_the_answers_index_and_the_registration_stays() {
    let app = TestApp::spawn_with(&ALLOWED).await;
    app.sign_in(ALAIN).await;
    let registration = start(&app).await;
    let own = json!({"ownQuestion": "Which bridge did I cross daily?", "answer": "Erasmusbrug"});
    let cases: Vec<(Value, u16, &str, Option<u64>)> = vec![
        (
            json!([{"questionId": "firstPet", "answer": "Rex"}]),
            422,
            "wrong_number_of_answers",
            None,
        ),
        (
            json!([
                {"questionId": "firstPet", "answer": "Rex"},
                {"questionId": "favouriteColour", "answer": "Blue"},
                {"questionId": "childhoodHero", "answer": "Pippi"},
            ]),
            422,
            "unknown_question",
            Some(1),
        ),
        (
            json!([
                {"questionId": "firstPet", "answer": "Rex"},
                {"questionId": "firstSchool", "answer": "Klimop"},
                {"questionId": "firstPet", "answer": "Fido"},
            ]),
            422,
            "question_repeated",
            Some(2),
        ),
        (
            json!([{"questionId": "firstPet", "answer": "Rex"}, {"questionId": "firstSchool", "answer": "Klimop"}, own]),
            422,
            "own_question_not_allowed",
            Some(2),
        ),
        (
            three("Rex", "ab", "Pippi"),
            422,
            "answer_too_short",
            Some(1),
        ),
        (
            three("Rex", &"k".repeat(41), "Pippi"),
            422,
            "answer_too_long",
            Some(1),
        ),
        (
            three("Rex", "Klimop", "  REX "),
            422,
            "answers_alike",
            Some(2),
        ),
        (
            three("Rex", "Klimop", "Alain"),
            422,
            "answer_contains_name",
            Some(2),
        ),
        (
            three("first pet", "Klimop", "Pippi"),
            422,
            "answer_repeats_question",
            Some(0),
        ),
        (
            json!([
                {"questionId": "firstPet", "ownQuestion": "Mine?", "answer": "Rex"},
                {"questionId": "firstSchool", "answer": "Klimop"},
                {"questionId": "childhoodHero", "answer": "Pippi"},
            ]),
            400,
            "malformed_request",
            None,
        ),
    ];
    for (answers, status, code, index) in cases {
        let problem =
            assert_problem(answer(&app, &registration, answers).await, status, code).await;
        assert_eq!(problem.answer_index.map(u64::from), index, "{code}");
    }
    // None of that used the registration up.
    let response = answer(&app, &registration, three("Rex", "Klimop", "Pippi")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn own_questions_when_allowed_are_checked_and_count_as_questions() {
    let app = TestApp::spawn_with(&[
        "--allowed-methods",
        "securityQuestions",
        "--own-questions",
        "true",
        "--questions-to-register",
        "4",
    ])
    .await;
    app.sign_in(ALAIN).await;
    let registration = start(&app).await;
    let Challenge::Questions {
        count,
        own_questions,
        ..
    } = &registration.challenge
    else {
        panic!("not a questions challenge");
    };
    assert_eq!((*count, *own_questions), (4, true));
    let with_own = |question: &str, own_answer: &str| {
        json!([
            {"questionId": "firstPet", "answer": "Rex"},
            {"questionId": "firstSchool", "answer": "Klimop"},
            {"questionId": "childhoodHero", "answer": "Pippi"},
            {"ownQuestion": question, "answer": own_answer},
        ])
    };
    for (question, code) in [
        ("", "invalid_own_question"),
        (&"q".repeat(201) as &str, "invalid_own_question"),
        ("Line\nbreak?", "invalid_own_question"),
    ] {
        let problem = assert_problem(
            answer(&app, &registration, with_own(question, "Erasmusbrug")).await,
            422,
            code,
        )
        .await;
        assert_eq!(problem.answer_index, Some(3));
    }
    // The same text as a predefined question is still a different question; its own text
    // twice is not.
    let twice = json!([
        {"ownQuestion": "Which bridge?", "answer": "Erasmusbrug"},
        {"questionId": "firstSchool", "answer": "Klimop"},
        {"questionId": "childhoodHero", "answer": "Pippi"},
        {"ownQuestion": "  WHICH   bridge? ", "answer": "Van Brienenoordbrug"},
    ]);
    assert_problem(
        answer(&app, &registration, twice).await,
        422,
        "question_repeated",
    )
    .await;
    let response = answer(
        &app,
        &registration,
        with_own("Which bridge did I cross daily?", "Erasmusbrug"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let raw: Value = app.get_json("/me/methods").await;
    assert_eq!(raw["methods"][0]["detail"]["count"], 4);
}
