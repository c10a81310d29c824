//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both the `graphql-transport-ws`
//! and the older `graphql-ws` protocol.
//!
//! Browsers cannot set headers on a WebSocket, so the bearer token travels in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`); a non-browser client may send
//! the usual `Authorization` header on the upgrade request instead.
//!
//! Subscriptions are shared by shape (see [`crate::graphql::shared_subscriptions`]): a session
//! frames and writes results serialized once for all its shape's subscribers. Every session is
//! bounded in time by a [`guard::Guard`]: idle peers, peers that never send `connection_init`,
//! and sessions whose token expired are closed.

mod guard;
mod operations;
mod protocol;
mod session;

use std::time::Duration;

use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use self::{
    protocol::{Protocol, SUBPROTOCOLS},
    session::Session,
};
use crate::state::AppState;

/// The largest message a client may send (a subscribe message is a few hundred bytes).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

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

/// Upgrades to a GraphQL WebSocket session in the first subprotocol asked for that is served.
pub async fn subscribe(State(state): State<AppState>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let Some(protocol) = Protocol::requested(&headers) else {
        let message = format!(
            "no GraphQL WebSocket subprotocol was asked for: send Sec-WebSocket-Protocol: {}",
            SUBPROTOCOLS.join(" or ")
        );
        return (StatusCode::BAD_REQUEST, message).into_response();
    };
    let header_token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let session = Session {
        protocol,
        schema: state.schemas.main.clone(),
        shared: state.subscriptions.clone(),
        jwt: state.jwt.clone(),
        domain: state.domain.clone(),
        header_token,
        guard: guard::Guard::new(state.config.ws_idle_timeout),
    };
    upgrade
        .protocols([protocol.name()])
        .max_message_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| session.run(socket))
}
