//! Database migrations for wagate, applied at start (`wagate serve`) or alone (`wagate migrate`).
//!
//! One file per change, named `mYYYYMMDD_NNNNNN_verb_table.rs`; never edit a released one.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_users;
mod m20261125_000002_create_webhook_deliveries;
mod m20261125_000003_create_conversations;
mod m20261125_000004_create_status_events;
mod m20261125_000005_create_credit_ledger;
mod m20261125_000006_add_send_ref_to_conversations;
mod m20261125_000007_create_media_files;
mod m20261202_000008_add_status_index_to_conversations;
mod m20261202_000009_add_id_to_direction_index_on_conversations;
mod m20261202_000010_add_content_statistics_to_conversations;
mod m20261202_000011_create_text_index_on_conversations;
mod m20261203_000012_defer_text_indexing_on_conversations;
mod m20261204_000013_merge_text_index_in_steps;
mod m20261204_000014_point_outbound_reactions_at_their_message;
mod m20261204_000015_index_send_references;
mod m20261204_000016_create_credential_changes;

/// Every migration of the schema, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_users::Migration),
            Box::new(m20261125_000002_create_webhook_deliveries::Migration),
            Box::new(m20261125_000003_create_conversations::Migration),
            Box::new(m20261125_000004_create_status_events::Migration),
            Box::new(m20261125_000005_create_credit_ledger::Migration),
            Box::new(m20261125_000006_add_send_ref_to_conversations::Migration),
            Box::new(m20261125_000007_create_media_files::Migration),
            Box::new(m20261202_000008_add_status_index_to_conversations::Migration),
            Box::new(m20261202_000009_add_id_to_direction_index_on_conversations::Migration),
            Box::new(m20261202_000010_add_content_statistics_to_conversations::Migration),
            Box::new(m20261202_000011_create_text_index_on_conversations::Migration),
            Box::new(m20261203_000012_defer_text_indexing_on_conversations::Migration),
            Box::new(m20261204_000013_merge_text_index_in_steps::Migration),
            Box::new(m20261204_000014_point_outbound_reactions_at_their_message::Migration),
            Box::new(m20261204_000015_index_send_references::Migration),
            Box::new(m20261204_000016_create_credential_changes::Migration),
        ]
    }
}
