use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// SQLite only: messages enter the text index (`conversations_fts`) in the background, in
/// batches, instead of by a trigger inside the transaction that stores them.
///
/// The trigger made every commit write a small FTS5 segment of its own, and FTS5 merges such
/// segments as they pile up: at a fifth of the ingest peak, a commit of one or two deliveries
/// now and then spent 10–20 ms of CPU merging, and every webhook request of the batches behind
/// it waited. `conversations_fts_mark` holds the last id the index has taken in; wagate indexes
/// the rows above it, in id order, and moves the mark in the same transaction. A search reads
/// the rows above the mark directly, so it finds a message as soon as it is stored.
///
/// The triggers that follow a change or deletion of `content` now act only on rows at or below
/// the mark: a row above it enters the index later, as it then is. `down` indexes the rows
/// above the mark and puts the insert trigger back.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UPDATE_TRIGGER: &str = "CREATE TRIGGER conversations_fts_update AFTER UPDATE OF content ON conversations";
const DELETE_TRIGGER: &str = "CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations";
const ON_INDEXED_ROWS: &str = "WHEN old.id <= (SELECT indexed_through FROM conversations_fts_mark)";
const REINDEX: &str = "INSERT INTO conversations_fts(conversations_fts, rowid, content) VALUES ('delete', old.id, old.content); \
     INSERT INTO conversations_fts(rowid, content) VALUES (new.id, new.content);";
const UNINDEX: &str =
    "INSERT INTO conversations_fts(conversations_fts, rowid, content) VALUES ('delete', old.id, old.content);";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &[
                "CREATE TABLE conversations_fts_mark \
                 (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_through INTEGER NOT NULL)"
                    .to_owned(),
                // Until now the insert trigger indexed every row as it was stored.
                "INSERT INTO conversations_fts_mark (id, indexed_through) \
                 SELECT 1, coalesce(max(id), 0) FROM conversations"
                    .to_owned(),
                "DROP TRIGGER conversations_fts_insert".to_owned(),
                "DROP TRIGGER conversations_fts_update".to_owned(),
                "DROP TRIGGER conversations_fts_delete".to_owned(),
                format!("{UPDATE_TRIGGER} {ON_INDEXED_ROWS} BEGIN {REINDEX} END"),
                format!("{DELETE_TRIGGER} {ON_INDEXED_ROWS} BEGIN {UNINDEX} END"),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &[
                "INSERT INTO conversations_fts(rowid, content) SELECT id, content FROM conversations \
                 WHERE id > (SELECT indexed_through FROM conversations_fts_mark) ORDER BY id"
                    .to_owned(),
                "DROP TRIGGER conversations_fts_update".to_owned(),
                "DROP TRIGGER conversations_fts_delete".to_owned(),
                format!("{UPDATE_TRIGGER} BEGIN {REINDEX} END"),
                format!("{DELETE_TRIGGER} BEGIN {UNINDEX} END"),
                "CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN \
                 INSERT INTO conversations_fts(rowid, content) VALUES (new.id, new.content); END"
                    .to_owned(),
                "DROP TABLE conversations_fts_mark".to_owned(),
            ],
        )
        .await
    }
}

/// Runs the statements in order on SQLite, in one call so that they share a connection (one
/// of the pool's others could still hold the schema from before the first `DROP TRIGGER` when
/// it prepares a `CREATE TRIGGER` of the same name); PostgreSQL's GIN index is left as it is.
async fn run(manager: &SchemaManager<'_>, sqlite: &[String]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    manager.get_connection().execute_unprepared(&sqlite.join(";\n")).await.map(drop)
}
