//! **Security questions**: offered only when the organization allows them, and only for
//! password reset. The first step says so and starts the registration; the server sends the
//! questions to choose from ([`crate::components::questions_form`] shows them), so the
//! question list is not in the app.

use leptos::prelude::*;
use security_info_api::{ProblemCode, StartRegistration};

use super::{FormContext, MethodUi};
use crate::components::intro_form::StartForm;
use crate::i18n::{I18n, Key};

/// The security questions type.
pub struct SecurityQuestions;

impl MethodUi for SecurityQuestions {
    fn name(&self) -> Key {
        Key::MethodTypeSecurityQuestions
    }

    fn icon(&self) -> &'static str {
        // A speech bubble with a question mark.
        "M4 4h16v12H9l-5 4zM10 8.5a2 2 0 1 1 2.5 1.9c-.4.2-.5.5-.5.9v.7M12 13.6v.4"
    }

    fn form(&self, context: FormContext) -> AnyView {
        // "For password reset only", and **Next** to get the questions.
        view! {
            <StartForm
                id="questions-intro"
                text=Key::QuestionsIntro
                start=StartRegistration::SecurityQuestions {}
                on_started=context.on_started
                on_cancel=context.on_cancel
            />
        }
        .into_any()
    }

    fn problem(&self, code: ProblemCode) -> Option<Key> {
        Some(match code {
            ProblemCode::WrongNumberOfAnswers => Key::ProblemWrongNumberOfAnswers,
            ProblemCode::UnknownQuestion => Key::ProblemUnknownQuestion,
            ProblemCode::QuestionRepeated => Key::ProblemQuestionRepeated,
            ProblemCode::OwnQuestionNotAllowed => Key::ProblemOwnQuestionNotAllowed,
            ProblemCode::InvalidOwnQuestion => Key::ProblemInvalidOwnQuestion,
            ProblemCode::AnswerTooShort => Key::ProblemAnswerTooShort,
            ProblemCode::AnswerTooLong => Key::ProblemAnswerTooLong,
            ProblemCode::AnswersAlike => Key::ProblemAnswersAlike,
            ProblemCode::AnswerContainsName => Key::ProblemAnswerContainsName,
            ProblemCode::AnswerRepeatsQuestion => Key::ProblemAnswerRepeatsQuestion,
            _ => return None,
        })
    }
}

/// How a set of questions reads in the list: how many.
pub fn detail(i18n: &I18n, count: u8) -> String {
    i18n.tf(Key::QuestionsCount, &[("count", &count.to_string())])
}
