//! Logs never hold requests back: a reader of the server's output that stops reading (a stuck
//! log shipper, a full pipe) costs log lines at worst, never answers. And what an operator must
//! see is logged.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::json;
use wagate::whatsapp::signature;

use crate::support::{APP_SECRET, TestApp, meta, process::ServerProcess};

/// Enough deliveries for their log lines to fill a pipe (64 KiB) several times over.
const DELIVERIES: usize = 600;

#[tokio::test]
async fn requests_are_answered_while_nobody_reads_the_servers_log() {
    let app = TestApp::spawn().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wagate"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs([("LOG_FORMAT", "json"), ("BIND_ADDR", "127.0.0.1:0"), ("RUST_LOG", "info")])
        .envs(app.server_env())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wagate serve");
    // Read until the address, then hold the pipe open without reading it again.
    let mut log = BufReader::new(child.stdout.take().expect("stdout"));
    let address = loop {
        let mut line = String::new();
        assert!(log.read_line(&mut line).expect("read the log") > 0, "wagate serve exited before listening");
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(addr) = entry["fields"]["addr"].as_str() {
            break format!("http://{addr}");
        }
    };

    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let started = Instant::now();
    for n in 0..DELIVERIES {
        let bytes = meta::wire_bytes(&meta::text_notification(&format!("wamid.LOG{n}"), "33611111111", 1, "hi"));
        let response = client
            .post(format!("{address}/api/whatsapp/webhook"))
            .header("x-hub-signature-256", signature::sign(APP_SECRET, &bytes))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delivery {n} was not answered while the log went unread: {e}"));
        assert_eq!(response.status(), 200, "delivery {n}");
    }
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(app.count("conversations").await, DELIVERIES as i64);
    assert!(took < Duration::from_secs(60), "{DELIVERIES} deliveries took {took:?}");
}

#[tokio::test]
async fn an_error_meta_reports_for_the_whole_number_is_logged_as_a_warning() {
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("warn.db").display());
    let server = ServerProcess::start(&[("DATABASE_URL", database.as_str()), ("WHATSAPP_APP_SECRET", APP_SECRET)]);
    let mut notification = meta::envelope(vec![], vec![], vec![]);
    notification["entry"][0]["changes"][0]["value"]["errors"] = json!([{ "code": 131000, "title": "Something went wrong",
        "message": "Something went wrong", "error_data": { "details": "the number's account is restricted" } }]);
    let bytes = meta::wire_bytes(&notification);
    let response = reqwest::Client::new()
        .post(format!("{}/api/whatsapp/webhook", server.address))
        .header("x-hub-signature-256", signature::sign(APP_SECRET, &bytes))
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("webhook");
    assert_eq!(response.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log_messages().iter().any(|m| m == "Meta reported an error for the business number") {
        assert!(Instant::now() < deadline, "no warning in:\n{}", server.output());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = server.output();
    assert!(output.contains("131000") && output.contains("the number's account is restricted"), "{output}");
}
