//! Which ways an account has to pass a second step, and which one is its default.

use security_info_api::{Channel, MethodType, SecondStepChoice, SecondStepWay, Usage};

use crate::{
    domain::mask,
    methods::phone,
    store::{MethodId, MethodRecord},
};

/// Whether methods of this type can be a second step (NIST SP 800-63B: never email or
/// security questions).
pub fn is_two_step(method_type: MethodType) -> bool {
    method_type
        .usable_for()
        .contains(&Usage::TwoStepVerification)
}

/// How strong a type is as a second factor, strongest first: a key resists phishing, an app
/// is a secret on a device, a phone can be redirected (SIM swap).
fn rank(method_type: MethodType) -> u8 {
    match method_type {
        MethodType::SecurityKey => 0,
        MethodType::AuthenticatorApp => 1,
        _ => 2,
    }
}

/// The account's default sign-in method: the one it chose while that still exists, else the
/// strongest, the oldest of equals first (`methods` come oldest first).
pub fn default_method<'a>(
    methods: &'a [MethodRecord],
    chosen: Option<&MethodId>,
) -> Option<&'a MethodRecord> {
    let usable = || methods.iter().filter(|m| is_two_step(m.method_type));
    chosen
        .and_then(|id| usable().find(|m| &m.method_id == id))
        .or_else(|| usable().min_by_key(|m| rank(m.method_type)))
}

/// The ways the account's methods offer, the default one first, then by strength: one for
/// all authenticator apps (any of them may answer), one for all keys (the browser asks any),
/// and per phone a text (when it takes texts) and a call.
pub fn ways(
    methods: &[MethodRecord],
    chosen: Option<&MethodId>,
) -> anyhow::Result<Vec<SecondStepWay>> {
    let default = default_method(methods, chosen);
    let is_default = |method: &MethodRecord| {
        default.is_some_and(|d| {
            d.method_type == method.method_type
                && (method.method_type != MethodType::Phone || d.method_id == method.method_id)
        })
    };
    let mut ways = Vec::new();
    let mut keys = methods
        .iter()
        .filter(|m| m.method_type == MethodType::SecurityKey);
    if let Some(first) = keys.next() {
        ways.push(SecondStepWay {
            choice: SecondStepChoice::SecurityKey {},
            hint: None,
            is_default: is_default(first),
        });
    }
    let apps: Vec<_> = methods
        .iter()
        .filter(|m| m.method_type == MethodType::AuthenticatorApp)
        .collect();
    if let Some(first) = apps.first() {
        ways.push(SecondStepWay {
            choice: SecondStepChoice::AuthenticatorApp {},
            // One app's name helps; with several, any of them answers.
            hint: if apps.len() == 1 {
                first.name.clone()
            } else {
                None
            },
            is_default: is_default(first),
        });
    }
    for method in methods
        .iter()
        .filter(|m| m.method_type == MethodType::Phone)
    {
        let registered = phone::registered(method)?;
        let hint = Some(mask::phone(&registered.international));
        let channels = if registered.texts {
            &[Channel::Sms, Channel::Voice][..]
        } else {
            &[Channel::Voice][..]
        };
        for (index, channel) in channels.iter().enumerate() {
            ways.push(SecondStepWay {
                choice: SecondStepChoice::Phone {
                    method_id: method.method_id.to_string(),
                    channel: *channel,
                },
                hint: hint.clone(),
                // A phone's default way is its first: a text when it takes them.
                is_default: index == 0 && is_default(method),
            });
        }
    }
    // Stable: the default moves to the front, the rest keep their order.
    ways.sort_by_key(|way| !way.is_default);
    Ok(ways)
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;

    fn method(id: &str, method_type: MethodType, detail: &str) -> MethodRecord {
        MethodRecord {
            method_id: MethodId::from(id.to_owned()),
            method_type,
            slot: id.to_owned(),
            name: Some(format!("{id} name")),
            detail: detail.to_owned(),
            credential: None,
            counter: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
        }
    }

    const MOBILE: &str =
        r#"{"kind":"mobile","e164":"+31612345678","international":"+31 6 12345678","texts":true}"#;
    const OFFICE: &str = r#"{"kind":"office","e164":"+31201234567","international":"+31 20 123 4567","extension":"12","texts":false}"#;

    #[test]
    fn the_strongest_method_is_the_default_until_one_is_chosen() {
        let methods = [
            method(
                "mail",
                MethodType::Email,
                r#"{"emailAddress":"a@b.example"}"#,
            ),
            method("phone", MethodType::Phone, MOBILE),
            method("app", MethodType::AuthenticatorApp, "{}"),
        ];
        let default = default_method(&methods, None).map(|m| m.method_id.as_str());
        assert_eq!(default, Some("app"));
        let phone = MethodId::from("phone".to_owned());
        let default = default_method(&methods, Some(&phone)).map(|m| m.method_id.as_str());
        assert_eq!(default, Some("phone"));
        // A chosen method that is gone, or cannot be a second step, does not count.
        let mail = MethodId::from("mail".to_owned());
        let default = default_method(&methods, Some(&mail)).map(|m| m.method_id.as_str());
        assert_eq!(default, Some("app"));
        assert!(default_method(&methods[..1], None).is_none());
    }

    #[test]
    fn phones_offer_a_text_only_when_they_take_texts_and_email_is_never_a_way() {
        let methods = [
            method(
                "mail",
                MethodType::Email,
                r#"{"emailAddress":"a@b.example"}"#,
            ),
            method("office", MethodType::Phone, OFFICE),
            method("mobile", MethodType::Phone, MOBILE),
        ];
        let chosen = MethodId::from("mobile".to_owned());
        let ways = ways(&methods, Some(&chosen)).expect("ways");
        let choices: Vec<_> = ways.iter().map(|w| (&w.choice, w.is_default)).collect();
        let phone = |id: &str, channel| SecondStepChoice::Phone {
            method_id: id.into(),
            channel,
        };
        assert_eq!(
            choices,
            [
                (&phone("mobile", Channel::Sms), true),
                (&phone("office", Channel::Voice), false),
                (&phone("mobile", Channel::Voice), false),
            ]
        );
        assert_eq!(ways[0].hint.as_deref(), Some("+31 • ••••••78"));
    }
}
