//! Recording a message the business sent: the row that status webhooks then move forward.

use chrono::Utc;
use futures::future::BoxFuture;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::{error::AppError, events::Changes, store::entity::conversation};

use super::{
    Domain, content,
    message::{Direction, Status},
    statuses,
    users::{self, ContactIdentity},
    write_batcher::Unit,
};

/// A message Meta accepted for sending.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    /// The wamid Meta returned.
    pub message_id: String,
    /// The business number it was sent from (digits).
    pub from: String,
    /// The business number's id at Meta.
    pub phone_number_id: String,
    /// The recipient's phone (E.164 digits).
    pub to: String,
    /// Meta's type name.
    pub kind: String,
    /// The message object as sent.
    pub raw: Value,
    /// Credits paid for it before it was sent.
    pub credits_charged: i64,
    /// The reservation the payment (and any refund) names.
    pub send_ref: Option<String>,
}

impl Domain {
    /// Stores an accepted outbound message (status `accepted`) for the recipient's user, and
    /// applies any status Meta reported before the row existed. Recording the same wamid again
    /// returns the stored row. Group-committed with concurrent sends' writes.
    pub async fn record_outbound(&self, message: OutboundMessage) -> Result<conversation::Model, AppError> {
        self.write_unit(Record(message)).await
    }
}

/// Storing one accepted outbound message, as a unit of group-committed writing.
struct Record(OutboundMessage);

impl Unit for Record {
    type Output = conversation::Model;

    fn contact(&self) -> &str {
        &self.0.to
    }

    fn write<'t>(
        &'t self,
        domain: &'t Domain,
        txn: &'t DatabaseTransaction,
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Result<conversation::Model, AppError>> {
        Box::pin(store(domain, txn, &self.0, changes))
    }
}

/// The row of `message` for the recipient's user, with any status that arrived before it.
async fn store(
    domain: &Domain,
    txn: &DatabaseTransaction,
    message: &OutboundMessage,
    changes: &mut Changes,
) -> Result<conversation::Model, AppError> {
    let now = Utc::now();
    let who = ContactIdentity { phone: Some(&message.to), ..Default::default() };
    let user = users::resolve_locked(txn, who, domain.default_allowance, now, changes).await?;
    let row = conversation::ActiveModel {
        user_id: Set(user.id),
        from: Set(message.from.clone()),
        to: Set(message.to.clone()),
        message_id: Set(message.message_id.clone()),
        kind: Set(message.kind.clone()),
        content: Set(content::readable(&message.kind, &message.raw)),
        direction: Set(Direction::Outbound.as_str().to_owned()),
        status: Set(Status::Accepted.as_str().to_owned()),
        phone_number_id: Set(message.phone_number_id.clone()),
        reply_to: Set(message.raw.pointer("/context/message_id").and_then(Value::as_str).map(str::to_owned)),
        raw: Set(message.raw.to_string()),
        credits_charged: Set(message.credits_charged),
        send_ref: Set(message.send_ref.clone()),
        timestamp: Set(now.timestamp()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = conversation::Entity::insert(row)
        .on_conflict_do_nothing_on([conversation::Column::MessageId])
        .exec_without_returning(txn)
        .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        changes.new_message(&message.message_id);
    }
    statuses::apply_recorded(txn, &message.message_id, now, changes).await?;
    let stored = conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq(&message.message_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("message {} vanished while being stored", message.message_id)))?;
    Ok(stored)
}
