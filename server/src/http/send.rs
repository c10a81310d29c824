//! `POST /api/message/send`: legacy clients post Meta's message object and get Meta's
//! response shape back.

use axum::{
    Json,
    extract::{State, rejection::JsonRejection},
};
use serde_json::Value;

use crate::{error::AppError, state::AppState};

use super::auth::Authenticated;

/// Sends one message; answers Meta's `{messaging_product, contacts, messages:[{id}]}`.
pub async fn send(
    State(state): State<AppState>,
    Authenticated(viewer): Authenticated,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(message) = body.map_err(|rejection| {
        AppError::BadInput(format!(
            "the body must be Meta's message JSON, e.g. {{\"to\":\"33612345678\",\"type\":\"text\",\"text\":{{\"body\":\"Bonjour\"}}}}: {}",
            rejection.body_text()
        ))
    })?;
    let sent = state.sender.send(&viewer, message).await?;
    tracing::debug!(message_id = %sent.conversation.message_id, kind = %sent.conversation.kind, "message sent");
    Ok(Json(sent.response))
}
