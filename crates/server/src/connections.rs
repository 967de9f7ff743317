//! Accepts and serves the HTTP/1.1 connections, with the limits `axum::serve` cannot set.
//!
//! A client that opens a connection and sends nothing, half a request line, unfinished headers
//! or half a body would otherwise hold a socket (and a file descriptor) for ever; enough of
//! them exhaust the process's open files and the server stops answering anyone. So:
//!
//! - the request head (request line and headers) must arrive within the header timeout. The
//!   clock starts when the server starts waiting for a request: when the connection opens and
//!   again after each answer on a kept-alive connection, so the same timeout is how long an
//!   idle kept-alive connection stays open (hyper's `header_read_timeout` works that way);
//! - a request body must arrive whole within the body timeout after its head
//!   ([`crate::body_deadline`]); when it does not, the answer is 408 and the connection closes;
//! - at most `max_connections` connections are served at once. When all are taken the server
//!   stops accepting: newcomers wait in the kernel's accept queue (costing the process no file
//!   descriptor) until the timeouts free a slot, instead of the process running out of files;
//! - the head is limited in size (see [`crate::head_limits`] for the problem answer).
//!
//! Every request carries `ConnectInfo<SocketAddr>` as with axum's
//! `into_make_service_with_connect_info`, and stopping lets the requests in flight finish.

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request},
};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

use crate::{body_deadline::DeadlineBody, head_limits};

/// How long a failed `accept` (out of file descriptors, say) waits before the next one.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(250);

/// The limits of the connections (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConnectionLimits {
    /// Time for a request's head, also the idle time of a kept-alive connection.
    pub header_timeout: Duration,
    /// Time for a request's whole body, from its head.
    pub body_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// File descriptors kept for everything but client connections: the listener, the database
/// files, the SMTP and identity provider connections, standard streams.
const RESERVED_FILES: u64 = 64;

impl ConnectionLimits {
    /// These limits with `max_connections` lowered, with a warning, when the process may not
    /// open that many files (plus [`RESERVED_FILES`]): past its open-file limit `accept` fails
    /// and the server could no longer answer anyone.
    pub fn fitted_to_open_file_limit(self) -> Self {
        let Some(limit) = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|limits| open_file_limit(&limits))
        else {
            return self;
        };
        let fits =
            usize::try_from(limit.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(usize::MAX);
        if self.max_connections <= fits {
            return self;
        }
        tracing::warn!(
            configured = self.max_connections,
            used = fits,
            open_file_limit = limit,
            "SECURITY_INFO_MAX_CONNECTIONS lowered to fit the open-file limit (raise it with `ulimit -n` or systemd's LimitNOFILE)"
        );
        Self {
            max_connections: fits,
            ..self
        }
    }
}

/// The soft "Max open files" of a `/proc/<pid>/limits` text (`None` when unlimited or absent).
fn open_file_limit(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse().ok())
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for the requests in
/// flight (an idle or slow connection ends at its timeout at the latest).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_headers(head_limits::HARD_MAX_FIELDS)
        .max_buf_size(head_limits::HARD_MAX_BYTES);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    pause_after_accept_error(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            handle(router.clone(), request, peer, limits.body_timeout)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // Timeouts, resets and unparsable requests: the client's business.
                tracing::debug!(peer = %peer, error = %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// One request: its body under the body deadline, the peer's address attached, the router.
async fn handle(
    router: Router,
    request: Request<Incoming>,
    peer: SocketAddr,
    body_timeout: Duration,
) -> Result<axum::response::Response, Infallible> {
    let mut request = request.map(|body| {
        if http_body::Body::is_end_stream(&body) {
            Body::new(body)
        } else {
            Body::new(DeadlineBody::new(body, body_timeout))
        }
    });
    request.extensions_mut().insert(ConnectInfo(peer));
    router.oneshot(request).await
}

/// A connection that failed before it was accepted concerns that client only; anything else
/// (out of file descriptors) is logged and retried after a pause rather than in a busy loop.
async fn pause_after_accept_error(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %error, "cannot accept a connection");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
";

    #[test]
    fn the_soft_open_file_limit_is_read() {
        assert_eq!(open_file_limit(LIMITS), Some(1024));
        assert_eq!(
            open_file_limit(
                "Max open files            unlimited            unlimited            files"
            ),
            None
        );
        assert_eq!(open_file_limit(""), None);
    }
}
