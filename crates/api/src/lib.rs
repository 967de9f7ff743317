//! The contract between the Security info app and its server.
//!
//! Everything both sides must agree on lives here and nowhere else: the JSON wire types of
//! `/api/v1`, the stable problem codes of RFC 9457 error bodies, and the parsing of user input
//! (email addresses, verification codes) so the app can check input exactly as the server will.
//! The crate depends on serde only (and, with the server's `idna` feature, on the pure-Rust
//! `idna`), so it compiles to `wasm32-unknown-unknown`.

pub mod code;
pub mod email;
pub mod method;
pub mod password_reset;
pub mod problem;
pub mod registration;
pub mod two_step;
pub mod wire;

pub use code::{CodeError, VerificationCode};
pub use email::{EmailAddress, EmailError};
pub use method::*;
pub use password_reset::*;
pub use problem::{Problem, ProblemCode};
pub use registration::*;
pub use two_step::*;
pub use wire::*;

/// Path prefix of every versioned API call.
pub const API_PREFIX: &str = "/api/v1";
