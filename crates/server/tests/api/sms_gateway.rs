//! The HTTP gateway client against a real receiver (`tests/support/sms_gateway.mjs`, the one
//! `docs/sms-gateway.md` shows): the signed JSON it gets, a receiver with another secret, a
//! gateway that fails and then takes the same message, and one that is not there.

use std::time::Duration;

use security_info_server::{
    secret::Secret,
    sms::{PhoneChannel, PhoneMessage, PhoneSender, gateway::HttpGateway},
};

use crate::gateway_receiver::{GATEWAY_SECRET, Receiver};

const SECRET: &str = GATEWAY_SECRET;

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
    let mut receiver = Receiver::taking_all().await;
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
    let mut receiver = Receiver::start("another-secret-entirely-32-chars!!", 0, 500).await;
    let gateway =
        HttpGateway::new(&receiver.url(), Secret::new(SECRET.to_owned())).expect("gateway");
    let error = gateway.send(&message()).await.expect_err("refused");
    assert!(error.to_string().contains("401"), "{error}");
    let got = receiver.next().await;
    assert_eq!(got["verified"], false);
}

#[tokio::test]
async fn a_failing_gateway_gets_the_same_message_again() {
    let mut receiver = Receiver::start(SECRET, 1, 503).await;
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
    let receiver = Receiver::taking_all().await;
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
