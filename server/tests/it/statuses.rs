//! Statuses move forward only; every report is kept; early reports wait for their message.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use wagate::store::entity::{conversation, status_event};

use crate::support::{TestApp, meta};

const CONTACT: &str = "33612345678";

async fn status_of(app: &TestApp, wamid: &str) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq(wamid))
        .one(app.db())
        .await
        .expect("query")
        .expect("stored")
}

async fn report(app: &TestApp, wamid: &str, status: &str, ts: i64) -> serde_json::Value {
    app.deliver(&meta::status_notification(vec![meta::status(wamid, status, ts, CONTACT)])).await
}

#[tokio::test]
async fn statuses_move_an_outbound_message_forward() {
    let app = TestApp::spawn().await;
    assert_eq!(app.seed_outbound("wamid.O1", CONTACT).await.status, "accepted");
    for (status, ts) in [("sent", 10), ("delivered", 11), ("read", 12)] {
        assert_eq!(report(&app, "wamid.O1", status, ts).await["statuses_applied"], 1);
        assert_eq!(status_of(&app, "wamid.O1").await.status, status);
    }
}

#[tokio::test]
async fn a_late_status_is_recorded_but_never_moves_a_message_backward() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O2", CONTACT).await;
    report(&app, "wamid.O2", "read", 12).await;
    let late = report(&app, "wamid.O2", "delivered", 11).await;
    assert_eq!((late["statuses_recorded"].as_u64(), late["statuses_applied"].as_u64()), (Some(1), Some(0)));
    report(&app, "wamid.O2", "sent", 10).await;
    assert_eq!(status_of(&app, "wamid.O2").await.status, "read");
    assert_eq!(app.count("status_events").await, 3, "every report is kept");
}

#[tokio::test]
async fn a_repeated_status_is_recorded_once() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O3", CONTACT).await;
    report(&app, "wamid.O3", "delivered", 11).await;
    let again = report(&app, "wamid.O3", "delivered", 11).await;
    assert_eq!(again["statuses_recorded"], 0);
    assert_eq!(app.count("status_events").await, 1);
}

#[tokio::test]
async fn failed_is_terminal_and_keeps_metas_error() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O4", CONTACT).await;
    report(&app, "wamid.O4", "sent", 10).await;
    let details = "Message failed to send because more than 24 hours have passed since the customer last replied.";
    app.deliver(&meta::status_notification(vec![meta::failed_status(
        "wamid.O4",
        11,
        CONTACT,
        131047,
        "Re-engagement message",
        details,
    )]))
    .await;
    report(&app, "wamid.O4", "delivered", 12).await;
    report(&app, "wamid.O4", "read", 13).await;
    let row = status_of(&app, "wamid.O4").await;
    assert_eq!(row.status, "failed");
    assert_eq!((row.error_code, row.error_title.as_deref()), (Some(131047), Some("Re-engagement message")));
    assert_eq!(row.error_details.as_deref(), Some(details));
    let event = status_event::Entity::find()
        .filter(status_event::Column::Status.eq("failed"))
        .one(app.db())
        .await
        .expect("query")
        .expect("kept");
    assert_eq!(event.error_code, Some(131047));
}

#[tokio::test]
async fn out_of_order_statuses_in_one_delivery_end_on_the_highest() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O5", CONTACT).await;
    let statuses = ["read", "sent", "delivered"].iter().map(|s| meta::status("wamid.O5", s, 10, CONTACT)).collect();
    app.deliver(&meta::status_notification(statuses)).await;
    assert_eq!(status_of(&app, "wamid.O5").await.status, "read");
}

#[tokio::test]
async fn a_played_voice_note_outranks_read() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O6", CONTACT).await;
    report(&app, "wamid.O6", "played", 12).await;
    report(&app, "wamid.O6", "read", 11).await;
    assert_eq!(status_of(&app, "wamid.O6").await.status, "played");
}

#[tokio::test]
async fn a_status_for_an_unknown_message_is_kept_and_applied_when_the_message_is_stored() {
    let app = TestApp::spawn().await;
    let early = report(&app, "wamid.O7", "delivered", 11).await;
    assert_eq!((early["statuses_recorded"].as_u64(), early["statuses_applied"].as_u64()), (Some(1), Some(0)));
    report(&app, "wamid.O7", "sent", 10).await;
    assert_eq!(app.count("conversations").await, 0);
    let stored = app.seed_outbound("wamid.O7", CONTACT).await;
    assert_eq!(stored.status, "delivered", "the highest early status is applied on arrival");
}

#[tokio::test]
async fn an_early_failure_is_applied_with_its_error_when_the_message_is_stored() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::status_notification(vec![meta::failed_status(
        "wamid.O8",
        11,
        CONTACT,
        131026,
        "Message undeliverable",
        "x",
    )]))
    .await;
    let stored = app.seed_outbound("wamid.O8", CONTACT).await;
    assert_eq!((stored.status.as_str(), stored.error_code), ("failed", Some(131026)));
}

#[tokio::test]
async fn concurrent_status_reports_never_leave_a_message_below_the_highest() {
    let app = TestApp::spawn().await;
    app.seed_outbound("wamid.O9", CONTACT).await;
    let bodies: Vec<_> = ["sent", "delivered", "read", "sent", "delivered"]
        .iter()
        .map(|s| meta::status_notification(vec![meta::status("wamid.O9", s, 10, CONTACT)]))
        .collect();
    let responses = futures::future::join_all(bodies.iter().map(|b| app.post_webhook(b))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    assert_eq!(status_of(&app, "wamid.O9").await.status, "read");
    assert_eq!(app.count("status_events").await, 3);
}
