//! Meta's webhook: the verification challenge (GET) and notifications (POST).
//!
//! POST order of work: raw bytes → signature → parse → one transaction → commit → 200.

use std::collections::HashMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    domain::ingest::{IngestReport, SignatureCheck},
    error::AppError,
    metrics::Refusal,
    state::AppState,
    whatsapp::signature,
};

/// GET: echoes `hub.challenge` when `hub.mode=subscribe` and the verify token matches.
pub async fn verify(State(state): State<AppState>, Query(params): Query<HashMap<String, String>>) -> Response {
    let Some(expected) = &state.config.webhook_verify_token else {
        tracing::warn!("webhook verification refused: WHATSAPP_WEBHOOK_TOKEN is not set");
        return forbidden("webhook verification is not configured: set WHATSAPP_WEBHOOK_TOKEN");
    };
    let given = params.get("hub.verify_token").map(String::as_str).unwrap_or_default();
    let mode_ok = params.get("hub.mode").map(String::as_str) == Some("subscribe");
    if !mode_ok || !signature::same_secret(given, expected.expose()) {
        return forbidden("hub.mode must be `subscribe` and hub.verify_token must equal WHATSAPP_WEBHOOK_TOKEN");
    }
    match params.get("hub.challenge") {
        Some(challenge) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], challenge.clone()).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "hub.challenge is missing: Meta sends it with the verification request, and it is echoed back",
        )
            .into_response(),
    }
}

fn forbidden(message: &'static str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

/// POST: checks the signature over the raw body, then stores the delivery; 200 only after commit.
/// Every delivery is counted by how it ended, and the messages the business number has just
/// received take their places in its send pacing.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestReport>, AppError> {
    let result = store(&state, &headers, body).await;
    match &result {
        Ok(report) => state.metrics.delivery_committed(report),
        Err(error) => state.metrics.delivery_refused(refusal(error)),
    }
    result.map(Json)
}

/// Why a delivery was answered without being committed.
fn refusal(error: &AppError) -> Refusal {
    match error {
        AppError::PayloadTooLarge(_) => Refusal::TooLarge,
        AppError::Unauthenticated(_) => Refusal::Unauthenticated,
        AppError::BadInput(_) => Refusal::Rejected,
        // Anything else ingest fails with is the store's failure.
        _ => Refusal::Unavailable,
    }
}

async fn store(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<IngestReport, AppError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "the body is larger than {} bytes (WEBHOOK_MAX_BODY_BYTES)",
            state.config.webhook_max_body_bytes
        )),
        _ => AppError::BadInput(format!("the body could not be read: {}", rejection.body_text())),
    })?;
    let header = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    let verified = match &state.config.app_secret {
        Some(secret) => {
            signature::verify(secret.expose(), &body, header).map_err(|e| {
                tracing::warn!(reason = %e, "webhook refused: bad signature");
                AppError::Unauthenticated(e.to_string())
            })?;
            true
        }
        None => false,
    };
    let report = state.domain.ingest_webhook(&body, SignatureCheck { header, verified }).await?;
    state.sender.count_received(&report.received_now);
    // Debug, not info: every delivery is kept in `webhook_deliveries` and counted in /metrics,
    // and a line each at Meta's rates (thousands a second) would fill disks, and cost ingest
    // about 4 % of its request threads' time.
    tracing::debug!(
        delivery_id = report.delivery_id,
        outcome = report.outcome,
        stored = report.messages_stored,
        duplicates = report.messages_duplicate,
        statuses = report.statuses_recorded,
        "webhook delivery committed"
    );
    if !report.problems.is_empty() {
        tracing::warn!(delivery_id = report.delivery_id, problems = ?report.problems, "delivery kept for replay");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_is_counted_under_its_own_outcome() {
        let store_down = AppError::Unavailable(sea_orm::DbErr::Custom("down".into()));
        assert_eq!(refusal(&store_down), Refusal::Unavailable);
        assert_eq!(refusal(&AppError::PayloadTooLarge(String::new())), Refusal::TooLarge);
        assert_eq!(refusal(&AppError::Unauthenticated(String::new())), Refusal::Unauthenticated);
        assert_eq!(refusal(&AppError::BadInput(String::new())), Refusal::Rejected);
    }
}
