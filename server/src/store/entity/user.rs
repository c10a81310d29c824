//! `users`: WhatsApp contacts (and, later, staff who sign in) with their credit balance.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contact's WhatsApp profile name, as last seen.
    pub name: Option<String>,
    /// E.164 digits (`wa_id`), unique when present.
    #[sea_orm(unique)]
    pub phone: Option<String>,
    /// Meta's business-scoped user id, unique when present.
    #[sea_orm(unique)]
    pub bsuid: Option<String>,
    /// `admin` or `user`.
    pub role: String,
    /// Sign-in email, for staff.
    #[sea_orm(unique)]
    pub email: Option<String>,
    /// argon2id hash, for staff.
    pub password_hash: Option<String>,
    /// The balance of the current period; never negative.
    pub current_month_credits: i64,
    /// What a new period resets the balance to.
    pub monthly_allowance: i64,
    /// The period (`YYYY-MM`, UTC) the balance belongs to.
    pub credits_period: String,
    /// When the row was created.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
