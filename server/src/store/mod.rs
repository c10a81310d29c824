//! Persistence: the connection, migrations, the write gate, and scoped finders.

mod checkpoint;
mod deferred;
pub mod entity;
pub mod pagination;
mod turn;
mod writes;

pub use turn::{Turn, TurnObserver, Writer};
pub use writes::{Store, WriteGate, WriteTransaction, begin_write};

use std::{
    ops::Deref,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait, RuntimeErr, Select,
    TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// How SQLite makes a commit durable (`SQLITE_SYNCHRONOUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Every commit is flushed to the disk before it returns: it survives a crash of wagate, of
    /// the system, or a power loss. The default.
    #[default]
    Full,
    /// Commits are flushed at checkpoints only: a commit survives a crash of wagate, but the
    /// last ones may be lost with the system or the power. Saves a disk flush per commit.
    Normal,
}

impl std::str::FromStr for SqliteSync {
    type Err = ();

    fn from_str(word: &str) -> Result<Self, ()> {
        match word.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "normal" => Ok(Self::Normal),
            _ => Err(()),
        }
    }
}

/// How the pool is opened (`DATABASE_ACQUIRE_TIMEOUT_MS`, `DATABASE_MAX_CONNECTIONS`,
/// `SQLITE_SYNCHRONOUS`).
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// How long a statement waits for a connection, opening one included.
    pub acquire_timeout: Duration,
    /// The most connections open at once, on either backend.
    pub max_connections: u32,
    /// How SQLite makes a commit durable.
    pub sqlite_sync: SqliteSync,
}

/// Prepared statements each SQLite connection keeps. A batch's multi-row statements change
/// text with their row counts, so the writer's come in far more than 100 texts: with sqlx's
/// default of 100 it parsed and planned SQL again in most batches (9 % of its thread's profile
/// at ingest's peak). Kept statements cost memory: about 25 MiB more at that peak.
const SQLITE_STATEMENT_CACHE: usize = 1024;

/// Rows SQLite's thread hands over before it waits for its caller to take them. sqlx's default
/// of 50 stopped the writer's thread in the middle of a batch's larger `RETURNING` results, a
/// round trip through the runtime each time.
const SQLITE_ROW_BUFFER: usize = 1024;

/// Opens the pool with the settings each backend needs.
///
/// A statement waits at most `acquire_timeout` for a connection, opening one included (the
/// pool retries a refused connection until then), and fails after it: a database that is
/// gone costs a webhook that long before its 503. SQLite runs in WAL mode with `sqlite_sync`
/// (`synchronous=FULL` unless told otherwise), and waits up to 5 s for a lock instead of
/// failing.
///
/// SQLite gets `max_connections` too (sea-orm would give it one): reads then run beside the
/// write in progress, and so does the checkpoint, instead of queueing for one connection. Its
/// connections are not pinged before use (a file does not drop a connection; the ping was a
/// round trip to the connection's thread on every transaction). They never checkpoint the WAL
/// themselves (`wal_autocheckpoint=0`): a commit that ran the automatic checkpoint took
/// 80–110 ms now and then, holding every writer back; [`WriteGate::checkpoint_wal`] does it in
/// the background instead. Statement journals stay in memory (`temp_store=memory`): a batch's
/// multi-row statements each keep one, which spilled to a temporary file past 64 KiB, and
/// writing it was 16 % of the writer's thread at ingest's peak. The setting also keeps
/// SQLite's other temporary files (temporary tables, large sorts) in memory.
pub async fn connect(url: &str, settings: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let synchronous = match settings.sqlite_sync {
        SqliteSync::Full => SqliteSynchronous::Full,
        SqliteSync::Normal => SqliteSynchronous::Normal,
    };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(settings.acquire_timeout)
        .max_connections(settings.max_connections)
        .test_before_acquire(!url.starts_with("sqlite:"))
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .pragma("wal_autocheckpoint", "0")
                .pragma("temp_store", "memory")
                .statement_cache_capacity(SQLITE_STATEMENT_CACHE)
                .row_buffer_size(SQLITE_ROW_BUFFER)
                .with_regexp()
        });
    match Database::connect(options).await {
        Err(error) if url.starts_with("postgres") && error.to_string().contains("pool timed out") => {
            Err(why_no_connection(url, settings.acquire_timeout, error).await)
        }
        result => result,
    }
}

/// The pool says only that it timed out; one connection tried on its own says why (refused, no
/// such database, a wrong password…).
async fn why_no_connection(url: &str, waited: Duration, timed_out: DbErr) -> DbErr {
    use sea_orm::sqlx::Connection;
    let probe = sea_orm::sqlx::postgres::PgConnection::connect(url);
    match tokio::time::timeout(waited, probe).await {
        Ok(Err(cause)) => DbErr::Custom(format!("no connection within {} ms: {cause}", waited.as_millis())),
        _ => timed_out,
    }
}

/// Counts the SQL statements run through a connection and its clones: for tests that check a
/// page is not loaded row by row, and for operators.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// `db`, counting every statement it and its clones run from now on.
    pub fn attach(&self, mut db: DatabaseConnection) -> DatabaseConnection {
        let count = self.0.clone();
        db.set_metric_callback(move |_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        db
    }

    /// Statements run so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The key of the PostgreSQL advisory lock migrations take ("wagate" in ASCII).
const MIGRATION_LOCK: i64 = 0x7761_6761_7465;

/// Applies every pending migration. On PostgreSQL, instances starting together take turns
/// (a transaction-scoped advisory lock): the first applies them, the others find nothing to
/// do; concurrent runs failed on PostgreSQL's catalogue.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Runs `query` with a plan made for its values.
///
/// PostgreSQL plans a prepared statement for the average value once it has run five times (a
/// generic plan). For a list whose cost depends on whose it is, that plan is made for a user
/// with a hundred messages, and for a user with a hundred thousand it can read and sort all
/// of them (a search: 300 ms) where the index gives the page directly. So on PostgreSQL the
/// query runs in a transaction with `plan_cache_mode = force_custom_plan` (a planning costs
/// ~0.1 ms); set for every statement, that planning slowed webhook ingest measurably. SQLite
/// has no such cache.
pub async fn all_planned_for_values<E: EntityTrait>(
    db: &DatabaseConnection,
    query: Select<E>,
) -> Result<Vec<E::Model>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return query.all(db).await;
    }
    let txn = db.begin().await?;
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
    let rows = query.all(&txn).await?;
    txn.commit().await?;
    Ok(rows)
}

/// Whether `err` is the store's own failure rather than a statement's: no connection to be had,
/// or the connection lost under a statement (the database went away). Running the same
/// statements again, alone or in smaller batches, cannot help then; the caller answers 503.
pub fn is_store_failure(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    if matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) {
        return true;
    }
    matches!(
        driver_error(err),
        Some(
            Error::Io(_)
                | Error::Tls(_)
                | Error::Protocol(_)
                | Error::PoolTimedOut
                | Error::PoolClosed
                | Error::WorkerCrashed
        )
    )
}

/// Whether a failed transaction may succeed when simply run again (a PostgreSQL deadlock or
/// serialization failure).
pub fn is_retryable(err: &DbErr) -> bool {
    if let Some(sea_orm::sqlx::Error::Database(db_err)) = driver_error(err) {
        return matches!(db_err.code().as_deref(), Some("40P01" | "40001"));
    }
    false
}

/// Whether a statement failed on a unique key of `table` (a row a concurrent transaction
/// wrote first, as when two instances create or merge the same contact at once).
pub fn is_unique_violation_in(err: &DbErr, table: &str) -> bool {
    match driver_error(err) {
        Some(sea_orm::sqlx::Error::Database(db_err)) => db_err.is_unique_violation() && db_err.table() == Some(table),
        _ => false,
    }
}

/// The driver's error under a failed statement, when that is what failed.
fn driver_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.deref()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{DbErr, RuntimeErr, sqlx};

    use super::is_store_failure;

    #[test]
    fn a_lost_connection_is_the_stores_failure_and_a_refused_statement_is_not() {
        let sqlx_error = |e: sqlx::Error| RuntimeErr::SqlxError(Arc::new(e));
        let reset = || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_store_failure(&DbErr::Query(sqlx_error(reset()))));
        assert!(is_store_failure(&DbErr::Exec(sqlx_error(reset()))));
        assert!(is_store_failure(&DbErr::Exec(sqlx_error(sqlx::Error::PoolTimedOut))));
        assert!(is_store_failure(&DbErr::Conn(RuntimeErr::Internal("refused".into()))));
        assert!(!is_store_failure(&DbErr::Exec(sqlx_error(sqlx::Error::RowNotFound))));
        assert!(!is_store_failure(&DbErr::Custom("a bad row".into())));
        assert!(!is_store_failure(&DbErr::RecordNotInserted));
    }
}
