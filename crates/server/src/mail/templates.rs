//! The messages the server sends, in English and Dutch, each with subject, text and HTML.
//! No links (a code mail with a link teaches users to click links in mail); the code and its
//! expiry, or what changed, when and from where.

use serde::{Deserialize, Serialize};

use super::OutgoingMail;
use crate::domain::codes::PlainCode;

/// Template of the code mail.
pub const VERIFICATION_CODE: &str = "verification_code";
/// Template of the "method added" notice.
pub const METHOD_ADDED: &str = "method_added";
/// Template of the "method deleted" notice.
pub const METHOD_DELETED: &str = "method_deleted";
/// Template of the notices of sign-in security events (a recovery code used, new recovery
/// codes, another default sign-in method).
pub const SIGN_IN_EVENT: &str = "sign_in_event";

/// Template of the notice that an operator removed every method (`accounts clear-methods`).
pub const METHODS_CLEARED: &str = "methods_cleared";

/// A sign-in security event a notice reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInEvent {
    /// A recovery code passed a second step; the detail is how many are left.
    RecoveryCodeUsed,
    /// A new set of recovery codes replaced the old one.
    RecoveryCodesCreated,
    /// Another method is the default sign-in method; the detail describes it.
    DefaultMethodChanged,
    /// The password was changed with a password reset (every session ended).
    PasswordChanged,
}

/// Parameters of a sign-in event notice.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInEventParams {
    /// Organization name.
    pub org_name: String,
    /// What happened.
    pub event: SignInEvent,
    /// The event's detail: codes left, the new default method (masked).
    pub detail: String,
    /// When, RFC 3339.
    pub occurred_at: String,
    /// From which IP address.
    pub ip_address: Option<String>,
    /// With which browser.
    pub browser: Option<String>,
}

/// Parameters of the notice that every method was removed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodsClearedParams {
    /// Organization name.
    pub org_name: String,
    /// When, RFC 3339.
    pub occurred_at: String,
}

/// Parameters of the code mail (the code itself travels sealed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeParams {
    /// Organization name.
    pub org_name: String,
    /// Expiry, RFC 3339.
    pub expires_at: String,
    /// Validity in minutes.
    pub valid_minutes: i64,
}

/// Parameters of a change notice.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeParams {
    /// Organization name.
    pub org_name: String,
    /// The method's type (wire name). Messages queued before types had names were all email.
    #[serde(default = "email_type")]
    pub method_type: String,
    /// The method, described by its type's module: masked (`a***@gmail.com`), never a secret.
    pub method: String,
    /// When, RFC 3339.
    pub occurred_at: String,
    /// From which IP address.
    pub ip_address: Option<String>,
    /// With which browser.
    pub browser: Option<String>,
}

fn email_type() -> String {
    "email".to_owned()
}

/// How a notice names a method of a type, before its description (`The email address
/// a***@gmail.com`), in the notice's language.
fn method_phrase(language: &str, method_type: &str) -> &'static str {
    let dutch = language == "nl";
    match (method_type, dutch) {
        ("authenticatorApp", false) => "The authenticator app",
        ("authenticatorApp", true) => "De authenticator-app",
        ("phone", false) => "The phone number",
        ("phone", true) => "Het telefoonnummer",
        ("securityKey", false) => "The security key",
        ("securityKey", true) => "De beveiligingssleutel",
        ("securityQuestions", false) => "Security questions",
        ("securityQuestions", true) => "Beveiligingsvragen",
        (_, false) => "The email address",
        (_, true) => "Het e-mailadres",
    }
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `2026-11-24T10:12:00.000Z` -> `2026-11-24 10:12 UTC`.
fn human_time(rfc3339: &str) -> String {
    match (rfc3339.get(0..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

fn html_page(lang: &str, paragraphs: &[String]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family: Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px; color: #1b1b1b\">\n\
         {body}</body></html>\n"
    )
}

/// Renders the code mail.
pub fn verification_code(
    to: &str,
    language: &str,
    params: &CodeParams,
    code: &PlainCode,
) -> OutgoingMail {
    let org = &params.org_name;
    let expires = human_time(&params.expires_at);
    let minutes = params.valid_minutes;
    let code = code.expose();
    let (subject, lines): (String, Vec<String>) = if language == "nl" {
        (
            format!("Uw verificatiecode voor {org}"),
            vec![
                format!("Gebruik deze code om dit e-mailadres te verifiëren voor de beveiligingsgegevens van uw {org}-account:"),
                code.to_owned(),
                format!("De code is {minutes} {} geldig, tot {expires}.", if minutes == 1 { "minuut" } else { "minuten" }),
                "Hebt u deze code niet aangevraagd? Dan kunt u dit bericht negeren. Geef de code aan niemand.".to_owned(),
            ],
        )
    } else {
        (
            format!("Your {org} verification code"),
            vec![
                format!("Use this code to verify this email address for the security info of your {org} account:"),
                code.to_owned(),
                format!("The code is valid for {minutes} {}, until {expires}.", if minutes == 1 { "minute" } else { "minutes" }),
                "If you didn't ask for this code, you can ignore this message. Never share the code with anyone.".to_owned(),
            ],
        )
    };
    let text = format!(
        "{}\n\n    {}\n\n{}\n\n{}\n",
        lines[0], lines[1], lines[2], lines[3]
    );
    let html = html_page(
        language,
        &[
            esc(&lines[0]),
            format!(
                "<strong style=\"font-size: 28px; letter-spacing: 4px; font-family: monospace\">{}</strong>",
                esc(&lines[1])
            ),
            esc(&lines[2]),
            esc(&lines[3]),
        ],
    );
    OutgoingMail {
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

/// Renders a "method added" or "method deleted" notice.
pub fn change_notice(to: &str, language: &str, added: bool, params: &ChangeParams) -> OutgoingMail {
    let org = &params.org_name;
    let method = format!(
        "{} {}",
        method_phrase(language, &params.method_type),
        params.method
    );
    let method = method.trim_end();
    let (subject, first) = if language == "nl" {
        let what = if added {
            "toegevoegd aan"
        } else {
            "verwijderd uit"
        };
        (
            format!("Er is een beveiligingsmethode {what} uw {org}-account"),
            format!("{method} is {what} de beveiligingsgegevens van uw {org}-account."),
        )
    } else {
        let what = if added { "added to" } else { "deleted from" };
        (
            format!("A security info method was {what} your {org} account"),
            format!("{method} was {what} the security info of your {org} account."),
        )
    };
    let origin = Origin {
        occurred_at: &params.occurred_at,
        ip_address: params.ip_address.as_deref(),
        browser: params.browser.as_deref(),
    };
    notice(to, language, subject, first, &origin)
}

/// Renders a sign-in event notice.
pub fn sign_in_event_notice(to: &str, language: &str, params: &SignInEventParams) -> OutgoingMail {
    let org = &params.org_name;
    let detail = &params.detail;
    let (subject, first) = match (params.event, language == "nl") {
        (SignInEvent::RecoveryCodeUsed, false) => (
            format!("A recovery code was used to sign in to your {org} account"),
            format!(
                "A recovery code was used to sign in to your {org} account. Recovery codes left: {detail}."
            ),
        ),
        (SignInEvent::RecoveryCodeUsed, true) => (
            format!("Er is een herstelcode gebruikt om u aan te melden bij uw {org}-account"),
            format!(
                "Er is een herstelcode gebruikt om u aan te melden bij uw {org}-account. Resterende herstelcodes: {detail}."
            ),
        ),
        (SignInEvent::RecoveryCodesCreated, false) => (
            format!("New recovery codes were made for your {org} account"),
            format!(
                "New recovery codes were made for your {org} account. The earlier codes no longer work."
            ),
        ),
        (SignInEvent::RecoveryCodesCreated, true) => (
            format!("Er zijn nieuwe herstelcodes gemaakt voor uw {org}-account"),
            format!(
                "Er zijn nieuwe herstelcodes gemaakt voor uw {org}-account. De eerdere codes werken niet meer."
            ),
        ),
        (SignInEvent::DefaultMethodChanged, false) => (
            format!("The default sign-in method of your {org} account changed"),
            format!("The default sign-in method of your {org} account is now: {detail}."),
        ),
        (SignInEvent::PasswordChanged, false) => (
            format!("The password of your {org} account was changed"),
            format!(
                "The password of your {org} account was changed with a password reset, and every session of the account was signed out."
            ),
        ),
        (SignInEvent::PasswordChanged, true) => (
            format!("Het wachtwoord van uw {org}-account is gewijzigd"),
            format!(
                "Het wachtwoord van uw {org}-account is gewijzigd via wachtwoordherstel, en alle sessies van het account zijn afgemeld."
            ),
        ),
        (SignInEvent::DefaultMethodChanged, true) => (
            format!("De standaardaanmeldmethode van uw {org}-account is gewijzigd"),
            format!("De standaardaanmeldmethode van uw {org}-account is nu: {detail}."),
        ),
    };
    let origin = Origin {
        occurred_at: &params.occurred_at,
        ip_address: params.ip_address.as_deref(),
        browser: params.browser.as_deref(),
    };
    notice(to, language, subject, first, &origin)
}

/// Renders the notice that the helpdesk removed every method: unlike the other notices it
/// has no address or browser (an operator's command made the change, not a sign-in).
pub fn methods_cleared(to: &str, language: &str, params: &MethodsClearedParams) -> OutgoingMail {
    let org = &params.org_name;
    let when = human_time(&params.occurred_at);
    let (subject, lines) = if language == "nl" {
        (
            format!("De beveiligingsgegevens van uw {org}-account zijn gewist"),
            [
                format!(
                    "Uw helpdesk heeft alle methoden uit de beveiligingsgegevens van uw {org}-account verwijderd, \
                     ook uw herstelcodes. Stel uw methoden opnieuw in wanneer u zich weer aanmeldt."
                ),
                format!("Wanneer: {when}"),
                "Hebt u hier niet om gevraagd? Neem dan direct contact op met uw helpdesk."
                    .to_owned(),
            ],
        )
    } else {
        (
            format!("The security info of your {org} account was cleared"),
            [
                format!(
                    "Your helpdesk removed every method from the security info of your {org} account, \
                     your recovery codes too. Set up your methods again the next time you sign in."
                ),
                format!("When: {when}"),
                "If you didn't ask for this, contact your helpdesk right away.".to_owned(),
            ],
        )
    };
    let text = format!("{}\n\n{}\n\n{}\n", lines[0], lines[1], lines[2]);
    let html = html_page(language, &lines.map(|line| esc(&line)));
    OutgoingMail {
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

/// When, from where and with what a change was made.
struct Origin<'a> {
    occurred_at: &'a str,
    ip_address: Option<&'a str>,
    browser: Option<&'a str>,
}

/// A notice: what happened (`first`), when and from where, and what to do if it wasn't the
/// user.
fn notice(
    to: &str,
    language: &str,
    subject: String,
    first: String,
    origin: &Origin<'_>,
) -> OutgoingMail {
    let when = human_time(origin.occurred_at);
    let unknown = if language == "nl" {
        "onbekend"
    } else {
        "unknown"
    };
    let ip = origin.ip_address.unwrap_or(unknown);
    let browser = origin.browser.unwrap_or(unknown);
    let lines = if language == "nl" {
        [
            first,
            format!("Wanneer: {when}\nIP-adres: {ip}\nBrowser: {browser}"),
            "Hebt u dit zelf gedaan? Dan hoeft u niets te doen. Zo niet, neem dan direct contact op met uw helpdesk.".to_owned(),
        ]
    } else {
        [
            first,
            format!("When: {when}\nIP address: {ip}\nBrowser: {browser}"),
            "If this was you, there is nothing to do. If it wasn't, contact your helpdesk right away.".to_owned(),
        ]
    };
    let text = format!("{}\n\n{}\n\n{}\n", lines[0], lines[1], lines[2]);
    let html = html_page(
        language,
        &[
            esc(&lines[0]),
            esc(&lines[1]).replace('\n', "<br>"),
            esc(&lines[2]),
        ],
    );
    OutgoingMail {
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

/// A short browser name from a `User-Agent` header.
pub fn browser_name(user_agent: Option<&str>) -> Option<String> {
    let ua = user_agent?;
    let name = if ua.contains("Edg/") {
        "Microsoft Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        return Some(ua.chars().take(60).collect());
    };
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::CodeKeys;

    fn code() -> PlainCode {
        let keys = CodeKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys");
        let sealed = keys.seal("m", b"123456").expect("seal");
        keys.open("m", &sealed).expect("open")
    }

    #[test]
    fn the_methods_cleared_notice_says_when_in_both_languages() {
        let params = MethodsClearedParams {
            org_name: "Contoso <&>".into(),
            occurred_at: "2026-12-02T16:05:00.000Z".into(),
        };
        let en = methods_cleared("a@b.example", "en", &params);
        assert!(en.subject.contains("was cleared"), "{}", en.subject);
        assert!(en.text.contains("2026-12-02 16:05 UTC"));
        assert!(en.html.contains("Contoso &lt;&amp;&gt;") && !en.html.contains("<&>"));
        let nl = methods_cleared("a@b.example", "nl", &params);
        assert!(nl.subject.contains("gewist"), "{}", nl.subject);
        assert!(nl.text.contains("Wanneer: 2026-12-02 16:05 UTC"));
    }

    #[test]
    fn the_code_mail_has_code_and_expiry_in_both_languages() {
        let params = CodeParams {
            org_name: "Contoso".into(),
            expires_at: "2026-11-24T10:22:00.000Z".into(),
            valid_minutes: 10,
        };
        for language in ["en", "nl"] {
            let mail = verification_code("a@b.example", language, &params, &code());
            assert!(mail.text.contains("123456") && mail.html.contains("123456"));
            assert!(mail.text.contains("10:22 UTC"));
            assert!(!mail.text.contains("http") && !mail.html.contains("href"));
        }
        let nl = verification_code("a@b.example", "nl", &params, &code());
        assert!(nl.subject.starts_with("Uw verificatiecode"));
        let one = CodeParams {
            valid_minutes: 1,
            ..params
        };
        assert!(
            verification_code("a@b.example", "nl", &one, &code())
                .text
                .contains("1 minuut geldig")
        );
        assert!(
            verification_code("a@b.example", "en", &one, &code())
                .text
                .contains("valid for 1 minute,")
        );
    }

    #[test]
    fn the_dutch_mails_address_the_user_formally() {
        let code_params = CodeParams {
            org_name: "Contoso".into(),
            expires_at: "2026-11-24T10:22:00.000Z".into(),
            valid_minutes: 10,
        };
        let change_params = ChangeParams {
            org_name: "Contoso".into(),
            method_type: "email".into(),
            method: "a***@gmail.com".into(),
            occurred_at: "2026-11-24T10:22:00.000Z".into(),
            ip_address: None,
            browser: None,
        };
        let mails = [
            verification_code("a@b.example", "nl", &code_params, &code()),
            change_notice("a@b.example", "nl", true, &change_params),
            change_notice("a@b.example", "nl", false, &change_params),
        ];
        for mail in mails {
            let all = format!("{} {} {}", mail.subject, mail.text, mail.html);
            let words: Vec<String> = all
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect();
            for informal in ["je", "jij", "jouw", "jou", "kun", "heb", "hoef"] {
                assert!(
                    !words.iter().any(|w| w == informal),
                    "`{informal}` in: {all}"
                );
            }
            assert!(words.iter().any(|w| w == "uw"), "{all}");
        }
    }

    #[test]
    fn notices_escape_what_the_client_sent() {
        let params = ChangeParams {
            org_name: "Contoso".into(),
            method_type: "email".into(),
            method: "a***@gmail.com".into(),
            occurred_at: "2026-11-24T10:22:00.000Z".into(),
            ip_address: Some("192.0.2.1".into()),
            browser: Some("<script>".into()),
        };
        let mail = change_notice("megan@contoso.example", "en", false, &params);
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(
            mail.text
                .starts_with("The email address a***@gmail.com was deleted from")
        );
        assert_eq!(
            mail.subject,
            "A security info method was deleted from your Contoso account"
        );
    }

    #[test]
    fn a_notice_queued_before_method_types_still_reads_as_email() {
        let params: ChangeParams = serde_json::from_str(
            r#"{"orgName":"Contoso","method":"a***@gmail.com","occurredAt":"2026-11-24T10:22:00.000Z"}"#,
        )
        .expect("old parameters parse");
        let mail = change_notice("megan@contoso.example", "nl", true, &params);
        assert!(
            mail.text
                .starts_with("Het e-mailadres a***@gmail.com is toegevoegd aan"),
            "{}",
            mail.text
        );
    }
}
