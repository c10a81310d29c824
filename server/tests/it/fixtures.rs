//! Public fixtures replayed as Meta would post them: every case of every pywa webhook fixture
//! and every webhook example of Meta's OpenAPI spec must be acknowledged and stored without
//! loss (each message, each status, each POST's exact bytes).
//!
//! Several cases of one file reuse a wamid (pywa's `wamid.xyzxyz`) with different types, so a
//! file's cases share an app only while their message ids and (id, status) pairs are distinct;
//! a case that would collide goes to a fresh app, so every case is checked on its own terms.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use wagate::store::entity::{conversation, status_event, webhook_delivery};

use crate::support::{TestApp, meta};

const PYWA_FILES: [&str; 8] = [
    "callback_button.json",
    "callback_selection.json",
    "deleted_message.json",
    "edited_message.json",
    "flow_completion.json",
    "message.json",
    "message_status.json",
    "system.json",
];

/// The cases of a fixture file (name → webhook body), in file order.
fn cases(relative: &str) -> Vec<(String, Value)> {
    let path = format!("{}/tests/fixtures/{relative}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"));
    let map = json.as_object().expect("a fixture file maps case name to body");
    assert!(!map.is_empty(), "{path} has no case");
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Every `changes[]` item of a body.
fn changes(body: &Value) -> Vec<&Value> {
    body["entry"].as_array().into_iter().flatten().flat_map(|e| e["changes"].as_array().into_iter().flatten()).collect()
}

/// Every `value.<key>[]` item of a body (`messages` or `statuses`).
fn items<'a>(body: &'a Value, key: &str) -> Vec<&'a Value> {
    changes(body).into_iter().flat_map(|c| c["value"][key].as_array().into_iter().flatten()).collect()
}

/// What a case stores under a unique key: its wamids and (wamid, status) pairs.
fn keys(body: &Value) -> HashSet<String> {
    let messages = items(body, "messages").into_iter().map(|m| format!("message {}", m["id"]));
    let statuses = items(body, "statuses").into_iter().map(|s| format!("status {} {}", s["id"], s["status"]));
    messages.chain(statuses).collect()
}

/// One app and the cases it was given.
struct Batch {
    app: TestApp,
    keys: HashSet<String>,
    delivered: Vec<(String, Value, i64)>,
}

/// Posts every case of `relative` (starting with `app`, spawning more only when wamids collide),
/// checks each is acknowledged, then that nothing was lost; returns the apps, first one first.
async fn replay_without_loss(app: TestApp, relative: &str) -> Vec<TestApp> {
    let mut batches = vec![Batch { app, keys: HashSet::new(), delivered: Vec::new() }];
    for (name, body) in cases(relative) {
        let case_keys = keys(&body);
        let index = match batches.iter().position(|b| b.keys.is_disjoint(&case_keys)) {
            Some(i) => i,
            None => {
                batches.push(Batch { app: TestApp::spawn().await, keys: HashSet::new(), delivered: Vec::new() });
                batches.len() - 1
            }
        };
        let batch = &mut batches[index];
        let report = batch.app.deliver(&body).await;
        assert_eq!(report["outcome"], "processed", "{relative} {name}: {report}");
        assert_eq!(report["problems"], serde_json::json!([]), "{relative} {name}");
        for change in changes(&body) {
            let field = change["field"].as_str().expect("every change names its field");
            if field != "messages" {
                let ignored = report["ignored_fields"].as_array().expect("ignored_fields");
                assert!(
                    ignored.iter().any(|f| f == field),
                    "{relative} {name}: `{field}` is not acknowledged: {report}"
                );
            }
        }
        let counts = |key: &str| items(&body, key).len();
        assert_eq!(report["messages_stored"], counts("messages"), "{relative} {name}: {report}");
        assert_eq!(report["statuses_recorded"], counts("statuses"), "{relative} {name}: {report}");
        let delivery_id = report["delivery_id"].as_i64().expect("delivery_id");
        batch.keys.extend(case_keys);
        batch.delivered.push((name, body, delivery_id));
    }
    for batch in &batches {
        assert_nothing_lost(batch, relative).await;
    }
    batches.into_iter().map(|b| b.app).collect()
}

async fn assert_nothing_lost(batch: &Batch, relative: &str) {
    let db = batch.app.db();
    let mut messages = 0;
    for (name, body, delivery_id) in &batch.delivered {
        let context = format!("{relative} {name}");
        for m in items(body, "messages") {
            messages += 1;
            let id = m["id"].as_str().expect("a wamid");
            let row = conversation::Entity::find()
                .filter(conversation::Column::MessageId.eq(id))
                .one(db)
                .await
                .expect("conversation query")
                .unwrap_or_else(|| panic!("{context}: message {id} was lost"));
            assert_eq!(row.kind, m["type"].as_str().unwrap_or("unknown"), "{context}");
            assert_eq!(row.direction, "inbound", "{context}");
            let raw: Value = serde_json::from_str(&row.raw).expect("raw is JSON");
            assert_eq!(&raw, m, "{context}: raw differs from the posted message");
        }
        for s in items(body, "statuses") {
            let (id, status) = (s["id"].as_str(), s["status"].as_str());
            let (id, status) = (id.expect("status id"), status.expect("status word"));
            let event = status_event::Entity::find()
                .filter(status_event::Column::MessageId.eq(id))
                .filter(status_event::Column::Status.eq(status))
                .one(db)
                .await
                .expect("status_events query")
                .unwrap_or_else(|| panic!("{context}: status {status} of {id} was lost"));
            let raw: Value = serde_json::from_str(&event.raw).expect("raw is JSON");
            assert_eq!(&raw, s, "{context}: raw differs from the posted status");
        }
        let delivery = webhook_delivery::Entity::find_by_id(*delivery_id)
            .one(db)
            .await
            .expect("webhook_deliveries query")
            .unwrap_or_else(|| panic!("{context}: delivery {delivery_id} was lost"));
        assert!(delivery.body == meta::wire_bytes(body), "{context}: the stored body differs from the bytes posted");
        assert_eq!(delivery.outcome, "processed", "{context}");
    }
    let posts = i64::try_from(batch.delivered.len()).expect("a small count");
    assert_eq!(batch.app.count("webhook_deliveries").await, posts, "{relative}: one row per POST");
    assert_eq!(batch.app.count("conversations").await, messages, "{relative}");
    batch.app.assert_ledger_matches_balances().await;
}

/// The content of the stored row of `wamid`.
async fn row_of(app: &TestApp, wamid: &str) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq(wamid))
        .one(app.db())
        .await
        .expect("conversation query")
        .unwrap_or_else(|| panic!("no row for {wamid}"))
}

#[test]
fn every_pywa_fixture_file_has_a_replay_test() {
    let dir = format!("{}/tests/fixtures/pywa", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("the pywa fixture directory")
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(found, PYWA_FILES, "add a replay test for each new fixture file");
}

#[tokio::test]
async fn pywa_callback_button_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/callback_button.json").await;
}

#[tokio::test]
async fn pywa_callback_selection_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/callback_selection.json").await;
}

#[tokio::test]
async fn pywa_deleted_message_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    let apps = replay_without_loss(app, "pywa/deleted_message.json").await;
    let row = row_of(&apps[0], "<WHATSAPP_MESSAGE_ID>").await;
    assert_eq!(row.content, "[message deleted]");
    assert_eq!(row.reply_to.as_deref(), Some("<ORIGINAL_WHATSAPP_MESSAGE_ID>"), "the deleted message");
}

#[tokio::test]
async fn pywa_edited_message_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    let apps = replay_without_loss(app, "pywa/edited_message.json").await;
    let wamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=";
    let row = row_of(&apps[0], wamid).await;
    assert_eq!(row.content, "[edited] [image] Updated image caption");
    assert_eq!(row.media_id.as_deref(), Some("1234567890"), "the edited image is fetched like any other");
    assert_eq!(row.reply_to.as_deref(), Some("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="));
}

#[tokio::test]
async fn pywa_flow_completion_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/flow_completion.json").await;
}

#[tokio::test]
async fn pywa_message_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/message.json").await;
}

#[tokio::test]
async fn pywa_message_status_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/message_status.json").await;
}

#[tokio::test]
async fn pywa_system_json_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "pywa/system.json").await;
}

#[tokio::test]
async fn every_meta_openapi_webhook_example_is_ingested_without_loss() {
    let app = TestApp::spawn().await;
    replay_without_loss(app, "meta-openapi/webhook-examples.json").await;
}
