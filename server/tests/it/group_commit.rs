//! Group commit: deliveries that arrive together share a transaction of at most
//! `INGEST_BATCH_MAX` deliveries, and each is answered only once that transaction committed; a
//! delivery the store refuses fails alone, and live subscribers receive the batches' events in
//! commit order. Sends' writes (reservations, stored messages) are
//! group-committed the same way, and a refused send fails alone. While a write waits, reads
//! are answered, and SQLite's checkpoint finishes only at the writer's turn.

use std::time::{Duration, Instant};

use futures::future::join_all;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use wagate::{domain::outbound::OutboundMessage, store::entity::user};

use crate::{
    metrics::{TOKEN, scrape},
    support::{DEFAULT_CREDITS, TestApp, TestAppBuilder, meta, ws::LiveClient},
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
    let blocker = hold_write_lock(&app, "webhook_deliveries").await;
    let contacts = ["33611111111", "33622222222", "33633333333"];
    let bodies: Vec<Value> = (0..DELIVERIES)
        .map(|n| meta::text_notification(&format!("wamid.GROUP{n}"), contacts[n % 3], 1_700_000_000, "hello"))
        .collect();
    let posting = join_all(bodies.iter().map(|body| app.post_webhook(body)));
    let released = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
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

#[tokio::test]
async fn a_read_is_answered_while_a_write_waits_for_the_store() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.EARLIER", "33611111111", 1_700_000_000, "earlier")).await;
    let user = app.user_by_phone("33611111111").await.id.to_string();
    let waiting = meta::text_notification("wamid.WAITING", "33611111111", 1_700_000_000, "waiting");
    let write = async { (app.post_webhook(&waiting).await, Instant::now()) };
    let query = "query($u: ID!) { conversations(userId: $u) { edges { node { messageId } } } }";
    let read = async { (app.graphql_ok(query, json!({ "u": user })).await, Instant::now()) };
    // The write holds the app's writer, waiting for the lock; the read comes 150 ms later. On
    // SQLite it needs a connection of its own: with one for everything, it would wait too.
    let ((response, written_at), mut reads) =
        first_then_rest_while_locked(&app, "webhook_deliveries", write, vec![read]).await;
    let (answer, read_at) = reads.pop().expect("the read");
    assert_eq!(response.status(), 200);
    assert!(read_at < written_at, "the read was answered only after the write it does not need");
    let edges = answer["conversations"]["edges"].as_array().expect("edges").clone();
    assert_eq!(edges, vec![json!({ "node": { "messageId": "wamid.EARLIER" } })], "what was committed when it read");
}

#[tokio::test]
async fn a_checkpoint_ends_at_the_writers_turn() {
    let app = TestApp::spawn().await;
    if app.db().get_database_backend() != DbBackend::Sqlite {
        // PostgreSQL checkpoints itself: wagate runs no checkpoint there.
        return assert_eq!(app.get("/readyz", None).await.status(), 200);
    }
    let waiting = meta::text_notification("wamid.WAITING", "33611111111", 1_700_000_000, "waiting");
    let started = Instant::now();
    let checkpoint = async {
        app.domain().checkpoint_wal().await.expect("checkpoint");
        started.elapsed()
    };
    // The write takes the writer's turn and waits for the lock (released at 600 ms); the
    // checkpoint starts at 150 ms, copies beside it, and finishes only once the write is done:
    // its last pass copies what is committed up to the writer's next turn, so that the log is
    // copied whole even while commits follow each other without pause.
    let (response, mut took) =
        first_then_rest_while_locked(&app, "webhook_deliveries", app.post_webhook(&waiting), vec![checkpoint]).await;
    assert_eq!(response.status(), 200);
    let took = took.pop().expect("the checkpoint");
    assert!(took >= Duration::from_millis(550), "the checkpoint's last pass did not wait for the writer: {took:?}");
}

#[tokio::test]
async fn a_subscriber_receives_the_events_of_batches_in_commit_order() {
    let app = TestApp::spawn().await;
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    live.subscribe("subscription { messageEvents { kind conversation { messageId } } }", json!({})).await;
    app.wait_for_subscribers(1).await;
    // One contact, so that PostgreSQL's writers route every delivery to the same one. The first
    // is committed alone; the rest queue meanwhile and are committed as the next batch while the
    // first batch's events are still being published.
    let delivery = |n: usize| meta::text_notification(&format!("wamid.ORDER{n}"), "33611111111", 1_700_000_000, "hi");
    let rest: Vec<Value> = (1..=8).map(delivery).collect();
    let (first, rest) = first_then_rest_while_locked(
        &app,
        "webhook_deliveries",
        app.post_webhook(&delivery(0)),
        rest.iter().map(|body| app.post_webhook(body)).collect(),
    )
    .await;
    assert_eq!(first.status(), 200);
    assert!(rest.iter().all(|response| response.status() == 200));

    let mut received = Vec::new();
    for _ in 0..=8 {
        let payload = live.next_result().await;
        let event = &payload["data"]["messageEvents"];
        assert_eq!(event["kind"], "NEW_MESSAGE", "{payload}");
        received.push(event["conversation"]["messageId"].as_str().expect("message id").to_owned());
    }
    assert_eq!(received[0], "wamid.ORDER0", "the first batch's event comes first: {received:?}");
    received.sort();
    let expected: Vec<String> = (0..=8).map(|n| format!("wamid.ORDER{n}")).collect();
    assert_eq!(received, expected, "every message once");
}

/// Holds `table`'s write lock for 600 ms while `first` runs and, 150 ms later (once it holds
/// its writer), every one of `rest` together: they queue behind it and are then taken as one
/// batch. What each gave, `rest` in order.
async fn first_then_rest_while_locked<A, B>(
    app: &TestApp,
    table: &str,
    first: impl Future<Output = A>,
    rest: Vec<impl Future<Output = B>>,
) -> (A, Vec<B>) {
    let blocker = hold_write_lock(app, table).await;
    let rest = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        join_all(rest).await
    };
    let released = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        blocker.rollback().await.expect("release the write lock");
    };
    let (first, rest, ()) = tokio::join!(first, rest, released);
    (first, rest)
}

/// A transaction holding the store's write lock (on PostgreSQL, `table`'s): writes to it wait
/// until it is rolled back.
async fn hold_write_lock(app: &TestApp, table: &str) -> sea_orm::DatabaseTransaction {
    // On SQLite, `BEGIN IMMEDIATE` takes the lock without a statement. A statement would not do
    // after `poison`: with foreign keys on, a connection that has not seen another connection's
    // schema change fails its first `DELETE` on `conversations` ("no such table: conversations",
    // SQLite 3.40 and 3.51 alike; its text-index trigger is involved, other tables are not hit).
    let blocker = wagate::store::begin_write(app.db()).await.expect("begin");
    if blocker.get_database_backend() == DbBackend::Postgres {
        let lock = format!("LOCK TABLE {table} IN EXCLUSIVE MODE");
        blocker.execute_unprepared(&lock).await.expect("take the write lock");
    }
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
    // A first delivery takes the writer, which waits for the lock; the eight that follow queue
    // behind it and are then taken as one batch, the refused one among them.
    let first = meta::text_notification("wamid.FIRST", "33611111111", 1_700_000_000, "first");
    let ids: Vec<String> =
        (0..8).map(|n| if n == 3 { "wamid.POISON".to_owned() } else { format!("wamid.FINE{n}") }).collect();
    let bodies: Vec<Value> =
        ids.iter().map(|id| meta::text_notification(id, "33611111111", 1_700_000_000, "hello")).collect();
    let rest = bodies.iter().map(|body| app.post_webhook(body)).collect();
    let (first, responses) =
        first_then_rest_while_locked(&app, "webhook_deliveries", app.post_webhook(&first), rest).await;
    assert_eq!(first.status(), 200);

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

/// An app whose sends' writes queue while the test holds the ledger's write lock.
async fn app_for_sends(credits: &str) -> TestApp {
    app_for_sends_with(credits, TestApp::builder()).await
}

/// [`app_for_sends`] from `builder`.
async fn app_for_sends_with(credits: &str, builder: TestAppBuilder) -> TestApp {
    builder
        .env("METRICS_TOKEN", TOKEN)
        .env("INGEST_BATCH_MAX", &BATCH_MAX.to_string())
        .env("DEFAULT_MONTHLY_CREDITS", credits)
        .env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false")
        .env("WHATSAPP_PAIR_BURST", "100")
        .spawn()
        .await
}

fn text_to(contact: &str) -> Value {
    json!({ "to": contact, "type": "text", "text": { "body": "Bonjour" } })
}

/// Posts `first`, then after 150 ms (once its reservation holds the writer) every one of
/// `rest`, while the ledger's write lock is held for 600 ms; the answers to `rest`, in order.
async fn send_while_locked(app: &TestApp, first: &Value, rest: &[Value]) -> Vec<reqwest::Response> {
    let token = app.admin_token();
    let rest = rest.iter().map(|message| app.send(message, Some(&token))).collect();
    let (first, rest) = first_then_rest_while_locked(app, "credit_ledger", app.send(first, Some(&token)), rest).await;
    assert_eq!(first.status(), 200);
    rest
}

#[tokio::test]
async fn sends_arriving_together_share_commits_in_bounded_batches_and_each_is_charged_once() {
    let app = app_for_sends(&DEFAULT_CREDITS.to_string()).await;
    let contacts = ["33611111111", "33622222222", "33633333333"];
    let rest: Vec<Value> = (1..24).map(|n| text_to(contacts[n % 3])).collect();
    let responses = send_while_locked(&app, &text_to(contacts[0]), &rest).await;

    for response in responses {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(app.graph.requests().len(), 24, "every send reached Meta once");
    assert_eq!(app.count("conversations").await, 24, "and was stored once");
    for contact in contacts {
        let user = app.user_by_phone(contact).await;
        assert_eq!(user.current_month_credits, DEFAULT_CREDITS - 8, "{contact}: one credit per text");
    }
    app.assert_ledger_matches_balances().await;
    let metrics = scrape(&app).await;
    let commits = metrics.value("wagate_send_write_batch_size_count", &[]);
    assert_eq!(metrics.value("wagate_send_write_batch_size_sum", &[]), 48.0, "24 reservations, 24 stored messages");
    assert!(commits < 48.0, "queued reservations share commits: {commits} commits");
    let within_max = metrics.value("wagate_send_write_batch_size_bucket", &[("le", &BATCH_MAX.to_string())]);
    assert_eq!(within_max, commits, "no batch is larger than INGEST_BATCH_MAX");
}

#[tokio::test]
async fn a_refused_send_fails_alone_and_its_batch_mates_are_sent_and_charged() {
    let (ana, bea, cyd) = ("33611111111", "33622222222", "33633333333");
    let app = app_for_sends("3").await;
    // Ana can pay for three of her four texts: the fourth is refused inside the batch, having
    // written nothing, and the batch's other reservations commit together.
    let rest = [ana, cyd, ana, ana, cyd, ana].map(text_to);
    let responses = send_while_locked(&app, &text_to(bea), &rest).await;

    let statuses: Vec<(&str, u16)> = rest
        .iter()
        .zip(&responses)
        .map(|(m, r)| (if m["to"] == ana { "ana" } else { "cyd" }, r.status().as_u16()))
        .collect();
    let count = |who: &str, status: u16| statuses.iter().filter(|s| **s == (who, status)).count();
    assert_eq!((count("ana", 200), count("ana", 402), count("cyd", 200)), (3, 1, 2), "{statuses:?}");
    assert_eq!(app.graph.requests().len(), 6, "the refused text never reached Meta");
    assert_eq!(app.count("conversations").await, 6);
    let balances = join_all([ana, bea, cyd].map(|contact| app.user_by_phone(contact))).await;
    assert_eq!(balances.iter().map(|user| user.current_month_credits).collect::<Vec<_>>(), [0, 2, 1]);
    app.assert_ledger_matches_balances().await;
    let metrics = scrape(&app).await;
    // A refused reservation alone would be rolled back and not counted: 13 shows it shared its
    // batch-mates' commit.
    let units = metrics.value("wagate_send_write_batch_size_sum", &[]);
    assert_eq!(units, 13.0, "7 reservations (the refused one among them), 6 stored messages");
}

#[tokio::test]
async fn a_first_time_contact_whose_send_is_refused_is_not_created_when_its_batch_mates_commit() {
    let (ana, bea, dee) = ("33611111111", "33622222222", "33644444444");
    // One writer, so that Ana's and Dee's sends share a batch on PostgreSQL too.
    let app = app_for_sends_with("1", TestApp::builder().env("INGEST_WRITERS", "1")).await;
    // Everyone new starts with 1 credit: Ana's text is paid, Dee's image (2 credits) is refused
    // in the same batch, which commits for Ana.
    let image_to_dee = json!({ "to": dee, "type": "image", "image": { "link": "https://example.com/a.jpg" } });
    let responses = send_while_locked(&app, &text_to(bea), &[text_to(ana), image_to_dee]).await;

    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 402]);
    let units = scrape(&app).await.value("wagate_send_write_batch_size_sum", &[]);
    assert_eq!(units, 5.0, "3 reservations (Dee's among them), 2 stored messages: Dee's shared Ana's commit");
    let dee_user = user::Entity::find().filter(user::Column::Phone.eq(dee)).one(app.db()).await.expect("query");
    assert!(dee_user.is_none(), "a refused send leaves no user behind: {dee_user:?}");
    assert_eq!(app.user_by_phone(ana).await.current_month_credits, 0);
    app.assert_ledger_matches_balances().await;
}

fn outbound(wamid: &str) -> OutboundMessage {
    OutboundMessage {
        message_id: wamid.to_owned(),
        from: meta::BUSINESS_NUMBER.to_owned(),
        phone_number_id: meta::PHONE_NUMBER_ID.to_owned(),
        to: "33611111111".to_owned(),
        kind: "text".to_owned(),
        raw: json!({ "to": "33611111111", "type": "text", "text": { "body": "Bonjour" } }),
        credits_charged: 1,
        send_ref: None,
    }
}

#[tokio::test]
async fn recording_a_wamid_again_answers_with_the_row_stored_first() {
    let app = TestApp::spawn().await;
    let first = app.domain().record_outbound(outbound("wamid.AGAIN")).await.expect("stored");
    let mut again = outbound("wamid.AGAIN");
    again.credits_charged = 5;
    let second = app.domain().record_outbound(again).await.expect("answered");
    assert_eq!(second, first, "the row as first stored, not the second record's");
    assert_eq!(app.count("conversations").await, 1);
}

#[tokio::test]
async fn a_sent_message_the_store_refuses_fails_alone_and_the_rest_of_its_batch_is_stored() {
    let app = TestApp::builder().env("METRICS_TOKEN", TOKEN).spawn().await;
    poison(&app).await;
    let ids: Vec<String> =
        (0..6).map(|n| if n == 2 { "wamid.POISON".to_owned() } else { format!("wamid.SENT{n}") }).collect();
    let first = app.domain().record_outbound(outbound("wamid.FIRST"));
    let rest = ids.iter().map(|id| app.domain().record_outbound(outbound(id))).collect();
    let (first, results) = first_then_rest_while_locked(&app, "conversations", first, rest).await;
    assert_eq!(first.expect("the first is stored").message_id, "wamid.FIRST");

    for (id, result) in ids.iter().zip(&results) {
        match result {
            Ok(stored) => assert_eq!(&stored.message_id, id),
            Err(error) => assert_eq!((id.as_str(), error.code()), ("wamid.POISON", "UNAVAILABLE"), "{error:?}"),
        }
    }
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1, "only the refused message fails");
    assert_eq!(app.count("conversations").await, 6, "the first and the five others are stored");
    let metrics = scrape(&app).await;
    assert_eq!(
        metrics.value("wagate_send_write_batch_size_count", &[]),
        6.0,
        "the first, then the failed batch of six written again one by one (five commits)"
    );
}
