//! Group commit: deliveries that arrive together share a transaction of at most
//! `INGEST_BATCH_MAX` deliveries, and each is answered only once that transaction committed.

use futures::future::join_all;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use serde_json::Value;

use crate::{
    metrics::{TOKEN, scrape},
    support::{DEFAULT_CREDITS, TestApp, meta},
};

const DELIVERIES: usize = 48;
const BATCH_MAX: usize = 8;

#[tokio::test]
async fn deliveries_arriving_together_are_committed_in_bounded_batches() {
    let app = TestApp::builder()
        .env("METRICS_TOKEN", TOKEN)
        .env("INGEST_BATCH_MAX", &BATCH_MAX.to_string())
        .env("MEDIA_POLL_MS", "3600000")
        .spawn()
        .await;
    // Hold the store's write lock while the deliveries arrive, so that they all queue.
    let blocker = app.db().begin().await.expect("begin");
    let lock = match blocker.get_database_backend() {
        DbBackend::Postgres => "LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE",
        _ => "DELETE FROM webhook_deliveries WHERE id = -1",
    };
    blocker.execute_unprepared(lock).await.expect("take the write lock");
    let contacts = ["33611111111", "33622222222", "33633333333"];
    let bodies: Vec<Value> = (0..DELIVERIES)
        .map(|n| meta::text_notification(&format!("wamid.GROUP{n}"), contacts[n % 3], 1_700_000_000, "hello"))
        .collect();
    let posting = join_all(bodies.iter().map(|body| app.post_webhook(body)));
    let released = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        blocker.rollback().await.expect("release the write lock");
    };
    let (responses, ()) = tokio::join!(posting, released);

    let mut delivery_ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        let report: Value = response.json().await.expect("report");
        assert_eq!(report["messages_stored"], 1, "{report}");
        delivery_ids.push(report["delivery_id"].as_i64().expect("delivery id"));
    }
    delivery_ids.sort_unstable();
    delivery_ids.dedup();
    assert_eq!(delivery_ids.len(), DELIVERIES, "each delivery has its own row");
    assert_eq!(app.count("conversations").await, DELIVERIES as i64);
    assert_eq!(app.count("webhook_deliveries").await, DELIVERIES as i64);
    for contact in contacts {
        let user = app.user_by_phone(contact).await;
        assert_eq!(
            user.current_month_credits,
            DEFAULT_CREDITS - (DELIVERIES / 3) as i64,
            "{contact}: one credit per text"
        );
    }

    let metrics = scrape(&app).await;
    let commits = metrics.value("wagate_ingest_batch_size_count", &[]);
    assert_eq!(metrics.value("wagate_ingest_batch_size_sum", &[]), DELIVERIES as f64);
    assert!(commits < DELIVERIES as f64, "queued deliveries share commits: {commits} commits");
    assert!(commits >= (DELIVERIES / BATCH_MAX) as f64, "{commits} commits for {DELIVERIES} deliveries");
    let within_max = metrics.value("wagate_ingest_batch_size_bucket", &[("le", &BATCH_MAX.to_string())]);
    assert_eq!(within_max, commits, "no batch is larger than INGEST_BATCH_MAX");
}
