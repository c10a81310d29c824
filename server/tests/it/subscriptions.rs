//! Live events over `/graphql/ws`: what a subscriber receives after a webhook or a send, in
//! both protocols, and what it may not see.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wagate::auth::Role;

use crate::support::{
    TestApp, meta,
    ws::{LiveClient, Protocol},
};

const ANA: &str = "33612345678";
const BOB: &str = "33698765432";
const MESSAGES: &str = "subscription($userId: ID) {
  messageEvents(userId: $userId) { kind conversation { messageId userId direction status content } } }";
const CREDITS: &str = "subscription($userId: ID) {
  creditsChanged(userId: $userId) { userId balance entry { delta reason messageId balanceAfter } } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn event(payload: &Value) -> &Value {
    assert!(payload.get("errors").is_none(), "unexpected errors: {payload}");
    &payload["data"]["messageEvents"]
}

/// An admin's session following everyone through `subscription`, registered.
async fn admin_following(app: &TestApp, subscription: &str) -> LiveClient {
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    live.subscribe(subscription, json!({})).await;
    app.wait_for_subscribers(1).await;
    live
}

/// Receives the next message event, and insists it came within a second of `since`.
async fn next_event_within_a_second(live: &mut LiveClient, since: Instant) -> Value {
    let payload = live.next_result().await;
    let waited = since.elapsed();
    assert!(waited < Duration::from_secs(1), "the event took {waited:?}");
    event(&payload).clone()
}

#[tokio::test]
async fn an_inbound_message_a_send_and_a_status_reach_a_subscriber_within_a_second() {
    let app = TestApp::spawn().await;
    let mut live = admin_following(&app, MESSAGES).await;

    let posted = Instant::now();
    app.deliver(&meta::text_notification("wamid.IN1", ANA, now() - 5, "Bonjour")).await;
    let new = next_event_within_a_second(&mut live, posted).await;
    assert_eq!(new["kind"], "NEW_MESSAGE");
    assert_eq!(new["conversation"]["messageId"], "wamid.IN1");
    assert_eq!(new["conversation"]["direction"], "INBOUND");
    assert_eq!(new["conversation"]["content"], "Bonjour");

    let sent = Instant::now();
    let response =
        app.send(&json!({ "to": ANA, "type": "text", "text": { "body": "Merci" } }), Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    let wamid = response.json::<Value>().await.unwrap()["messages"][0]["id"].as_str().unwrap().to_owned();
    let outbound = next_event_within_a_second(&mut live, sent).await;
    assert_eq!(outbound["kind"], "NEW_MESSAGE");
    assert_eq!(outbound["conversation"]["messageId"], wamid.as_str());
    assert_eq!(outbound["conversation"]["direction"], "OUTBOUND");
    assert_eq!(outbound["conversation"]["status"], "ACCEPTED");

    let read = Instant::now();
    app.deliver(&meta::status_notification(vec![meta::status(&wamid, "read", now(), ANA)])).await;
    let moved = next_event_within_a_second(&mut live, read).await;
    assert_eq!(moved["kind"], "STATUS_CHANGED");
    assert_eq!(moved["conversation"]["messageId"], wamid.as_str());
    assert_eq!(moved["conversation"]["status"], "READ");
}

#[tokio::test]
async fn the_older_graphql_ws_protocol_receives_the_same_events() {
    let app = TestApp::spawn().await;
    let init = json!({ "Authorization": format!("Bearer {}", app.admin_token()) });
    let mut live = LiveClient::connect(&app.address, Protocol::LegacyWs, init).await;
    live.subscribe(MESSAGES, json!({})).await;
    app.wait_for_subscribers(1).await;
    let posted = Instant::now();
    app.deliver(&meta::text_notification("wamid.OLD", ANA, now(), "hi")).await;
    let new = next_event_within_a_second(&mut live, posted).await;
    assert_eq!(
        (new["kind"].as_str(), new["conversation"]["messageId"].as_str()),
        (Some("NEW_MESSAGE"), Some("wamid.OLD"))
    );
}

#[tokio::test]
async fn a_duplicate_delivery_and_a_repeated_status_publish_nothing_more() {
    let app = TestApp::spawn().await;
    let mut live = admin_following(&app, MESSAGES).await;
    let first = meta::text_notification("wamid.DUP", ANA, now(), "once");
    app.deliver(&first).await;
    assert_eq!(event(&live.next_result().await)["conversation"]["messageId"], "wamid.DUP");
    app.deliver(&first).await;
    app.seed_outbound("wamid.OUT", ANA).await;
    assert_eq!(event(&live.next_result().await)["conversation"]["messageId"], "wamid.OUT");
    let delivered = meta::status_notification(vec![meta::status("wamid.OUT", "delivered", now(), ANA)]);
    app.deliver(&delivered).await;
    assert_eq!(event(&live.next_result().await)["kind"], "STATUS_CHANGED");
    app.deliver(&delivered).await;
    let late = meta::status_notification(vec![meta::status("wamid.OUT", "sent", now(), ANA)]);
    app.deliver(&late).await;
    live.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_message_stored_with_its_early_status_is_announced_once_as_new_with_that_status() {
    let app = TestApp::spawn().await;
    let mut live = admin_following(&app, MESSAGES).await;
    app.deliver(&meta::status_notification(vec![meta::status("wamid.EARLY", "delivered", now(), ANA)])).await;
    app.seed_outbound("wamid.EARLY", ANA).await;
    let new = event(&live.next_result().await).clone();
    assert_eq!(
        (new["kind"].as_str(), new["conversation"]["status"].as_str()),
        (Some("NEW_MESSAGE"), Some("DELIVERED"))
    );
    live.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_rolled_back_change_is_never_published() {
    let app = TestApp::spawn().await;
    let mut live = admin_following(&app, CREDITS).await;
    // A contact who never wrote: the send creates their user and grants the allowance inside its
    // transaction, then is refused by the service window, and the transaction rolls back.
    let refused =
        app.send(&json!({ "to": BOB, "type": "text", "text": { "body": "hi" } }), Some(&app.admin_token())).await;
    assert_eq!(refused.status(), 422);
    app.deliver(&meta::text_notification("wamid.ANA", ANA, now(), "hello")).await;
    let first = live.next_result().await;
    let credits = &first["data"]["creditsChanged"];
    assert_eq!(credits["entry"]["reason"], "monthly_reset", "{first}");
    let ana = app.user_by_phone(ANA).await;
    assert_eq!(credits["userId"], ana.id.to_string(), "the first event must be Ana's grant, not Bob's rolled-back one");
}

#[tokio::test]
async fn credit_changes_carry_the_balance_and_the_ledger_row() {
    let app = TestApp::spawn().await;
    let mut live = admin_following(&app, CREDITS).await;
    let image = meta::message("wamid.IMG", ANA, now(), "image", json!({ "id": "m1", "mime_type": "image/jpeg" }));
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana")], vec![image], vec![])).await;
    let grant = live.next_result().await["data"]["creditsChanged"].clone();
    assert_eq!(grant["entry"]["reason"], "monthly_reset");
    assert_eq!(grant["balance"], 100);
    let charge = live.next_result().await["data"]["creditsChanged"].clone();
    assert_eq!(
        charge["entry"],
        json!({ "delta": -2, "reason": "inbound", "messageId": "wamid.IMG", "balanceAfter": 98 })
    );
    assert_eq!(charge["balance"], 98);
}

#[tokio::test]
async fn a_user_follows_only_their_own_events_and_admins_follow_anyone() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.A0", ANA, now(), "a")).await;
    app.deliver(&meta::text_notification("wamid.B0", BOB, now(), "b")).await;
    let (ana, bob) = (app.user_by_phone(ANA).await.id, app.user_by_phone(BOB).await.id);

    let mut ana_live = LiveClient::with_token(&app.address, &app.token(Role::User, Some(ana))).await;
    ana_live.subscribe(MESSAGES, json!({ "userId": bob.to_string() })).await;
    let refused = ana_live.next_result().await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    assert_eq!(ana_live.next_message().await["type"], "complete", "a refused subscription ends");
    let mut admin_on_nobody = LiveClient::with_token(&app.address, &app.admin_token()).await;
    admin_on_nobody.subscribe(MESSAGES, json!({ "userId": "999999" })).await;
    let unknown = admin_on_nobody.next_result().await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "NOT_FOUND", "as over HTTP: {unknown}");

    ana_live.subscribe(MESSAGES, json!({})).await;
    let mut admin_on_bob = LiveClient::with_token(&app.address, &app.admin_token()).await;
    admin_on_bob.subscribe(MESSAGES, json!({ "userId": bob.to_string() })).await;
    app.wait_for_subscribers(2).await;
    app.deliver(&meta::text_notification("wamid.B1", BOB, now(), "for bob")).await;
    app.deliver(&meta::text_notification("wamid.A1", ANA, now(), "for ana")).await;
    assert_eq!(event(&ana_live.next_result().await)["conversation"]["messageId"], "wamid.A1");
    assert_eq!(event(&admin_on_bob.next_result().await)["conversation"]["messageId"], "wamid.B1");
    ana_live.expect_silence(Duration::from_millis(200)).await;
    admin_on_bob.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn without_a_valid_token_a_subscription_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({}), "no token"),
        (json!({ "Authorization": "Bearer not.a.jwt" }), ""),
        (json!({ "Authorization": format!("Bearer {}", app.token(Role::Admin, None)).replace('.', "x") }), ""),
    ];
    for (init, reason) in cases {
        let mut live = LiveClient::connect(&app.address, Protocol::TransportWs, init.clone()).await;
        live.subscribe(MESSAGES, json!({})).await;
        let refused = live.next_result().await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{init}: {refused}");
        let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{message}");
    }
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_and_keeps_receiving() {
    let app = TestApp::builder().env("LIVE_EVENT_BUFFER", "2").spawn().await;
    let mut live = admin_following(&app, MESSAGES).await;
    let burst: Vec<Value> = (0..40).map(|n| meta::text(&format!("wamid.BURST{n}"), ANA, now(), "burst")).collect();
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana")], burst, vec![])).await;
    let mut lagged = None;
    for _ in 0..40 {
        let payload = live.next_result().await;
        if let Some(error) = payload["errors"].get(0) {
            lagged = Some(error.clone());
            break;
        }
    }
    let lagged = lagged.expect("a LAGGED error when 40 events overflow a buffer of 2");
    assert_eq!(lagged["extensions"]["code"], "LAGGED");
    assert!(lagged["message"].as_str().unwrap_or_default().contains("re-query"), "{lagged}");
    // Drain what is left of the burst, then a new event still arrives.
    while tokio::time::timeout(Duration::from_millis(300), live.next_result()).await.is_ok() {}
    app.deliver(&meta::text_notification("wamid.AFTER", ANA, now(), "after")).await;
    assert_eq!(event(&live.next_result().await)["conversation"]["messageId"], "wamid.AFTER");
}

#[tokio::test]
async fn subscribers_of_one_shape_share_one_execution_and_each_receives_every_event() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.A0", ANA, now(), "a")).await;
    let ana = app.user_by_phone(ANA).await.id;
    let mut admins = Vec::new();
    for _ in 0..3 {
        admins.push(admin_following(&app, MESSAGES).await);
    }
    let mut own = LiveClient::with_token(&app.address, &app.token(Role::User, Some(ana))).await;
    own.subscribe(MESSAGES, json!({})).await;
    app.wait_for_subscribers(4).await;
    assert_eq!(app.running_shapes(), 2, "three admins share a shape; the user has their own");

    app.deliver(&meta::text_notification("wamid.SHARED", ANA, now(), "to all")).await;
    for live in admins.iter_mut().chain([&mut own]) {
        assert_eq!(event(&live.next_result().await)["conversation"]["messageId"], "wamid.SHARED");
    }
    drop(admins);
    drop(own);
    crate::support::wait_until("every shape stops with its last subscriber", Duration::from_secs(5), || async {
        app.running_shapes() == 0 && app.domain().events().subscriber_count() == 0
    })
    .await;
}

#[tokio::test]
async fn a_refusal_reaches_every_subscriber_of_the_refused_shape() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.A0", ANA, now(), "a")).await;
    app.deliver(&meta::text_notification("wamid.B0", BOB, now(), "b")).await;
    let (ana, bob) = (app.user_by_phone(ANA).await.id, app.user_by_phone(BOB).await.id);
    let token = app.token(Role::User, Some(ana));
    let mut sessions = Vec::new();
    for _ in 0..4 {
        sessions.push(LiveClient::with_token(&app.address, &token).await);
    }
    for live in &mut sessions {
        live.subscribe(MESSAGES, json!({ "userId": bob.to_string() })).await;
    }
    for live in &mut sessions {
        let refused = live.next_result().await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
        assert_eq!(live.next_message().await["type"], "complete", "a refused subscription ends");
    }
}
