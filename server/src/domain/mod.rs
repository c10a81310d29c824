//! The rules of wagate, independent of HTTP and GraphQL: ingest, statuses, credits, users and
//! the conversation queries. Every entry point is a method of [`Domain`].

pub mod accounts;
pub mod content;
pub mod conversations;
pub mod credits;
pub mod ingest;
pub mod media;
pub mod message;
pub mod outbound;
mod reservations;
pub mod send;
mod send_writes;
mod sql;
pub mod staff;
pub mod statuses;
mod text_match;
pub mod users;
mod write_batcher;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use self::reservations::SEND_REFERENCE_PREFIX;

use crate::{
    error,
    events::EventBus,
    metrics::Metrics,
    store::{Store, WriteGate, WriteTransaction},
};

use self::credits::PriceTable;
use crate::events::Changes;

/// The domain services over one database.
#[derive(Clone, Debug)]
pub struct Domain {
    db: DatabaseConnection,
    gate: WriteGate,
    prices: Arc<PriceTable>,
    default_allowance: i64,
    events: EventBus,
    metrics: Metrics,
    login_throttle: accounts::LoginThrottle,
    ingest_writer: Option<write_batcher::WriteBatcher<ingest::QueuedDelivery>>,
    send_writer: Option<write_batcher::WriteBatcher<send_writes::SendWrite>>,
}

impl Domain {
    /// Services over `db`, charging by `prices`, giving new contacts `default_allowance`,
    /// publishing what they commit on `events` and counting it in `metrics`.
    pub fn new(store: Store, prices: PriceTable, default_allowance: i64, events: EventBus, metrics: Metrics) -> Self {
        let Store { db, mut gate } = store;
        gate.observe_turns(Arc::new(metrics.clone()));
        Self {
            db,
            gate,
            prices: Arc::new(prices),
            default_allowance,
            events,
            metrics,
            login_throttle: Default::default(),
            ingest_writer: None,
            send_writer: None,
        }
    }

    /// These services with webhook deliveries, and separately sends' writes, group-committed by
    /// `writers` writer tasks each (one on SQLite), up to `max_batch` deliveries or writes per
    /// transaction (see [`ingest`] and `write_batcher`). Needs a Tokio runtime.
    pub fn with_group_commit(mut self, max_batch: usize, writers: usize) -> Self {
        // The writers' own copy has no writer: it stores what it is given directly.
        let direct = self.clone();
        self.ingest_writer = Some(write_batcher::WriteBatcher::start(direct.clone(), max_batch, writers));
        self.send_writer = Some(write_batcher::WriteBatcher::start(direct, max_batch, writers));
        self
    }

    /// Writes `unit`, group-committed with concurrent units when this domain has writer tasks,
    /// else in a transaction of its own.
    pub(crate) async fn write_unit<U: write_batcher::Unit>(&self, unit: U) -> Result<U::Output, error::AppError> {
        match U::writers(self) {
            Some(writers) => writers.write(unit).await,
            None => write_batcher::write_alone(self, unit).await,
        }
    }

    /// The live event bus.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Commits `txn` after announcing `changes` to other instances, then publishes them here.
    pub(crate) async fn commit(&self, txn: WriteTransaction, changes: Changes) -> Result<(), sea_orm::DbErr> {
        self.events.announce(&txn, &changes).await?;
        txn.commit().await?;
        self.events.publish(&self.db, changes).await;
        Ok(())
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Closes every database connection: the pool and the writers' own. Reads and writes then
    /// fail as with the database gone.
    pub async fn close(&self) -> Result<(), sea_orm::DbErr> {
        self.db.close_by_ref().await?;
        self.gate.close().await
    }

    /// Checkpoints SQLite's write-ahead log, taking the writers' turn for its last pass (see
    /// [`WriteGate::checkpoint_wal`]).
    pub async fn checkpoint_wal(&self) -> Result<(), sea_orm::DbErr> {
        self.gate.checkpoint_wal(&self.db).await
    }
}
