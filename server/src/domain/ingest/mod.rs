//! Webhook ingest: a delivery's every message and status, stored in one transaction.
//!
//! The raw body is kept in `webhook_deliveries` in that same transaction, so a committed
//! delivery is never lost and an uncommitted one changed nothing and is safe for Meta to retry.
//! Idempotence comes from unique constraints (message id, (message id, status), (message id,
//! reason) in the ledger), never from a look-up first.
//!
//! Concurrent deliveries are group-committed by the [`writer`]: many deliveries share one
//! transaction, and each is answered only after that transaction committed.

mod writer;

pub(crate) use writer::IngestWriter;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Expr,
};
use serde::Serialize;
use serde_json::Value;

use crate::{
    error::AppError,
    events::Changes,
    store::{
        self,
        entity::{conversation, webhook_delivery},
    },
    whatsapp::payload::{self, InboundMessage, MessagesChange, Notification},
};

use super::{
    Domain, content,
    credits::{self, Reason},
    media,
    message::{Direction, ErrorInfo, Status},
    statuses,
    users::{self, ContactIdentity},
};

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

const ATTEMPTS: usize = 3;

impl Domain {
    /// Stores a webhook delivery. A body that is not JSON is kept as `rejected` and answered
    /// with `BAD_USER_INPUT`; a store failure leaves nothing behind.
    pub async fn ingest_webhook(&self, body: &[u8], signature: SignatureCheck<'_>) -> Result<IngestReport, AppError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => {
                let notification = payload::interpret(&payload::storable(json));
                match &self.ingest_writer {
                    Some(writer) => writer.submit(body, signature, notification).await,
                    None => Ok(self.process(Target::New { body, signature }, &notification).await?),
                }
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
        Ok(self.process(Target::Replay(id), &payload::interpret(&payload::storable(json))).await?)
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

    async fn process(&self, target: Target<'_>, notification: &Notification) -> Result<IngestReport, DbErr> {
        let mut attempt = 1;
        loop {
            match self.process_once(target, notification).await {
                Err(err) if attempt < ATTEMPTS && store::is_retryable(&err) => attempt += 1,
                result => return result,
            }
        }
    }

    async fn process_once(&self, target: Target<'_>, notification: &Notification) -> Result<IngestReport, DbErr> {
        let (report, changes) = {
            let _turn = self.gate.enter().await;
            let txn = self.db.begin().await?;
            let mut changes = Changes::default();
            let report = self.ingest_into(&txn, target, notification, Utc::now(), &mut changes).await?;
            self.events.announce(&txn, &changes).await?;
            let committing = std::time::Instant::now();
            txn.commit().await?;
            self.metrics.observe_commit(1, committing.elapsed());
            (report, changes)
        };
        // Outside the write gate: loading the rows for subscribers does not hold writers back.
        self.events.publish(&self.db, changes).await;
        Ok(report)
    }

    /// Stores one delivery inside `txn` (which may hold others), collecting what it changed.
    async fn ingest_into(
        &self,
        txn: &DatabaseTransaction,
        target: Target<'_>,
        notification: &Notification,
        now: DateTime<Utc>,
        changes: &mut Changes,
    ) -> Result<IngestReport, DbErr> {
        let mut report = IngestReport {
            problems: notification.problems.clone(),
            ignored_fields: notification.ignored_fields.clone(),
            ..IngestReport::default()
        };
        for change in &notification.changes {
            for message in &change.messages {
                match self.store_inbound(txn, change, message, now, changes).await? {
                    Some(charged) => {
                        report.messages_stored += 1;
                        report.credits_charged += charged;
                    }
                    None => report.messages_duplicate += 1,
                }
            }
            for update in &change.statuses {
                report.statuses_recorded += usize::from(statuses::record(txn, update, now).await?);
                if let Some(status) = Status::parse(&update.status) {
                    let error = update.errors.first().map(ErrorInfo::from).unwrap_or_default();
                    report.statuses_applied +=
                        usize::from(statuses::apply(txn, &update.message_id, status, &error, now, changes).await?);
                }
            }
        }
        report.outcome = if report.problems.is_empty() { "processed" } else { "failed" };
        report.delivery_id = write_delivery(txn, target, notification, &report, now).await?;
        Ok(report)
    }

    /// Stores one inbound message and charges for it; `Ok(Some(charged))`, or `Ok(None)` when it
    /// was already stored.
    async fn store_inbound(
        &self,
        txn: &DatabaseTransaction,
        change: &MessagesChange,
        message: &InboundMessage,
        now: DateTime<Utc>,
        changes: &mut Changes,
    ) -> Result<Option<i64>, DbErr> {
        let contact = change.contacts.iter().find(|c| {
            (message.from.is_some() && c.wa_id == message.from)
                || (message.from_user_id.is_some() && c.user_id == message.from_user_id)
        });
        let who = ContactIdentity {
            phone: message.from.as_deref().or_else(|| contact.and_then(|c| c.wa_id.as_deref())),
            bsuid: message.from_user_id.as_deref().or_else(|| contact.and_then(|c| c.user_id.as_deref())),
            name: contact.and_then(|c| c.name()),
        };
        let mut user = users::resolve_locked(txn, who, self.default_allowance, now, changes).await?;
        // The price due is known before the insert, so the row is written with it at once.
        credits::roll_period(txn, &mut user, now, changes).await?;
        let price = self.prices.price_of(&message.kind);
        let due = credits::due(&user, price);
        let inserted = conversation::Entity::insert(inbound_row(change, message, &who, user.id, due, now))
            .on_conflict_do_nothing_on([conversation::Column::MessageId])
            .exec_without_returning(txn)
            .await?;
        if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            return Ok(None);
        }
        changes.new_message(&message.id);
        if let Some(media_id) = media_id_of(&message.kind, &message.raw) {
            media::note(txn, &media_id, &message.id, now).await?;
        }
        let charged = credits::charge(txn, &mut user, price, Reason::Inbound, &message.id, now, changes).await?;
        if charged != due {
            // The ledger already held a charge for this message (a row restored by hand).
            conversation::Entity::update_many()
                .col_expr(conversation::Column::CreditsCharged, Expr::value(charged))
                .filter(conversation::Column::MessageId.eq(&message.id))
                .exec(txn)
                .await?;
        }
        statuses::apply_recorded(txn, &message.id, now, changes).await?;
        Ok(Some(charged))
    }

    async fn store_rejected(&self, body: &[u8], signature: SignatureCheck<'_>, error: &str) -> Result<i64, DbErr> {
        let _turn = self.gate.enter().await;
        let now = Utc::now();
        let report =
            IngestReport { outcome: "rejected", problems: vec![format!("not JSON: {error}")], ..Default::default() };
        let target = Target::New { body, signature };
        write_delivery(&self.db, target, &Notification::default(), &report, now).await
    }
}

fn inbound_row(
    change: &MessagesChange,
    message: &InboundMessage,
    who: &ContactIdentity<'_>,
    user_id: i64,
    credits_charged: i64,
    now: DateTime<Utc>,
) -> conversation::ActiveModel {
    let raw = &message.raw;
    // A message that lacks its own payload is explained by the change's errors (Meta does this).
    let error = message
        .errors
        .first()
        .or_else(|| raw.get(&message.kind).is_none().then(|| change.errors.first()).flatten())
        .map(ErrorInfo::from)
        .unwrap_or_default();
    let reply_to = raw
        .pointer("/reaction/message_id")
        .or_else(|| raw.pointer("/context/id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let business =
        if change.display_phone_number.is_empty() { &change.phone_number_id } else { &change.display_phone_number };
    conversation::ActiveModel {
        user_id: Set(user_id),
        from: Set(who.phone.or(who.bsuid).unwrap_or_default().to_owned()),
        to: Set(business.clone()),
        message_id: Set(message.id.clone()),
        kind: Set(message.kind.clone()),
        content: Set(content::readable(&message.kind, raw)),
        direction: Set(Direction::Inbound.as_str().to_owned()),
        status: Set(Status::Received.as_str().to_owned()),
        phone_number_id: Set(change.phone_number_id.clone()),
        contact_name: Set(who.name.map(str::to_owned)),
        reply_to: Set(reply_to),
        raw: Set(raw.to_string()),
        credits_charged: Set(credits_charged),
        error_code: Set(error.code),
        error_title: Set(error.title),
        error_details: Set(error.details),
        media_id: Set(media_id_of(&message.kind, raw)),
        timestamp: Set(message.timestamp.unwrap_or_else(|| now.timestamp())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The media id of an image, video, audio, document or sticker message.
fn media_id_of(kind: &str, raw: &Value) -> Option<String> {
    matches!(kind, "image" | "video" | "audio" | "document" | "sticker")
        .then(|| raw.pointer(&format!("/{kind}/id")).and_then(Value::as_str).map(str::to_owned))
        .flatten()
}

async fn write_delivery<C: ConnectionTrait>(
    db: &C,
    target: Target<'_>,
    notification: &Notification,
    report: &IngestReport,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let count = |f: fn(&MessagesChange) -> usize| notification.changes.iter().map(f).sum::<usize>() as i32;
    let error = (!report.problems.is_empty()).then(|| report.problems.join("; "));
    let mut row = webhook_delivery::ActiveModel {
        outcome: Set(report.outcome.to_owned()),
        error: Set(error),
        messages: Set(count(|c| c.messages.len())),
        statuses: Set(count(|c| c.statuses.len())),
        processed_at: Set(now),
        ..Default::default()
    };
    match target {
        Target::New { body, signature } => {
            row.received_at = Set(now);
            row.body = Set(body.to_vec());
            row.signature = Set(signature.header.map(str::to_owned));
            row.signature_verified = Set(signature.verified);
            Ok(webhook_delivery::Entity::insert(row).exec(db).await?.last_insert_id)
        }
        Target::Replay(id) => {
            webhook_delivery::Entity::update_many()
                .set(row)
                .filter(webhook_delivery::Column::Id.eq(id))
                .exec(db)
                .await?;
            Ok(id)
        }
    }
}
