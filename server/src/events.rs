//! The live event bus: what committed transactions changed, fanned out to subscribers.
//!
//! A write collects its [`Changes`] while its transaction runs. Just before the commit,
//! [`EventBus::announce`] queues a PostgreSQL `NOTIFY` (which PostgreSQL delivers on commit
//! only, never for a rollback); after the commit, [`EventBus::publish`] loads the rows once
//! and broadcasts them to this process's subscribers. Other instances on the same database
//! receive the notification in [`EventBus::relay_from_postgres`] and broadcast it to theirs.
//!
//! The broadcast channel is a ring of bounded size: a subscriber that falls behind loses the
//! oldest events and is told how many (see [`Received::Lagged`]), so a slow client can never
//! hold the server back or grow its memory.

mod relay;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::store::entity::{conversation, credit_ledger};

/// Why a message event was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageEventKind {
    /// A message was stored (inbound or outbound).
    NewMessage,
    /// A stored message's status moved forward.
    StatusChanged,
}

/// One committed change, as subscribers receive it.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// A message was stored or its status moved; the row as committed.
    Message {
        /// What happened to it.
        kind: MessageEventKind,
        /// The message row.
        conversation: Arc<conversation::Model>,
    },
    /// A user's balance changed; the ledger row says how.
    Credits(Arc<credit_ledger::Model>),
}

impl LiveEvent {
    /// The user the event is about.
    pub fn user_id(&self) -> i64 {
        match self {
            Self::Message { conversation, .. } => conversation.user_id,
            Self::Credits(entry) => entry.user_id,
        }
    }
}

/// What one transaction changed, collected while it runs.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Messages stored or moved, by wamid, in order.
    #[serde(rename = "m", default)]
    messages: Vec<(MessageEventKind, String)>,
    /// Ledger rows appended, by id.
    #[serde(rename = "l", default)]
    ledger: Vec<i64>,
}

impl Changes {
    /// A message was stored.
    pub(crate) fn new_message(&mut self, message_id: &str) {
        self.messages.push((MessageEventKind::NewMessage, message_id.to_owned()));
    }

    /// A stored message's status moved forward.
    pub(crate) fn status_moved(&mut self, message_id: &str) {
        self.messages.push((MessageEventKind::StatusChanged, message_id.to_owned()));
    }

    /// A ledger row was appended.
    pub(crate) fn ledger_entry(&mut self, entry_id: i64) {
        self.ledger.push(entry_id);
    }

    /// Adds what a later transaction changed.
    pub(crate) fn append(&mut self, later: Changes) {
        self.messages.extend(later.messages);
        self.ledger.extend(later.ledger);
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.ledger.is_empty()
    }

    /// One event per message: a message stored in this transaction is announced as new (its
    /// row already carries any status applied with it); one that only moved, as changed once.
    fn message_events(&self) -> Vec<(MessageEventKind, &str)> {
        let mut kinds: HashMap<&str, MessageEventKind> = HashMap::new();
        let mut order = Vec::new();
        for (kind, id) in &self.messages {
            match kinds.get_mut(id.as_str()) {
                Some(seen) if *kind == MessageEventKind::NewMessage => *seen = *kind,
                Some(_) => {}
                None => {
                    kinds.insert(id, *kind);
                    order.push(id.as_str());
                }
            }
        }
        order.into_iter().map(|id| (kinds[id], id)).collect()
    }
}

/// What a subscriber's receiver yields.
#[derive(Debug)]
pub enum Received {
    /// The next event.
    Event(LiveEvent),
    /// The subscriber fell behind and this many events were dropped for it.
    Lagged(u64),
    /// Events may have been missed by every subscriber: the listener for other instances'
    /// changes reconnected, or committed changes could not be loaded.
    Missed,
}

/// What the bus carries.
#[derive(Debug, Clone)]
enum Broadcast {
    Event(LiveEvent),
    Missed,
}

/// A subscriber's end of the bus.
pub struct Subscriber(broadcast::Receiver<Broadcast>);

impl Subscriber {
    /// The next event or lag report; `None` when the bus is gone.
    pub async fn next(&mut self) -> Option<Received> {
        match self.0.recv().await {
            Ok(Broadcast::Event(event)) => Some(Received::Event(event)),
            Ok(Broadcast::Missed) => Some(Received::Missed),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Received::Lagged(missed)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The bus: cheap to clone, shared by every writer and subscriber of the process.
#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Broadcast>,
    origin: Arc<str>,
    watchers: Arc<AtomicUsize>,
}

/// One client subscription counted as watching for as long as it is held (see
/// [`EventBus::watch`]).
#[derive(Debug)]
pub struct Watching(Arc<AtomicUsize>);

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The PostgreSQL channel events cross instances on.
const CHANNEL: &str = "wagate_events";

impl EventBus {
    /// A bus keeping at most `buffer` events for a subscriber that falls behind.
    pub fn new(buffer: usize) -> Self {
        let (sender, _) = broadcast::channel(buffer.max(1));
        Self { sender, origin: uuid::Uuid::new_v4().to_string().into(), watchers: Arc::default() }
    }

    /// A new subscriber, receiving every event published from now on. Client subscriptions
    /// that ask for the same thing share one subscriber, so each also holds a [`Watching`].
    pub fn subscribe(&self) -> Subscriber {
        Subscriber(self.sender.subscribe())
    }

    /// Counts one client subscription as watching until the guard is dropped.
    pub fn watch(&self) -> Watching {
        self.watchers.fetch_add(1, Ordering::Relaxed);
        Watching(self.watchers.clone())
    }

    /// How many client subscriptions are watching in this process.
    pub fn subscriber_count(&self) -> usize {
        self.watchers.load(Ordering::Relaxed)
    }

    /// Inside the transaction, before its commit: on PostgreSQL, tells the other instances
    /// (PostgreSQL delivers the notification when, and only if, the transaction commits).
    pub(crate) async fn announce<C: ConnectionTrait>(&self, txn: &C, changes: &Changes) -> Result<(), DbErr> {
        if changes.is_empty() || txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // Every payload in one statement: a batch's changes may need several.
        let payloads = relay::payloads(&self.origin, changes);
        if payloads.is_empty() {
            return Ok(());
        }
        let calls: Vec<String> = (2..payloads.len() + 2).map(|n| format!("pg_notify($1, ${n})")).collect();
        let values = std::iter::once(CHANNEL.into()).chain(payloads.into_iter().map(Into::into));
        let notify = sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {}", calls.join(", ")),
            values,
        );
        txn.execute_raw(notify).await?;
        Ok(())
    }

    /// After a commit (here or, relayed, on another instance): loads the changed rows once and
    /// broadcasts them. A failure to load is logged and not returned: the change is committed,
    /// and subscribers can always re-query.
    pub(crate) async fn publish(&self, db: &DatabaseConnection, changes: Changes) {
        if changes.is_empty() || self.sender.receiver_count() == 0 {
            return;
        }
        match load(db, &changes).await {
            Ok(events) => {
                for event in events {
                    // An error only means the last subscriber left meanwhile.
                    let _ = self.sender.send(Broadcast::Event(event));
                }
            }
            Err(error) => {
                tracing::warn!(%error, "committed changes could not be loaded for live subscribers; they are told");
                self.tell_events_missed();
            }
        }
    }

    /// Tells every subscriber that events may have been missed, so that it re-queries.
    pub(crate) fn tell_events_missed(&self) {
        let _ = self.sender.send(Broadcast::Missed);
    }
}

/// The events for `changes`, with each row as it is now.
async fn load(db: &DatabaseConnection, changes: &Changes) -> Result<Vec<LiveEvent>, DbErr> {
    let wanted = changes.message_events();
    let mut events = Vec::with_capacity(wanted.len() + changes.ledger.len());
    if !wanted.is_empty() {
        let ids: Vec<&str> = wanted.iter().map(|(_, id)| *id).collect();
        let rows = conversation::Entity::find().filter(conversation::Column::MessageId.is_in(ids)).all(db).await?;
        let mut by_id: HashMap<String, conversation::Model> =
            rows.into_iter().map(|row| (row.message_id.clone(), row)).collect();
        for (kind, id) in wanted {
            if let Some(row) = by_id.remove(id) {
                events.push(LiveEvent::Message { kind, conversation: Arc::new(row) });
            }
        }
    }
    if !changes.ledger.is_empty() {
        let mut entries = credit_ledger::Entity::find()
            .filter(credit_ledger::Column::Id.is_in(changes.ledger.clone()))
            .all(db)
            .await?;
        entries.sort_by_key(|entry| entry.id);
        events.extend(entries.into_iter().map(|entry| LiveEvent::Credits(Arc::new(entry))));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_stored_and_moved_in_one_transaction_is_announced_once_as_new() {
        let mut changes = Changes::default();
        changes.status_moved("wamid.A");
        changes.new_message("wamid.B");
        changes.status_moved("wamid.B");
        changes.status_moved("wamid.A");
        changes.new_message("wamid.A");
        assert_eq!(
            changes.message_events(),
            vec![(MessageEventKind::NewMessage, "wamid.A"), (MessageEventKind::NewMessage, "wamid.B")]
        );
    }

    #[test]
    fn a_status_moved_twice_in_one_transaction_is_announced_once() {
        let mut changes = Changes::default();
        changes.status_moved("wamid.A");
        changes.status_moved("wamid.A");
        assert_eq!(changes.message_events(), vec![(MessageEventKind::StatusChanged, "wamid.A")]);
    }
}
