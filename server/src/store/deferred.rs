//! Statements a write transaction sends with its next one (SQLite).
//!
//! SQLite runs on a thread of its own, so each statement is a round trip: the runtime hands it
//! over, SQLite's thread wakes, runs it and hands the outcome back. A batch of ingest paid 11
//! such round trips besides `BEGIN` and `COMMIT`, and at 80 % of ingest's peak SQLite's thread
//! spent a fifth of its time switching threads. A statement whose outcome nobody reads need not
//! wait for its own: it is kept, and sent in one string with the next statement, which SQLite
//! then runs after it, in order.
//!
//! The string is prepared anew whenever its text is new to the connection's statement cache,
//! so this suits statements whose text changes from batch to batch anyway, such as updates of
//! as many rows as the batch touched. Sending statements whose rows are needed together the
//! same way made nearly every string new, and ingest slower (`docs/benchmarks.md`, section 1).

use std::sync::{Mutex, PoisonError};

use sea_orm::{DbBackend, Statement, Value};

/// The statements kept until the next one is sent, in the order they were kept.
#[derive(Debug, Default)]
pub(super) struct Deferred(Mutex<Vec<Statement>>);

impl Deferred {
    /// Keeps `statement` for the next round trip.
    pub(super) fn keep(&self, statement: Statement) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(statement);
    }

    /// `statement`, preceded by the kept ones, which are no longer kept.
    pub(super) fn ahead_of(&self, statement: Statement) -> Statement {
        let mut statements = self.take_all();
        if statements.is_empty() {
            return statement;
        }
        statements.push(statement);
        joined(statements)
    }

    /// The kept statements as one, if any, which are no longer kept.
    pub(super) fn take(&self) -> Option<Statement> {
        let statements = self.take_all();
        (!statements.is_empty()).then(|| joined(statements))
    }

    fn take_all(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One string of SQLite statements, whose `?` parameters take the values in order.
fn joined(statements: Vec<Statement>) -> Statement {
    let mut sql = Vec::with_capacity(statements.len());
    let mut values: Vec<Value> = Vec::new();
    for statement in statements {
        sql.push(statement.sql);
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    Statement::from_sql_and_values(DbBackend::Sqlite, sql.join(";\n"), values)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

    use super::Deferred;
    use crate::store::{PoolSettings, SqliteSync, StatementCounter, Store, Writer, connect};

    fn statement(sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    }

    #[test]
    fn kept_statements_go_ahead_of_the_next_one_in_order_with_their_values() {
        let deferred = Deferred::default();
        deferred.keep(statement("UPDATE a SET x = ?", vec![1.into()]));
        deferred.keep(statement("DELETE FROM b", vec![]));
        let next = deferred.ahead_of(statement("SELECT y FROM a WHERE z = ?", vec!["z".into()]));
        assert_eq!(next.sql, "UPDATE a SET x = ?;\nDELETE FROM b;\nSELECT y FROM a WHERE z = ?");
        assert_eq!(next.values.map(|v| v.0), Some(vec![Value::from(1), Value::from("z")]));
        let alone = deferred.ahead_of(statement("SELECT 1", vec![]));
        assert_eq!(alone.sql, "SELECT 1", "once sent, they are no longer kept");
    }

    #[test]
    fn the_kept_statements_are_taken_as_one_or_none() {
        let deferred = Deferred::default();
        assert!(deferred.take().is_none());
        deferred.keep(statement("UPDATE a SET x = ?", vec![1.into()]));
        deferred.keep(statement("UPDATE a SET x = ?", vec![2.into()]));
        let taken = deferred.take().expect("two kept");
        assert_eq!(taken.sql, "UPDATE a SET x = ?;\nUPDATE a SET x = ?");
        assert_eq!(taken.values.map(|v| v.0), Some(vec![Value::from(1), Value::from(2)]));
        assert!(deferred.take().is_none());
    }

    /// A store on a fresh SQLite file with a table `t` of two rows, `a` and `b`, both 0.
    async fn store() -> (tempfile::TempDir, Store, StatementCounter) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("deferred.db").display());
        let settings =
            PoolSettings { acquire_timeout: Duration::from_secs(1), max_connections: 2, sqlite_sync: SqliteSync::Full };
        let db = connect(&url, settings).await.expect("connect");
        db.execute_unprepared(
            "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL); INSERT INTO t VALUES ('a', 0), ('b', 0)",
        )
        .await
        .expect("schema");
        let statements = StatementCounter::default();
        let store = Store::open(db, &url, settings, &statements).await.expect("open the store");
        (dir, store, statements)
    }

    async fn value_of<C: ConnectionTrait>(db: &C, key: &str) -> i64 {
        let row = db
            .query_one_raw(statement("SELECT v FROM t WHERE k = ?", vec![key.into()]))
            .await
            .expect("read")
            .expect("a row");
        row.try_get("", "v").expect("v")
    }

    #[tokio::test]
    async fn deferred_statements_run_in_order_with_the_next_one_in_one_round_trip() {
        let (_dir, store, statements) = store().await;
        let txn = store.gate.begin(Writer::Ingest).await.expect("begin");
        let before = statements.count();
        txn.defer(statement("UPDATE t SET v = ? WHERE k = ?", vec![1.into(), "a".into()])).await.expect("defer");
        txn.defer(statement("UPDATE t SET v = v * ? WHERE k = ?", vec![10.into(), "a".into()])).await.expect("defer");
        assert_eq!(statements.count(), before, "nothing sent yet");
        assert_eq!(value_of(&txn, "a").await, 10, "both ran, in order, each with its own values");
        assert_eq!(statements.count(), before + 1, "one round trip");

        txn.defer(statement("UPDATE t SET v = 7 WHERE k = ?", vec!["b".into()])).await.expect("defer");
        txn.commit().await.expect("commit");
        assert_eq!(
            (value_of(&store.db, "a").await, value_of(&store.db, "b").await),
            (10, 7),
            "the commit ran the rest"
        );
    }

    #[tokio::test]
    async fn a_deferred_statements_error_is_the_next_ones_and_the_transaction_rolls_back() {
        let (_dir, store, _) = store().await;
        let txn = store.gate.begin(Writer::Ingest).await.expect("begin");
        txn.defer(statement("UPDATE t SET v = 5 WHERE k = ?", vec!["b".into()])).await.expect("defer");
        txn.defer(statement("INSERT INTO t VALUES (?, 1)", vec!["a".into()])).await.expect("defer");
        let error = txn.query_one_raw(statement("SELECT v FROM t WHERE k = ?", vec!["b".into()])).await;
        let message = error.expect_err("the duplicate key fails the next statement").to_string();
        assert!(message.contains("UNIQUE"), "{message}");
        txn.rollback().await.expect("roll back");
        assert_eq!(value_of(&store.db, "b").await, 0, "nothing of the transaction is left");
    }
}
