//! The time limits of a `/graphql/ws` session: silent peers, peers that never initialise, and
//! sessions whose token expires are closed with a code and a reason that say why.

use std::time::Duration;

use serde_json::json;
use wagate::{
    auth::{JwtKeys, Role},
    config::Secret,
};

use crate::support::{
    TestApp, meta,
    ws::{LiveClient, Protocol},
};

const IDLE: &str = "1s";

async fn app_with_idle_timeout() -> TestApp {
    TestApp::builder().env("WS_IDLE_TIMEOUT", IDLE).spawn().await
}

#[tokio::test]
async fn a_peer_that_stops_answering_is_disconnected_after_the_idle_timeout() {
    let app = app_with_idle_timeout().await;
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    // Not reading means not answering the server's pings: the peer looks gone.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (code, reason) = live.closed_within(Duration::from_secs(2)).await;
    assert_eq!(code, 1001, "{reason}");
    assert!(reason.contains("nothing heard") && reason.contains("reconnect"), "{reason}");
}

#[tokio::test]
async fn a_peer_that_answers_pings_stays_connected_and_keeps_receiving() {
    let app = app_with_idle_timeout().await;
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    live.subscribe("subscription { messageEvents { kind conversation { messageId } } }", json!({})).await;
    app.wait_for_subscribers(1).await;
    // Reading answers the server's pings; three idle timeouts pass without a word from the client.
    live.expect_silence(Duration::from_secs(3)).await;
    app.deliver(&meta::text_notification("wamid.ALIVE", "33611111111", 1, "still here")).await;
    let event = live.next_result().await;
    assert_eq!(event["data"]["messageEvents"]["conversation"]["messageId"], "wamid.ALIVE", "{event}");
}

#[tokio::test]
async fn a_peer_that_never_sends_connection_init_is_closed_with_4408() {
    let app = app_with_idle_timeout().await;
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let mut silent = LiveClient::open(&app.address, protocol).await;
        let (code, reason) = silent.closed_within(Duration::from_secs(3)).await;
        assert_eq!(code, 4408, "{protocol:?}: {reason}");
        assert!(reason.contains("connection_init"), "{reason}");
    }
}

#[tokio::test]
async fn a_session_ends_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let short = JwtKeys::new(&Secret::new(crate::support::JWT_SECRET))
        .issue(Role::Admin, None, Duration::from_secs(2))
        .expect("token");
    let mut live = LiveClient::with_token(&app.address, &short).await;
    live.subscribe("subscription { messageEvents { kind } }", json!({})).await;
    let (code, reason) = live.closed_within(Duration::from_secs(5)).await;
    assert_eq!(code, 4401, "{reason}");
    assert!(reason.contains("sign in again"), "{reason}");
}

#[tokio::test]
async fn messages_larger_than_a_read_chunk_are_read_whole_and_over_64_kib_end_the_session() {
    let app = TestApp::spawn().await;
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    // A 20 KB comment makes the subscribe message span many 512-byte read chunks.
    let padded =
        format!("# {}\nsubscription {{ messageEvents {{ conversation {{ messageId }} }} }}", "x".repeat(20_000));
    live.subscribe(&padded, json!({})).await;
    app.wait_for_subscribers(1).await;
    app.deliver(&meta::text_notification("wamid.LONGQUERY", "33611111111", 1, "hello")).await;
    let event = live.next_result().await;
    assert_eq!(event["data"]["messageEvents"]["conversation"]["messageId"], "wamid.LONGQUERY", "{event}");

    let oversized = json!({ "id": "9", "type": "subscribe", "payload": { "query": "x".repeat(70 * 1024) } });
    live.send_json(oversized).await;
    assert!(live.ended_within(Duration::from_secs(3)).await, "a message over 64 KiB ends the session");
}
