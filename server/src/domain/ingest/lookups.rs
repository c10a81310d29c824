//! What a batch reads besides its users: the messages its statuses name, the reports already
//! recorded for the messages it stores, and the charges and refunds the ledger already holds;
//! one query each (per parameter chunk).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    domain::{
        credits,
        message::{ErrorInfo, Status},
    },
    store::{
        WriteTransaction,
        entity::{conversation, credit_ledger, status_event},
    },
};

use super::walk::{Recorded, StoredMessage};
use crate::domain::sql;

/// The stored messages with these ids, locked (on PostgreSQL) while their statuses move.
pub(super) async fn stored_messages(
    txn: &WriteTransaction,
    ids: &[&str],
) -> Result<HashMap<String, StoredMessage>, DbErr> {
    let mut stored = HashMap::new();
    for chunk in sql::in_chunks(ids) {
        let rows: Vec<(String, String, i64, i64, Option<String>)> = conversation::Entity::find()
            .select_only()
            .columns([
                conversation::Column::MessageId,
                conversation::Column::Status,
                conversation::Column::UserId,
                conversation::Column::CreditsCharged,
                conversation::Column::SendRef,
            ])
            .filter(conversation::Column::MessageId.is_in(chunk.iter().copied()))
            .order_by_asc(conversation::Column::Id)
            .lock_exclusive()
            .into_tuple()
            .all(txn)
            .await?;
        for (message_id, status, user_id, credits_charged, send_ref) in rows {
            // A word outside the ladder never moves (the old conditional UPDATE never matched it).
            if let Some(status) = Status::parse(&status) {
                stored.insert(message_id, StoredMessage { status, user_id, credits_charged, send_ref });
            }
        }
    }
    Ok(stored)
}

/// The reports recorded for these messages, each with the batch position that recorded it.
pub(super) async fn recorded_statuses(
    txn: &WriteTransaction,
    ids: &[&str],
    recorded_at: &HashMap<(&str, String), usize>,
) -> Result<HashMap<String, Vec<Recorded>>, DbErr> {
    let mut recorded: HashMap<String, Vec<Recorded>> = HashMap::new();
    for chunk in sql::in_chunks(ids) {
        let rows = status_event::Entity::find()
            .filter(status_event::Column::MessageId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        for row in rows {
            let Some(status) = Status::parse(&row.status) else { continue };
            let at = recorded_at.get(&(row.message_id.as_str(), row.status.clone())).copied();
            let error = ErrorInfo { code: row.error_code, title: row.error_title, details: row.error_details };
            recorded.entry(row.message_id).or_default().push(Recorded { status, error, at });
        }
    }
    Ok(recorded)
}

/// The (message id, reason) of the inbound charges and refunds the ledger holds for these ids.
pub(super) async fn ledger_entries(txn: &WriteTransaction, ids: &[&str]) -> Result<Vec<(String, String)>, DbErr> {
    let mut entries = Vec::new();
    for chunk in sql::in_chunks(ids) {
        let found: Vec<(Option<String>, String)> = credit_ledger::Entity::find()
            .select_only()
            .columns([credit_ledger::Column::MessageId, credit_ledger::Column::Reason])
            .filter(credit_ledger::Column::MessageId.is_in(chunk.iter().copied()))
            .filter(
                credit_ledger::Column::Reason
                    .is_in([credits::Reason::Inbound.as_str(), credits::Reason::Refund.as_str()]),
            )
            .into_tuple()
            .all(txn)
            .await?;
        entries.extend(found.into_iter().filter_map(|(id, reason)| Some((id?, reason))));
    }
    Ok(entries)
}
