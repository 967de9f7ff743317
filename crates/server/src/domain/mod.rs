//! The rules of the product, free of HTTP and SQL: limits, codes, passwords, sessions.

pub mod audit;
pub mod codes;
pub mod language;
pub mod mask;
pub mod password;
pub mod password_policy;
pub mod phone;
pub mod policy;
pub mod session_token;
pub mod sign_in_throttle;
pub mod totp;
