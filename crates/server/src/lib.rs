//! The Security info server as a library, so black-box tests start the same application
//! `main` does (on port 0, with a fresh database).

pub mod api_answers;
pub mod body_deadline;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod connections;
pub mod content_policy;
pub mod csrf;
pub mod directory;
pub mod domain;
pub mod error;
pub mod extract;
pub mod head_limits;
pub mod host;
pub mod mail;
pub mod methods;
pub mod oidc;
pub mod openapi;
pub mod operator;
pub mod origin;
#[cfg(test)]
mod parser_properties;
pub mod password_reset;
pub mod random;
pub mod routes;
pub mod second_step;
pub mod secret;
pub mod security_headers;
pub mod seed;
pub mod sms;
pub mod startup;
pub mod state;
pub mod static_files;
pub mod store;
pub mod sweeper;
pub mod telemetry;
