//! Recording a message the business sent: the row that status webhooks then move forward.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter, QuerySelect,
    sea_query::OnConflict,
};
use serde_json::Value;

use crate::{
    error::AppError,
    events::Changes,
    store::{
        WriteTransaction,
        entity::{conversation, status_event, user},
    },
};

use super::{
    Domain, content,
    message::{Direction, Status},
    sql, statuses,
    users::{self, ContactIdentity},
    write_batcher::Answers,
};

impl Domain {
    /// The wamids of the messages sends paid for, by the sends' ledger references (those of
    /// sends Meta never took have none).
    pub async fn messages_sent_for(&self, references: &[String]) -> Result<HashMap<String, String>, AppError> {
        let rows: Vec<(Option<String>, String)> = conversation::Entity::find()
            .select_only()
            .column(conversation::Column::SendRef)
            .column(conversation::Column::MessageId)
            .filter(conversation::Column::SendRef.is_in(references.iter().map(String::as_str)))
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows.into_iter().filter_map(|(reference, wamid)| Some((reference?, wamid))).collect())
    }
}

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
        self.record(Record(message)).await
    }
}

/// Storing one accepted outbound message: one of a send's writes (see `send_writes`).
pub(crate) struct Record(pub(super) OutboundMessage);

impl Record {
    /// The recipient (phone digits).
    pub(super) fn contact(&self) -> &str {
        &self.0.to
    }
}

/// Stores the messages with set-based statements: their users come read and locked by the
/// batch in `users` (a reservation found or created them already), then one multi-row insert
/// that skips a wamid already stored and returns the rows it wrote, and the statuses that
/// arrived before their rows; only rows stored earlier or moved by such a status are read back.
pub(super) async fn store_all(
    domain: &Domain,
    txn: &WriteTransaction,
    units: &[&Record],
    users: &mut HashMap<String, user::Model>,
    changes: &mut Changes,
) -> Answers<conversation::Model> {
    let now = Utc::now();
    let mut rows = Vec::with_capacity(units.len());
    for Record(message) in units.iter().copied() {
        let user_id = match users.get(&message.to) {
            Some(user) => user.id,
            None => {
                let who = ContactIdentity { phone: Some(&message.to), ..Default::default() };
                let user = users::resolve_locked(txn, who, domain.default_allowance, now, changes).await?;
                let id = user.id;
                users.insert(message.to.clone(), user);
                id
            }
        };
        rows.push(row(message, user_id, now));
    }
    let on_conflict = OnConflict::column(conversation::Column::MessageId).do_nothing().to_owned();
    let every_column: Vec<conversation::Column> = conversation::Column::iter().collect();
    let mut stored: HashMap<String, conversation::Model> =
        sql::insert_returning(txn, rows, Some(on_conflict), &every_column)
            .await?
            .iter()
            .map(|row| conversation::Model::from_query_result(row, "").map(|model| (model.message_id.clone(), model)))
            .collect::<Result<_, _>>()?;
    let ids: Vec<&str> = units.iter().map(|unit| unit.0.message_id.as_str()).collect();
    for id in &ids {
        if stored.contains_key(*id) {
            changes.new_message(id);
        }
    }
    let early: HashSet<String> = status_event::Entity::find()
        .select_only()
        .column(status_event::Column::MessageId)
        .filter(status_event::Column::MessageId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    for id in &early {
        statuses::apply_recorded(txn, id, now, changes).await?;
    }
    // An early `failed` refunded its message in the store: the batch's later writes (refunds)
    // go on from the balance as it now is.
    for Record(message) in units.iter().copied().filter(|unit| early.contains(&unit.0.message_id)) {
        if let Some(user) = users.get(&message.to).map(|user| user.id)
            && let Some(now_stored) = users::lock_by_id(txn, user).await?
        {
            users.insert(message.to.clone(), now_stored);
        }
    }
    // Rows stored before (a wamid recorded again) and rows an early status moved are read as
    // they now are; the others are as the insert returned them.
    let reread: Vec<&str> = ids.iter().copied().filter(|id| !stored.contains_key(*id) || early.contains(*id)).collect();
    if !reread.is_empty() {
        let rows = conversation::Entity::find().filter(conversation::Column::MessageId.is_in(reread)).all(txn).await?;
        stored.extend(rows.into_iter().map(|row| (row.message_id.clone(), row)));
    }
    Ok(ids
        .iter()
        .map(|id| {
            stored
                .get(*id)
                .cloned()
                .ok_or_else(|| AppError::NotFound(format!("message {id} vanished while being stored")))
        })
        .collect())
}

/// The row of an accepted outbound message (status `accepted`) for `user_id`.
fn row(message: &OutboundMessage, user_id: i64, now: DateTime<Utc>) -> conversation::ActiveModel {
    conversation::ActiveModel {
        user_id: Set(user_id),
        from: Set(message.from.clone()),
        to: Set(message.to.clone()),
        message_id: Set(message.message_id.clone()),
        kind: Set(message.kind.clone()),
        content: Set(content::readable(&message.kind, &message.raw)),
        direction: Set(Direction::Outbound.as_str().to_owned()),
        status: Set(Status::Accepted.as_str().to_owned()),
        phone_number_id: Set(message.phone_number_id.clone()),
        reply_to: Set(message
            .raw
            .pointer("/reaction/message_id")
            .or_else(|| message.raw.pointer("/context/message_id"))
            .and_then(Value::as_str)
            .map(str::to_owned)),
        raw: Set(message.raw.to_string()),
        credits_charged: Set(message.credits_charged),
        send_ref: Set(message.send_ref.clone()),
        timestamp: Set(now.timestamp()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}
