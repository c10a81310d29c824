//! `status_events`: every status Meta reported, applied or not.

use sea_orm::entity::prelude::*;

/// A row of `status_events`; unique per (message_id, status).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_events")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The wamid the status is about.
    pub message_id: String,
    /// `sent`, `delivered`, `read`, `played`, `failed` (or a future word).
    pub status: String,
    /// Meta's timestamp (unix seconds).
    pub timestamp: i64,
    /// The recipient Meta named.
    pub recipient_id: Option<String>,
    /// Meta's error code on failure.
    pub error_code: Option<i64>,
    /// Meta's error title on failure.
    pub error_title: Option<String>,
    /// Meta's error details on failure.
    pub error_details: Option<String>,
    /// Meta's pricing object, as JSON.
    pub pricing: Option<String>,
    /// Meta's JSON for this status.
    pub raw: String,
    /// When wagate stored it.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
