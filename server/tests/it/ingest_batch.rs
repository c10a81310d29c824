//! Set-based batches: the deliveries of one transaction are stored with a few multi-row
//! statements, and give the rows, balances, ledger and reports the item-by-item rules give.

use std::time::Duration;

use futures::future::join_all;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::{Value, json};
use wagate::store::entity::{conversation, credit_ledger};

use crate::support::{TestApp, meta};

/// Posts `bodies` while the store's write lock is held, so that they queue and are committed
/// together (behind the first, which the writer took alone), and returns their reports.
async fn post_together(app: &TestApp, bodies: &[Value]) -> Vec<Value> {
    let blocker = app.db().begin().await.expect("begin");
    let lock = match blocker.get_database_backend() {
        DbBackend::Postgres => "LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE",
        _ => "DELETE FROM webhook_deliveries WHERE id = -1",
    };
    blocker.execute_unprepared(lock).await.expect("take the write lock");
    let posting = join_all(bodies.iter().map(|body| app.post_webhook(body)));
    let released = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        blocker.rollback().await.expect("release the write lock");
    };
    let (responses, ()) = tokio::join!(posting, released);
    let mut reports = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        reports.push(response.json().await.expect("report"));
    }
    reports
}

fn image(id: &str, from: &str) -> Value {
    meta::message(id, from, 1_700_000_000, "image", json!({ "id": format!("media-{id}"), "mime_type": "image/jpeg" }))
}

fn sum(reports: &[Value], field: &str) -> u64 {
    reports.iter().map(|r| r[field].as_u64().expect(field)).sum()
}

async fn charged(app: &TestApp, wamid: &str) -> i64 {
    let row = conversation::Entity::find().filter(conversation::Column::MessageId.eq(wamid)).one(app.db()).await;
    row.expect("query").expect("stored").credits_charged
}

/// Every user's ledger, in order, is a running balance that ends on the stored balance.
async fn assert_running_balances(app: &TestApp) {
    app.assert_ledger_matches_balances().await;
    let ledger = credit_ledger::Entity::find().order_by_asc(credit_ledger::Column::Id).all(app.db()).await;
    let mut balances = std::collections::HashMap::new();
    for entry in ledger.expect("ledger") {
        let balance = balances.entry(entry.user_id).or_insert(0);
        *balance += entry.delta;
        assert_eq!(entry.balance_after, *balance, "ledger row {} of user {}", entry.id, entry.user_id);
    }
}

#[tokio::test]
async fn a_batch_mixing_known_and_new_contacts_charges_each_down_to_zero_at_most() {
    let app = TestApp::builder().env("DEFAULT_MONTHLY_CREDITS", "5").env("INGEST_WRITERS", "1").spawn().await;
    let known: Vec<String> = (0..6).map(|n| format!("3361000000{n}")).collect();
    for phone in &known {
        app.deliver(&meta::text_notification(&format!("wamid.K{phone}"), phone, 1, "hello")).await;
    }
    // Each of 12 contacts (6 known with 4 credits left, 6 new with 5) sends three images (2 each).
    let contacts: Vec<String> = known.iter().cloned().chain((0..6).map(|n| format!("3362000000{n}"))).collect();
    let bodies: Vec<Value> = contacts
        .iter()
        .map(|phone| {
            let images = (0..3).map(|i| image(&format!("wamid.I{phone}{i}"), phone)).collect();
            meta::envelope(vec![meta::contact(phone, "Batch")], images, vec![])
        })
        .collect();
    let reports = post_together(&app, &bodies).await;

    assert_eq!((sum(&reports, "messages_stored"), sum(&reports, "messages_duplicate")), (36, 0));
    assert_eq!(sum(&reports, "credits_charged"), 6 * 4 + 6 * 5, "every contact is charged its whole balance");
    assert_eq!(app.count("users").await, 12);
    for phone in &contacts {
        assert_eq!(app.user_by_phone(phone).await.current_month_credits, 0, "{phone}");
        let first_two =
            [charged(&app, &format!("wamid.I{phone}0")).await, charged(&app, &format!("wamid.I{phone}1")).await];
        assert_eq!(first_two, [2, 2], "{phone}");
    }
    for phone in &known {
        assert_eq!(charged(&app, &format!("wamid.I{phone}2")).await, 0, "{phone} had 4 credits");
    }
    // Known: grant and first text, then two charges; new: grant, then three charges.
    assert_eq!(app.count("credit_ledger").await, 6 * 2 + 6 * 2 + 6 * 4);
    assert_running_balances(&app).await;
}

#[tokio::test]
async fn copies_of_a_message_in_one_batch_store_one_row_and_charge_once() {
    let app = TestApp::builder().env("INGEST_WRITERS", "1").spawn().await;
    let twice = meta::envelope(
        vec![meta::contact("33630000000", "Twice")],
        vec![meta::text("wamid.D1", "33630000000", 1, "a"), meta::text("wamid.D1", "33630000000", 1, "a")],
        vec![],
    );
    let report = app.deliver(&twice).await;
    assert_eq!((report["messages_stored"].as_u64(), report["messages_duplicate"].as_u64()), (Some(1), Some(1)));
    assert_eq!(report["credits_charged"], 1);

    let again = meta::text_notification("wamid.D2", "33630000000", 2, "b");
    let reports = post_together(&app, &[again.clone(), again.clone(), again.clone(), twice]).await;
    assert_eq!((sum(&reports, "messages_stored"), sum(&reports, "messages_duplicate")), (1, 4));
    assert_eq!(sum(&reports, "credits_charged"), 1);
    assert_eq!(app.count("conversations").await, 2);
    assert_eq!(app.count("credit_ledger").await, 3, "one grant and one charge per message");
    assert_eq!(app.count("webhook_deliveries").await, 5, "every POST is kept");
    assert_eq!(app.user_by_phone("33630000000").await.current_month_credits, 98);
    assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_duplicate_ahead_in_the_batch_does_not_change_what_the_next_messages_are_charged() {
    let app = TestApp::builder().env("DEFAULT_MONTHLY_CREDITS", "5").spawn().await;
    app.deliver(&meta::envelope(vec![], vec![image("wamid.E1", "33640000000")], vec![])).await;
    // 3 credits left: the copy of E1 charges nothing, so E2 is charged 2 and E3 the last one.
    let images = ["wamid.E1", "wamid.E2", "wamid.E3"].iter().map(|id| image(id, "33640000000")).collect();
    let report = app.deliver(&meta::envelope(vec![], images, vec![])).await;
    assert_eq!((report["messages_stored"].as_u64(), report["credits_charged"].as_i64()), (Some(2), Some(3)));
    assert_eq!([charged(&app, "wamid.E2").await, charged(&app, "wamid.E3").await], [2, 1]);
    assert_eq!(app.user_by_phone("33640000000").await.current_month_credits, 0);
    assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_status_before_and_after_its_message_in_one_delivery_moves_it_forward_once() {
    let app = TestApp::spawn().await;
    let contact = "33650000000";
    let early = meta::envelope(vec![], vec![], vec![meta::status("wamid.S1", "delivered", 1, contact)]);
    let late = meta::envelope(
        vec![meta::contact(contact, "Both")],
        vec![meta::text("wamid.S1", contact, 1, "hi")],
        vec![meta::status("wamid.S1", "read", 2, contact), meta::status("wamid.S1", "sent", 3, contact)],
    );
    let mut body = early.clone();
    body["entry"].as_array_mut().expect("entries").push(late["entry"][0].clone());
    let report = app.deliver(&body).await;
    assert_eq!(report["messages_stored"], 1);
    assert_eq!(report["statuses_recorded"], 3, "every report is kept");
    assert_eq!(report["statuses_applied"], 1, "read moved the message; sent came too late");
    let row = conversation::Entity::find().one(app.db()).await.expect("query").expect("stored");
    assert_eq!(row.status, "read");
    assert_eq!(app.count("status_events").await, 3);
}

#[tokio::test]
async fn a_batch_too_large_for_one_statement_is_written_in_chunks() {
    let app = TestApp::spawn().await;
    // More rows than one statement's bound parameters allow for messages (20 columns each)
    // and for ledger rows (a grant and a charge per contact, 8 columns each).
    let contacts: Vec<String> = (0..2_100).map(|n| format!("3367{n:07}")).collect();
    let messages = contacts.iter().map(|phone| meta::text(&format!("wamid.L{phone}"), phone, 1, "bulk")).collect();
    let report = app.deliver(&meta::envelope(vec![], messages, vec![])).await;
    assert_eq!((report["messages_stored"].as_u64(), report["credits_charged"].as_u64()), (Some(2_100), Some(2_100)));
    assert_eq!(app.count("conversations").await, 2_100);
    assert_eq!(app.count("users").await, 2_100);
    assert_eq!(app.count("credit_ledger").await, 4_200);
    for phone in [&contacts[0], &contacts[1_637], &contacts[1_638], &contacts[2_099]] {
        let user = app.user_by_phone(phone).await;
        assert_eq!(user.current_month_credits, crate::support::DEFAULT_CREDITS - 1, "{phone}");
        let row = conversation::Entity::find().filter(conversation::Column::MessageId.eq(format!("wamid.L{phone}")));
        assert_eq!(row.one(app.db()).await.expect("query").expect("stored").user_id, user.id, "{phone}");
    }
    assert_running_balances(&app).await;
}

#[tokio::test]
async fn the_statements_of_a_batch_do_not_grow_with_its_messages() {
    // The media job and the text index (SQLite) poll the database too; kept quiet here.
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").env("TEXT_INDEX_INTERVAL_MS", "3600000").spawn().await;
    // The first delivery also opens connections.
    app.deliver(&meta::text_notification("wamid.WARM", "33680099999", 1, "x")).await;
    app.wait_for_statements_to_settle().await;
    let mut counts = Vec::new();
    for (size, offset) in [(4, 0), (40, 100)] {
        let messages = (offset..offset + size)
            .map(|n| meta::text(&format!("wamid.N{n}"), &format!("336800{n:05}"), 1, "x"))
            .collect();
        let statuses = (offset..offset + size).map(|n| meta::status(&format!("wamid.O{n}"), "sent", 1, "1")).collect();
        let before = app.statements();
        app.deliver(&meta::envelope(vec![], messages, statuses)).await;
        counts.push(app.statements() - before);
    }
    assert_eq!(counts[0], counts[1], "statements for 8 and for 80 events: {counts:?}");
    // Round trips, besides `BEGIN` and `COMMIT`: the contacts, the new ones' insert, the
    // messages' insert, the reports', the messages the reports name, the reports already
    // recorded, the charges already made, the ledger's insert, then the deliveries' insert with
    // the balances' and statuses' deferred updates (SQLite). PostgreSQL runs those updates on
    // their own.
    let expected = match app.db().get_database_backend() {
        DbBackend::Postgres => 11,
        _ => 9,
    };
    assert_eq!(counts[0], expected, "statements per batch");
}
