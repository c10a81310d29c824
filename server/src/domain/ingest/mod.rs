//! Webhook ingest: a delivery's every message and status, stored in one transaction.
//!
//! The raw body is kept in `webhook_deliveries` in that same transaction, so a committed
//! delivery is never lost and an uncommitted one changed nothing and is safe for Meta to retry.
//! Idempotence comes from unique constraints (message id, (message id, status), (message id,
//! reason) in the ledger), never from a look-up first.
//!
//! Concurrent deliveries are group-committed (see [`writer`]): many deliveries share one
//! transaction, and each is answered only after that transaction committed.

mod batch;
mod contacts;
mod deliveries;
mod lookups;
mod plan;
mod walk;
mod writer;

pub(crate) use writer::QueuedDelivery;

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value;

use crate::{
    error::AppError,
    store::{Writer, entity::webhook_delivery},
    whatsapp::payload::{self, Notification},
};

use super::Domain;

/// What became of one delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// The stored delivery's id.
    pub delivery_id: i64,
    /// `processed`, or `failed` when some item could not be interpreted (kept for a replay).
    pub outcome: &'static str,
    /// Messages stored now.
    pub messages_stored: usize,
    /// Messages already stored before (retries, duplicates).
    pub messages_duplicate: usize,
    /// Status reports recorded now.
    pub statuses_recorded: usize,
    /// Status reports that moved a stored message forward.
    pub statuses_applied: usize,
    /// Credits charged for the messages stored now.
    pub credits_charged: i64,
    /// Of the messages stored now, those Meta received this second or the one before, by
    /// business number id (`metadata.phone_number_id`): Meta's throughput limit counts them
    /// with the number's sends, and so does the pacer. Not part of the answer to Meta.
    #[serde(skip)]
    pub received_now: BTreeMap<String, usize>,
    /// Subscription fields acknowledged without storing (e.g. `account_update`).
    pub ignored_fields: Vec<String>,
    /// What could not be interpreted.
    pub problems: Vec<String>,
}

/// How the delivery's signature was checked.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    /// The header as received.
    pub header: Option<&'a str>,
    /// Whether it was verified against the app secret.
    pub verified: bool,
}

/// Where the outcome of a processing run is written.
#[derive(Clone, Copy)]
enum Target<'a> {
    New { body: &'a [u8], signature: SignatureCheck<'a> },
    Replay(i64),
}

impl Domain {
    /// Stores a webhook delivery. A body that is not JSON is kept as `rejected` and answered
    /// with `BAD_USER_INPUT`; a store failure leaves nothing behind.
    pub async fn ingest_webhook(&self, body: &[u8], signature: SignatureCheck<'_>) -> Result<IngestReport, AppError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => {
                let notification = payload::interpret(&payload::storable(json));
                warn_of_number_errors(&notification);
                self.write_unit(QueuedDelivery::new(body, signature, notification)).await
            }
            Err(err) => {
                let id = self.store_rejected(body, signature, &err.to_string()).await?;
                Err(AppError::BadInput(format!(
                    "the body is not valid JSON ({err}); it was kept as delivery {id}, send Meta's notification object"
                )))
            }
        }
    }

    /// Processes a stored delivery again (after a fix); what was already stored is unchanged.
    pub async fn replay_delivery(&self, id: i64) -> Result<IngestReport, AppError> {
        let delivery = webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no webhook delivery has id {id}")))?;
        let json: Value = serde_json::from_slice(&delivery.body)
            .map_err(|e| AppError::BadInput(format!("delivery {id} is still not valid JSON ({e})")))?;
        self.write_unit(QueuedDelivery::replay(id, payload::interpret(&payload::storable(json)))).await
    }

    /// The ids of deliveries that are not `processed`, oldest first.
    pub async fn unprocessed_deliveries(&self) -> Result<Vec<i64>, AppError> {
        let rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Outcome.ne("processed"))
            .order_by_asc(webhook_delivery::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|d| d.id).collect())
    }

    async fn store_rejected(&self, body: &[u8], signature: SignatureCheck<'_>, error: &str) -> Result<i64, DbErr> {
        let _turn = self.gate.enter(Writer::Ingest).await;
        let now = Utc::now();
        let report =
            IngestReport { outcome: "rejected", problems: vec![format!("not JSON: {error}")], ..Default::default() };
        let target = Target::New { body, signature };
        deliveries::write(&self.db, target, &Notification::default(), &report, now).await
    }
}

/// Logs the errors Meta reports for a business number as a whole (a change holding errors and
/// no message they could explain, such as a throughput or account problem): the delivery keeps
/// them, but nothing else would show them to an operator.
fn warn_of_number_errors(notification: &Notification) {
    for change in notification.changes.iter().filter(|change| change.messages.is_empty()) {
        for error in &change.errors {
            tracing::warn!(
                phone_number_id = %change.phone_number_id,
                code = ?error.code,
                title = ?error.title,
                details = ?error.details(),
                "Meta reported an error for the business number"
            );
        }
    }
}
