//! What kind of authenticator made a credential: its model (AAGUID) as the authenticator
//! states it, and the default name a new key gets from that or from how it was reached.
//!
//! With attestation `none` (the default: asking for more makes browsers show a privacy
//! prompt, and synced passkeys have none) the model is self-asserted. It is enough to name a
//! key and to keep honest users to the models an organization hands out; it does not stop a
//! forged authenticator that claims to be one of them.

use webauthn_rs::prelude::Uuid;
use webauthn_rs_proto::AuthenticatorTransport;

/// Where the AAGUID sits in authenticator data: after the relying-party id hash (32 bytes),
/// the flags (1) and the signature counter (4).
const AAGUID_AT: usize = 37;
/// The flag saying attested credential data (AAGUID, credential id, key) follows.
const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;

/// The model an attestation object names, if it carries attested credential data and the
/// AAGUID is not all zeros (what an authenticator that does not say sends).
pub fn aaguid(attestation_object: &[u8]) -> Option<Uuid> {
    use serde_cbor_2::Value;
    let Value::Map(entries) = serde_cbor_2::from_slice::<Value>(attestation_object).ok()? else {
        return None;
    };
    let Some(Value::Bytes(auth_data)) = entries.get(&Value::Text("authData".into())) else {
        return None;
    };
    let flags = *auth_data.get(32)?;
    if flags & ATTESTED_CREDENTIAL_DATA == 0 {
        return None;
    }
    let bytes: [u8; 16] = auth_data.get(AAGUID_AT..AAGUID_AT + 16)?.try_into().ok()?;
    Some(Uuid::from_bytes(bytes)).filter(|id| !id.is_nil())
}

/// Passkey providers and keys whose AAGUID says what they are: the name a user knows them
/// by (from the providers' own published AAGUIDs).
const KNOWN_MODELS: [(&str, &str); 9] = [
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
];

/// The name of a known model.
fn known_name(model: Uuid) -> Option<&'static str> {
    KNOWN_MODELS
        .iter()
        .find(|(id, _)| Uuid::parse_str(id).is_ok_and(|id| id == model))
        .map(|(_, name)| *name)
}

/// What a new key is called before the user names it: the model's name when it is known,
/// else what the way it was reached says (a passkey on this device, on a phone, or a
/// security key), in the user's language.
pub fn kind_name(
    model: Option<Uuid>,
    transports: &[AuthenticatorTransport],
    language: &str,
) -> String {
    if let Some(name) = model.and_then(known_name) {
        return name.to_owned();
    }
    let dutch = language == "nl";
    let name = if transports.contains(&AuthenticatorTransport::Internal) {
        if dutch {
            "Passkey op dit apparaat"
        } else {
            "Passkey on this device"
        }
    } else if transports.contains(&AuthenticatorTransport::Hybrid) {
        if dutch {
            "Passkey op een telefoon"
        } else {
            "Passkey on a phone"
        }
    } else if dutch {
        "Beveiligingssleutel"
    } else {
        "Security key"
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attestation object (`fmt` none) whose authenticator data has `flags` and `aaguid`.
    fn attestation_object(flags: u8, aaguid: [u8; 16]) -> Vec<u8> {
        use serde_cbor_2::Value;
        let mut auth_data = vec![0; 32];
        auth_data.push(flags);
        auth_data.extend([0, 0, 0, 1]);
        auth_data.extend(aaguid);
        auth_data.extend([0, 1, 9]);
        let map = [
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (
                Value::Text("attStmt".into()),
                Value::Map(Default::default()),
            ),
            (Value::Text("authData".into()), Value::Bytes(auth_data)),
        ];
        serde_cbor_2::to_vec(&Value::Map(map.into_iter().collect())).expect("cbor")
    }

    #[test]
    fn the_model_is_read_from_attested_credential_data_only() {
        let google = Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").expect("uuid");
        assert_eq!(
            aaguid(&attestation_object(0x45, *google.as_bytes())),
            Some(google)
        );
        // No attested credential data, an all-zero AAGUID, and bytes that are not CBOR.
        assert_eq!(aaguid(&attestation_object(0x05, *google.as_bytes())), None);
        assert_eq!(aaguid(&attestation_object(0x45, [0; 16])), None);
        assert_eq!(aaguid(b"not cbor"), None);
        assert_eq!(aaguid(&[]), None);
    }

    #[test]
    fn a_new_key_is_named_after_its_model_or_how_it_was_reached() {
        let google = Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").expect("uuid");
        let unknown = Uuid::parse_str("01020304-0506-0708-0102-030405060708").expect("uuid");
        use AuthenticatorTransport::{Hybrid, Internal, Nfc, Usb};
        assert_eq!(
            kind_name(Some(google), &[Internal], "en"),
            "Google Password Manager"
        );
        assert_eq!(kind_name(Some(unknown), &[Usb, Nfc], "en"), "Security key");
        assert_eq!(kind_name(None, &[Usb], "nl"), "Beveiligingssleutel");
        assert_eq!(kind_name(None, &[Internal], "en"), "Passkey on this device");
        assert_eq!(kind_name(None, &[Hybrid], "nl"), "Passkey op een telefoon");
        assert_eq!(kind_name(None, &[], "en"), "Security key");
    }
}
