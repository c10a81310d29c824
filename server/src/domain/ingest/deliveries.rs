//! The `webhook_deliveries` rows: every POST's raw body with what became of it, the new ones
//! of a batch in one multi-row insert.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{store::entity::webhook_delivery, whatsapp::payload::Notification};

use super::{IngestReport, Target, batch::Delivery};
use crate::domain::sql;

/// Completes each delivery's report (`counts`, from the walk) and writes its row: one insert
/// for the new deliveries, an update for a replayed one.
pub(super) async fn finish<C: ConnectionTrait>(
    db: &C,
    batch: &[Delivery<'_>],
    counts: Vec<IngestReport>,
    now: DateTime<Utc>,
) -> Result<Vec<IngestReport>, DbErr> {
    let mut reports: Vec<IngestReport> =
        batch.iter().zip(counts).map(|(d, counts)| complete(d.notification, counts)).collect();
    let mut new = Vec::new();
    for (index, (delivery, report)) in batch.iter().zip(&mut reports).enumerate() {
        match delivery.target {
            Target::New { .. } => new.push((index, row(delivery.target, delivery.notification, report, now))),
            Target::Replay(id) => {
                report.delivery_id = write(db, delivery.target, delivery.notification, report, now).await.map(|_| id)?
            }
        }
    }
    let (indexes, rows): (Vec<usize>, Vec<_>) = new.into_iter().unzip();
    let returned = sql::insert_returning(db, rows, None, &[webhook_delivery::Column::Id]).await?;
    let mut ids = returned.iter().map(|row| row.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
    // Ids are taken in the order of the VALUES rows.
    ids.sort_unstable();
    for (index, id) in indexes.into_iter().zip(ids) {
        reports[index].delivery_id = id;
    }
    Ok(reports)
}

fn complete(notification: &Notification, counts: IngestReport) -> IngestReport {
    let problems = notification.problems.clone();
    IngestReport {
        outcome: if problems.is_empty() { "processed" } else { "failed" },
        problems,
        ignored_fields: notification.ignored_fields.clone(),
        ..counts
    }
}

/// Writes one delivery's row: inserted for a new one, updated for a replay; its id.
pub(super) async fn write<C: ConnectionTrait>(
    db: &C,
    target: Target<'_>,
    notification: &Notification,
    report: &IngestReport,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = row(target, notification, report, now);
    match target {
        Target::New { .. } => Ok(webhook_delivery::Entity::insert(row).exec(db).await?.last_insert_id),
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

fn row(
    target: Target<'_>,
    notification: &Notification,
    report: &IngestReport,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    let count = |f: fn(&crate::whatsapp::payload::MessagesChange) -> usize| {
        notification.changes.iter().map(f).sum::<usize>() as i32
    };
    let error = (!report.problems.is_empty()).then(|| report.problems.join("; "));
    let mut row = webhook_delivery::ActiveModel {
        outcome: Set(report.outcome.to_owned()),
        error: Set(error),
        messages: Set(count(|c| c.messages.len())),
        statuses: Set(count(|c| c.statuses.len())),
        processed_at: Set(now),
        ..Default::default()
    };
    if let Target::New { body, signature } = target {
        row.received_at = Set(now);
        row.body = Set(body.to_vec());
        row.signature = Set(signature.header.map(str::to_owned));
        row.signature_verified = Set(signature.verified);
    }
    row
}
