//! A fake of Meta's Graph API for `wagate-bench send`: it answers every send at once, in Meta's
//! shape, and times each one from the moment its request reached the handler until hyper took
//! the last byte of the answer (just before flushing it to the socket).
//!
//! It runs on a thread and a Tokio runtime of its own, so the load generator's tasks never
//! delay it. Sends are told apart by `biz_opaque_callback_data` (Meta's field for the sender's
//! own tracking), which the load generator sets to a sequence number and wagate forwards as is.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The access token wagate is given and the fake expects.
pub const TOKEN: &str = "bench-graph-token";

/// The business number's id at Meta.
pub const PHONE_NUMBER_ID: &str = "106540352242922";

/// One send the fake answered.
#[derive(Debug, Clone, Copy)]
pub struct Visit {
    /// The sequence number the load generator gave the send.
    pub seq: u64,
    /// When its request reached the handler.
    pub arrived: Instant,
    /// From then until hyper took the answer's last byte.
    pub inside: Duration,
}

type Visits = Arc<Mutex<Vec<Visit>>>;

/// The running fake; it stops when dropped.
pub struct FakeGraph {
    /// The base URL to give wagate as `WHATSAPP_API_BASE`.
    pub api_base: String,
    visits: Visits,
    _stop: oneshot::Sender<()>,
}

impl FakeGraph {
    /// Starts the fake on a free loopback port.
    pub fn start() -> Result<Self, String> {
        let fail = |e: std::io::Error| format!("cannot start the fake Graph API: {e}");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(fail)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(fail)?;
        listener.set_nonblocking(true).map_err(fail)?;
        let address = listener.local_addr().map_err(fail)?;
        let listener = {
            let _inside = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(fail)?
        };
        let visits = Visits::default();
        let app = Router::new().route("/{version}/{number}/messages", post(answer)).with_state(visits.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("fake-graph".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stopped => {}
                    }
                });
            })
            .map_err(fail)?;
        Ok(Self { api_base: format!("http://{address}/v23.0"), visits, _stop: stop })
    }

    /// The sends answered since the last call.
    pub fn take_visits(&self) -> Vec<Visit> {
        std::mem::take(&mut *self.visits.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// `POST /{version}/{phone-number-id}/messages`: Meta's success answer, or Meta's error shape
/// for a request wagate should not have made.
async fn answer(State(visits): State<Visits>, request: Request) -> Response {
    let arrived = Instant::now();
    let bearer = format!("Bearer {TOKEN}");
    if request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(bearer.as_str()) {
        return refusal(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let message: Value = match axum::body::to_bytes(request.into_body(), 64 * 1024).await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Value::Null,
    };
    let Some(seq) = message["biz_opaque_callback_data"].as_str().and_then(|s| s.parse::<u64>().ok()) else {
        return refusal(StatusCode::BAD_REQUEST, 100, "the bench's sends carry a numeric biz_opaque_callback_data");
    };
    let to = message["to"].as_str().unwrap_or_default();
    let answer = json!({ "messaging_product": "whatsapp", "contacts": [{ "input": to, "wa_id": to }],
                         "messages": [{ "id": wamid(seq) }] })
    .to_string();
    let length = answer.len();
    let mut response = Response::new(Body::from_stream(Timed { answer: Some(answer.into()), visits, seq, arrived }));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// The wamid the fake gives send `seq`.
pub fn wamid(seq: u64) -> String {
    format!("wamid.bench.{seq}")
}

fn refusal(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({ "error": { "message": format!("(#{code}) {message}"), "type": "OAuthException",
                                  "code": code, "fbtrace_id": "BenchFake" } });
    (status, Json(body)).into_response()
}

/// Meta's answer as a one-chunk body that records its visit when hyper drops it: right after
/// taking the last byte, before flushing it to the socket.
struct Timed {
    answer: Option<Bytes>,
    visits: Visits,
    seq: u64,
    arrived: Instant,
}

impl futures::Stream for Timed {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.get_mut().answer.take().map(Ok))
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        let visit = Visit { seq: self.seq, arrived: self.arrived, inside: self.arrived.elapsed() };
        self.visits.lock().unwrap_or_else(PoisonError::into_inner).push(visit);
    }
}
