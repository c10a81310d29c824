//! `webhook_deliveries`: every POST Meta made, kept raw so nothing is ever lost.

use sea_orm::entity::prelude::*;

/// A row of `webhook_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When the POST arrived.
    pub received_at: DateTimeUtc,
    /// The raw body, byte for byte.
    pub body: Vec<u8>,
    /// The `X-Hub-Signature-256` header as received.
    pub signature: Option<String>,
    /// Whether the signature was checked against the app secret (false when none is set).
    pub signature_verified: bool,
    /// `processed`, `failed` (kept, needs a replay after a fix) or `rejected` (not JSON).
    pub outcome: String,
    /// What could not be interpreted.
    pub error: Option<String>,
    /// Messages found in the body.
    pub messages: i32,
    /// Statuses found in the body.
    pub statuses: i32,
    /// When it was last processed.
    pub processed_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
