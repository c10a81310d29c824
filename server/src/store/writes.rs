//! Where write transactions begin: the writers' turn, the connection they write on, and the
//! SQLite checkpoint that needs that turn.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use super::{
    PoolSettings, StatementCounter, checkpoint, connect,
    deferred::Deferred,
    turn::{Turn, TurnLock, TurnObserver, Writer},
};

/// The database as the domain uses it: the pool, and the gate its writes pass.
#[derive(Clone, Debug)]
pub struct Store {
    /// The pool: reads, and writes of a single statement.
    pub db: DatabaseConnection,
    /// The writers' turn, and where write transactions begin.
    pub gate: WriteGate,
}

impl Store {
    /// The store around `db`, the pool opened on `url` with `settings` and migrated: on SQLite,
    /// opens the writers' own connection, once the migrations are done, so that it starts with
    /// their schema. `statements` counts what both run.
    pub async fn open(
        db: DatabaseConnection,
        url: &str,
        settings: PoolSettings,
        statements: &StatementCounter,
    ) -> Result<Self, DbErr> {
        let db = statements.attach(db);
        let gate = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let one = PoolSettings { max_connections: 1, ..settings };
                let writer = statements.attach(connect(url, one).await?);
                WriteGate { turn: Some(TurnLock::new()), writer }
            }
            _ => WriteGate { turn: None, writer: db.clone() },
        };
        Ok(Self { db, gate })
    }
}

/// Serializes write transactions where the backend needs it, and begins them.
///
/// SQLite allows one writer at a time, so this process's writers take turns here, and write
/// on one connection of their own. That connection keeps its page cache from one transaction
/// to the next: a connection of the pool would find that another one wrote since it last ran,
/// and start with an empty cache (with the writer on the pool's ten connections, in turn,
/// ingest at 16 posters lost 15–25 %). PostgreSQL writers run concurrently on the pool and
/// rely on row locks and unique constraints.
#[derive(Clone, Debug)]
pub struct WriteGate {
    turn: Option<TurnLock>,
    writer: DatabaseConnection,
}

impl WriteGate {
    /// Tells `observer` how long each turn was waited for and held (SQLite; PostgreSQL's
    /// writers take no turn).
    pub fn observe_turns(&mut self, observer: Arc<dyn TurnObserver>) {
        self.turn = self.turn.take().map(|turn| turn.observed_by(observer));
    }

    /// Waits for this process's turn to write (a no-op on PostgreSQL), for a single statement
    /// written on the pool; a transaction takes its turn through [`WriteGate::begin`].
    pub async fn enter(&self, writer: Writer) -> Option<Turn> {
        match &self.turn {
            Some(turn) => Some(turn.take(writer).await),
            None => None,
        }
    }

    /// Closes the writers' connection (on PostgreSQL, the pool it shares).
    pub async fn close(&self) -> Result<(), DbErr> {
        self.writer.close_by_ref().await
    }

    /// Waits for this process's turn to write, then begins a write transaction on the writers'
    /// connection. The transaction holds the turn until it ends.
    pub async fn begin(&self, writer: Writer) -> Result<WriteTransaction, DbErr> {
        let turn = self.enter(writer).await;
        let txn = begin_write(&self.writer).await?;
        Ok(WriteTransaction { txn, deferred: Deferred::default(), _turn: turn })
    }

    /// Copies what SQLite's write-ahead log holds into the database file, without blocking
    /// readers (`PRAGMA wal_checkpoint(PASSIVE)`); run every second or so in the background.
    /// SQLite only: PostgreSQL checkpoints itself.
    ///
    /// A checkpoint run beside a steady stream of commits never catches up with them: the log
    /// is never copied whole, so it is never started over, and it grows for as long as the
    /// stream lasts (under ingest at its peak, commits took five to ten times longer within
    /// seconds). So passes on the pool, beside the writer, copy the bulk, and a last one, taken
    /// in the writers' turn, copies the little committed meanwhile: the log is then whole, and
    /// the next commit writes it from its start. The passes beside the writer go on until one
    /// has copied little (the rule is in `store/checkpoint.rs`): about as little was committed
    /// while it ran, and that is what the pass in the turn copies. With two passes beside the
    /// writer whatever they found, the one in the turn held it over 12.8 ms in most seconds of
    /// ingest at 80 % of its peak; now rarely (`docs/benchmarks.md`, section 1).
    pub async fn checkpoint_wal(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        checkpoint::passes_beside(db).await?;
        let _turn = self.enter(Writer::Checkpoint).await;
        checkpoint::pass(&self.writer).await.map(drop)
    }
}

/// A write transaction begun by [`WriteGate::begin`]: it holds the writers' turn until it is
/// committed, rolled back or dropped (which rolls it back, before the turn is released).
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    deferred: Deferred,
    _turn: Option<Turn>,
}

impl WriteTransaction {
    /// Runs `statement`, whose outcome the caller does not read, ahead of the next statement
    /// this transaction sends: on SQLite in the same round trip to SQLite's thread
    /// (`store/deferred.rs` says why), on PostgreSQL at once. On SQLite its error is the next
    /// statement's, or the commit's.
    pub async fn defer(&self, statement: Statement) -> Result<(), DbErr> {
        if self.get_database_backend() != DbBackend::Sqlite {
            return self.txn.execute_raw(statement).await.map(drop);
        }
        self.deferred.keep(statement);
        Ok(())
    }

    /// Runs the deferred statements, if any, on their own.
    async fn run_deferred(&self) -> Result<(), DbErr> {
        match self.deferred.take() {
            Some(statements) => self.txn.execute_raw(statements).await.map(drop),
            None => Ok(()),
        }
    }

    /// Commits, then gives the turn to the next writer.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.run_deferred().await?;
        self.txn.commit().await
    }

    /// Rolls back, then gives the turn to the next writer.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.run_deferred().await?;
        self.txn.execute_raw(statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.run_deferred().await?;
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(self.deferred.ahead_of(statement)).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(self.deferred.ahead_of(statement)).await
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), waiting for another connection's write to finish if one is in progress (a
/// second process, or a tool). A transaction begun as a reader and writing later could not
/// wait: SQLite answers "database is locked" at once to a reader that asks for the lock.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Store;
    use crate::store::{PoolSettings, SqliteSync, StatementCounter, Writer, connect};

    #[tokio::test]
    async fn a_write_transaction_holds_the_writers_turn_until_it_ends() {
        let url = "sqlite::memory:";
        let settings =
            PoolSettings { acquire_timeout: Duration::from_secs(1), max_connections: 2, sqlite_sync: SqliteSync::Full };
        let db = connect(url, settings).await.expect("connect");
        let store = Store::open(db, url, settings, &StatementCounter::default()).await.expect("open the store");
        let turn_free = || async {
            tokio::time::timeout(Duration::from_millis(200), store.gate.enter(Writer::Media)).await.is_ok()
        };

        let txn = store.gate.begin(Writer::Ingest).await.expect("begin");
        assert!(!turn_free().await, "another writer waits while the transaction runs");
        txn.commit().await.expect("commit");
        assert!(turn_free().await, "committing gives the turn back");

        let txn = store.gate.begin(Writer::Ingest).await.expect("begin");
        txn.rollback().await.expect("roll back");
        assert!(turn_free().await, "rolling back gives the turn back");

        drop(store.gate.begin(Writer::Ingest).await.expect("begin"));
        assert!(turn_free().await, "a dropped transaction gives the turn back");
    }
}
