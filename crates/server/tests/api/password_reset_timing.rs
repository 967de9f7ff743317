//! How long a password reset's choice of a way and a wrong answer to it take for an account
//! with that method, an account without methods and a name without an account: they must not
//! tell one from another (the start is measured in `password_reset.rs`).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::password_reset::{Visitor, add_app};
use crate::security_key::{origin, register};
use crate::soft_key::SoftKey;

/// Tries per kind of name, way and step.
const TRIES: usize = 200;

/// The most the medians of the kinds of name may differ by.
const SPREAD: Duration = Duration::from_millis(10);

/// The median of `times`.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// What an answer looks like, less what may differ between tries: its status and the names
/// and kinds of its body's fields, with the values of problem codes and attempts left.
fn shape(status: StatusCode, body: &Value) -> (u16, Value) {
    let fields: Vec<(String, Value)> = body
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(name, value)| {
                    let kept = match name.as_str() {
                        "code" | "attemptsLeft" | "kind" | "status" => value.clone(),
                        _ => json!(match value {
                            Value::Null => "null",
                            Value::Bool(_) => "bool",
                            Value::Number(_) => "number",
                            Value::String(_) => "string",
                            Value::Array(_) => "array",
                            Value::Object(_) => "object",
                        }),
                    };
                    (name.clone(), kept)
                })
                .collect()
        })
        .unwrap_or_default();
    (status.as_u16(), json!(fields))
}

/// One way to measure: what to choose, and a wrong answer to what the choice said.
struct Way {
    name: &'static str,
    choice: Value,
    wrong: fn(&Value, &str, &mut SoftKey) -> Value,
}

#[tokio::test]
async fn choosing_a_way_and_a_wrong_answer_take_the_same_time_for_every_kind_of_name() {
    let app = TestApp::spawn_with(&[
        "--resets-per-username-per-hour",
        "100000",
        "--resets-per-address-per-hour",
        "100000",
    ])
    .await;
    let origin = origin(&app);
    // Alain has an app and a key; Megan has no method; nobody has no account.
    app.sign_in(ALAIN).await;
    add_app(&app).await;
    register(&app, &mut SoftKey::new([0x4b; 16])).await;
    let names = [ALAIN, MEGAN, "nobody@contoso.example"];
    let ways = [
        Way {
            name: "authenticator app",
            choice: json!({"type": "authenticatorApp"}),
            wrong: |_, _, _| json!({"kind": "code", "code": "000000"}),
        },
        Way {
            name: "security key",
            choice: json!({"type": "securityKey"}),
            wrong: |challenge, origin, stranger| {
                let answer = stranger.get(&challenge["options"], origin);
                json!({"kind": "assertion", "credential": answer})
            },
        },
    ];
    // The account's check limit (ten wrong answers in 15 minutes) would end the measure:
    // its window is emptied between resets, outside the times taken.
    let db = app.db().await;
    // A key none of them registered.
    let mut stranger = SoftKey::new([0x4b; 16]);
    for way in &ways {
        let mut choose: [Vec<Duration>; 3] = Default::default();
        let mut answer: [Vec<Duration>; 3] = Default::default();
        let mut shapes: [Vec<(u16, Value)>; 3] = Default::default();
        // Four wrong answers a reset (the fifth would end it), each after choosing the way.
        for round in 0..TRIES / 4 {
            db.execute("delete from method_check").await;
            for (index, name) in names.into_iter().enumerate() {
                let visitor = Visitor::new(&app);
                assert_eq!(visitor.start(name).await.status(), StatusCode::ACCEPTED);
                for _ in 0..4 {
                    let started = Instant::now();
                    let response = visitor.choose(way.choice.clone()).await;
                    choose[index].push(started.elapsed());
                    let status = response.status();
                    let challenge: Value = response.json().await.expect("challenge");
                    assert_eq!(status, StatusCode::OK, "{} round {round}", way.name);
                    let body = (way.wrong)(&challenge, &origin, &mut stranger);
                    let started = Instant::now();
                    let response = visitor.post("/password-reset/verify", body).await;
                    answer[index].push(started.elapsed());
                    let status = response.status();
                    let problem: Value = response.json().await.expect("problem");
                    shapes[index].push(shape(status, &problem));
                    shapes[index].push(shape(StatusCode::OK, &challenge));
                }
            }
        }
        assert_eq!(shapes[0], shapes[1], "{}", way.name);
        assert_eq!(shapes[0], shapes[2], "{}", way.name);
        assert_eq!(shapes[0][0].0, 422, "{}: {:?}", way.name, shapes[0][0]);
        for (step, times) in [("choose", &mut choose), ("wrong answer", &mut answer)] {
            let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
            let spread = *medians.iter().max().expect("max") - *medians.iter().min().expect("min");
            report(format_args!(
                "password reset {} {step} medians (with it, without methods, no account): {medians:?}",
                way.name
            ));
            assert!(
                spread < SPREAD,
                "{} {step}: medians {medians:?} differ by {spread:?}",
                way.name
            );
        }
    }
}
