//! What a text message says and what a call speaks, in English and Dutch. A text ends with
//! the WebOTP line (`@host #code`), so a phone's browser can offer the code to the page that
//! asked for it and to no other; a call speaks the digits one by one, twice.

use serde::{Deserialize, Serialize};

use crate::domain::codes::PlainCode;

/// Outbox template of a code sent as a text message.
pub const SMS_CODE: &str = "sms_code";
/// Outbox template of a code spoken in a call.
pub const VOICE_CODE: &str = "voice_code";

/// Outbox template of the text that says the password was changed.
pub const SMS_PASSWORD_CHANGED: &str = "sms_password_changed";

/// Parameters of a notice by text (nothing secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNoticeParams {
    /// Organization name.
    pub org_name: String,
}

/// The text that says the password was changed by a reset.
pub fn password_changed(language: &str, params: &PhoneNoticeParams) -> String {
    let org = &params.org_name;
    if language == "nl" {
        format!(
            "Het wachtwoord van uw {org}-account is zojuist gewijzigd. Was u dit niet? Neem dan direct contact op met uw helpdesk."
        )
    } else {
        format!(
            "The password of your {org} account was just changed. If this wasn't you, contact your helpdesk right away."
        )
    }
}

/// Parameters of a phone code message (the code itself travels sealed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCodeParams {
    /// Organization name.
    pub org_name: String,
    /// Validity in minutes.
    pub valid_minutes: i64,
    /// The host of the page that asked for the code (the WebOTP line), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_host: Option<String>,
    /// An office phone's extension, for the gateway to dial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

/// The text message with `code`.
pub fn sms(language: &str, params: &PhoneCodeParams, code: &PlainCode) -> String {
    let org = &params.org_name;
    let minutes = params.valid_minutes;
    let code = code.expose();
    let mut text = if language == "nl" {
        let unit = if minutes == 1 { "minuut" } else { "minuten" };
        format!(
            "{code} is uw verificatiecode voor {org}. Hij is {minutes} {unit} geldig. Geef hem aan niemand."
        )
    } else {
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!(
            "{code} is your {org} verification code. It is valid for {minutes} {unit}. Never share it."
        )
    };
    if let Some(host) = &params.origin_host {
        text.push_str(&format!("\n\n@{host} #{code}"));
    }
    text
}

/// What the call speaks: the code's digits one by one, then once more.
pub fn voice(language: &str, params: &PhoneCodeParams, code: &PlainCode) -> String {
    let org = &params.org_name;
    let digits = spoken_digits(code.expose());
    if language == "nl" {
        format!(
            "Hallo, u wordt gebeld door {org}. Uw verificatiecode is: {digits}. Nogmaals: {digits}. \
             Hebt u deze code niet aangevraagd? Hang dan op en geef de code aan niemand."
        )
    } else {
        format!(
            "Hello, this is {org}. Your verification code is: {digits}. Once more: {digits}. \
             If you didn't ask for this code, hang up and never share it."
        )
    }
}

/// `123456` -> `1, 2, 3, 4, 5, 6`: a text-to-speech engine reads a number as a number
/// ("one hundred twenty-three thousand..."), and separated digits as digits, with a pause.
fn spoken_digits(code: &str) -> String {
    code.chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(origin_host: Option<&str>) -> PhoneCodeParams {
        PhoneCodeParams {
            org_name: "Contoso".into(),
            valid_minutes: 10,
            origin_host: origin_host.map(str::to_owned),
            extension: None,
        }
    }

    #[test]
    fn a_text_leads_with_the_code_and_ends_with_the_webotp_line() {
        let code = PlainCode::known("123456");
        let text = sms("en", &params(Some("security.contoso.example")), &code);
        assert!(
            text.starts_with("123456 is your Contoso verification code."),
            "{text}"
        );
        assert!(text.contains("10 minutes"));
        assert!(
            text.ends_with("\n\n@security.contoso.example #123456"),
            "{text}"
        );
        let dutch = sms("nl", &params(None), &code);
        assert!(
            dutch.starts_with("123456 is uw verificatiecode voor Contoso."),
            "{dutch}"
        );
        assert!(!dutch.contains('@'), "no host, no WebOTP line");
    }

    #[test]
    fn a_call_speaks_the_digits_one_by_one_twice() {
        let code = PlainCode::known("908172");
        let spoken = voice("en", &params(None), &code);
        assert_eq!(spoken.matches("9, 0, 8, 1, 7, 2").count(), 2, "{spoken}");
        assert!(!spoken.contains("908172"));
        let dutch = voice("nl", &params(None), &code);
        assert!(dutch.contains("Nogmaals: 9, 0, 8, 1, 7, 2."), "{dutch}");
    }
}
