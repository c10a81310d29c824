//! `/healthz` (the process answers) and `/readyz` (the database answers too).

use axum::{Json, extract::State};
use serde_json::{Value, json};

use crate::{error::AppError, state::AppState};

/// Alive.
pub async fn alive() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready to take traffic: the database answers a ping.
pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state.domain.db().ping().await?;
    Ok(Json(json!({ "status": "ready" })))
}
