//! The security questions method: off unless the organization allows it
//! (`SECURITY_INFO_ALLOWED_METHODS`), for password reset only. NIST SP 800-63B (5.1.1.2) and
//! OWASP ASVS advise against knowledge-based answers (they are guessable, found on social
//! profiles, and phished like passwords), so this type is as strict as such answers can be:
//! predefined questions (own ones only when the operator allows them), answers normalized and
//! checked ([`answers`]) and each hashed with argon2id and its own salt: never shown, logged or
//! returned, and administrators cannot read them either.
//!
//! A registration's challenge is the question list in the user's language and how many to
//! answer (`SECURITY_INFO_QUESTIONS_TO_REGISTER`, 3 to 5); the answer is the chosen questions
//! and their answers. A refused answer does not use the registration up: it is the user's
//! input to fix, as a malformed address is.

pub mod answers;
pub mod catalog;

use async_trait::async_trait;
use security_info_api::{
    Challenge, MethodDetail, MethodType, ProblemCode, QuestionOption, RegistrationAnswer,
    SecurityAnswer, StartRegistration,
};
use serde::{Deserialize, Serialize};

use self::answers::{AnswerProblem, MAX_OWN_QUESTION_CHARS, normalize};
use super::{Attempt, Checked, Earned, MethodKind, Started, registration_of};
use crate::{
    clock,
    error::{ApiError, ApiResult},
    secret::Secret,
    store::{MethodRecord, RegistrationId, RegistrationRecord},
};

/// The security questions type.
pub struct SecurityQuestions;

/// A question as stored: a predefined one by id (so it reads in any language), or the user's
/// own text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StoredQuestion {
    /// A question of [`catalog::QUESTIONS`].
    Id(String),
    /// A question the user wrote.
    Own(String),
}

/// One registered answer: its question and the argon2id hash of the normalized answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredAnswer {
    question: StoredQuestion,
    hash: String,
}

/// The method's `credential`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    answers: Vec<StoredAnswer>,
}

/// The list's detail: how many questions.
#[derive(Serialize, Deserialize)]
struct Detail {
    count: u8,
}

/// What a pending registration keeps: the user's language, for the audit trail.
#[derive(Serialize, Deserialize)]
struct Pending {
    language: String,
}

/// The type's name, for the audit trail and notices.
fn type_name(language: &str) -> &'static str {
    match language {
        "nl" => "Beveiligingsvragen",
        _ => "Security questions",
    }
}

/// The problem code for a refused answer.
fn answer_code(problem: AnswerProblem) -> ProblemCode {
    match problem {
        AnswerProblem::TooShort => ProblemCode::AnswerTooShort,
        AnswerProblem::TooLong => ProblemCode::AnswerTooLong,
        AnswerProblem::Alike => ProblemCode::AnswersAlike,
        AnswerProblem::ContainsName => ProblemCode::AnswerContainsName,
        AnswerProblem::RepeatsQuestion => ProblemCode::AnswerRepeatsQuestion,
    }
}

/// A refusal about the answer at `index` (0-based).
fn refused(code: ProblemCode, index: usize) -> ApiError {
    ApiError::for_answer(code, u32::try_from(index).unwrap_or(u32::MAX))
}

/// The question an answer names, checked: a known id, or (when allowed) printable text of at
/// most [`MAX_OWN_QUESTION_CHARS`] characters. Returns it with the texts its answer is compared
/// with (every language's, for a predefined one).
fn question_of(
    answer: &SecurityAnswer,
    own_allowed: bool,
    index: usize,
) -> ApiResult<(StoredQuestion, Vec<String>)> {
    match (&answer.question_id, &answer.own_question) {
        (Some(id), None) => catalog::question(id)
            .map(|q| {
                (
                    StoredQuestion::Id(q.id.to_owned()),
                    vec![q.en.to_owned(), q.nl.to_owned()],
                )
            })
            .ok_or_else(|| refused(ProblemCode::UnknownQuestion, index)),
        (None, Some(_)) if !own_allowed => Err(refused(ProblemCode::OwnQuestionNotAllowed, index)),
        (None, Some(typed)) => {
            let text = typed.split_whitespace().collect::<Vec<_>>().join(" ");
            let length = text.chars().count();
            // A line break or other control character could make it read as something else.
            if length == 0 || length > MAX_OWN_QUESTION_CHARS || typed.chars().any(char::is_control)
            {
                return Err(refused(ProblemCode::InvalidOwnQuestion, index));
            }
            Ok((StoredQuestion::Own(text.clone()), vec![text]))
        }
        _ => Err(ApiError::code(ProblemCode::MalformedRequest)),
    }
}

/// The same question twice, by id or by normalized text.
fn repeated(questions: &[(StoredQuestion, Vec<String>)]) -> Option<usize> {
    let key = |q: &StoredQuestion| match q {
        StoredQuestion::Id(id) => format!("id:{id}"),
        StoredQuestion::Own(text) => format!("own:{}", normalize(text)),
    };
    (1..questions.len()).find(|&i| {
        questions[..i]
            .iter()
            .any(|(earlier, _)| key(earlier) == key(&questions[i].0))
    })
}

#[async_trait]
impl MethodKind for SecurityQuestions {
    fn method_type(&self) -> MethodType {
        MethodType::SecurityQuestions
    }

    fn detail(&self, method: &MethodRecord) -> anyhow::Result<MethodDetail> {
        let detail: Detail = serde_json::from_str(&method.detail)?;
        Ok(MethodDetail::SecurityQuestions {
            count: detail.count,
        })
    }

    fn describe(&self, _method: &MethodRecord) -> String {
        type_name("en").to_owned()
    }

    async fn start(&self, attempt: &Attempt<'_>, request: StartRegistration) -> ApiResult<Started> {
        let StartRegistration::SecurityQuestions {} = request else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let language = attempt.context.language;
        let settings = &attempt.state.settings;
        let registration = registration_of(
            attempt,
            MethodType::SecurityQuestions,
            RegistrationId::generate()?,
            &Pending {
                language: language.to_owned(),
            },
            settings.code_validity,
        )?;
        let challenge = Challenge::Questions {
            questions: catalog::QUESTIONS
                .iter()
                .map(|q| QuestionOption {
                    id: q.id.to_owned(),
                    text: q.text(language).to_owned(),
                })
                .collect(),
            count: settings.questions_to_register,
            own_questions: settings.own_questions,
            expires_at: clock::format(registration.expires_at),
        };
        Ok(Started {
            registration,
            first_code: None,
            description: type_name(language).to_owned(),
            challenge,
        })
    }

    async fn check(
        &self,
        attempt: &Attempt<'_>,
        _registration: &RegistrationRecord,
        answer: RegistrationAnswer,
    ) -> ApiResult<Checked> {
        let RegistrationAnswer::Answers { answers: given } = answer else {
            return Err(ApiError::code(ProblemCode::MalformedRequest));
        };
        let settings = &attempt.state.settings;
        if given.len() != usize::from(settings.questions_to_register) {
            return Err(ApiError::code(ProblemCode::WrongNumberOfAnswers));
        }
        let questions = given
            .iter()
            .enumerate()
            .map(|(index, answer)| question_of(answer, settings.own_questions, index))
            .collect::<ApiResult<Vec<_>>>()?;
        if let Some(index) = repeated(&questions) {
            return Err(refused(ProblemCode::QuestionRepeated, index));
        }
        let normalized: Vec<String> = given.iter().map(|a| normalize(&a.answer)).collect();
        let texts: Vec<Vec<String>> = questions.iter().map(|(_, texts)| texts.clone()).collect();
        let account = attempt.account;
        let names = [
            account.display_name.as_str(),
            account.user_principal_name.as_str(),
        ];
        answers::check(&normalized, &texts, &names)
            .map_err(|(index, problem)| refused(answer_code(problem), index))?;
        let mut stored = Vec::with_capacity(questions.len());
        for ((question, _), answer) in questions.into_iter().zip(normalized) {
            let hash = attempt.state.passwords.hash(Secret::new(answer)).await?;
            stored.push(StoredAnswer { question, hash });
        }
        let count = u8::try_from(stored.len()).map_err(anyhow::Error::from)?;
        Ok(Checked::Right(Earned {
            // One set per account.
            slot: "questions".to_owned(),
            name: None,
            detail: serde_json::to_string(&Detail { count }).map_err(anyhow::Error::from)?,
            credential: Some(
                serde_json::to_vec(&Stored { answers: stored }).map_err(anyhow::Error::from)?,
            ),
            counter: None,
        }))
    }
}

/// The questions of a stored set, in the order they were registered (password reset picks
/// `SECURITY_INFO_QUESTIONS_TO_ANSWER` of them).
pub fn questions_of(method: &MethodRecord) -> anyhow::Result<Vec<StoredQuestion>> {
    let stored: Stored = serde_json::from_slice(method.credential.as_deref().unwrap_or_default())?;
    Ok(stored.answers.into_iter().map(|a| a.question).collect())
}

/// Whether every `(question, answer)` given matches the stored set: each question one of its
/// own, each answer right once normalized. Every hash is checked whatever the earlier ones
/// gave, so the time taken does not say which answer was wrong. Password reset counts a `false`
/// toward its flow's attempt limit.
pub async fn answers_match(
    passwords: &crate::domain::password::PasswordHasher,
    method: &MethodRecord,
    given: &[(StoredQuestion, String)],
) -> anyhow::Result<bool> {
    let stored: Stored = serde_json::from_slice(method.credential.as_deref().unwrap_or_default())?;
    let mut all_right = !given.is_empty();
    for (question, answer) in given {
        let hash = stored
            .answers
            .iter()
            .find(|a| &a.question == question)
            .map(|a| a.hash.clone());
        all_right &= hash.is_some();
        let right = passwords
            .verify(Secret::new(normalize(answer)), hash)
            .await?;
        all_right &= right;
    }
    Ok(all_right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{domain::password::PasswordHasher, store::MethodId};

    /// A stored set of two answers, hashed as registration hashes them.
    async fn stored(passwords: &PasswordHasher) -> MethodRecord {
        let mut answers = Vec::new();
        for (question, answer) in [
            (StoredQuestion::Id("firstPet".into()), "Rex the Dog"),
            (StoredQuestion::Own("Which bridge?".into()), "Erasmusbrug"),
        ] {
            let hash = passwords
                .hash(Secret::new(normalize(answer)))
                .await
                .expect("hash");
            answers.push(StoredAnswer { question, hash });
        }
        MethodRecord {
            method_id: MethodId::from("m".to_owned()),
            method_type: MethodType::SecurityQuestions,
            slot: "questions".into(),
            name: None,
            detail: r#"{"count":2}"#.into(),
            credential: Some(serde_json::to_vec(&Stored { answers }).expect("json")),
            counter: None,
            created_at: clock::now(),
            last_used_at: None,
        }
    }

    #[tokio::test]
    async fn answers_match_when_each_is_right_once_normalized_and_only_then() {
        let passwords = PasswordHasher::new().await.expect("hasher");
        let method = stored(&passwords).await;
        let pet = StoredQuestion::Id("firstPet".into());
        let bridge = StoredQuestion::Own("Which bridge?".into());
        assert_eq!(
            questions_of(&method).expect("questions"),
            [pet.clone(), bridge.clone()]
        );
        let check = |given: Vec<(StoredQuestion, &str)>| {
            let given: Vec<(StoredQuestion, String)> =
                given.into_iter().map(|(q, a)| (q, a.to_owned())).collect();
            let (passwords, method) = (&passwords, &method);
            async move {
                answers_match(passwords, method, &given)
                    .await
                    .expect("checked")
            }
        };
        assert!(check(vec![(pet.clone(), "  REX   the dog ")]).await);
        assert!(
            check(vec![
                (pet.clone(), "Rex the Dog"),
                (bridge.clone(), "ERASMUSBRUG")
            ])
            .await
        );
        assert!(!check(vec![(pet.clone(), "Rex"), (bridge.clone(), "Erasmusbrug")]).await);
        assert!(
            !check(vec![(bridge.clone(), "Rex the Dog")]).await,
            "another question's answer"
        );
        let unregistered = StoredQuestion::Id("firstCar".into());
        assert!(!check(vec![(unregistered, "Rex the Dog")]).await);
        assert!(!check(vec![]).await, "nothing answered proves nothing");
    }
}
