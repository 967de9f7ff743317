//! Slow and idle connections: each kind is closed after its (short, test-set) timeout, the
//! connection cap holds while the server keeps answering, and stopping finishes the requests
//! in flight. Raw TCP, since an HTTP client never sends half a request.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::*;

/// The header and body timeouts of these tests.
const TIMEOUT: Duration = Duration::from_millis(500);
const TIMEOUT_FLAG: &str = "0.5";
/// Far longer than any timeout here: a connection still open then is never closed.
const PATIENCE: Duration = Duration::from_secs(10);

/// Everything the server sends until it closes the connection, or `None` if it is still open
/// after [`PATIENCE`].
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.authority()).await.expect("connect")
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_their_timeouts() {
    let app = TestApp::spawn_with(&[
        "--header-timeout-seconds",
        TIMEOUT_FLAG,
        "--body-timeout-seconds",
        TIMEOUT_FLAG,
    ])
    .await;
    let host = app.authority().to_owned();
    let cases = [
        ("an idle socket", String::new()),
        ("half a request line", "GET /heal".to_owned()),
        (
            "unfinished headers",
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nUser-Agent: slow"),
        ),
        (
            "a stalled body",
            format!(
                "POST /api/v1/session HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 Content-Length: 100\r\n\r\n{{\"username\": \"alain"
            ),
        ),
        (
            "an idle kept-alive connection",
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        ),
    ];
    // All at once: each waits for a timer, so the test takes about one timeout.
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(case, sent)| {
            let authority = host.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let mut stream = TcpStream::connect(authority).await.expect("connect");
                stream.write_all(sent.as_bytes()).await.expect("write");
                let received = read_until_closed(&mut stream)
                    .await
                    .unwrap_or_else(|| panic!("{case}: still open after {PATIENCE:?}"));
                (case, started.elapsed(), received)
            })
        })
        .collect();
    for run in runs {
        let (case, elapsed, received) = run.await.expect("no panic");
        assert!(elapsed >= TIMEOUT, "{case}: closed after {elapsed:?}");
        match case {
            "a stalled body" => {
                assert!(received.starts_with("HTTP/1.1 408 "), "{case}: {received}");
                assert!(received.contains("application/problem+json"), "{received}");
                assert!(received.contains("\"request_timeout\""), "{received}");
            }
            "an idle kept-alive connection" => {
                assert!(received.starts_with("HTTP/1.1 204 "), "{case}: {received}");
            }
            _ => assert!(received.is_empty(), "{case}: {received}"),
        }
    }
}

#[tokio::test]
async fn the_server_answers_while_more_idle_connections_than_its_cap_are_open() {
    const CAP: usize = 4;
    let app = TestApp::spawn_with(&[
        "--max-connections",
        &CAP.to_string(),
        "--header-timeout-seconds",
        TIMEOUT_FLAG,
    ])
    .await;
    let started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..3 * CAP {
        idle.push(connect(&app).await);
    }
    let response = client()
        .get(format!("{}/healthz", app.address))
        .timeout(PATIENCE)
        .send()
        .await
        .expect("the server answers");
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Twelve idle connections and four slots: the health check waits its turn behind them
    // (two rounds of timeouts at least) instead of the server taking connections without end.
    assert!(elapsed >= 2 * TIMEOUT, "answered after {elapsed:?}");
    for mut stream in idle {
        assert!(read_until_closed(&mut stream).await.is_some());
    }
}

#[tokio::test]
async fn stopping_finishes_the_requests_in_flight_and_accepts_no_more() {
    let (app, stop, running) = TestApp::spawn_stoppable(&[]).await;
    let body = format!(r#"{{"username": "{ALAIN}", "password": "{PASSWORD}"}}"#);
    let mut stream = connect(&app).await;
    // `Expect: 100-continue`: the server says `100 Continue` when the handler starts reading
    // the body, so the request is surely in flight when the server is told to stop.
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        app.authority(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut interim = [0; 25];
    stream.read_exact(&mut interim).await.expect("read");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stop.send(()).expect("running");
    // Once the server stops listening, a new connection is refused.
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(app.authority()).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stream.write_all(body.as_bytes()).await.expect("write");
    let received = read_until_closed(&mut stream).await.expect("closed after");
    assert!(received.starts_with("HTTP/1.1 200 "), "{received}");
    tokio::time::timeout(PATIENCE, running)
        .await
        .expect("the server stops")
        .expect("no panic")
        .expect("no error");
}
