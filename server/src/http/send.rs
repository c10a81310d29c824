//! `POST /api/message/send`: legacy clients post Meta's message object and get Meta's
//! response shape back.

use axum::{
    Json,
    extract::{State, rejection::JsonRejection},
    http::StatusCode,
};
use serde_json::Value;

use crate::{error::AppError, state::AppState};

use super::auth::Authenticated;

/// The largest body this route reads.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Sends one message; answers Meta's `{messaging_product, contacts, messages:[{id}]}`.
pub async fn send(
    State(state): State<AppState>,
    Authenticated(viewer): Authenticated,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(message) = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "the body is larger than the {MAX_BODY_BYTES} bytes this route reads: send media by `link` or `id`, not inline"
        )),
        _ => AppError::BadInput(format!(
            "the body must be Meta's message JSON, e.g. {{\"to\":\"33612345678\",\"type\":\"text\",\"text\":{{\"body\":\"Bonjour\"}}}}: {}",
            rejection.body_text()
        )),
    })?;
    if message.get("status").and_then(Value::as_str) == Some("read") && message.get("to").is_none() {
        return Err(AppError::BadInput(
            "this is a read receipt, not a message: mark a message read with the GraphQL `markAsRead(messageId)` mutation"
                .into(),
        ));
    }
    let sent = state.sender.send(&viewer, message).await?;
    tracing::debug!(message_id = %sent.conversation.message_id, kind = %sent.conversation.kind, "message sent");
    Ok(Json(sent.response))
}
