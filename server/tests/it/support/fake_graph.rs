//! A fake of Meta's Graph API on loopback: records every request and answers from a script
//! (by default, Meta's success shape with wamids `wamid.FAKE1`, `wamid.FAKE2`, …, and
//! `{"success": true}` for read receipts).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Json, Router, extract::State, http::HeaderMap, http::StatusCode, http::Uri, routing::post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The path, e.g. `/v23.0/106540352242922/messages`.
    pub path: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The JSON body.
    pub body: Value,
    /// When it arrived.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Script {
    requests: Vec<Recorded>,
    replies: VecDeque<(u16, Value)>,
    accepted: u64,
    delay: Duration,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeGraph {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    script: Arc<Mutex<Script>>,
}

impl FakeGraph {
    /// Starts the fake on a free port.
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Graph API");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = Router::new().route("/{*path}", post(answer)).with_state(script.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, script }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.script.lock().expect("lock").requests.clone()
    }

    /// Answers the next request with `status` and `body` (queued in order).
    pub fn reply(&self, status: u16, body: Value) {
        self.script.lock().expect("lock").replies.push_back((status, body));
    }

    /// Answers the next request with Meta's error shape.
    pub fn reply_error(&self, status: u16, code: i64, message: &str) {
        self.reply(status, meta_error(code, message));
    }

    /// Makes every answer wait this long.
    pub fn delay(&self, delay: Duration) {
        self.script.lock().expect("lock").delay = delay;
    }
}

/// Meta's error body.
pub fn meta_error(code: i64, message: &str) -> Value {
    json!({ "error": { "message": format!("(#{code}) {message}"), "type": "OAuthException", "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": message }, "fbtrace_id": "AbCdEfFake" } })
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (reply, delay) = {
        let mut s = script.lock().expect("lock");
        let to = body["to"].as_str().unwrap_or_default().to_owned();
        s.requests.push(Recorded {
            path: uri.path().to_owned(),
            authorization: header("authorization"),
            content_type: header("content-type"),
            body,
            at: std::time::Instant::now(),
        });
        let is_read_receipt = s.requests.last().is_some_and(|r| r.body.get("status").is_some());
        let reply = s.replies.pop_front().unwrap_or_else(|| {
            if is_read_receipt {
                return (200, json!({ "success": true }));
            }
            s.accepted += 1;
            let input = to.clone();
            (200, json!({ "messaging_product": "whatsapp", "contacts": [{ "input": input, "wa_id": to.trim_start_matches('+') }],
                          "messages": [{ "id": format!("wamid.FAKE{}", s.accepted) }] }))
        });
        (reply, s.delay)
    };
    tokio::time::sleep(delay).await;
    (StatusCode::from_u16(reply.0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(reply.1))
}
