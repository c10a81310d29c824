//! Group commit: deliveries that arrive together share a transaction of at most
//! `INGEST_BATCH_MAX` deliveries, and each is answered only once that transaction committed; a
//! delivery the store refuses fails alone.

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
    let blocker = hold_write_lock(&app).await;
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

/// A transaction holding the store's write lock: ingest waits until it is rolled back.
async fn hold_write_lock(app: &TestApp) -> sea_orm::DatabaseTransaction {
    let blocker = app.db().begin().await.expect("begin");
    let lock = match blocker.get_database_backend() {
        DbBackend::Postgres => "LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE",
        _ => "DELETE FROM webhook_deliveries WHERE id = -1",
    };
    blocker.execute_unprepared(lock).await.expect("take the write lock");
    blocker
}

/// Makes the store refuse to insert the message `wamid.POISON`, as a bug or a bad row would.
async fn poison(app: &TestApp) {
    let statements: &[&str] = match app.db().get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.message_id = 'wamid.POISON' THEN \
             RAISE EXCEPTION 'poisoned by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER poison BEFORE INSERT ON conversations FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
        _ => &["CREATE TRIGGER poison BEFORE INSERT ON conversations WHEN NEW.message_id = 'wamid.POISON' \
                BEGIN SELECT RAISE(ABORT, 'poisoned by the test'); END"],
    };
    for statement in statements {
        app.db().execute_unprepared(statement).await.expect("install the poison");
    }
}

#[tokio::test]
async fn a_delivery_the_store_refuses_fails_alone_and_the_rest_of_its_batch_is_stored() {
    let app = TestApp::builder().env("METRICS_TOKEN", TOKEN).env("INGEST_BATCH_MAX", "16").spawn().await;
    poison(&app).await;
    let blocker = hold_write_lock(&app).await;
    // A first delivery takes the writer, which waits for the lock; the eight that follow queue
    // behind it and are then taken as one batch, the refused one among them.
    let first = meta::text_notification("wamid.FIRST", "33611111111", 1_700_000_000, "first");
    let ids: Vec<String> =
        (0..8).map(|n| if n == 3 { "wamid.POISON".to_owned() } else { format!("wamid.FINE{n}") }).collect();
    let bodies: Vec<Value> =
        ids.iter().map(|id| meta::text_notification(id, "33611111111", 1_700_000_000, "hello")).collect();
    let posting = async {
        let first = app.post_webhook(&first);
        let rest = async {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            join_all(bodies.iter().map(|body| app.post_webhook(body))).await
        };
        let (first, rest) = tokio::join!(first, rest);
        assert_eq!(first.status(), 200);
        rest
    };
    let released = async {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        blocker.rollback().await.expect("release the write lock");
    };
    let (responses, ()) = tokio::join!(posting, released);

    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    let expected: Vec<u16> = ids.iter().map(|id| if id == "wamid.POISON" { 503 } else { 200 }).collect();
    assert_eq!(statuses, expected, "only the refused delivery fails; Meta will retry it");
    assert_eq!(app.count("conversations").await, 8, "the first and the seven others are stored");
    assert_eq!(app.count("webhook_deliveries").await, 8, "the refused delivery left nothing behind");
    let ana = app.user_by_phone("33611111111").await;
    assert_eq!(ana.current_month_credits, DEFAULT_CREDITS - 8, "charged once per stored message");
    app.assert_ledger_matches_balances().await;
    let metrics = scrape(&app).await;
    assert_eq!(
        metrics.value("wagate_ingest_batch_size_count", &[]),
        8.0,
        "the first batch, then the failed batch of eight written again one by one (seven commits)"
    );
}
