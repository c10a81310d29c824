//! `/graphql/ws`: GraphQL subscriptions over WebSocket, in both the `graphql-transport-ws`
//! and the older `graphql-ws` protocol.
//!
//! Browsers cannot set headers on a WebSocket, so the bearer token travels in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`); a non-browser client may send
//! the usual `Authorization` header on the upgrade request instead.

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, header},
    response::Response,
};
use serde_json::Value;

use crate::{auth::JwtKeys, graphql::auth::Credentials, state::AppState};

/// The largest message a client may send (a subscribe message is a few hundred bytes).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Upgrades to a GraphQL WebSocket session.
pub async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header_token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let AppState { schema, jwt, .. } = state;
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).max_message_size(MAX_MESSAGE_BYTES).on_upgrade(move |socket| {
        GraphQLWebSocket::new(socket, schema, protocol)
            .on_connection_init(move |payload| async move {
                let token = init_token(&payload).or(header_token);
                let mut data = Data::default();
                data.insert(credentials(&jwt, token.as_deref()));
                Ok(data)
            })
            .serve()
    })
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

/// The session's credentials; a refused token is kept with its reason, which every
/// subscription then answers with (`UNAUTHENTICATED`).
fn credentials(jwt: &JwtKeys, authorization: Option<&str>) -> Credentials {
    let missing = "no token: send {\"Authorization\": \"Bearer <token>\"} in the connection_init payload";
    match authorization {
        None => Credentials::Refused(missing.into()),
        Some(value) => {
            let value =
                if value.to_ascii_lowercase().starts_with("bearer ") { value } else { &format!("Bearer {value}") };
            Credentials::from_authorization(jwt, Some(value))
        }
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
