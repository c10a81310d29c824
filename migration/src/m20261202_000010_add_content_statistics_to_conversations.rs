use sea_orm_migration::{
    prelude::*,
    sea_orm::{DbBackend, Statement},
};

/// PostgreSQL statistics on `lower(content)`, the expression the conversations `search` filter
/// matches with LIKE. Without them the planner guesses that almost no row matches, reads all of
/// a heavy user's rows and sorts them, where walking the user's index newest first stops after
/// the first page's worth of matches. Expression statistics exist from PostgreSQL 14; older
/// servers and SQLite (whose planner does not use them) are left as they are.
#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "stx_conversations_lower_content";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !supported(manager).await? {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE STATISTICS IF NOT EXISTS {NAME} ON (lower(content)) FROM conversations"
        ))
        .await?;
        db.execute_unprepared("ANALYZE conversations").await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(&format!("DROP STATISTICS IF EXISTS {NAME}")).await.map(|_| ())
    }
}

/// Whether the database is PostgreSQL 14 or later.
async fn supported(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(false);
    }
    let db = manager.get_connection();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('server_version_num')::INT AS v",
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i32>("", "v")).transpose()?.is_some_and(|v| v >= 140_000))
}
