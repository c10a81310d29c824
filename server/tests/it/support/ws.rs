//! A GraphQL-over-WebSocket client speaking either protocol, the way browsers and Node's
//! `graphql-ws` package do.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// Which subprotocol the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws` (the `graphql-ws` npm package).
    TransportWs,
    /// `graphql-ws` (the older subscriptions-transport-ws).
    LegacyWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::LegacyWs => "graphql-ws",
        }
    }
}

/// One WebSocket session on `/graphql/ws`.
pub struct LiveClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: Protocol,
    next_id: u32,
}

/// How long a test waits for any one message.
pub const PATIENCE: Duration = Duration::from_secs(5);

impl LiveClient {
    /// Opens a WebSocket to `address` (`http://…`) without saying anything yet.
    pub async fn open(address: &str, protocol: Protocol) -> Self {
        let url = format!("{}/graphql/ws", address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("ws request");
        request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(protocol.name()));
        let (socket, response) = connect_async(request).await.expect("websocket upgrade");
        let chosen = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
        assert_eq!(chosen, Some(protocol.name()), "the server must accept the {} subprotocol", protocol.name());
        Self { socket, protocol, next_id: 0 }
    }

    /// Connects to `address` (`http://…`), sends `connection_init` with `init` and waits for
    /// the acknowledgement.
    pub async fn connect(address: &str, protocol: Protocol, init: Value) -> Self {
        let mut client = Self::open(address, protocol).await;
        client.send(json!({ "type": "connection_init", "payload": init })).await;
        let ack = client.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "expected connection_ack, got {ack}");
        client
    }

    /// Connects with `Authorization: Bearer <token>` in `connection_init`.
    pub async fn with_token(address: &str, token: &str) -> Self {
        Self::connect(address, Protocol::TransportWs, json!({ "Authorization": format!("Bearer {token}") })).await
    }

    /// Starts a subscription; returns its id.
    pub async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } })).await;
        id
    }

    /// The next result of any subscription (`next`/`data`): its payload.
    pub async fn next_result(&mut self) -> Value {
        let message = self.next_message().await;
        assert!(matches!(message["type"].as_str(), Some("next" | "data")), "expected a result, got {message}");
        message["payload"].clone()
    }

    /// The next protocol message that is not a keep-alive or ping, answering pings.
    pub async fn next_message(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no message from the server within {PATIENCE:?}"))
                .expect("the server closed the WebSocket")
                .expect("websocket read");
            let Message::Text(text) = frame else { continue };
            let message: Value = serde_json::from_str(&text).expect("a JSON message");
            match message["type"].as_str() {
                Some("ka" | "pong") => {}
                Some("ping") => self.send(json!({ "type": "pong" })).await,
                _ => return message,
            }
        }
    }

    /// Asserts that nothing but keep-alives arrives for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        let outcome = tokio::time::timeout(quiet, self.next_message()).await;
        if let Ok(message) = outcome {
            panic!("expected no message, got {message}");
        }
    }

    /// Reads (answering WebSocket pings, as browsers do) until the server closes the session
    /// within `patience`; returns the close code and reason.
    pub async fn closed_within(&mut self, patience: Duration) -> (u16, String) {
        let closing = async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
                    Some(Ok(_)) => {}
                    other => panic!("the session ended without a close frame: {other:?}"),
                }
            }
        };
        tokio::time::timeout(patience, closing)
            .await
            .unwrap_or_else(|_| panic!("the server did not close the session within {patience:?}"))
    }

    /// Sends `message` as one text frame, as is.
    pub async fn send_json(&mut self, message: Value) {
        self.send(message).await;
    }

    /// Whether the server ends the session (a close frame, or the connection dropped) within
    /// `patience`, reading and dropping anything else.
    pub async fn ended_within(&mut self, patience: Duration) -> bool {
        let ending = async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                }
            }
        };
        tokio::time::timeout(patience, ending).await.is_ok()
    }

    async fn send(&mut self, message: Value) {
        self.socket.send(Message::Text(message.to_string().into())).await.expect("websocket write");
    }
}
