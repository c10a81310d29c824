//! `credit_ledger`: append-only; every balance change is a row.

use sea_orm::entity::prelude::*;

/// A row of `credit_ledger`; unique per (message_id, reason).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_ledger")]
pub struct Model {
    /// Primary key; the ledger's order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Whose balance changed.
    pub user_id: i64,
    /// The change (negative for a charge).
    pub delta: i64,
    /// `inbound`, `outbound`, `refund`, `monthly_reset` or `adjustment`.
    pub reason: String,
    /// The message that caused it, if any.
    pub message_id: Option<String>,
    /// The balance right after this change.
    pub balance_after: i64,
    /// The period (`YYYY-MM`) the change belongs to.
    pub period: String,
    /// Free text (an admin's reason, a shortfall).
    pub note: Option<String>,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
