//! The predefined security questions, by stable id, in every language the app speaks. A
//! question is stored by its id, so a user who registered it in English is asked it in Dutch
//! after switching. Chosen so that an answer is not on a CV or a social profile, does not
//! change over time, and has more than a handful of likely values (no colours, no yes/no).

/// One predefined question.
pub struct Question {
    /// Stable id: stored with the answer, never renamed.
    pub id: &'static str,
    /// In English.
    pub en: &'static str,
    /// In Dutch.
    pub nl: &'static str,
}

impl Question {
    /// The question in `language` (`en` or `nl`).
    pub fn text(&self, language: &str) -> &'static str {
        match language {
            "nl" => self.nl,
            _ => self.en,
        }
    }
}

/// Every predefined question, in the order the picker lists them.
pub const QUESTIONS: [Question; 22] = [
    Question {
        id: "firstPet",
        en: "What was the name of your first pet?",
        nl: "Hoe heette je eerste huisdier?",
    },
    Question {
        id: "childhoodFriend",
        en: "What was the first name of your best friend as a child?",
        nl: "Wat was de voornaam van je beste vriend of vriendin als kind?",
    },
    Question {
        id: "firstSchool",
        en: "What was the name of your first school?",
        nl: "Hoe heette je eerste school?",
    },
    Question {
        id: "firstTeacher",
        en: "What was the last name of your first teacher?",
        nl: "Wat was de achternaam van je eerste leraar of lerares?",
    },
    Question {
        id: "childhoodStreet",
        en: "On which street did you live as a child?",
        nl: "In welke straat woonde je als kind?",
    },
    Question {
        id: "motherBirthplace",
        en: "In which town or city was your mother born?",
        nl: "In welke plaats is je moeder geboren?",
    },
    Question {
        id: "fatherBirthplace",
        en: "In which town or city was your father born?",
        nl: "In welke plaats is je vader geboren?",
    },
    Question {
        id: "firstJobTown",
        en: "In which town or city did you have your first job?",
        nl: "In welke plaats had je je eerste baan?",
    },
    Question {
        id: "firstConcert",
        en: "Which artist or band did you first see in concert?",
        nl: "Welke artiest of band zag je als eerste op een concert?",
    },
    Question {
        id: "firstCar",
        en: "What was the make and model of your first car?",
        nl: "Wat was het merk en model van je eerste auto?",
    },
    Question {
        id: "childhoodHero",
        en: "Who was your hero as a child?",
        nl: "Wie was je held als kind?",
    },
    Question {
        id: "childhoodBook",
        en: "What was the title of your favourite book as a child?",
        nl: "Wat was de titel van je favoriete boek als kind?",
    },
    Question {
        id: "maternalGrandmother",
        en: "What was the first name of your mother's mother?",
        nl: "Wat was de voornaam van de moeder van je moeder?",
    },
    Question {
        id: "paternalGrandfather",
        en: "What was the first name of your father's father?",
        nl: "Wat was de voornaam van de vader van je vader?",
    },
    Question {
        id: "firstHolidayAbroad",
        en: "Where did you go on your first holiday abroad?",
        nl: "Waar ging je naartoe op je eerste vakantie in het buitenland?",
    },
    Question {
        id: "partnerMet",
        en: "In which town or city did you meet your partner?",
        nl: "In welke plaats heb je je partner ontmoet?",
    },
    Question {
        id: "firstPhone",
        en: "What was the make of your first mobile phone?",
        nl: "Wat was het merk van je eerste mobiele telefoon?",
    },
    Question {
        id: "childhoodNickname",
        en: "What was your nickname as a child?",
        nl: "Wat was je bijnaam als kind?",
    },
    Question {
        id: "favouriteTeacher",
        en: "What was the last name of your favourite teacher?",
        nl: "Wat was de achternaam van je favoriete leraar of lerares?",
    },
    Question {
        id: "firstClubSport",
        en: "Which sport did you first play at a club?",
        nl: "Welke sport deed je als eerste bij een club?",
    },
    Question {
        id: "oldestCousin",
        en: "What is the first name of your oldest cousin?",
        nl: "Wat is de voornaam van je oudste neef of nicht?",
    },
    Question {
        id: "firstFilm",
        en: "What was the first film you saw in a cinema?",
        nl: "Wat was de eerste film die je in de bioscoop zag?",
    },
];

/// The predefined question with this id.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_question_is_in_both_languages() {
        let mut ids: Vec<&str> = QUESTIONS.iter().map(|q| q.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), QUESTIONS.len());
        assert!(QUESTIONS.len() >= 20);
        for q in &QUESTIONS {
            assert!(q.en.ends_with('?') && q.nl.ends_with('?'), "{}", q.id);
            assert_ne!(q.en, q.nl, "{}", q.id);
        }
        assert_eq!(
            question("firstPet").map(|q| q.text("nl")),
            Some("Hoe heette je eerste huisdier?")
        );
        assert!(question("unknown").is_none());
    }
}
