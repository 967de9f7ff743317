//! What makes an answer acceptable, decided on its normalized form: Unicode NFKC (full-width
//! letters, ligatures and other compatibility forms become their plain letters), lower case,
//! runs of spaces as one, no surrounding spaces. Accents count: `é` is not `e`. Stripping them
//! would merge different words (`één` and `een`), and a user types the answer the way they
//! registered it; the trade-off is stated in the server's README.
//!
//! An answer has 3 to 40 characters once normalized, is not alike any other of the user's
//! answers, does not contain the user's name or principal name (or a part of them that long),
//! and does not repeat its question.

use unicode_normalization::UnicodeNormalization;

/// The fewest characters an answer may have once normalized.
pub const MIN_ANSWER_CHARS: usize = 3;
/// The most characters an answer may have once normalized.
pub const MAX_ANSWER_CHARS: usize = 40;
/// The most characters a question the user writes may have.
pub const MAX_OWN_QUESTION_CHARS: usize = 200;
/// Parts of the user's name shorter than this are not looked for in answers (initials,
/// `de`, `van`).
const MIN_NAME_PART_CHARS: usize = 3;

/// An answer (or question) as it is compared and hashed.
pub fn normalize(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why an answer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    /// Fewer than [`MIN_ANSWER_CHARS`] characters.
    TooShort,
    /// More than [`MAX_ANSWER_CHARS`] characters.
    TooLong,
    /// The same as another of the user's answers (normalized).
    Alike,
    /// Contains the user's name or principal name.
    ContainsName,
    /// Repeats its question.
    RepeatsQuestion,
}

/// Checks normalized `answers` against each other, their questions and the user's names.
/// `questions` are the questions' texts (any language: each is compared normalized), in the
/// same order. Returns the first refused answer's index and why.
pub fn check(
    answers: &[String],
    questions: &[Vec<String>],
    names: &[&str],
) -> Result<(), (usize, AnswerProblem)> {
    let name_parts: Vec<String> = names
        .iter()
        .flat_map(|name| {
            let name = normalize(name);
            let local = name.split('@').next().unwrap_or_default().to_owned();
            let mut parts: Vec<String> = local
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_owned)
                .collect();
            parts.push(local);
            parts.push(name);
            parts
        })
        .filter(|part| part.chars().count() >= MIN_NAME_PART_CHARS)
        .collect();
    for (index, answer) in answers.iter().enumerate() {
        let length = answer.chars().count();
        let problem = if length < MIN_ANSWER_CHARS {
            Some(AnswerProblem::TooShort)
        } else if length > MAX_ANSWER_CHARS {
            Some(AnswerProblem::TooLong)
        } else if answers[..index].contains(answer) {
            Some(AnswerProblem::Alike)
        } else if name_parts.iter().any(|part| answer.contains(part.as_str())) {
            Some(AnswerProblem::ContainsName)
        } else if questions
            .get(index)
            .is_some_and(|texts| texts.iter().any(|q| normalize(q).contains(answer.as_str())))
        {
            Some(AnswerProblem::RepeatsQuestion)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err((index, problem));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_folds_case_width_and_spaces_but_keeps_accents() {
        assert_eq!(normalize("  Rex  the\tDog "), "rex the dog");
        assert_eq!(normalize("ＲＥＸ"), "rex", "full-width letters");
        assert_eq!(normalize("ﬁdo"), "fido", "a ligature");
        assert_eq!(normalize("Zoë"), normalize("Zoe\u{308}"), "composed or not");
        assert_ne!(normalize("één"), normalize("een"), "accents count");
        assert_eq!(normalize("ÉCOLE"), "école");
    }

    fn answers(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| normalize(t)).collect()
    }

    fn questions(texts: &[&str]) -> Vec<Vec<String>> {
        texts.iter().map(|t| vec![(*t).to_owned()]).collect()
    }

    #[test]
    fn each_rule_refuses_with_its_reason_and_the_answers_index() {
        let names = ["Alain Dubois", "alain.dubois@contoso.example"];
        let q = questions(&[
            "What was the name of your first pet?",
            "What was the name of your first school?",
            "Who was your hero as a child?",
        ]);
        let check = |texts: &[&str]| check(&answers(texts), &q, &names);
        assert_eq!(check(&["Rex", "De Klimop", "Pippi"]), Ok(()));
        assert_eq!(
            check(&["Rex", "ab", "Pippi"]),
            Err((1, AnswerProblem::TooShort))
        );
        assert_eq!(
            check(&["Rex", &"x".repeat(41), "Pippi"]),
            Err((1, AnswerProblem::TooLong))
        );
        assert_eq!(
            check(&["Rex", "De Klimop", "  REX "]),
            Err((2, AnswerProblem::Alike))
        );
        assert_eq!(
            check(&["Rex", "School of Dubois", "Pippi"]),
            Err((1, AnswerProblem::ContainsName))
        );
        assert_eq!(
            check(&["alain.dubois", "De Klimop", "Pippi"]),
            Err((0, AnswerProblem::ContainsName))
        );
        assert_eq!(
            check(&["first pet", "De Klimop", "Pippi"]),
            Err((0, AnswerProblem::RepeatsQuestion))
        );
        // Exactly 3 and 40 characters are fine; short name parts are not looked for.
        let de = ["Jo de Vries"];
        assert_eq!(
            super::check(&answers(&["Jod", &"y".repeat(40)]), &q, &de),
            Ok(())
        );
    }
}
