//! Ingest rules: every item of a batch, once; 200 only after commit; nothing lost.

use std::time::Duration;

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use wagate::store::entity::{conversation, webhook_delivery};

use crate::support::{TestApp, meta};

#[tokio::test]
async fn a_text_message_is_stored_with_the_original_model_fields() {
    let app = TestApp::spawn().await;
    let report = app.deliver(&meta::text_notification("wamid.A1", "33612345678", 1_700_000_000, "Bonjour")).await;
    assert_eq!((report["outcome"].as_str(), report["messages_stored"].as_u64()), (Some("processed"), Some(1)));
    let rows = conversation::Entity::find().all(app.db()).await.expect("rows");
    let row = &rows[0];
    let user = app.user_by_phone("33612345678").await;
    assert_eq!(row.user_id, user.id);
    assert_eq!((row.from.as_str(), row.to.as_str()), ("33612345678", meta::BUSINESS_NUMBER));
    assert_eq!((row.message_id.as_str(), row.kind.as_str(), row.content.as_str()), ("wamid.A1", "text", "Bonjour"));
    assert_eq!((row.direction.as_str(), row.status.as_str()), ("inbound", "received"));
    assert_eq!((row.timestamp, row.phone_number_id.as_str()), (1_700_000_000, meta::PHONE_NUMBER_ID));
    assert_eq!(row.contact_name.as_deref(), Some("Test Contact"));
}

/// Two entries × two changes, 60 messages and some statuses, one POST.
fn big_batch() -> Value {
    let mut entries = Vec::new();
    for e in 0..2 {
        let mut changes = Vec::new();
        for c in 0..2 {
            let messages: Vec<Value> = (0..15)
                .map(|i| {
                    meta::text(
                        &format!("wamid.B{e}{c}{i:02}"),
                        &format!("3361000{e}{c}{i:02}"),
                        1_700_000_000 + i,
                        "batch",
                    )
                })
                .collect();
            let mut change =
                meta::envelope(vec![], messages, vec![meta::status(&format!("wamid.S{e}{c}"), "sent", 1, "1")]);
            changes.push(change["entry"][0]["changes"][0].take());
        }
        entries.push(json!({ "id": format!("waba{e}"), "changes": changes }));
    }
    json!({ "object": "whatsapp_business_account", "entry": entries })
}

#[tokio::test]
async fn every_entry_change_and_message_of_a_batch_is_stored_once() {
    let app = TestApp::spawn().await;
    let report = app.deliver(&big_batch()).await;
    assert_eq!(report["messages_stored"], 60);
    assert_eq!(report["statuses_recorded"], 4);
    assert_eq!(app.count("conversations").await, 60);
    assert_eq!(app.count("users").await, 60);
    assert_eq!(app.count("status_events").await, 4);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_repeated_delivery_changes_nothing_and_charges_nothing() {
    let app = TestApp::spawn().await;
    let batch = big_batch();
    app.deliver(&batch).await;
    let report = app.deliver(&batch).await;
    assert_eq!((report["messages_stored"].as_u64(), report["messages_duplicate"].as_u64()), (Some(0), Some(60)));
    assert_eq!(app.count("conversations").await, 60);
    assert_eq!(app.count("status_events").await, 4);
    assert_eq!(app.count("credit_ledger").await, 120, "one grant and one charge per user, no more");
    assert_eq!(app.count("webhook_deliveries").await, 2, "every POST is kept");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn concurrent_copies_of_one_delivery_store_one_row_and_charge_once() {
    let app = TestApp::spawn().await;
    let body = meta::text_notification("wamid.C1", "33699999999", 1_700_000_000, "same");
    let posts = (0..12).map(|_| app.post_webhook(&body));
    let statuses: Vec<u16> = futures::future::join_all(posts).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.count("conversations").await, 1);
    let user = app.user_by_phone("33699999999").await;
    assert_eq!(user.current_month_credits, 99);
    assert_eq!(app.count("users").await, 1);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn concurrent_batches_of_one_contact_charge_each_message_once() {
    let app = TestApp::spawn().await;
    let posts = (0..10).map(|i| {
        let messages =
            (0..5).map(|j| meta::text(&format!("wamid.P{i}{j}"), "33688888888", 1_700_000_000 + j, "x")).collect();
        meta::envelope(vec![meta::contact("33688888888", "Burst")], messages, vec![])
    });
    let bodies: Vec<Value> = posts.collect();
    let responses = futures::future::join_all(bodies.iter().map(|b| app.post_webhook(b))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    assert_eq!(app.count("conversations").await, 50);
    assert_eq!(app.user_by_phone("33688888888").await.current_month_credits, 50);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn other_subscription_fields_are_acknowledged_and_kept_raw() {
    let app = TestApp::spawn().await;
    let body = json!({ "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } }] }] });
    let report = app.deliver(&body).await;
    assert_eq!(report["ignored_fields"], json!(["account_update"]));
    assert_eq!(report["outcome"], "processed");
    assert_eq!(app.count("webhook_deliveries").await, 1);
    assert_eq!(app.count("conversations").await, 0);
}

#[tokio::test]
async fn an_uninterpretable_item_is_kept_marked_failed_and_its_siblings_are_stored() {
    let app = TestApp::spawn().await;
    let mut body = meta::text_notification("wamid.OK", "33612345678", 1_700_000_000, "fine");
    body["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .expect("messages")
        .push(json!({ "from": "33612345678", "type": "text", "text": { "body": "no id" } }));
    let report = app.deliver(&body).await;
    assert_eq!(report["outcome"], "failed");
    assert_eq!(report["messages_stored"], 1);
    assert!(report["problems"][0].as_str().unwrap_or_default().contains("messages[1] has no `id`"), "{report}");
    let delivery = webhook_delivery::Entity::find().one(app.db()).await.expect("query").expect("kept");
    assert_eq!(delivery.outcome, "failed");
    assert!(delivery.error.unwrap_or_default().contains("has no `id`"));
}

#[tokio::test]
async fn a_stored_delivery_can_be_replayed_without_storing_anything_twice() {
    let app = TestApp::spawn().await;
    let report = app.deliver(&big_batch()).await;
    let id = report["delivery_id"].as_i64().expect("id");
    let replay = app.domain().replay_delivery(id).await.expect("replay");
    assert_eq!((replay.messages_stored, replay.messages_duplicate), (0, 60));
    assert_eq!(app.count("webhook_deliveries").await, 1, "a replay updates the delivery, not a new one");
    assert_eq!(app.count("conversations").await, 60);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_store_failure_mid_transaction_answers_503_and_leaves_nothing_then_a_retry_succeeds() {
    let app = TestApp::spawn().await;
    let body = meta::envelope(
        vec![meta::contact("33677777777", "Retry")],
        vec![meta::text("wamid.R1", "33677777777", 1_700_000_000, "first")],
        vec![meta::status("wamid.R0", "sent", 1_700_000_000, "33677777777")],
    );
    // The message insert succeeds, then the status insert fails inside the same transaction.
    app.db().execute_unprepared("ALTER TABLE status_events RENAME TO status_events_away").await.expect("sabotage");
    let response = app.post_webhook(&body).await;
    assert_eq!(response.status(), 503);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "UNAVAILABLE");
    assert_eq!(app.count("conversations").await, 0, "nothing partial");
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("credit_ledger").await, 0);
    assert_eq!(app.count("webhook_deliveries").await, 0);

    app.db().execute_unprepared("ALTER TABLE status_events_away RENAME TO status_events").await.expect("repair");
    let report = app.deliver(&body).await;
    assert_eq!((report["messages_stored"].as_u64(), report["statuses_recorded"].as_u64()), (Some(1), Some(1)));
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn with_the_database_gone_webhooks_get_503_and_readyz_says_so() {
    let app = TestApp::spawn().await;
    app.domain().close().await.expect("close the store");
    let response = app.post_webhook(&meta::text_notification("wamid.D1", "33611111111", 1, "x")).await;
    assert_eq!(response.status(), 503);
    let ready = tokio::time::timeout(Duration::from_secs(10), app.get("/readyz", None)).await.expect("answers");
    assert_eq!(ready.status(), 503);
    assert_eq!(app.get("/healthz", None).await.status(), 200, "the process itself is alive");
}

#[tokio::test]
async fn a_text_with_control_characters_is_stored_with_nul_replaced_and_its_raw_body_kept() {
    // PostgreSQL's text columns cannot hold NUL: it becomes U+FFFD, and the raw bytes keep it.
    let app = TestApp::spawn().await;
    let body = "nul:\u{0} bell:\u{7} end";
    app.deliver(&meta::text_notification("wamid.NUL", "33611111111", 1, body)).await;
    let stored = app.graphql_ok("{ users { nodes { id } } }", json!({})).await;
    let user = stored["users"]["nodes"][0]["id"].as_str().expect("a user").to_owned();
    let page = app
        .graphql_ok("query($u: ID!) { conversations(userId: $u) { nodes { content } } }", json!({ "u": user }))
        .await;
    assert_eq!(page["conversations"]["nodes"][0]["content"], "nul:\u{FFFD} bell:\u{7} end");
    let delivery = webhook_delivery::Entity::find().one(app.db()).await.expect("query").expect("a delivery");
    assert!(String::from_utf8_lossy(&delivery.body).contains("nul:\\u0000 bell"), "the raw body is as Meta sent it");
}
