//! The Security info server as a library, so black-box tests start the same application
//! `main` does (on port 0, with a fresh database).

pub mod config;
pub mod startup;
pub mod static_files;
pub mod telemetry;
