//! The messages of the two GraphQL-over-WebSocket protocols: `graphql-transport-ws` (the
//! `graphql-ws` npm package) and the older `graphql-ws` (subscriptions-transport-ws).

use async_graphql::Request;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

/// The subprotocols served, in the server's order of preference.
pub const SUBPROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// The subprotocol a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`.
    TransportWs,
    /// `graphql-ws`, the older protocol.
    LegacyWs,
}

impl Protocol {
    /// The first subprotocol of the upgrade request's `Sec-WebSocket-Protocol` that is served.
    pub fn requested(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|list| list.split(','))
            .find_map(|name| Self::named(name.trim()))
    }

    fn named(name: &str) -> Option<Self> {
        match name {
            "graphql-transport-ws" => Some(Self::TransportWs),
            "graphql-ws" => Some(Self::LegacyWs),
            _ => None,
        }
    }

    /// The subprotocol's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::TransportWs => SUBPROTOCOLS[0],
            Self::LegacyWs => SUBPROTOCOLS[1],
        }
    }

    /// The start of the message carrying a result of operation `id` (`next`, or `data` in the
    /// older protocol): the serialized result and a closing `}` complete it.
    pub fn result_start(self, id: &str) -> String {
        let kind = match self {
            Self::TransportWs => "next",
            Self::LegacyWs => "data",
        };
        format!(r#"{{"type":"{kind}","id":{},"payload":"#, quoted(id))
    }
}

/// What a client may send, in either protocol.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Opens the session, with the token in its payload.
    ConnectionInit {
        /// `{"Authorization": "Bearer …"}`, usually.
        #[serde(default)]
        payload: Option<Value>,
    },
    /// Starts an operation (`start` in the older protocol).
    #[serde(alias = "start")]
    Subscribe {
        /// The client's name for the operation.
        id: String,
        /// The GraphQL request.
        payload: Box<Request>,
    },
    /// Stops an operation (`stop` in the older protocol).
    #[serde(alias = "stop")]
    Complete {
        /// The operation's id.
        id: String,
    },
    /// Ends the session (older protocol).
    ConnectionTerminate,
    /// Asks for a `pong`.
    Ping {
        /// Anything; echoed back.
        #[serde(default)]
        payload: Option<Value>,
    },
    /// Answers a `ping` (its payload is ignored).
    Pong,
}

/// `connection_ack`.
pub const ACK: &str = r#"{"type":"connection_ack"}"#;

/// The `complete` message for operation `id`.
pub fn complete(id: &str) -> String {
    format!(r#"{{"type":"complete","id":{}}}"#, quoted(id))
}

/// The `pong` answering a `ping` with `payload`.
pub fn pong(payload: Option<&Value>) -> String {
    match payload {
        Some(payload) => format!(r#"{{"type":"pong","payload":{payload}}}"#),
        None => r#"{"type":"pong"}"#.to_owned(),
    }
}

/// `text` as a JSON string.
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_result_is_framed_around_its_payload_as_is() {
        let payload = r#"{"data":{"n":1}}"#;
        let frame = |protocol: Protocol, id| format!("{}{payload}}}", protocol.result_start(id));
        let next: Value = serde_json::from_str(&frame(Protocol::TransportWs, "a\"1")).unwrap();
        assert_eq!(next, json!({ "type": "next", "id": "a\"1", "payload": { "data": { "n": 1 } } }));
        let data: Value = serde_json::from_str(&frame(Protocol::LegacyWs, "7")).unwrap();
        assert_eq!(data, json!({ "type": "data", "id": "7", "payload": { "data": { "n": 1 } } }));
    }

    #[test]
    fn both_protocols_words_are_understood() {
        let start = r#"{"type":"start","id":"1","payload":{"query":"subscription { a }"}}"#;
        assert!(matches!(serde_json::from_str(start).unwrap(), ClientMessage::Subscribe { id, .. } if id == "1"));
        let stop = r#"{"type":"stop","id":"1"}"#;
        assert!(matches!(serde_json::from_str(stop).unwrap(), ClientMessage::Complete { id } if id == "1"));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"subscribe","id":"1"}"#).is_err());
        let pong = r#"{"type":"pong","payload":{"t":1}}"#;
        assert!(matches!(serde_json::from_str(pong).unwrap(), ClientMessage::Pong));
    }

    #[test]
    fn the_first_served_subprotocol_requested_is_chosen() {
        let mut headers = HeaderMap::new();
        headers.insert("sec-websocket-protocol", "mqtt, graphql-ws, graphql-transport-ws".parse().unwrap());
        assert_eq!(Protocol::requested(&headers), Some(Protocol::LegacyWs));
        headers.insert("sec-websocket-protocol", "mqtt".parse().unwrap());
        assert_eq!(Protocol::requested(&headers), None);
    }
}
