use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Reactions the business sent name the message they react to in `reply_to`, as inbound ones
/// always did: wagate stored only a reply's `context.message_id` there, so the admin UI drew
/// the business's reactions as bubbles of their own instead of on their message. `up` fills
/// `reply_to` of the reactions stored before from their raw JSON (`reaction.message_id`);
/// `down` leaves the rows as they are, which the code before reads the same.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let target = match manager.get_database_backend() {
            DbBackend::Postgres => "CAST(raw AS jsonb) -> 'reaction' ->> 'message_id'",
            _ => "json_extract(raw, '$.reaction.message_id')",
        };
        let sql = format!(
            "UPDATE conversations SET reply_to = {target} \
             WHERE \"type\" = 'reaction' AND direction = 'outbound' AND reply_to IS NULL"
        );
        manager.get_connection().execute_unprepared(&sql).await.map(drop)
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
