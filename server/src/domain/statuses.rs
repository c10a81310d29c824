//! Statuses move a message up the ladder and never back. Every report is kept in
//! `status_events`, even a late one, a repeated one, or one for a message not stored yet —
//! which is applied the moment that message appears.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    events::Changes,
    store::entity::{conversation, status_event},
};

use super::{
    credits,
    message::{ErrorInfo, Status},
};

/// Moves the stored message up to `status`; `Ok(false)` when it is unknown or already there
/// or beyond. The condition is in the UPDATE itself, so concurrent reports cannot race it back.
pub(crate) async fn apply<C: ConnectionTrait>(
    db: &C,
    message_id: &str,
    status: Status,
    error: &ErrorInfo,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<bool, DbErr> {
    let lower: Vec<&str> = status.predecessors().map(Status::as_str).collect();
    let mut update = conversation::Entity::update_many()
        .col_expr(conversation::Column::Status, Expr::value(status.as_str()))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(now))
        .filter(conversation::Column::MessageId.eq(message_id))
        .filter(conversation::Column::Status.is_in(lower));
    if status == Status::Failed {
        update = update
            .col_expr(conversation::Column::ErrorCode, Expr::value(error.code))
            .col_expr(conversation::Column::ErrorTitle, Expr::value(error.title.clone()))
            .col_expr(conversation::Column::ErrorDetails, Expr::value(error.details.clone()));
    }
    let moved = update.exec(db).await?.rows_affected > 0;
    if moved {
        changes.status_moved(message_id);
    }
    if moved && status == Status::Failed {
        credits::refund_failed(db, message_id, now, changes).await?;
    }
    Ok(moved)
}

/// Applies the highest status already recorded for a message that was just stored.
pub(crate) async fn apply_recorded<C: ConnectionTrait>(
    db: &C,
    message_id: &str,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<(), DbErr> {
    let events = status_event::Entity::find().filter(status_event::Column::MessageId.eq(message_id)).all(db).await?;
    let highest = events.iter().filter_map(|e| Status::parse(&e.status).map(|s| (s, e))).max_by_key(|(s, _)| *s);
    if let Some((status, event)) = highest {
        let error = ErrorInfo {
            code: event.error_code,
            title: event.error_title.clone(),
            details: event.error_details.clone(),
        };
        apply(db, message_id, status, &error, now, changes).await?;
    }
    Ok(())
}
