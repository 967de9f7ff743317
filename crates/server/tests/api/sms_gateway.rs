//! The HTTP gateway client against a real receiver (`tests/support/sms_gateway.mjs`, the one
//! `docs/sms-gateway.md` shows): the signed JSON it gets, a receiver with another secret, a
//! gateway that fails and then takes the same message, and one that is not there.

use std::{path::Path, process::Stdio, time::Duration};

use security_info_server::{
    secret::Secret,
    sms::{PhoneChannel, PhoneMessage, PhoneSender, gateway::HttpGateway},
};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

const SECRET: &str = "a-gateway-secret-of-32-characters!";

/// The receiver: a Node process printing each request it got as a JSON line.
struct Receiver {
    port: u16,
    lines: Lines<BufReader<ChildStdout>>,
    _child: Child,
}

impl Receiver {
    async fn start(secret: &str, fail_first: u32) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sms_gateway.mjs");
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .env("SMS_GATEWAY_SECRET", secret)
            .env("SMS_GATEWAY_FAIL", fail_first.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("`node` runs the gateway receiver");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port =
            serde_json::from_str::<Value>(&Self::line(&mut lines).await).expect("json")["port"]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .expect("the receiver prints its port");
        Self {
            port,
            lines,
            _child: child,
        }
    }

    async fn line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
        tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver answers")
            .expect("read")
            .expect("a line")
    }

    /// What the receiver made of the next request.
    async fn next(&mut self) -> Value {
        serde_json::from_str(&Self::line(&mut self.lines).await).expect("json")
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/send", self.port)
    }
}

fn message() -> PhoneMessage {
    PhoneMessage {
        message_id: "msg-1".into(),
        channel: PhoneChannel::Voice,
        to: "+31612345678".into(),
        text: "Your code is 1 2 3 4 5 6.".into(),
        language: "nl".into(),
        extension: None,
    }
}

#[tokio::test]
async fn a_message_arrives_signed_as_the_contract_says() {
    let mut receiver = Receiver::start(SECRET, 0).await;
    let gateway =
        HttpGateway::new(&receiver.url(), Secret::new(SECRET.to_owned())).expect("gateway");
    gateway.send(&message()).await.expect("delivered");
    let got = receiver.next().await;
    assert_eq!(got["verified"], true, "{got}");
    assert_eq!(got["status"], 202);
    assert_eq!(
        got["message"],
        serde_json::json!({
            "messageId": "msg-1",
            "channel": "voice",
            "to": "+31612345678",
            "text": "Your code is 1 2 3 4 5 6.",
            "language": "nl",
        })
    );
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_and_the_send_fails() {
    let mut receiver = Receiver::start("another-secret-entirely-32-chars!!", 0).await;
    let gateway =
        HttpGateway::new(&receiver.url(), Secret::new(SECRET.to_owned())).expect("gateway");
    let error = gateway.send(&message()).await.expect_err("refused");
    assert!(error.to_string().contains("401"), "{error}");
    let got = receiver.next().await;
    assert_eq!(got["verified"], false);
}

#[tokio::test]
async fn a_failing_gateway_gets_the_same_message_again() {
    let mut receiver = Receiver::start(SECRET, 1).await;
    let gateway =
        HttpGateway::new(&receiver.url(), Secret::new(SECRET.to_owned())).expect("gateway");
    let error = gateway.send(&message()).await.expect_err("503 first");
    assert!(error.to_string().contains("503"), "{error}");
    gateway
        .send(&message())
        .await
        .expect("delivered on the retry");
    let first = receiver.next().await;
    let second = receiver.next().await;
    assert_eq!(first["status"], 503);
    assert_eq!(second["status"], 202);
    assert_eq!(
        first["message"]["messageId"],
        second["message"]["messageId"]
    );
}

#[tokio::test]
async fn a_gateway_that_is_not_there_is_an_error_not_a_panic() {
    let receiver = Receiver::start(SECRET, 0).await;
    let url = receiver.url();
    drop(receiver);
    // The port is free again; wait until nothing answers on it.
    let gateway = HttpGateway::new(&url, Secret::new(SECRET.to_owned())).expect("gateway");
    let mut refused = false;
    for _ in 0..50 {
        if gateway.send(&message()).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "sending to a closed port fails");
}
