//! Black-box tests of the Security info server over HTTP: each test starts the server on
//! port 0 with a fresh SQLite database. The SMTP tests run a real SMTP server (npm
//! `smtp-server`, see `tests/support/smtp_sink.mjs`) and the real binary; the OpenID Connect
//! tests run a real provider (npm `oidc-provider`, see `tests/support/oidc_provider.mjs`).

mod accounts_cli;
mod activity;
mod authenticator_app;
mod bad_input;
mod behind_a_proxy;
mod connections;
mod database_files;
mod dev_mailbox;
mod email_registration;
mod embedding;
mod every_answer;
mod faults;
mod gateway_receiver;
mod helpers;
mod host_and_origin;
mod ldap;
mod methods;
mod oidc;
mod oidc_sign_in;
mod openapi_and_health;
mod operator_settings;
mod password_guessing;
mod password_reset;
mod password_reset_key;
mod password_reset_limits;
mod password_reset_timing;
mod phone;
mod registration_lifecycle;
mod retention;
mod security_headers;
mod security_key;
mod security_questions;
mod server_process;
mod session;
mod several_processes;
mod slapd;
mod sms_gateway;
mod smtp;
/// A real authenticator in software (shared with the server's unit tests).
#[path = "../support/soft_key.rs"]
mod soft_key;
mod test_db;
mod tossed_cookies;
mod two_step;
