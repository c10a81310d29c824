//! Secrets never reach the log: the real server, logging at `debug`, is put through every path
//! that handles a secret (webhook verification and signatures, sign-in, bearer tokens over HTTP
//! and WebSocket, sending with the Graph API token, metrics scrapes, refusals of each), and its
//! whole output is searched for them.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wagate::whatsapp::signature;

use crate::support::{fake_graph::FakeGraph, meta, process::ServerProcess, ws::LiveClient};

const APP_SECRET: &str = "app-secret-Zq81xYw";
const GRAPH_TOKEN: &str = "EAAGgraphTokenKq93Lm";
const JWT_SECRET: &str = "jwt-secret-Vb27Rt-0123456789abcdefghij";
const VERIFY_TOKEN: &str = "verify-token-Hn45Pq";
const METRICS_TOKEN: &str = "metrics-token-Wd83Zc";
const WRONG_METRICS_TOKEN: &str = "metrics-token-Wd83Zx";
const ADMIN_EMAIL: &str = "logs@example.com";
const WRONG_PASSWORD: &str = "wrong-password-Ux66Ye";
const ANA: &str = "33612345678";

#[tokio::test]
async fn no_secret_or_token_appears_in_the_log() {
    let graph = FakeGraph::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let api_base = format!("{}/v23.0", graph.base);
    let server = ServerProcess::start(&[
        ("DATABASE_URL", database.as_str()),
        ("RUST_LOG", "debug"),
        ("JWT_SECRET", JWT_SECRET),
        ("WHATSAPP_APP_SECRET", APP_SECRET),
        ("WHATSAPP_WEBHOOK_TOKEN", VERIFY_TOKEN),
        ("WHATSAPP_TOKEN", GRAPH_TOKEN),
        ("WHATSAPP_PHONE_NUMBER_ID", meta::PHONE_NUMBER_ID),
        ("WHATSAPP_API_BASE", api_base.as_str()),
        ("ADMIN_EMAIL", ADMIN_EMAIL),
        ("METRICS_TOKEN", METRICS_TOKEN),
    ]);
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.address);

    // Meta's verification, right and wrong.
    let verify =
        |token: &str| format!("/api/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=42");
    assert_eq!(http.get(url(&verify(VERIFY_TOKEN))).send().await.expect("verify").status(), 200);
    assert_eq!(http.get(url(&verify("not-the-token"))).send().await.expect("verify").status(), 403);

    // A signed delivery, and one signed with the wrong secret.
    let body = meta::wire_bytes(&meta::text_notification("wamid.LOG1", ANA, now(), "bonjour"));
    for (secret, status) in [(APP_SECRET, 200), ("not-the-app-secret", 401)] {
        let response = http
            .post(url("/api/whatsapp/webhook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature::sign(secret, &body))
            .body(body.clone())
            .send()
            .await
            .expect("webhook");
        assert_eq!(response.status(), status);
    }

    // Sign-in with the printed one-time password (logged once, by design), and a wrong one.
    let password = first_admin_password(&server);
    let login = |pw: String| {
        let request = json!({
            "query": "mutation($id: String!, $pw: String!) { login(identifier: $id, password: $pw) { token } }",
            "variables": { "id": ADMIN_EMAIL, "pw": pw },
        });
        http.post(url("/graphql")).json(&request).send()
    };
    let refused: Value = login(WRONG_PASSWORD.into()).await.expect("login").json().await.expect("json");
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
    let signed_in: Value = login(password.clone()).await.expect("login").json().await.expect("json");
    let token = signed_in["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("{signed_in}")).to_owned();

    // The token over HTTP (a send through Meta with the Graph API token) and over WebSocket.
    let text = json!({ "to": ANA, "type": "text", "text": { "body": "merci" } });
    let sent = http.post(url("/api/message/send")).bearer_auth(&token).json(&text).send().await.expect("send");
    assert_eq!(sent.status(), 200);
    let used = graph.requests();
    assert_eq!(used[0].authorization.as_deref(), Some(format!("Bearer {GRAPH_TOKEN}").as_str()), "Meta got the token");
    let tampered = format!("{token}x");
    let forged = http.post(url("/api/message/send")).bearer_auth(&tampered).json(&text).send().await.expect("send");
    assert_eq!(forged.status(), 401);
    let mut live = LiveClient::with_token(&server.address, &token).await;
    live.subscribe("subscription { messageEvents { kind } }", json!({})).await;
    let mut refused_live = LiveClient::with_token(&server.address, &tampered).await;
    refused_live.subscribe("subscription { messageEvents { kind } }", json!({})).await;
    assert_eq!(refused_live.next_result().await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // A metrics scrape with the token, and one with a wrong token.
    for (token, status) in [(METRICS_TOKEN, 200), (WRONG_METRICS_TOKEN, 401)] {
        let scrape = http.get(url("/metrics")).bearer_auth(token).send().await.expect("metrics");
        assert_eq!(scrape.status(), status);
    }

    let output = settled_output(&server).await;
    assert!(output.lines().count() > 20, "the log is too thin to prove anything:\n{output}");
    assert!(output.contains(&password), "the capture misses what the server logs (its one-time password line)");
    for (name, secret) in [
        ("WHATSAPP_APP_SECRET", APP_SECRET),
        ("WHATSAPP_TOKEN", GRAPH_TOKEN),
        ("JWT_SECRET", JWT_SECRET),
        ("WHATSAPP_WEBHOOK_TOKEN", VERIFY_TOKEN),
        ("METRICS_TOKEN", METRICS_TOKEN),
        ("a wrong metrics token", WRONG_METRICS_TOKEN),
        ("a wrong password", WRONG_PASSWORD),
        ("the signed-in token", token.as_str()),
        ("the signature of the signed-in token", token.rsplit('.').next().unwrap_or_default()),
    ] {
        assert!(!output.contains(secret), "{name} appears in the log:\n{output}");
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn first_admin_password(server: &ServerProcess) -> String {
    let line = server.log_messages().into_iter().find(|m| m.contains("first admin created")).expect("first admin line");
    line.split_whitespace()
        .find_map(|word| word.strip_prefix("password="))
        .map(str::to_owned)
        .expect("the line gives the password")
}

/// The output once the server has logged the end of every request made so far (it logs each
/// request's completion at debug); a log line may trail its response by a moment.
async fn settled_output(server: &ServerProcess) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut previous = String::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let output = server.output();
        if output == previous || Instant::now() > deadline {
            return output;
        }
        previous = output;
    }
}
