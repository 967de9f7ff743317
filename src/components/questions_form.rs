//! **Security questions**: as many pickers as the organization asks for, each a drop-down of
//! the questions the server sent (and **Write my own question** when the organization allows
//! it) with an answer field; **Done** sends them. The app checks what it can without the
//! server's rules (a question chosen and not twice, an answer's length once trimmed); the
//! server checks the rest (normalization, names, answers alike) and says which answer
//! (`answerIndex`), and the message shows at that question.

use leptos::html;
use leptos::prelude::*;
use security_info_api::{Method, ProblemCode, RegistrationAnswer, SecurityAnswer};

use crate::add_method::QuestionsChallenge;
use crate::api::{self, ApiError};
use crate::components::code_form::voids_registration;
use crate::components::field_error::FieldError;
use crate::components::modal::focus_on_mount;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};

/// The drop-down's value for a question of the user's own.
const OWN: &str = "own";
/// Answer lengths the server accepts once normalized (the app checks the trimmed text).
const ANSWER_CHARS: std::ops::RangeInclusive<usize> = 3..=40;
/// The longest question of the user's own.
const MAX_OWN_QUESTION_CHARS: usize = 200;

/// One picker's state.
#[derive(Clone, Copy)]
struct Row {
    question: RwSignal<String>,
    own: RwSignal<String>,
    answer: RwSignal<String>,
    error: RwSignal<Option<Shown>>,
    select: NodeRef<html::Select>,
    answer_input: NodeRef<html::Input>,
}

impl Row {
    fn new() -> Self {
        Self {
            question: RwSignal::new(String::new()),
            own: RwSignal::new(String::new()),
            answer: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            select: NodeRef::new(),
            answer_input: NodeRef::new(),
        }
    }

    /// What the app can tell is wrong: a question to choose, an own question to write, an
    /// answer too short or too long, or the same question as an earlier row.
    fn problem(&self, earlier: &[Row]) -> Option<(Key, bool)> {
        let question = self.question.get_untracked();
        let answer = self.answer.get_untracked().trim().chars().count();
        // `true`: the problem is the question's, so the drop-down gets the focus.
        if question.is_empty() {
            Some((Key::QuestionsErrorChoose, true))
        } else if question == OWN && self.own.get_untracked().trim().is_empty() {
            Some((Key::ProblemInvalidOwnQuestion, true))
        } else if question != OWN
            && earlier
                .iter()
                .any(|row| row.question.get_untracked() == question)
        {
            Some((Key::ProblemQuestionRepeated, true))
        } else if answer < *ANSWER_CHARS.start() {
            Some((Key::ProblemAnswerTooShort, false))
        } else if answer > *ANSWER_CHARS.end() {
            Some((Key::ProblemAnswerTooLong, false))
        } else {
            None
        }
    }

    fn focus(&self, question: bool) {
        if question {
            if let Some(select) = self.select.get_untracked() {
                let _ = select.focus();
            }
        } else if let Some(input) = self.answer_input.get_untracked() {
            let _ = input.focus();
        }
    }

    fn answer(&self) -> SecurityAnswer {
        let question = self.question.get_untracked();
        let (question_id, own_question) = if question == OWN {
            (None, Some(self.own.get_untracked()))
        } else {
            (Some(question), None)
        };
        SecurityAnswer {
            question_id,
            own_question,
            answer: self.answer.get_untracked(),
        }
    }
}

/// Which answer a refusal is about.
fn answer_index(error: &ApiError) -> Option<usize> {
    match error {
        ApiError::Problem(problem) => problem.answer_index.and_then(|i| usize::try_from(i).ok()),
        _ => None,
    }
}

/// Whether a refusal is about the question rather than the answer.
fn about_question(error: &ApiError) -> bool {
    matches!(
        error.code(),
        Some(
            ProblemCode::UnknownQuestion
                | ProblemCode::QuestionRepeated
                | ProblemCode::OwnQuestionNotAllowed
                | ProblemCode::InvalidOwnQuestion
        )
    )
}

/// The pickers, **Back** and **Done**.
#[component]
pub fn QuestionsForm(
    /// The questions and how many to answer.
    challenge: QuestionsChallenge,
    /// Called on **Back**.
    #[prop(into)]
    on_back: Callback<()>,
    /// Called when the registration can no longer be answered (expired, replaced).
    #[prop(into)]
    on_void: Callback<()>,
    /// Called with the new method.
    #[prop(into)]
    on_verified: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows: Vec<Row> = (0..challenge.count).map(|_| Row::new()).collect();
    let form_error = RwSignal::new(None::<Shown>);
    if let Some(first) = rows.first() {
        focus_on_mount(first.select);
    }
    let registration_id = challenge.registration_id.clone();
    let send = Action::new_local(move |answers: &Vec<SecurityAnswer>| {
        let answer = RegistrationAnswer::Answers {
            answers: answers.clone(),
        };
        api::answer_registration(registration_id.clone(), answer)
    });
    {
        let rows = rows.clone();
        Effect::new(move |_| {
            let Some(result) = send.value().get() else {
                return;
            };
            match result {
                Ok(created) => on_verified.run(created.method),
                Err(api_error)
                    if voids_registration(&api_error)
                        || api_error.code() == Some(ProblemCode::RegistrationExpired) =>
                {
                    on_void.run(());
                }
                Err(api_error) => match answer_index(&api_error).and_then(|i| rows.get(i)) {
                    Some(row) => {
                        let question = about_question(&api_error);
                        row.error.set(Some(Shown::Api(api_error)));
                        row.focus(question);
                    }
                    None => form_error.set(Some(Shown::Api(api_error))),
                },
            }
        });
    }
    let pending = send.pending();
    let submit = {
        let rows = rows.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            if pending.get_untracked() {
                return;
            }
            form_error.set(None);
            let mut first_problem = None;
            for (index, row) in rows.iter().enumerate() {
                let problem = row.problem(&rows[..index]);
                row.error.set(problem.map(|(key, _)| Shown::Text(key)));
                if first_problem.is_none() {
                    first_problem = problem.map(|(_, question)| (*row, question));
                }
            }
            match first_problem {
                Some((row, question)) => row.focus(question),
                None => {
                    send.dispatch_local(rows.iter().map(Row::answer).collect());
                }
            }
        }
    };

    let pickers = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let row = *row;
            let number = (index + 1).to_string();
            let select_id = format!("question-{index}");
            let own_id = format!("own-question-{index}");
            let answer_id = format!("answer-{index}");
            let error_id = format!("question-{index}-error");
            let described = {
                let error_id = error_id.clone();
                move || {
                    if row.error.with(Option::is_some) {
                        format!("{error_id} answers-hint")
                    } else {
                        "answers-hint".to_owned()
                    }
                }
            };
            let options = challenge
                .questions
                .iter()
                .map(|q| view! { <option value=q.id.clone()>{q.text.clone()}</option> })
                .collect_view();
            let own_option = challenge.own_questions.then(|| {
                view! { <option value=OWN>{i18n.text(Key::QuestionsOwnOption)}</option> }
            });
            let own_field = {
                let (own_id, described) = (own_id.clone(), described.clone());
                move || {
                    (row.question.get() == OWN).then(|| {
                        view! {
                            <div class="field">
                                <label for=own_id.clone()>{i18n.text(Key::QuestionsOwnLabel)}</label>
                                <input
                                    id=own_id.clone()
                                    type="text"
                                    autocomplete="off"
                                    maxlength=MAX_OWN_QUESTION_CHARS.to_string()
                                    prop:value=move || row.own.get()
                                    on:input=move |event| row.own.set(event_target_value(&event))
                                    aria-describedby=described.clone()
                                />
                            </div>
                        }
                    })
                }
            };
            view! {
                <fieldset class="question">
                    <legend>{move || i18n.tf(Key::QuestionsLegend, &[("number", &number)])}</legend>
                    <div class="field">
                        <label for=select_id.clone()>{i18n.text(Key::QuestionsChoose)}</label>
                        <select
                            id=select_id
                            node_ref=row.select
                            prop:value=move || row.question.get()
                            on:change=move |event| row.question.set(event_target_value(&event))
                            aria-invalid=move || row.error.with(Option::is_some).to_string()
                            aria-describedby=described.clone()
                        >
                            <option value="">{i18n.text(Key::QuestionsPlaceholder)}</option>
                            {options}
                            {own_option}
                        </select>
                    </div>
                    {own_field}
                    <div class="field">
                        <label for=answer_id.clone()>{i18n.text(Key::QuestionsAnswerLabel)}</label>
                        <input
                            id=answer_id
                            node_ref=row.answer_input
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || row.answer.get()
                            on:input=move |event| row.answer.set(event_target_value(&event))
                            aria-invalid=move || row.error.with(Option::is_some).to_string()
                            aria-describedby=described
                        />
                        <FieldError error=row.error id=error_id />
                    </div>
                </fieldset>
            }
        })
        .collect_view();

    view! {
        <form novalidate on:submit=submit>
            <p>{i18n.text(Key::QuestionsText)}</p>
            {pickers}
            <p id="answers-hint" class="hint">{i18n.text(Key::QuestionsHint)}</p>
            <FieldError error=form_error alert=true />
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_back.run(())>
                    {i18n.text(Key::Back)}
                </button>
                <SubmitButton pending=pending label=Key::Done busy_label=Key::BusySaving />
            </div>
        </form>
    }
}
