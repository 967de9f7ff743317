//! The browser's WebAuthn prompt, from the JSON the server sends to the JSON it takes back.
//!
//! The options go through `PublicKeyCredential.parseCreationOptionsFromJSON` (or
//! `parseRequestOptionsFromJSON` for a sign-in's assertion) and the credential comes back
//! through its `toJSON()` (WebAuthn Level 3; every current browser), so the app
//! carries no WebAuthn types and no base64 code: the browser converts. They are reached through
//! `js_sys::Reflect` because web-sys has them only behind its unstable-API flag.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why the browser gave no credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The browser has no WebAuthn Level 3 (or no WebAuthn at all).
    Unsupported,
    /// The user cancelled the prompt, or it timed out.
    Cancelled,
    /// The key already holds a credential for this account (`excludeCredentials`).
    AlreadyRegistered,
    /// The page may not use security keys here: a frame whose portal does not allow them, or
    /// an address the browser will not use keys on.
    NotAllowedHere,
    /// Anything else the browser reported.
    Failed,
}

/// The `PublicKeyCredential` class and its `parse...OptionsFromJSON` function `name`, if the
/// browser has them.
fn parser(name: &str) -> Option<(JsValue, Function)> {
    let class = Reflect::get(&js_sys::global(), &"PublicKeyCredential".into()).ok()?;
    let parse = Reflect::get(&class, &name.into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((class, parse))
}

/// Whether this browser can make a credential the way the app asks.
pub fn supported() -> bool {
    parser(CREATION).is_some()
}

const CREATION: &str = "parseCreationOptionsFromJSON";
const REQUEST: &str = "parseRequestOptionsFromJSON";

/// Asks the browser to make a credential with `options` (`PublicKeyCredentialCreationOptionsJSON`
/// as the server sent it) and returns it as `RegistrationResponseJSON`.
pub async fn create_credential(options: &serde_json::Value) -> Result<serde_json::Value, KeyError> {
    prompt(CREATION, "create", options).await
}

/// Asks the browser for an assertion with `options` (`PublicKeyCredentialRequestOptionsJSON`
/// as the server sent it: the second step of a sign-in) and returns it as
/// `AuthenticationResponseJSON`.
pub async fn get_credential(options: &serde_json::Value) -> Result<serde_json::Value, KeyError> {
    prompt(REQUEST, "get", options).await
}

/// The browser's prompt: `options` through `PublicKeyCredential.<parse>`, then
/// `navigator.credentials.<call>`, and the credential back through its `toJSON()`.
async fn prompt(
    parse_name: &str,
    call: &str,
    options: &serde_json::Value,
) -> Result<serde_json::Value, KeyError> {
    let (class, parse) = parser(parse_name).ok_or(KeyError::Unsupported)?;
    let json = JSON::parse(&options.to_string()).map_err(|_| KeyError::Failed)?;
    let public_key = parse.call1(&class, &json).map_err(|_| KeyError::Failed)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(|_| KeyError::Failed)?;
    let navigator = web_sys::window().ok_or(KeyError::Unsupported)?.navigator();
    let credentials =
        Reflect::get(&navigator, &"credentials".into()).map_err(|_| KeyError::Unsupported)?;
    let method = Reflect::get(&credentials, &call.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(KeyError::Unsupported)?;
    let promise: Promise = method
        .call1(&credentials, &request)
        .map_err(|error| classify(&error))?
        .dyn_into()
        .map_err(|_| KeyError::Failed)?;
    let credential = JsFuture::from(promise)
        .await
        .map_err(|error| classify(&error))?;
    // `get` resolves to null when nothing was chosen (a mediation the app does not use).
    if credential.is_null() || credential.is_undefined() {
        return Err(KeyError::Cancelled);
    }
    let to_json = Reflect::get(&credential, &"toJSON".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(KeyError::Unsupported)?;
    let answer = to_json.call0(&credential).map_err(|_| KeyError::Failed)?;
    let text: String = JSON::stringify(&answer)
        .map_err(|_| KeyError::Failed)?
        .into();
    serde_json::from_str(&text).map_err(|_| KeyError::Failed)
}

/// The kind of a `DOMException` the prompt ended with.
fn classify(error: &JsValue) -> KeyError {
    let field = |name: &str| {
        Reflect::get(error, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    match field("name").as_str() {
        // A frame without `publickey-credentials-create` also ends this way; its message
        // names the feature.
        "NotAllowedError" if field("message").contains("publickey-credentials") => {
            KeyError::NotAllowedHere
        }
        "NotAllowedError" | "AbortError" => KeyError::Cancelled,
        "InvalidStateError" => KeyError::AlreadyRegistered,
        "NotSupportedError" => KeyError::Unsupported,
        "SecurityError" => KeyError::NotAllowedHere,
        _ => KeyError::Failed,
    }
}

/// What a new credential is called until the user names it, from how the browser reached
/// the authenticator: a passkey on this device, on a phone, or a security key.
pub fn suggested_name(credential: &serde_json::Value) -> KeyKind {
    let transports = credential["response"]["transports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let has = |name: &str| transports.iter().any(|t| t == name);
    // A phone reached over hybrid also reports `internal` (it is the phone's own).
    if credential["authenticatorAttachment"] == "platform" {
        KeyKind::ThisDevice
    } else if has("hybrid") {
        KeyKind::Phone
    } else if has("internal") {
        KeyKind::ThisDevice
    } else {
        KeyKind::SecurityKey
    }
}

/// The kinds [`suggested_name`] tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A passkey kept by this device (Windows Hello, iCloud Keychain, a password manager).
    ThisDevice,
    /// A passkey on a phone, reached by QR code and Bluetooth.
    Phone,
    /// A USB, NFC or Bluetooth security key.
    SecurityKey,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_suggested_name_follows_how_the_key_was_reached() {
        let credential = |attachment: &str, transports: &[&str]| json!({"authenticatorAttachment": attachment, "response": {"transports": transports}});
        assert_eq!(
            suggested_name(&credential("platform", &["internal"])),
            KeyKind::ThisDevice
        );
        assert_eq!(
            suggested_name(&credential("cross-platform", &["hybrid", "internal"])),
            KeyKind::Phone
        );
        assert_eq!(
            suggested_name(&credential("cross-platform", &["hybrid"])),
            KeyKind::Phone
        );
        assert_eq!(
            suggested_name(&credential("cross-platform", &["usb", "nfc"])),
            KeyKind::SecurityKey
        );
        assert_eq!(suggested_name(&json!({})), KeyKind::SecurityKey);
    }
}
