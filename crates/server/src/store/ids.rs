//! Typed ids: an account id cannot be passed where a method id is expected. Each is an opaque
//! 128-bit random value written as 32 hex digits (see [`crate::random::id`]); ids that come
//! from a URL are taken as they are and simply match nothing when they are not ours.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> anyhow::Result<Self> {
                Ok(Self(crate::random::id()?))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An account's id.
    AccountId
);
id_type!(
    /// A session's id (not its token: the token is never stored).
    SessionId
);
id_type!(
    /// A registered method's id.
    MethodId
);
id_type!(
    /// A registration's id.
    RegistrationId
);
id_type!(
    /// A pending second step's id (not its token: the token is never stored).
    SecondStepId
);
id_type!(
    /// A password reset's id (not its token: the token is never stored).
    PasswordResetId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_128_bit_hex_and_distinct() {
        let a = MethodId::generate().expect("random");
        let b = MethodId::generate().expect("random");
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(a.to_string(), a.as_str());
    }
}
