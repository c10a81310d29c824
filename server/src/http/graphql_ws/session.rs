//! One session's protocol: the peer's messages in, the operations they start, and every result
//! out as a frame around the shared, already serialized payload.
//!
//! Subscription operations join their shape in [`SharedSubscriptions`]; queries and mutations
//! sent over the socket run on their own. Close codes follow `graphql-transport-ws`: 4400 for a
//! message that is not understood, 4401 for an operation before `connection_init`, 4409 for an
//! id already running, 4429 for a second `connection_init`.

use std::{sync::Arc, time::Duration};

use async_graphql::{
    Request,
    parser::types::{DocumentOperations, OperationType},
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use serde_json::Value;

use super::{
    CLOSE_GRACE,
    guard::Guard,
    operations::Operations,
    protocol::{ACK, ClientMessage, Protocol, complete, pong},
};
use crate::{
    auth::JwtKeys,
    domain::Domain,
    error::AppError,
    graphql::{
        AppSchema,
        auth::Credentials,
        shared_subscriptions::{SharedResult, SharedSubscriptions, error_payload},
    },
};

/// The most operations one socket may run at once (each start and each result looks at all).
const MAX_OPERATIONS: usize = 100;
/// The longest reason a close frame carries (RFC 6455: 125 bytes of payload, 2 of them the code).
const MAX_CLOSE_REASON: usize = 123;

/// `text` cut to at most `max` bytes, at a character's boundary.
fn clipped(mut text: String, max: usize) -> String {
    if text.len() > max {
        let end = (0..=max).rev().find(|at| text.is_char_boundary(*at)).unwrap_or(0);
        text.truncate(end);
    }
    text
}

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
    /// Reads the role the token's account has now.
    pub domain: Domain,
    /// The upgrade request's `Authorization` header, used when `connection_init` has none.
    pub header_token: Option<String>,
    /// Watches the peer and the token's expiry.
    pub guard: Guard,
}

/// How the session goes on after a step.
enum Flow {
    Continue,
    /// The server ends the session with this close code and reason.
    Close(u16, String),
    /// The peer left, ended the session, or the socket failed.
    End,
}

/// The session's state between steps.
struct Running {
    session: Session,
    credentials: Option<Credentials>,
    operations: Operations,
}

impl Session {
    /// Runs the session on `socket` until the peer leaves or ends it, breaks the protocol, or a
    /// limit of the guard is reached. One task reads, runs the guard's clock and writes: an
    /// event costs a subscriber one wake-up and one write.
    pub async fn run(self, mut socket: WebSocket) {
        let mut running = Running { session: self, credentials: None, operations: Operations::default() };
        if let Flow::Close(code, reason) = running.serve(&mut socket).await {
            close(socket, code, reason).await;
        } else {
            // Sends the answer to a peer's close frame, if one is waiting.
            let _ = socket.flush().await;
        }
    }
}

impl Running {
    async fn serve(&mut self, socket: &mut WebSocket) -> Flow {
        let mut tick = tokio::time::interval(self.session.guard.tick_period());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let expiry = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(expiry);
        let mut expiry_armed = false;
        loop {
            let flow = tokio::select! {
                message = socket.recv() => match message {
                    Some(Ok(message)) => {
                        self.session.guard.heard();
                        let flow = self.on_message(message, socket).await;
                        if let (false, Some(at)) = (expiry_armed, self.session.guard.token_expires()) {
                            // The token's expiry is met on time, not at the next tick.
                            expiry.as_mut().reset(at.into());
                            expiry_armed = true;
                        }
                        flow
                    }
                    Some(Err(_)) | None => Flow::End,
                },
                frame = self.operations.next_frame(), if !self.operations.is_empty() => send(socket, frame).await,
                _ = tick.tick() => self.on_tick(socket).await,
                () = &mut expiry, if expiry_armed => {
                    expiry_armed = false;
                    self.on_tick(socket).await
                }
            };
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
    }

    /// Closes the session when a limit is reached, and pings the peer when it is time.
    async fn on_tick(&mut self, socket: &mut WebSocket) -> Flow {
        let guard = &mut self.session.guard;
        if let Some((code, reason)) = guard.limit_reached() {
            return Flow::Close(code, reason);
        }
        if guard.ping_due() && socket.send(Message::Ping(Default::default())).await.is_err() {
            return Flow::End;
        }
        Flow::Continue
    }

    async fn on_message(&mut self, message: Message, socket: &mut WebSocket) -> Flow {
        let bytes: &[u8] = match &message {
            Message::Text(text) => text.as_bytes(),
            Message::Binary(bytes) => bytes,
            Message::Close(_) => return Flow::End,
            Message::Ping(_) | Message::Pong(_) => return Flow::Continue,
        };
        let message = match serde_json::from_slice::<ClientMessage>(bytes) {
            Ok(message) => message,
            Err(error) => return Flow::Close(4400, format!("invalid message: {error}")),
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.credentials.is_some() {
                    return Flow::Close(4429, "too many initialisation requests".into());
                }
                self.initialise(payload.as_ref()).await;
                send(socket, ACK.to_owned()).await
            }
            ClientMessage::Subscribe { id, payload } => self.start(id.into(), *payload),
            ClientMessage::Complete { id } if self.operations.stop(&id) => send(socket, complete(&id)).await,
            ClientMessage::Complete { .. } => Flow::Continue,
            ClientMessage::ConnectionTerminate => Flow::End,
            ClientMessage::Ping { payload } => send(socket, pong(payload.as_ref())).await,
            ClientMessage::Pong => Flow::Continue,
        }
    }

    /// Checks the token of `connection_init` (or of the upgrade request) and starts the guard's
    /// watch on its expiry. A refused token is kept with its reason, which every operation is
    /// then answered with (`UNAUTHENTICATED`).
    async fn initialise(&mut self, payload: Option<&Value>) {
        let session = &mut self.session;
        let authorization = payload.and_then(init_token).or_else(|| session.header_token.take()).map(as_bearer);
        let credentials = match authorization.as_deref() {
            None => Credentials::Refused(
                "no token: send {\"Authorization\": \"Bearer <token>\"} in the connection_init payload".into(),
            ),
            Some(value) => Credentials::from_authorization(&session.jwt, &session.domain, Some(value)).await,
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
        if self.operations.contains(&id) {
            return Flow::Close(4409, format!("subscriber for {id} already exists"));
        }
        if self.operations.len() >= MAX_OPERATIONS {
            let refusal = error_payload(AppError::RateLimited(format!(
                "this socket already runs {MAX_OPERATIONS} operations, the most one may: complete some first"
            )));
            let once = futures::stream::once(async move { SharedResult::Payload(refusal.into()) });
            self.operations.start(id, self.session.protocol, once.boxed());
            return Flow::Continue;
        }
        let results = if is_subscription(&mut request) {
            self.session.shared.join(request, credentials).boxed()
        } else {
            let once = self.session.schema.execute_stream(request.data(credentials.clone()));
            once.map(|result| SharedResult::Payload(serde_json::to_string(&result).unwrap_or_default().into())).boxed()
        };
        self.operations.start(id, self.session.protocol, results);
        Flow::Continue
    }
}

/// Writes `text` as one text frame; a socket that fails ends the session.
async fn send(socket: &mut WebSocket, text: String) -> Flow {
    match socket.send(Message::Text(text.into())).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::End,
    }
}

/// Sends the close frame, then reads until the peer answers it (the closing handshake), for at
/// most [`CLOSE_GRACE`]: a peer that was not reading then still gets the code and reason. The
/// reason may quote the peer: it is logged escaped, and cut to the 123 bytes a frame holds.
async fn close(mut socket: WebSocket, code: u16, reason: String) {
    let reason = clipped(reason, MAX_CLOSE_REASON);
    tracing::info!(code, reason = ?reason, "closing a WebSocket session");
    if socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                return;
            }
        }
    })
    .await;
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
