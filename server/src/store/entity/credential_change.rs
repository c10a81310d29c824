//! `credential_changes`: when each account's password was last set.

use sea_orm::entity::prelude::*;

/// A row of `credential_changes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential_changes")]
pub struct Model {
    /// The account (`users.id`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// When its password was last set; tokens issued before it are refused.
    pub changed_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
