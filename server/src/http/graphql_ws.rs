//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both the `graphql-transport-ws`
//! and the older `graphql-ws` protocol.
//!
//! Browsers cannot set headers on a WebSocket, so the bearer token travels in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`); a non-browser client may send
//! the usual `Authorization` header on the upgrade request instead.
//!
//! Every session is bounded in time by a [`guard::Guard`]: idle peers, peers that never send
//! `connection_init`, and sessions whose token expired are closed.

mod guard;

use std::time::Duration;

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade, ws::WebSocket},
    http::{HeaderMap, header},
    response::Response,
};
use futures::{StreamExt, channel::mpsc};
use serde_json::Value;

use crate::{auth::JwtKeys, graphql::auth::Credentials, state::AppState};

/// The largest message a client may send (a subscribe message is a few hundred bytes).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// How many outgoing messages may wait for a slow peer before the session stops reading events.
const OUTGOING_BUFFER: usize = 64;

/// The socket's read chunk. tungstenite zeroes a whole chunk each time the session polls the
/// socket, and a session polls it on every event it sends: with the default (128 KiB) that
/// zeroing was most of the CPU of a fan-out to thousands of subscribers, and every idle session
/// held the chunk. Client messages are a few hundred bytes; larger ones (up to
/// [`MAX_MESSAGE_BYTES`]) are still read whole, in more reads.
const READ_BUFFER_BYTES: usize = 512;

/// How much written data may wait in the socket's buffer for a peer that does not read, before
/// writes fail and the session ends. Every message is flushed as it is written.
const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;

/// How long a session the server closed keeps reading for the peer's own close frame (the
/// closing handshake) before the connection is dropped. Without it, a peer that was not reading
/// when the close frame was sent meets a reset connection instead of the close code and reason.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Upgrades to a GraphQL WebSocket session.
pub async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header_token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let idle_timeout = state.config.ws_idle_timeout;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| serve(socket, state, protocol, header_token, guard::Guard::new(idle_timeout)))
}

/// Runs one session: GraphQL over the socket, with `guard` watching what the peer does and
/// writing everything out. The session ends when either side ends it or a limit is reached.
async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: GraphQLProtocol,
    header_token: Option<String>,
    guard: guard::Guard,
) {
    let AppState { schema, jwt, .. } = state;
    let (sink, stream) = socket.split();
    let (outgoing, to_peer) = mpsc::channel(OUTGOING_BUFFER);
    let heard = guard.clone();
    let incoming = stream.inspect(move |_| heard.heard());
    let initialised = guard.clone();
    let session = GraphQLWebSocket::new_with_pair(outgoing, incoming, schema, protocol)
        .on_connection_init(move |payload| async move {
            let authorization = init_token(&payload).or(header_token).map(as_bearer);
            let credentials = credentials(&jwt, authorization.as_deref());
            let expires = match credentials {
                Credentials::Viewer(_) => authorization.as_deref().and_then(|value| jwt.expiry_from_header(value)),
                Credentials::Refused(_) => None,
            };
            initialised.initialised(expires);
            let mut data = Data::default();
            data.insert(credentials);
            Ok(data)
        })
        .serve();
    let writer = guard.write(to_peer, sink);
    tokio::pin!(writer);
    tokio::pin!(session);
    tokio::select! {
        // The server ended the session: keep reading until the peer answers the close frame.
        () = &mut writer => {
            let _ = tokio::time::timeout(CLOSE_GRACE, session).await;
        }
        // The session is over; let the writer flush what it said last (its close frame).
        () = &mut session => writer.await,
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

/// The session's credentials; a refused token is kept with its reason, which every
/// subscription then answers with (`UNAUTHENTICATED`).
fn credentials(jwt: &JwtKeys, authorization: Option<&str>) -> Credentials {
    match authorization {
        None => Credentials::Refused(
            "no token: send {\"Authorization\": \"Bearer <token>\"} in the connection_init payload".into(),
        ),
        Some(value) => Credentials::from_authorization(jwt, Some(value)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::init_token;

    #[test]
    fn the_token_is_found_whatever_the_key_case() {
        assert_eq!(init_token(&json!({"Authorization": "Bearer a"})).as_deref(), Some("Bearer a"));
        assert_eq!(init_token(&json!({"authorization": "b"})).as_deref(), Some("b"));
        assert_eq!(init_token(&json!({"token": "c"})), None);
        assert_eq!(init_token(&json!(null)), None);
    }
}
