//! A batch of deliveries stored with set-based statements: the number of statements depends on
//! what kinds of items the batch holds, hardly on how many.
//!
//! 1. the contacts: loaded in one query, resolved in memory, new ones inserted in one
//!    (see [`contacts`](super::contacts));
//! 2. the messages: one `INSERT … ON CONFLICT DO NOTHING RETURNING message_id`, so a wamid
//!    already stored (or stored by a concurrent transaction) is detected by the unique index,
//!    exactly once; each row carries its charge, computed beforehand by a [`walk`] that takes
//!    every message as new, and corrected in the rare case a duplicate changed it;
//! 3. the status reports: one `INSERT … ON CONFLICT DO NOTHING RETURNING`; the messages they
//!    name and the reports already recorded for the messages just stored, one query each;
//! 4. the walk again, with what the database said, then its ledger rows in one insert, one
//!    balance `UPDATE` for every user, one status `UPDATE` per status reached;
//! 5. the deliveries' raw bodies in one insert.
//!
//! The `UPDATE`s of 4 are deferred ([`WriteTransaction::defer`]): on SQLite they reach its
//! thread with the insert of 5, in one round trip.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryTrait,
    sea_query::{Expr, OnConflict},
};

use crate::{
    events::Changes,
    store::{
        WriteTransaction,
        entity::{conversation, media_file, status_event},
    },
    whatsapp::payload::Notification,
};

use super::{
    Domain, IngestReport, Target,
    contacts::{Contacts, Resolved, Touch},
    deliveries,
    lookups::{ledger_entries, recorded_statuses, stored_messages},
    plan::{self, Plan},
    walk::{self, Facts, Rules, StoredMessage},
};
use crate::domain::{
    credits, media,
    message::{ErrorInfo, Status},
    sql,
};

/// One delivery of a batch: where its outcome goes and what it holds.
#[derive(Clone, Copy)]
pub(super) struct Delivery<'a> {
    pub(super) target: Target<'a>,
    pub(super) notification: &'a Notification,
}

impl Domain {
    /// Stores `batch` inside `txn`, collecting what it changed; one report per delivery, in order.
    pub(super) async fn store_batch(
        &self,
        txn: &WriteTransaction,
        batch: &[Delivery<'_>],
        now: DateTime<Utc>,
        changes: &mut Changes,
    ) -> Result<Vec<IngestReport>, DbErr> {
        let plan = Plan::new(batch.iter().map(|d| d.notification));
        let identities: Vec<&str> = plan.inbound().flat_map(|(_, i)| [i.who.phone, i.who.bsuid]).flatten().collect();
        let mut contacts = Contacts::load(txn, identities).await?;
        let resolved: HashMap<usize, Resolved> = plan
            .inbound()
            .map(|(pos, inbound)| (pos, contacts.resolve(inbound.who, self.default_allowance, now)))
            .collect();
        let mut merges: Vec<(usize, usize, usize)> = resolved
            .iter()
            .filter_map(|(pos, r)| match r.touch {
                Touch::Merged(other) => Some((*pos, r.handle, other)),
                _ => None,
            })
            .collect();
        merges.sort_unstable();
        contacts.write(txn, &merges.iter().map(|(_, keep, other)| (*keep, *other)).collect::<Vec<_>>()).await?;

        let rules = Rules { prices: &self.prices, now, jobs: batch.len() };
        let first_copies = first_copies(&plan);
        let guess =
            walk::walk(&rules, &plan, &resolved, &contacts, &Facts { stored_now: first_copies, ..Facts::default() });
        let owners = |pos: usize| final_owner(pos, &resolved, &merges);
        let mut facts = Facts {
            stored_now: insert_messages(txn, &plan, &contacts, owners, &guess.charged, now).await?,
            ..Facts::default()
        };
        note_media(txn, &plan, &facts.stored_now, now).await?;
        facts.recorded_now = record_statuses(txn, &plan, now).await?;
        self.gather(txn, &plan, &mut contacts, &mut facts).await?;

        let outcome = walk::walk(&rules, &plan, &resolved, &contacts, &facts);
        correct_charges(txn, &plan, &guess.charged, &outcome.charged).await?;
        *changes = outcome.changes.clone();
        for id in credits::append_all(txn, outcome.ledger).await? {
            changes.ledger_entry(id);
        }
        save_balances(txn, &contacts, &outcome.balances).await?;
        move_statuses(txn, &outcome.moved, now).await?;
        deliveries::finish(txn, batch, outcome.reports, now).await
    }

    /// What the walk needs from the database: the messages the statuses name, the reports
    /// already recorded for the messages just stored, the users refunds credit, and which
    /// charges and refunds the ledger already holds.
    async fn gather(
        &self,
        txn: &WriteTransaction,
        plan: &Plan<'_>,
        contacts: &mut Contacts,
        facts: &mut Facts,
    ) -> Result<(), DbErr> {
        let stored_now: HashSet<&str> = plan
            .inbound()
            .filter(|(pos, _)| facts.stored_now.contains(pos))
            .map(|(_, i)| i.message.id.as_str())
            .collect();
        let named: Vec<&str> =
            plan.statuses().map(|(_, s)| s.message_id.as_str()).filter(|id| !stored_now.contains(id)).collect();
        facts.stored = stored_messages(txn, &dedup(named)).await?;
        let recorded_at: HashMap<(&str, String), usize> = plan
            .statuses()
            .filter(|(pos, _)| facts.recorded_now.contains(pos))
            .map(|(pos, s)| ((s.message_id.as_str(), s.status.to_ascii_lowercase()), pos))
            .collect();
        let new_ids: Vec<&str> = stored_now.iter().copied().collect();
        facts.recorded = recorded_statuses(txn, &new_ids, &recorded_at).await?;
        let failing: Vec<&StoredMessage> = plan
            .statuses()
            .filter(|(_, s)| Status::parse(&s.status) == Some(Status::Failed))
            .filter_map(|(_, s)| facts.stored.get(&s.message_id))
            .filter(|m| m.credits_charged > 0 && m.send_ref.is_some())
            .collect();
        contacts.load_ids(txn, &failing.iter().map(|m| m.user_id).collect::<Vec<_>>()).await?;
        let mut charged: Vec<&str> = new_ids;
        charged.extend(failing.iter().filter_map(|m| m.send_ref.as_deref()));
        for (message_id, reason) in ledger_entries(txn, &dedup(charged)).await? {
            match reason.as_str() {
                "inbound" => facts.charged_before.insert(message_id),
                _ => facts.refunded_before.insert(message_id),
            };
        }
        Ok(())
    }
}

fn dedup(mut ids: Vec<&str>) -> Vec<&str> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The position of the first copy of each message in the batch.
fn first_copies(plan: &Plan<'_>) -> HashSet<usize> {
    let mut seen = HashSet::new();
    plan.inbound().filter(|(_, i)| seen.insert(i.message.id.as_str())).map(|(pos, _)| pos).collect()
}

/// Whose a message is once the batch is written: its user when handled, or the user that user
/// was merged into later in the batch.
fn final_owner(pos: usize, resolved: &HashMap<usize, Resolved>, merges: &[(usize, usize, usize)]) -> usize {
    let start = resolved.get(&pos).map_or(0, |r| r.handle);
    merges
        .iter()
        .filter(|(at, ..)| *at > pos)
        .fold(start, |owner, (_, keep, other)| if owner == *other { *keep } else { owner })
}

/// Inserts the first copy of each message; the positions of those stored now.
async fn insert_messages(
    txn: &WriteTransaction,
    plan: &Plan<'_>,
    contacts: &Contacts,
    owner: impl Fn(usize) -> usize,
    charged: &HashMap<usize, i64>,
    now: DateTime<Utc>,
) -> Result<HashSet<usize>, DbErr> {
    let firsts: Vec<(usize, &plan::Inbound<'_>)> =
        plan.inbound().filter(|(pos, _)| charged.contains_key(pos)).collect();
    let rows = firsts
        .iter()
        .map(|(pos, inbound)| plan::inbound_row(inbound, contacts.users[owner(*pos)].id, charged[pos], now))
        .collect();
    let on_conflict = OnConflict::column(conversation::Column::MessageId).do_nothing().to_owned();
    let returned = sql::insert_returning(txn, rows, Some(on_conflict), &[conversation::Column::MessageId]).await?;
    let inserted =
        returned.iter().map(|row| row.try_get::<String>("", "message_id")).collect::<Result<HashSet<_>, _>>()?;
    Ok(firsts.into_iter().filter(|(_, i)| inserted.contains(&i.message.id)).map(|(pos, _)| pos).collect())
}

/// Notes the media of the messages stored now for the media job (see [`media`]), in one insert
/// when there are any.
async fn note_media(
    txn: &WriteTransaction,
    plan: &Plan<'_>,
    stored_now: &HashSet<usize>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows: Vec<media_file::ActiveModel> = plan
        .inbound()
        .filter(|(pos, _)| stored_now.contains(pos))
        .filter_map(|(_, inbound)| {
            let media_id = plan::media_id_of(&inbound.message.kind, &inbound.message.raw)?;
            Some(media::due_row(media_id, inbound.message.id.clone(), now))
        })
        .collect();
    let on_conflict = OnConflict::column(media_file::Column::MediaId).do_nothing().to_owned();
    sql::insert_returning(txn, rows, Some(on_conflict), &[media_file::Column::MediaId]).await?;
    Ok(())
}

/// Records the first copy of each (message, status) report; the positions of those recorded now.
async fn record_statuses(txn: &WriteTransaction, plan: &Plan<'_>, now: DateTime<Utc>) -> Result<HashSet<usize>, DbErr> {
    let mut firsts: HashMap<(&str, String), usize> = HashMap::new();
    let mut rows = Vec::new();
    for (pos, update) in plan.statuses() {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            firsts.entry((update.message_id.as_str(), update.status.to_ascii_lowercase()))
        {
            slot.insert(pos);
            rows.push(plan::status_row(update, now));
        }
    }
    let on_conflict =
        OnConflict::columns([status_event::Column::MessageId, status_event::Column::Status]).do_nothing().to_owned();
    let columns = [status_event::Column::MessageId, status_event::Column::Status];
    let mut recorded = HashSet::new();
    for row in sql::insert_returning(txn, rows, Some(on_conflict), &columns).await? {
        let key: (String, String) = (row.try_get("", "message_id")?, row.try_get("", "status")?);
        recorded.extend(firsts.get(&(key.0.as_str(), key.1)).copied());
    }
    Ok(recorded)
}

/// Rewrites the charge of the messages whose first walk guessed wrong (a duplicate of the
/// same user, taken as new, had changed what was left).
async fn correct_charges(
    txn: &WriteTransaction,
    plan: &Plan<'_>,
    guessed: &HashMap<usize, i64>,
    charged: &HashMap<usize, i64>,
) -> Result<(), DbErr> {
    for (pos, inbound) in plan.inbound() {
        let Some(&charged) = charged.get(&pos) else { continue };
        if guessed.get(&pos) != Some(&charged) {
            conversation::Entity::update_many()
                .col_expr(conversation::Column::CreditsCharged, Expr::value(charged))
                .filter(conversation::Column::MessageId.eq(&inbound.message.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Writes every changed balance of the batch's users.
async fn save_balances(txn: &WriteTransaction, contacts: &Contacts, balances: &[(i64, String)]) -> Result<(), DbErr> {
    let changed: Vec<(i64, i64, &str)> = contacts
        .users
        .iter()
        .zip(balances)
        .filter(|(user, (balance, period))| user.current_month_credits != *balance || user.credits_period != *period)
        .map(|(user, (balance, period))| (user.id, *balance, period.as_str()))
        .collect();
    credits::save_balances(txn, &changed).await
}

/// Moves the messages up to their final status: one `UPDATE` per status (and failure) reached,
/// deferred. The condition stays in the statement, so no row can move backward whatever ran
/// meanwhile.
async fn move_statuses(
    txn: &WriteTransaction,
    moved: &HashMap<String, (Status, ErrorInfo)>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut groups: HashMap<(Status, &ErrorInfo), Vec<&str>> = HashMap::new();
    for (message_id, (status, error)) in moved {
        groups.entry((*status, error)).or_default().push(message_id);
    }
    for ((status, error), ids) in groups {
        let lower: Vec<&str> = status.predecessors().map(Status::as_str).collect();
        for chunk in ids.chunks(sql::MAX_PARAMS - 16) {
            let mut update = conversation::Entity::update_many()
                .col_expr(conversation::Column::Status, Expr::value(status.as_str()))
                .col_expr(conversation::Column::UpdatedAt, Expr::value(now))
                .filter(conversation::Column::MessageId.is_in(chunk.iter().copied()))
                .filter(conversation::Column::Status.is_in(lower.clone()));
            if status == Status::Failed {
                update = update
                    .col_expr(conversation::Column::ErrorCode, Expr::value(error.code))
                    .col_expr(conversation::Column::ErrorTitle, Expr::value(error.title.clone()))
                    .col_expr(conversation::Column::ErrorDetails, Expr::value(error.details.clone()));
            }
            txn.defer(txn.get_database_backend().build(&update.into_query())).await?;
        }
    }
    Ok(())
}
