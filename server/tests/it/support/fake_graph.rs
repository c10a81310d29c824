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

/// A media file the fake serves: its content type, bytes and the SHA-256 it reports.
#[derive(Clone)]
struct Media {
    mime_type: String,
    bytes: Vec<u8>,
    sha256: String,
}

#[derive(Default)]
struct Script {
    media: std::collections::HashMap<String, Media>,
    failing_lookups: usize,
    downloads: Vec<Option<String>>,
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
        let app = Router::new().route("/{*path}", post(answer).get(media)).with_state(script.clone());
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

    /// Serves a media file under `id` (look-up and download).
    pub fn add_media(&self, id: &str, mime_type: &str, bytes: &[u8]) {
        use sha2::Digest;
        let sha256 = hex::encode(sha2::Sha256::digest(bytes));
        let media = Media { mime_type: mime_type.into(), bytes: bytes.to_vec(), sha256 };
        self.script.lock().expect("lock").media.insert(id.into(), media);
    }

    /// Reports a wrong SHA-256 for `id`, as a corrupted download would show.
    pub fn corrupt_media_hash(&self, id: &str) {
        if let Some(m) = self.script.lock().expect("lock").media.get_mut(id) {
            m.sha256 = "0".repeat(64);
        }
    }

    /// Forgets a media file, as Meta does after 7 days.
    pub fn remove_media(&self, id: &str) {
        self.script.lock().expect("lock").media.remove(id);
    }

    /// Answers the next `n` media look-ups with a 500.
    pub fn fail_media_lookups(&self, n: usize) {
        self.script.lock().expect("lock").failing_lookups = n;
    }

    /// The `Authorization` header of every media download so far.
    pub fn downloads(&self) -> Vec<Option<String>> {
        self.script.lock().expect("lock").downloads.clone()
    }

    /// Makes every answer (sends, media look-ups and downloads) wait this long.
    pub fn delay(&self, delay: Duration) {
        self.script.lock().expect("lock").delay = delay;
    }
}

/// Meta's error body.
pub fn meta_error(code: i64, message: &str) -> Value {
    json!({ "error": { "message": format!("(#{code}) {message}"), "type": "OAuthException", "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": message }, "fbtrace_id": "AbCdEfFake" } })
}

/// `GET /{version}/{media-id}` (the look-up) and `GET /files/{media-id}` (the download).
async fn media(State(script): State<Arc<Mutex<Script>>>, uri: Uri, headers: HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let delay = script.lock().expect("lock").delay;
    tokio::time::sleep(delay).await;
    let mut s = script.lock().expect("lock");
    let path = uri.path().to_owned();
    if let Some(id) = path.strip_prefix("/files/") {
        s.downloads.push(headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned));
        return match s.media.get(id) {
            Some(m) => ([("content-type", m.mime_type.clone())], m.bytes.clone()).into_response(),
            None => (StatusCode::NOT_FOUND, Json(meta_error(100, "media URL expired"))).into_response(),
        };
    }
    if s.failing_lookups > 0 {
        s.failing_lookups -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(meta_error(131000, "Something went wrong"))).into_response();
    }
    let id = path.rsplit('/').next().unwrap_or_default().to_owned();
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    match s.media.get(&id) {
        Some(m) => Json(json!({ "messaging_product": "whatsapp", "url": format!("http://{host}/files/{id}"),
            "mime_type": m.mime_type, "sha256": m.sha256, "file_size": m.bytes.len().to_string(), "id": id }))
        .into_response(),
        None => (StatusCode::BAD_REQUEST, Json(meta_error(100, "Unsupported get request"))).into_response(),
    }
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
