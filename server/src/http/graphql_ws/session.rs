//! One session's protocol: the peer's messages in, the operations they start, and every result
//! out as a frame around the shared, already serialized payload.
//!
//! Subscription operations join their shape in [`SharedSubscriptions`]; queries and mutations
//! sent over the socket run on their own. Close codes follow `graphql-transport-ws`: 4400 for a
//! message that is not understood, 4401 for an operation before `connection_init`, 4409 for an
//! id already running, 4429 for a second `connection_init`.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Request,
    parser::types::{DocumentOperations, OperationType},
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{
    SinkExt, StreamExt,
    channel::mpsc,
    stream::{self, AbortHandle, BoxStream, SelectAll, SplitStream},
};
use serde_json::Value;

use super::{
    CLOSE_GRACE,
    guard::Guard,
    protocol::{ACK, ClientMessage, Protocol, complete, pong},
};
use crate::{
    auth::JwtKeys,
    graphql::{
        AppSchema,
        auth::Credentials,
        shared_subscriptions::{SharedResult, SharedSubscriptions, lagged_payload},
    },
};

/// What a session needs from the app.
pub struct Session {
    /// The subprotocol spoken.
    pub protocol: Protocol,
    /// Runs queries and mutations sent over the socket.
    pub schema: AppSchema,
    /// Runs subscriptions, shared by shape.
    pub shared: SharedSubscriptions,
    /// Checks the token.
    pub jwt: JwtKeys,
    /// The upgrade request's `Authorization` header, used when `connection_init` has none.
    pub header_token: Option<String>,
    /// Watches the peer and the token's expiry.
    pub guard: Guard,
}

/// A running session.
struct Running {
    session: Session,
    credentials: Option<Credentials>,
    operations: HashMap<Arc<str>, Operation>,
    serial: u64,
    results: SelectAll<BoxStream<'static, Tagged>>,
    outgoing: mpsc::Sender<Message>,
}

/// One operation the peer started.
struct Operation {
    serial: u64,
    abort: AbortHandle,
    /// `{"type":"next","id":…,"payload":` for this operation.
    frame_start: String,
}

/// An operation's next result, or its end (`None`).
struct Tagged {
    id: Arc<str>,
    serial: u64,
    result: Option<SharedResult>,
}

/// What a peer's message asks of the session.
enum Flow {
    Continue,
    Close(u16, String),
    End,
}

impl Session {
    /// Runs the session until the peer leaves, ends it, or breaks the protocol; writes go to
    /// `outgoing`.
    pub async fn run(self, incoming: SplitStream<WebSocket>, outgoing: mpsc::Sender<Message>) {
        let running = Running {
            session: self,
            credentials: None,
            operations: HashMap::new(),
            serial: 0,
            results: SelectAll::new(),
            outgoing,
        };
        running.run(incoming).await;
    }
}

impl Running {
    async fn run(mut self, mut incoming: SplitStream<WebSocket>) {
        loop {
            tokio::select! {
                message = incoming.next() => {
                    let Some(Ok(message)) = message else { return };
                    self.session.guard.heard();
                    let flow = match &message {
                        Message::Text(text) => self.on_message(text.as_bytes()).await,
                        Message::Binary(bytes) => self.on_message(bytes).await,
                        Message::Close(_) => Flow::End,
                        Message::Ping(_) | Message::Pong(_) => Flow::Continue,
                    };
                    match flow {
                        Flow::Continue => {}
                        Flow::End => return,
                        Flow::Close(code, reason) => return self.close(code, reason, incoming).await,
                    }
                }
                Some(tagged) = self.results.next(), if !self.results.is_empty() => {
                    if let Some(frame) = self.frame(tagged) {
                        self.send(frame).await;
                    }
                }
            }
        }
    }

    async fn on_message(&mut self, bytes: &[u8]) -> Flow {
        let message = match serde_json::from_slice::<ClientMessage>(bytes) {
            Ok(message) => message,
            Err(error) => return Flow::Close(4400, format!("invalid message: {error}")),
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.credentials.is_some() {
                    return Flow::Close(4429, "too many initialisation requests".into());
                }
                self.initialise(payload.as_ref());
                self.send(ACK.to_owned()).await;
            }
            ClientMessage::Subscribe { id, payload } => return self.start(id.into(), *payload),
            ClientMessage::Complete { id } => {
                if let Some(operation) = self.operations.remove(id.as_str()) {
                    operation.abort.abort();
                    self.send(complete(&id)).await;
                }
            }
            ClientMessage::ConnectionTerminate => return Flow::End,
            ClientMessage::Ping { payload } => self.send(pong(payload.as_ref())).await,
            ClientMessage::Pong => {}
        }
        Flow::Continue
    }

    /// Checks the token of `connection_init` (or of the upgrade request) and starts the guard's
    /// watch on its expiry. A refused token is kept with its reason, which every operation is
    /// then answered with (`UNAUTHENTICATED`).
    fn initialise(&mut self, payload: Option<&Value>) {
        let session = &mut self.session;
        let authorization = payload.and_then(init_token).or_else(|| session.header_token.take()).map(as_bearer);
        let credentials = match authorization.as_deref() {
            None => Credentials::Refused(
                "no token: send {\"Authorization\": \"Bearer <token>\"} in the connection_init payload".into(),
            ),
            Some(value) => Credentials::from_authorization(&session.jwt, Some(value)),
        };
        let expires = match credentials {
            Credentials::Viewer(_) => authorization.as_deref().and_then(|value| session.jwt.expiry_from_header(value)),
            Credentials::Refused(_) => None,
        };
        session.guard.initialised(expires);
        self.credentials = Some(credentials);
    }

    fn start(&mut self, id: Arc<str>, mut request: Request) -> Flow {
        let Some(credentials) = &self.credentials else {
            return Flow::Close(4401, "unauthorized: send connection_init before any operation".into());
        };
        if self.operations.contains_key(&id) {
            return Flow::Close(4409, format!("subscriber for {id} already exists"));
        }
        let results = if is_subscription(&mut request) {
            self.session.shared.join(request, credentials).boxed()
        } else {
            let once = self.session.schema.execute_stream(request.data(credentials.clone()));
            once.map(|result| SharedResult::Payload(serde_json::to_string(&result).unwrap_or_default().into())).boxed()
        };
        self.serial += 1;
        let serial = self.serial;
        let (results, abort) = stream::abortable(results);
        let tag = id.clone();
        let end = Tagged { id: id.clone(), serial, result: None };
        let tagged = results.map(move |result| Tagged { id: tag.clone(), serial, result: Some(result) });
        self.results.push(tagged.chain(stream::once(async move { end })).boxed());
        let frame_start = self.session.protocol.result_start(&id);
        self.operations.insert(id, Operation { serial, abort, frame_start });
        Flow::Continue
    }

    /// The frame for an operation's result or end; `None` for one the peer stopped.
    fn frame(&mut self, tagged: Tagged) -> Option<String> {
        let operation = self.operations.get(&tagged.id).filter(|operation| operation.serial == tagged.serial)?;
        let lagged;
        let payload: &str = match &tagged.result {
            Some(SharedResult::Payload(payload)) => payload,
            Some(SharedResult::Lagged(missed)) => {
                lagged = lagged_payload(*missed);
                &lagged
            }
            None => {
                self.operations.remove(&tagged.id);
                return Some(complete(&tagged.id));
            }
        };
        let mut frame = String::with_capacity(operation.frame_start.len() + payload.len() + 1);
        frame.push_str(&operation.frame_start);
        frame.push_str(payload);
        frame.push('}');
        Some(frame)
    }

    /// Sends `text`. When the writer is gone (the guard closed the session), the operations stop
    /// and the session only reads on, for the peer's close.
    async fn send(&mut self, text: String) {
        if self.outgoing.send(Message::Text(text.into())).await.is_err() {
            self.operations.clear();
            self.results = SelectAll::new();
        }
    }

    /// Closes the session for breaking the protocol, then reads until the peer answers the close
    /// frame (or for [`CLOSE_GRACE`]).
    async fn close(mut self, code: u16, reason: String, mut incoming: SplitStream<WebSocket>) {
        tracing::info!(code, reason = %reason, "closing a WebSocket session that broke the protocol");
        let _ = self.outgoing.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
        self.outgoing.close_channel();
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(message)) = incoming.next().await {
                if matches!(message, Message::Close(_)) {
                    return;
                }
            }
        })
        .await;
    }
}

/// Whether `request` runs a subscription operation (one that does not parse runs on its own and
/// is answered with the parser's error).
fn is_subscription(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else { return false };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Subscription,
        DocumentOperations::Multiple(operations) => name
            .and_then(|name| operations.get(name.as_str()))
            .is_some_and(|operation| operation.node.ty == OperationType::Subscription),
    }
}

/// The `Authorization` value of a `connection_init` payload (any letter case).
fn init_token(payload: &Value) -> Option<String> {
    payload
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, value)| value.as_str())
        .map(str::to_owned)
}

/// An `Authorization` value with its `Bearer ` prefix, which clients may leave out here.
fn as_bearer(value: String) -> String {
    if value.to_ascii_lowercase().starts_with("bearer ") { value } else { format!("Bearer {value}") }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_token_is_found_whatever_the_key_case() {
        assert_eq!(init_token(&json!({"Authorization": "Bearer a"})).as_deref(), Some("Bearer a"));
        assert_eq!(init_token(&json!({"authorization": "b"})).as_deref(), Some("b"));
        assert_eq!(init_token(&json!({"token": "c"})), None);
        assert_eq!(init_token(&json!(null)), None);
    }

    #[test]
    fn only_subscription_operations_are_shared() {
        let mut subscription = Request::new("subscription { a }");
        assert!(is_subscription(&mut subscription));
        let mut query = Request::new("{ a }");
        assert!(!is_subscription(&mut query));
        let mut named = Request::new("query Q { a } subscription S { a }").operation_name("S");
        assert!(is_subscription(&mut named));
        let mut unparsable = Request::new("subscription {");
        assert!(!is_subscription(&mut unparsable));
    }
}
