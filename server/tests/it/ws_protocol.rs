//! The GraphQL-over-WebSocket protocol itself: what a peer that breaks it is told, operations
//! other than subscriptions, and stopping an operation.

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::{connect_async, tungstenite::client::IntoClientRequest};

use crate::support::{
    TestApp, meta,
    ws::{LiveClient, PATIENCE, Protocol},
};

const MESSAGES: &str = "subscription { messageEvents { kind conversation { messageId } } }";

async fn initialised(app: &TestApp) -> LiveClient {
    LiveClient::with_token(&app.address, &app.admin_token()).await
}

#[tokio::test]
async fn a_peer_breaking_the_protocol_is_closed_with_the_code_that_says_how() {
    let app = TestApp::spawn().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": MESSAGES } });

    let mut early = LiveClient::open(&app.address, Protocol::TransportWs).await;
    early.send_json(subscribe.clone()).await;
    let (code, reason) = early.closed_within(PATIENCE).await;
    assert_eq!(code, 4401, "an operation before connection_init: {reason}");
    assert!(reason.contains("connection_init"), "{reason}");

    let mut twice = initialised(&app).await;
    twice.send_json(subscribe.clone()).await;
    twice.send_json(subscribe).await;
    assert_eq!(twice.closed_within(PATIENCE).await.0, 4409, "an id already running");

    let mut garbled = initialised(&app).await;
    garbled.send_json(json!({ "type": "subscribe", "id": "1" })).await;
    let (code, reason) = garbled.closed_within(PATIENCE).await;
    assert_eq!(code, 4400, "a message that is not understood: {reason}");
    assert!(reason.contains("payload"), "the reason names what is wrong: {reason}");

    let mut again = initialised(&app).await;
    again.send_json(json!({ "type": "connection_init", "payload": {} })).await;
    assert_eq!(again.closed_within(PATIENCE).await.0, 4429, "a second connection_init");
}

#[tokio::test]
async fn a_socket_runs_at_most_a_hundred_operations_and_a_long_reason_is_cut_to_fit_its_frame() {
    let app = TestApp::spawn().await;
    let mut live = initialised(&app).await;
    for _ in 0..100 {
        live.subscribe(MESSAGES, json!({})).await;
    }
    app.wait_for_subscribers(100).await;
    live.subscribe(MESSAGES, json!({})).await;
    let refused = live.next_result().await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().is_some_and(|m| m.contains("100 operations")), "{refused}");
    assert_eq!(live.next_message().await["type"], "complete", "the refused one ends; the others run on");

    let mut garbled = initialised(&app).await;
    garbled.send_json(json!({ "type": format!("ping\n{}", "é".repeat(200)) })).await;
    let (code, reason) = garbled.closed_within(PATIENCE).await;
    assert_eq!(code, 4400, "{reason}");
    assert!(reason.len() <= 123 && reason.starts_with("invalid message"), "{reason}");
}

#[tokio::test]
async fn an_upgrade_without_a_graphql_subprotocol_is_refused_saying_which_to_ask_for() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let request = url.into_client_request().expect("ws request");
    match connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).into_owned();
            assert!(body.contains("graphql-transport-ws"), "{body}");
        }
        other => panic!("expected a 400 refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_query_over_the_socket_is_answered_once_then_completed() {
    let app = TestApp::spawn().await;
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let init = json!({ "Authorization": format!("Bearer {}", app.admin_token()) });
        let mut live = LiveClient::connect(&app.address, protocol, init).await;
        let id = live.subscribe("{ users(first: 1) { edges { node { id } } } }", json!({})).await;
        let answer = live.next_result().await;
        assert!(answer["data"]["users"]["edges"].is_array(), "{protocol:?}: {answer}");
        let complete = live.next_message().await;
        assert_eq!((complete["type"].as_str(), complete["id"].as_str()), (Some("complete"), Some(id.as_str())));
    }
}

#[tokio::test]
async fn a_stopped_subscription_is_completed_and_receives_nothing_more() {
    let app = TestApp::spawn().await;
    let mut live = initialised(&app).await;
    let id = live.subscribe(MESSAGES, json!({})).await;
    app.wait_for_subscribers(1).await;
    live.send_json(json!({ "type": "complete", "id": id })).await;
    let complete = live.next_message().await;
    assert_eq!((complete["type"].as_str(), complete["id"].as_str()), (Some("complete"), Some(id.as_str())));
    crate::support::wait_until("the stopped subscription is gone", PATIENCE, || async {
        app.domain().events().subscriber_count() == 0
    })
    .await;
    app.deliver(&meta::text_notification("wamid.AFTER", "33612345678", chrono::Utc::now().timestamp(), "x")).await;
    live.expect_silence(Duration::from_millis(300)).await;
}
