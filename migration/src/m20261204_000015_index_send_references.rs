use sea_orm_migration::prelude::*;

/// Finds the message a send's ledger reference (`send:` and a UUID) paid for, so that the
/// ledger can name its wamid. Only the messages the business sent carry one: the index leaves
/// the others out (SQLite and PostgreSQL both take a partial index), so storing an inbound
/// message costs nothing more.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = "CREATE INDEX IF NOT EXISTS idx_conversations_send_ref ON conversations (send_ref) \
                   WHERE send_ref IS NOT NULL";
        manager.get_connection().execute_unprepared(sql).await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS idx_conversations_send_ref").await.map(drop)
    }
}
