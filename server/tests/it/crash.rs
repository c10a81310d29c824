//! A crash under load: `wagate serve` is killed with SIGKILL while several clients post Meta's
//! deliveries. What it acknowledged must be stored, no delivery may be half stored, and once
//! it is restarted on the same database every delivery posted again (as Meta retries, the
//! acknowledged ones too) is stored once and charged once.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use crate::support::{
    TestApp,
    load::{self, Answer},
    process::ServerProcess,
    wait_until,
    workload::{self, Workload},
};

const CLIENTS: usize = 4;

#[tokio::test]
async fn a_server_killed_under_load_keeps_what_it_acknowledged_and_replays_store_everything_once() {
    let app = TestApp::builder().env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    let contacts = workload::contacts("3361700", 8);
    let sent = workload::send_texts(&app, &contacts, 3).await;
    let work = Workload::new("CRASH", &contacts, 24, &sent);
    let env = app.server_env();
    let server = ServerProcess::start(&env);
    let address = server.address.clone();

    let acknowledged = AtomicUsize::new(0);
    let strike_after = work.deliveries.len() / 3;
    let (answers, ()) = tokio::join!(load::post_each_once(&address, &work.deliveries, CLIENTS, &acknowledged), async {
        let strike = || async { acknowledged.load(Ordering::SeqCst) >= strike_after };
        wait_until("a third of the deliveries is acknowledged", Duration::from_secs(30), strike).await;
        server.kill_hard();
    });
    for answer in &answers {
        assert!(
            answer.is_acknowledged() || matches!(answer, Answer::Unanswered(_)),
            "until the kill every answer is 200, then none comes: {answer}"
        );
    }
    let acked: Vec<usize> = (0..answers.len()).filter(|i| answers[*i].is_acknowledged()).collect();
    assert!(acked.len() < work.deliveries.len(), "the kill struck before the load ended");

    let restarted = ServerProcess::start(&env);
    assert_eq!(work.partly_stored(&app).await, Vec::<usize>::new(), "deliveries half stored");
    work.assert_stored(&app, &acked).await;
    load::post_until_acknowledged(&restarted.address, &work.deliveries, CLIENTS, Duration::from_secs(30)).await;
    work.assert_all_stored_once(&app).await;
}
