//! Two `wagate serve` processes on one PostgreSQL database: a webhook ingested by one reaches
//! a subscription held on the other, through LISTEN/NOTIFY.
//!
//! PostgreSQL only: `make test-postgres` runs it with a throwaway cluster
//! (`scripts/with-postgres.sh cargo test -p wagate --test multi_instance`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

// The harness modules are shared with the main suite; this test uses a part of each.
#[allow(dead_code)]
#[path = "it/support/meta.rs"]
mod meta;
#[allow(dead_code)]
#[path = "it/support/postgres.rs"]
mod postgres;
#[allow(dead_code)]
#[path = "it/support/process.rs"]
mod process;
#[allow(dead_code)]
#[path = "it/support/ws.rs"]
mod ws;

use std::time::{Duration, Instant};

use serde_json::json;
use wagate::whatsapp::signature;

const APP_SECRET: &str = "multi-instance-app-secret";
const JWT_SECRET: &str = "multi-instance-jwt-secret-0123456789abcdef";

fn postgres_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => panic!(
            "the multi-instance test needs PostgreSQL: run `make test-postgres` (it starts a throwaway cluster) \
             or set TEST_DATABASE_URL=postgres://…"
        ),
    }
}

#[tokio::test]
async fn an_event_ingested_by_one_instance_reaches_a_subscriber_of_the_other() {
    let (_, ingesting, _watching, mut live) =
        two_instances_and_a_subscriber("subscription { messageEvents { kind conversation { messageId content } } }")
            .await;

    let posted = Instant::now();
    post_webhook(&ingesting, "wamid.CROSS", "à travers").await;
    let payload = live.next_result().await;
    let waited = posted.elapsed();
    let event = &payload["data"]["messageEvents"];
    assert_eq!(event["kind"], "NEW_MESSAGE", "{payload}");
    assert_eq!(event["conversation"], json!({ "messageId": "wamid.CROSS", "content": "à travers" }));
    assert!(waited < Duration::from_secs(1), "the event crossed instances in {waited:?}");
}

/// What another instance changed while the relay's connection was down cannot be relayed: its
/// subscribers are told to re-query once it listens again, and events flow on after.
#[tokio::test]
async fn a_subscriber_is_told_to_re_query_when_the_relay_reconnects() {
    use sea_orm::ConnectionTrait;
    let (database_url, ingesting, _watching, mut live) =
        two_instances_and_a_subscriber("subscription { messageEvents { conversation { messageId } } }").await;

    let db = sea_orm::Database::connect(&database_url).await.expect("connect");
    db.execute_unprepared(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .await
    .expect("cut the relays' connections");
    let told = live.next_result().await;
    assert_eq!(told["errors"][0]["extensions"]["code"], "LAGGED", "{told}");
    assert!(told["errors"][0]["message"].as_str().is_some_and(|m| m.contains("re-query")), "{told}");

    // Told once it listens again, so what the other instance changes now reaches the subscriber.
    post_webhook(&ingesting, "wamid.AFTER", "après").await;
    assert_eq!(live.next_result().await["data"]["messageEvents"]["conversation"]["messageId"], "wamid.AFTER");
}

/// Instances starting together on a fresh database each apply the migrations at start.
#[tokio::test]
async fn instances_migrating_a_fresh_database_together_all_start() {
    let database_url = postgres::create_database(&postgres_url()).await;
    let starts = (0..4).map(|_| {
        let url = database_url.clone();
        tokio::spawn(async move {
            let db = sea_orm::Database::connect(&url).await.expect("connect");
            wagate::store::migrate(&db).await
        })
    });
    for started in futures::future::join_all(starts).await {
        started.expect("join").expect("each instance finds the database migrated or migrates it");
    }
}

/// Two instances creating or merging one contact at once: the one that loses the race on the
/// users' unique phone or BSUID writes its batch again (rare, so shown on the error it meets).
#[tokio::test]
async fn a_contact_another_instance_wrote_first_is_worth_writing_the_batch_again() {
    use sea_orm::ConnectionTrait;
    let database_url = postgres::create_database(&postgres_url()).await;
    let db = sea_orm::Database::connect(&database_url).await.expect("connect");
    wagate::store::migrate(&db).await.expect("migrate");
    let insert = "INSERT INTO users (phone, current_month_credits, monthly_allowance, credits_period, created_at) \
                  VALUES ('33612345678', 100, 100, '2026-12', now())";
    db.execute_unprepared(insert).await.expect("the first contact");
    let second = db.execute_unprepared(insert).await.expect_err("the same phone again");
    assert!(wagate::store::is_unique_violation_in(&second, "users"), "{second:?}");
    assert!(!wagate::store::is_unique_violation_in(&second, "conversations"));
}

/// Two instances on a fresh database, and an admin's `subscription` on the second, shown to be
/// in place by a message that instance ingested itself (`wamid.LOCAL`).
async fn two_instances_and_a_subscriber(
    subscription: &str,
) -> (String, process::ServerProcess, process::ServerProcess, ws::LiveClient) {
    let database_url = postgres::create_database(&postgres_url()).await;
    let env =
        [("DATABASE_URL", database_url.as_str()), ("WHATSAPP_APP_SECRET", APP_SECRET), ("JWT_SECRET", JWT_SECRET)];
    let ingesting = process::ServerProcess::start(&env);
    let watching = process::ServerProcess::start(&env);
    let admin = wagate::auth::JwtKeys::new(&wagate::config::Secret::new(JWT_SECRET))
        .issue(wagate::auth::Role::Admin, None, Duration::from_secs(600))
        .expect("token");
    let mut live = ws::LiveClient::with_token(&watching.address, &admin).await;
    live.subscribe(subscription, json!({})).await;
    wait_until_listening(&watching).await;
    post_webhook(&watching, "wamid.LOCAL", "ici").await;
    assert_eq!(live.next_result().await["data"]["messageEvents"]["conversation"]["messageId"], "wamid.LOCAL");
    (database_url, ingesting, watching, live)
}

async fn post_webhook(server: &process::ServerProcess, wamid: &str, text: &str) {
    let body = meta::wire_bytes(&meta::text_notification(wamid, "33612345678", 1_764_000_000, text));
    let response = reqwest::Client::new()
        .post(format!("{}/api/whatsapp/webhook", server.address))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature::sign(APP_SECRET, &body))
        .body(body)
        .send()
        .await
        .expect("webhook");
    assert_eq!(response.status(), 200, "{wamid}");
}

/// The relay's LISTEN may start a moment after the server logs its address; it logs it.
async fn wait_until_listening(server: &process::ServerProcess) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log_messages().iter().any(|m| m.contains("listening for other instances")) {
        assert!(Instant::now() < deadline, "the second instance never started listening: {:?}", server.log_messages());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
