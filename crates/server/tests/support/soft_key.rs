//! A software security key: a real WebAuthn authenticator (ECDSA P-256, attestation `none`)
//! that answers the JSON options a relying party sends (`PublicKeyCredentialCreationOptionsJSON`
//! and `...RequestOptionsJSON`) with what a browser's `toJSON()` gives for its credential.
//! Written against the WebAuthn Level 3 data layouts, independently of the server's
//! webauthn-rs, so the tests check the server against the protocol rather than against itself.
//! Its knobs make the answers the tests need: another origin, another relying party id,
//! another model, a counter set back.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Flags of authenticator data: user present, user verified, attested credential data.
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;

/// One key holding one credential.
pub struct SoftKey {
    key_pair: EcdsaKeyPair,
    rng: SystemRandom,
    /// The credential's id.
    pub credential_id: Vec<u8>,
    /// The model it states (AAGUID).
    pub aaguid: [u8; 16],
    /// Its signature counter, raised before each signature.
    pub counter: u32,
    /// The transports it reports.
    pub transports: Vec<&'static str>,
    /// The top-level origin when the page asking is framed by another origin (the browser
    /// then says `crossOrigin: true`).
    pub framed_by: Option<String>,
}

impl SoftKey {
    /// A new key of model `aaguid` with a fresh credential.
    pub fn new(aaguid: [u8; 16]) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let key_pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
                .expect("key pair");
        let mut credential_id = vec![0; 32];
        ring::rand::SecureRandom::fill(&rng, &mut credential_id).expect("random");
        Self {
            key_pair,
            rng,
            credential_id,
            aaguid,
            counter: 0,
            transports: vec!["usb"],
            framed_by: None,
        }
    }

    /// `navigator.credentials.create` on `origin`, with the options' relying party id.
    pub fn create(&mut self, options: &Value, origin: &str) -> Value {
        let rp_id = options["rp"]["id"].as_str().expect("rp.id");
        self.create_for(options, origin, rp_id)
    }

    /// `navigator.credentials.create` on `origin`, claiming relying party `rp_id`.
    pub fn create_for(&mut self, options: &Value, origin: &str, rp_id: &str) -> Value {
        let client_data = self.client_data("webauthn.create", options, origin);
        let mut auth_data = self.authenticator_data(rp_id, ATTESTED_CREDENTIAL_DATA);
        auth_data.extend(self.aaguid);
        let id_length = u16::try_from(self.credential_id.len()).expect("short id");
        auth_data.extend(id_length.to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.public_key_cose());
        let attestation_object = cbor_map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), cbor_map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]);
        let id = URL_SAFE_NO_PAD.encode(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&client_data),
                "attestationObject": URL_SAFE_NO_PAD.encode(
                    serde_cbor_2::to_vec(&attestation_object).expect("cbor")
                ),
                "transports": self.transports,
            },
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get` on `origin` for the options' relying party id.
    pub fn get(&mut self, options: &Value, origin: &str) -> Value {
        let rp_id = options["rpId"].as_str().expect("rpId");
        let client_data = self.client_data("webauthn.get", options, origin);
        let auth_data = self.authenticator_data(rp_id, 0);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self.key_pair.sign(&self.rng, &signed).expect("signature");
        let id = URL_SAFE_NO_PAD.encode(&self.credential_id);
        json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&client_data),
                "authenticatorData": URL_SAFE_NO_PAD.encode(&auth_data),
                "signature": URL_SAFE_NO_PAD.encode(signature.as_ref()),
            },
            "clientExtensionResults": {},
        })
    }

    /// The client data a browser on `origin` makes for the options' challenge.
    fn client_data(&self, kind: &str, options: &Value, origin: &str) -> Vec<u8> {
        let challenge = options["challenge"].as_str().expect("challenge");
        let mut data = json!({
            "type": kind,
            "challenge": challenge,
            "origin": origin,
            "crossOrigin": self.framed_by.is_some(),
        });
        if let Some(top) = &self.framed_by {
            data["topOrigin"] = json!(top);
        }
        serde_json::to_vec(&data).expect("json")
    }

    /// Relying party id hash, flags (present and verified, plus `extra`), counter.
    fn authenticator_data(&mut self, rp_id: &str, extra: u8) -> Vec<u8> {
        self.counter += 1;
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(USER_PRESENT | USER_VERIFIED | extra);
        data.extend(self.counter.to_be_bytes());
        data
    }

    /// The public key as a COSE_Key (EC2, ES256, P-256).
    fn public_key_cose(&self) -> Vec<u8> {
        // Uncompressed point: 0x04, x, y.
        let point = self.key_pair.public_key().as_ref();
        let key = cbor_map(vec![
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (Cbor::Integer(-2), Cbor::Bytes(point[1..33].to_vec())),
            (Cbor::Integer(-3), Cbor::Bytes(point[33..65].to_vec())),
        ]);
        serde_cbor_2::to_vec(&key).expect("cbor")
    }
}

fn cbor_map(entries: Vec<(Cbor, Cbor)>) -> Cbor {
    Cbor::Map(entries.into_iter().collect())
}
