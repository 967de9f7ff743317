//! Stand-in keys: what a name without a key (or without an account) is asked for, so that a
//! password reset's prompt looks the same whoever the name belongs to.
//!
//! A stand-in is a credential like a registered one, with an id the caller chooses (stable
//! for the name), that no authenticator can answer for: its public key is not
//! a point of the curve, so even an answer naming its id fails the signature check. The options
//! are made by the same webauthn-rs call as a real key's ([`super::assertion::request_to`]), so
//! their shape, order, timeout, relying party id, user verification and challenge are the real
//! ones by construction.

use webauthn_rs::prelude::{
    AttestationFormat, AttestationMetadata, COSEAlgorithm, COSEEC2Key, COSEKey, COSEKeyType,
    Credential, ECDSACurve, ParsedAttestation, ParsedAttestationData, Passkey,
};
use webauthn_rs_proto::{RegisteredExtensions, UserVerificationPolicy};

/// How long the credential ids of keys registered here are: those Chromium's authenticators
/// (its virtual one included) and the test suite's software key make, and the size of the
/// keyed hash a stand-in id is cut from.
pub const CREDENTIAL_ID_LENGTH: usize = 32;

/// A stand-in key with credential id `id`.
pub fn key(id: Vec<u8>) -> Passkey {
    Passkey::from(Credential {
        cred_id: id,
        cred: COSEKey {
            type_: COSEAlgorithm::ES256,
            // (0, 0) is not on P-256: no signature verifies against it.
            key: COSEKeyType::EC_EC2(COSEEC2Key {
                curve: ECDSACurve::SECP256R1,
                x: vec![0; 32],
                y: vec![0; 32],
            }),
        },
        counter: 0,
        // As for every key registered here: webauthn-rs keeps the transports a browser reports
        // only with a `packed` or `tpm` attestation, and registration asks for none, so real
        // options name no transports either.
        transports: None,
        user_verified: true,
        backup_eligible: false,
        backup_state: false,
        registration_policy: UserVerificationPolicy::Required,
        extensions: RegisteredExtensions::none(),
        attestation: ParsedAttestation {
            data: ParsedAttestationData::None,
            metadata: AttestationMetadata::None,
        },
        attestation_format: AttestationFormat::None,
    })
}
