use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// SQLite only: the text index (`conversations_fts`) no longer merges its segments by itself;
/// wagate's indexer merges a bounded number of pages after each batch it takes in, eight
/// segments of a level into one.
///
/// FTS5's automatic merging (`automerge`, 4 by default) does its work in lumps: every 64 leaf
/// pages written, it merges 64 pages per level of the index in the transaction that wrote them,
/// so now and then one indexer batch held the writers' turn for 15–50 ms while webhook requests
/// waited. With `automerge` at 0, FTS5 merges only when told to (or, as a last resort, when a
/// level reaches `crisismerge`'s 16 segments, which the indexer's steps keep it from).
/// `usermerge` at 8 instead of 4 lifts each message through half as many levels, so the index
/// rewrites fewer pages in all, at the cost of up to seven segments a level for a search to
/// read instead of three. `down` gives FTS5 back its defaults.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_merging(manager, 0, 8).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_merging(manager, 4, 4).await
    }
}

/// Sets FTS5's `automerge` and `usermerge` options, which the index keeps in
/// `conversations_fts_config`, on SQLite; PostgreSQL's GIN index is left as it is.
async fn set_merging(manager: &SchemaManager<'_>, automerge: u32, usermerge: u32) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('automerge', {automerge});\n\
             INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('usermerge', {usermerge})"
        ))
        .await
        .map(drop)
}
