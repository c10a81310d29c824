//! `media_files`: inbound media kept locally, and the fetch job's progress.

use sea_orm::entity::prelude::*;

/// A row of `media_files`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_files")]
pub struct Model {
    /// Meta's media id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub media_id: String,
    /// The message that carried it.
    pub message_id: String,
    /// Its content type, as Meta reported it.
    pub mime_type: Option<String>,
    /// Its SHA-256 (hex), as Meta reported it.
    pub sha256: Option<String>,
    /// Its size in bytes, once fetched.
    pub size: Option<i64>,
    /// Where it is stored, relative to `MEDIA_DIR`, once fetched.
    pub path: Option<String>,
    /// Fetch attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the job may try again.
    pub next_attempt_at: DateTimeUtc,
    /// When it was fetched.
    pub fetched_at: Option<DateTimeUtc>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
