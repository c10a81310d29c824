//! The rules of wagate, independent of HTTP and GraphQL: ingest, statuses, credits, users and
//! the conversation queries. Every entry point is a method of [`Domain`].

pub mod content;
pub mod conversations;
pub mod credits;
pub mod ingest;
pub mod media;
pub mod message;
pub mod outbound;
pub mod send;
pub mod statuses;
pub mod users;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::store::WriteGate;

use self::credits::PriceTable;

/// The domain services over one database.
#[derive(Clone, Debug)]
pub struct Domain {
    db: DatabaseConnection,
    gate: WriteGate,
    prices: Arc<PriceTable>,
    default_allowance: i64,
}

impl Domain {
    /// Services over `db`, charging by `prices`, giving new contacts `default_allowance`.
    pub fn new(db: DatabaseConnection, prices: PriceTable, default_allowance: i64) -> Self {
        let gate = WriteGate::for_backend(db.get_database_backend());
        Self { db, gate, prices: Arc::new(prices), default_allowance }
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}
