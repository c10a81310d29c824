//! The database goes away and comes back: a TCP proxy between `wagate serve` and PostgreSQL
//! is switched off (every connection cut, new ones refused) while clients post Meta's
//! deliveries, then on again. Webhooks get a quick 503 and nothing partial is written; once
//! the database is back, the same deliveries are acknowledged and stored once.
//!
//! PostgreSQL only: `make test-postgres` runs it with a throwaway cluster
//! (`scripts/with-postgres.sh cargo test -p wagate --test store_outage`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

// The whole harness is shared with the main suite; this test uses a part of it.
#[allow(dead_code)]
#[path = "../it/support/mod.rs"]
mod support;

mod proxy;

use std::{
    net::SocketAddr,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use support::{
    TestApp,
    load::{self, Answer},
    process::ServerProcess,
    wait_until,
    workload::{self, Delivery, Workload},
};

const CLIENTS: usize = 3;
/// How long the server waits for a database connection before it answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest a 503 may take: the wait for a connection, and time to answer.
const QUICK_503: Duration = Duration::from_secs(3);

// Worker threads run the proxy while the test thread waits for the server to start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_gone_webhooks_get_a_quick_503_and_once_it_is_back_the_same_deliveries_are_stored_once() {
    require_postgres();
    // The app in the test process reaches PostgreSQL directly: it seeds sends and reads the store.
    let app = TestApp::builder().env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    let (server, mut proxy) = serve_behind_a_proxy(&app).await;
    let contacts = workload::contacts("3361800", 4);
    let sent = workload::send_texts(&app, &contacts, 2).await;
    let work = Workload::new("OUTAGE", &contacts, 6, &sent);

    let acknowledged = AtomicUsize::new(0);
    let cut_after = work.deliveries.len() / 3;
    let (answers, ()) =
        tokio::join!(load::post_each_once(&server.address, &work.deliveries, CLIENTS, &acknowledged), async {
            let cut = || async { acknowledged.load(Ordering::SeqCst) >= cut_after };
            wait_until("a third of the deliveries is acknowledged", Duration::from_secs(30), cut).await;
            proxy.switch_off().await;
        });
    for answer in &answers {
        // The message, the server's output included, is only built when the assertion fails.
        assert!(
            answer.is_acknowledged() || is_quick_503(answer),
            "acknowledged, or a quick 503: {answer}\n{}",
            warnings(&server)
        );
    }
    let acked: Vec<usize> = (0..answers.len()).filter(|i| answers[*i].is_acknowledged()).collect();
    assert!(acked.len() < work.deliveries.len(), "the database went away before the load ended");
    let refused = answers.iter().position(|a| !a.is_acknowledged()).expect("a refused delivery");
    assert_gone(&app, &server, &work.deliveries[refused]).await;
    assert_eq!(work.partly_stored(&app).await, Vec::<usize>::new(), "deliveries half stored");
    work.assert_stored(&app, &acked).await;

    proxy.switch_on().await;
    let readyz = format!("{}/readyz", server.address);
    let ready = || async { reqwest::get(&readyz).await.is_ok_and(|r| r.status() == 200) };
    wait_until("readyz answers 200 once the database is back", Duration::from_secs(15), ready).await;
    load::post_until_acknowledged(&server.address, &work.deliveries, CLIENTS, Duration::from_secs(20)).await;
    work.assert_all_stored_once(&app).await;
}

/// The server's warnings and errors so far, to tell why an answer was slow.
fn warnings(server: &ServerProcess) -> String {
    let output = server.output();
    let lines: Vec<&str> = output.lines().filter(|line| line.contains("WARN") || line.contains("ERROR")).collect();
    format!("the server's warnings and errors:\n{}", lines.join("\n"))
}

/// `wagate serve` on the app's database, reached through a proxy.
async fn serve_behind_a_proxy(app: &TestApp) -> (ServerProcess, proxy::SwitchableProxy) {
    let (before_host, host, after_host) = split_host(&app.database_url);
    let proxy = proxy::SwitchableProxy::start(resolve(host).await).await;
    let mut env = app.server_env();
    env.retain(|(name, _)| *name != "DATABASE_URL");
    env.push(("DATABASE_URL", format!("{before_host}{}{after_host}", proxy.address)));
    env.push(("DATABASE_ACQUIRE_TIMEOUT_MS", ACQUIRE_TIMEOUT.as_millis().to_string()));
    (ServerProcess::start(&env), proxy)
}

/// With the database gone: readyz says so quickly, the process is alive, and posting
/// `delivery` gets a quick 503 and writes nothing.
async fn assert_gone(app: &TestApp, server: &ServerProcess, delivery: &Delivery) {
    let started = Instant::now();
    let ready = reqwest::get(format!("{}/readyz", server.address)).await.expect("readyz");
    assert_eq!(ready.status(), 503, "readyz while the database is gone");
    assert!(started.elapsed() < QUICK_503, "readyz took {:?}", started.elapsed());
    let alive = reqwest::get(format!("{}/healthz", server.address)).await.expect("healthz");
    assert_eq!(alive.status(), 200, "the process itself is alive");
    let stored_before = table_sizes(app).await;
    let again = load::post_each_once(&server.address, std::slice::from_ref(delivery), 1, &AtomicUsize::new(0)).await;
    assert!(is_quick_503(&again[0]), "posted while the database is gone: {}", again[0]);
    assert_eq!(table_sizes(app).await, stored_before, "nothing is written while the database is gone");
}

fn is_quick_503(answer: &Answer) -> bool {
    matches!(answer, Answer::Status(503, after) if *after < QUICK_503)
}

fn require_postgres() {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {}
        _ => panic!(
            "the store outage test needs PostgreSQL: run `make test-postgres` (it starts a throwaway cluster) \
             or `scripts/with-postgres.sh cargo test -p wagate --test store_outage`, \
             or set TEST_DATABASE_URL=postgres://…"
        ),
    }
}

/// `url` around its `host:port`: (what comes before, `host:port`, what comes after).
fn split_host(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").expect("a database URL") + 3;
    let end = url[start..].find(['/', '?']).map_or(url.len(), |i| start + i);
    let start = url[start..end].rfind('@').map_or(start, |at| start + at + 1);
    (&url[..start], &url[start..end], &url[end..])
}

async fn resolve(host: &str) -> SocketAddr {
    let with_port = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    tokio::net::lookup_host(&with_port).await.expect("resolve PostgreSQL's host").next().expect("an address")
}

/// Row counts of every table a delivery writes to.
async fn table_sizes(app: &TestApp) -> Vec<i64> {
    let mut sizes = Vec::new();
    for table in ["webhook_deliveries", "conversations", "status_events", "credit_ledger", "users"] {
        sizes.push(app.count(table).await);
    }
    sizes
}
