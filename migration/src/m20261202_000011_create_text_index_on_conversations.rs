use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// A trigram index over `conversations.content`, for the conversations `search` filter (a
/// case-insensitive substring match) on a heavy user: without it a term that matches nothing
/// reads every one of the user's rows.
///
/// - **SQLite**: `conversations_fts`, an FTS5 table with the `trigram` tokenizer (folding case)
///   whose content is `conversations` itself (external content: only the index is stored), kept
///   in step by triggers on insert, delete and change of `content`, and filled from the rows
///   already stored.
/// - **PostgreSQL**: a GIN index on `lower(content)` with `pg_trgm`'s operator class, which the
///   planner uses for the filter's `lower(content) LIKE '%…%'` as it is. Creating the extension
///   needs the `CREATE` privilege on the database and, `pg_trgm` being a trusted extension, no
///   superuser (PostgreSQL 13+); on a managed PostgreSQL (RDS, Cloud SQL, Azure) it is on the
///   allowed list, and an owner who does not let wagate create it can run `CREATE EXTENSION
///   pg_trgm` once beforehand. `down` keeps the extension, which other objects may use.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE conversations_fts USING fts5(content, content='conversations', \
     content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN \
     INSERT INTO conversations_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN \
     INSERT INTO conversations_fts(conversations_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER conversations_fts_update AFTER UPDATE OF content ON conversations BEGIN \
     INSERT INTO conversations_fts(conversations_fts, rowid, content) VALUES ('delete', old.id, old.content); \
     INSERT INTO conversations_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS conversations_fts_update",
    "DROP TRIGGER IF EXISTS conversations_fts_delete",
    "DROP TRIGGER IF EXISTS conversations_fts_insert",
    "DROP TABLE IF EXISTS conversations_fts",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    // The operator class is named with the extension's schema, wherever an earlier install put it.
    "DO $$ BEGIN EXECUTE format('CREATE INDEX IF NOT EXISTS idx_conversations_content_trgm ON conversations \
     USING gin (lower(content) %s.gin_trgm_ops)', \
     (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm')); END $$",
    "ANALYZE conversations",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS idx_conversations_content_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}

/// Runs the statements for the connection's backend, in order.
async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        DbBackend::Postgres => postgres,
        _ => &[],
    };
    for statement in statements {
        manager.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}
