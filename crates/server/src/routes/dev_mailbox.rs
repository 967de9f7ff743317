//! `GET /dev/mailbox`: the development mailbox as JSON, only with `SECURITY_INFO_DEV_MAILBOX`
//! (and no SMTP), and only for the machine itself: the request must name a loopback host
//! (`localhost`, `127.0.0.1`, `[::1]`) and come from a loopback address. The host name check
//! keeps DNS-rebinding pages out (their requests carry their own name); the address check keeps
//! other machines out even when they send `Host: localhost`. Anything else is a 404, as if the
//! mailbox did not exist.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State, rejection::ExtensionRejection},
    http::{HeaderMap, header},
    response::IntoResponse,
};
use security_info_api::ProblemCode;

use crate::{error::ApiError, origin::LOOPBACK_NAMES, state::AppState};

/// Lists the development mailbox, newest first; 404 when there is none or the request is not
/// from this machine.
pub async fn get_dev_mailbox(
    State(state): State<AppState>,
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let not_found = || ApiError::code(ProblemCode::NotFound);
    let outbox = state.dev_outbox.as_ref().ok_or_else(not_found)?;
    let from_loopback = peer.is_ok_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    let loopback_name = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .is_some_and(names_loopback);
    if !(from_loopback && loopback_name) {
        return Err(not_found());
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(outbox.list())))
}

/// Whether a `Host` value (`name[:port]`) names this machine.
fn names_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // `[::1]` has colons of its own: only strip a port after the bracket.
        Some((name, port)) if !port.contains(']') => name,
        _ => host,
    };
    LOOPBACK_NAMES
        .iter()
        .any(|loopback| name.eq_ignore_ascii_case(loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_name_this_machine() {
        for ours in [
            "localhost:8080",
            "LOCALHOST",
            "127.0.0.1:1",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(names_loopback(ours), "{ours}");
        }
        for theirs in [
            "security.contoso.example",
            "localhost.evil.example:8080",
            "127.0.0.1.evil.example",
            "[::2]:8080",
            "",
        ] {
            assert!(!names_loopback(theirs), "{theirs}");
        }
    }
}
