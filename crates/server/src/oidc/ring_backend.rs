//! jsonwebtoken's cryptography on ring, verification only.
//!
//! jsonwebtoken 11 leaves the cryptography to a pluggable `CryptoProvider`; its built-in ones
//! pull either aws-lc-rs (a C/CMake build) or a second, RustCrypto stack (the `rsa` crate among
//! it). ring is already in the server through rustls, so the three algorithms we accept are
//! verified with it here: RS256 (PKCS#1 v1.5, 2048-8192 bit keys), ES256 (P-256, fixed-size
//! signatures as JWS uses) and EdDSA (Ed25519). Every other algorithm, and any signing, is an
//! error: the server never signs tokens.

use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey,
    crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils},
    errors::{Error, ErrorKind},
    signature,
};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
    UnparsedPublicKey,
};

/// The provider: verification of RS256, ES256 and EdDSA with ring.
static RING: CryptoProvider = CryptoProvider {
    signer_factory: no_signing,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes ring jsonwebtoken's process-wide provider (idempotent; the first install wins, and
/// nothing else in the server installs one).
pub fn install() {
    let _ = RING.install_default();
}

fn no_signing(_: &Algorithm, _: &EncodingKey) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    Err(ErrorKind::UnsupportedAlgorithm.into())
}

/// A public key ready for one algorithm.
enum Verifier {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec(Vec<u8>),
    Ed(Vec<u8>),
}

struct RingVerifier {
    algorithm: Algorithm,
    key: Verifier,
}

fn verifier(
    algorithm: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    let key = match (algorithm, key.family(), key.kind()) {
        (Algorithm::RS256, AlgorithmFamily::Rsa, DecodingKeyKind::RsaModulusExponent { n, e }) => {
            Verifier::Rsa {
                n: n.clone(),
                e: e.clone(),
            }
        }
        (Algorithm::ES256, AlgorithmFamily::Ec, DecodingKeyKind::SecretOrDer(point)) => {
            Verifier::Ec(point.clone())
        }
        (Algorithm::EdDSA, AlgorithmFamily::Ed, DecodingKeyKind::SecretOrDer(x)) => {
            Verifier::Ed(x.clone())
        }
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    Ok(Box::new(RingVerifier {
        algorithm: *algorithm,
        key,
    }))
}

impl signature::Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let verified = match &self.key {
            Verifier::Rsa { n, e } => RsaPublicKeyComponents { n, e }.verify(
                &RSA_PKCS1_2048_8192_SHA256,
                message,
                signature,
            ),
            Verifier::Ec(point) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).verify(message, signature)
            }
            Verifier::Ed(x) => UnparsedPublicKey::new(&ED25519, x).verify(message, signature),
        };
        verified.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

/// Whether an error means "not this key" rather than "bad token".
pub fn is_signature_error(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm
    )
}
