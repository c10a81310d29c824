//! SQLite's text index (`conversations_fts`, FTS5 trigrams) takes messages in behind ingest:
//! a background task indexes the rows stored since it last ran, ten times a second, a batch
//! per transaction, and moves `conversations_fts_mark` with them. A search reads the rows above
//! the mark directly (see [`search`](super::search)), so a message is found as soon as it is
//! stored.
//!
//! Indexing each message inside the transaction that stored it made every commit write an FTS5
//! segment of its own, and merging those segments stalled a commit now and then by 10–20 ms of
//! CPU (migration `m20261203_000012` has the measurements' summary, `docs/benchmarks.md` the
//! figures). Indexed in batches, the index gets one segment per batch. FTS5's own merging of
//! those segments is off (migration `m20261204_000013`): each batch then merges at most
//! [`TEXT_INDEX_MERGE_PAGES`], so that no batch holds the turn for a lump of merging.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::{domain::Domain, store::Writer};

/// The most messages indexed in one transaction, which holds the writers' turn meanwhile (250
/// take a few milliseconds); a larger backlog takes several, and writers get their turn between
/// them.
pub const TEXT_INDEX_BATCH: u64 = 250;

/// The most pages of the index's segments one batch merges after taking its messages in (eight
/// segments of a level into one, as `usermerge` says). A batch of 250 short messages writes a
/// few leaf pages; 64 keeps the merging up with them while no batch holds the turn for more
/// than a few milliseconds of it (`docs/benchmarks.md`, section 1).
const TEXT_INDEX_MERGE_PAGES: u32 = 64;

impl Domain {
    /// Takes up to `max_rows` messages stored since the last call into SQLite's text index, in
    /// id order, in one transaction in the writers' turn; how many it took. A no-op returning 0
    /// on PostgreSQL, whose index follows the table by itself.
    pub async fn index_new_texts(&self, max_rows: u64) -> Result<u64, DbErr> {
        if self.db.get_database_backend() != DbBackend::Sqlite || !self.texts_to_index().await? {
            return Ok(0);
        }
        let txn = self.gate.begin(Writer::TextIndex).await?;
        let range = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT m.indexed_through AS mark, max(n.id) AS through, count(n.id) AS taken \
                 FROM conversations_fts_mark m LEFT JOIN (SELECT id FROM conversations \
                 WHERE id > (SELECT indexed_through FROM conversations_fts_mark) ORDER BY id LIMIT ?) n ON 1 \
                 GROUP BY m.indexed_through",
                [max_rows.into()],
            ))
            .await?;
        let Some(range) = range else {
            return Err(DbErr::Custom("conversations_fts_mark is empty: run the migrations again".into()));
        };
        let mark: i64 = range.try_get("", "mark")?;
        let taken: i64 = range.try_get("", "taken")?;
        let Some(through) = range.try_get::<Option<i64>>("", "through")? else {
            txn.rollback().await?;
            return Ok(0);
        };
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO conversations_fts(rowid, content) \
             SELECT id, content FROM conversations WHERE id > ? AND id <= ? ORDER BY id",
            [mark.into(), through.into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('merge', ?)",
            [TEXT_INDEX_MERGE_PAGES.into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE conversations_fts_mark SET indexed_through = ?",
            [through.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(u64::try_from(taken).unwrap_or(0))
    }

    /// Whether messages were stored since the text index last took some in: a read on the pool,
    /// so that an idle server does not take the writers' turn for nothing.
    async fn texts_to_index(&self) -> Result<bool, DbErr> {
        let pending = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT (SELECT max(id) FROM conversations) > indexed_through AS pending FROM conversations_fts_mark",
            ))
            .await?;
        Ok(match pending {
            Some(row) => row.try_get::<Option<bool>>("", "pending")?.unwrap_or(false),
            None => false,
        })
    }
}
