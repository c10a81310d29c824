//! Group commit for small write transactions (a send's reservation, its stored message, a
//! refund): concurrent callers queue their unit of work, a writer task runs every queued unit
//! in one transaction, commits once, and only then answers each caller.
//!
//! As with webhook ingest, a batch grows only while a commit is in flight, so under light load
//! a unit is committed alone and waits for nothing; under heavy load the fsync and the
//! transaction's round trips are shared. A unit waits at most for the batch being committed and
//! then for its own.
//!
//! A unit that fails (a refused send, a failed statement) fails the batch's transaction: that
//! unit is answered with its error and the others are written again, each in a transaction of
//! its own, so no unit's writes depend on a batch-mate. A failure of the store itself (no
//! transaction, a failed commit) answers every unit of the batch with it.
//!
//! SQLite has one writer; PostgreSQL has several, units being routed by contact so that a
//! contact's units are always written by the same one. A PostgreSQL batch first locks the
//! users of its contacts in id order, as ingest batches do, so the two never wait on each other
//! in a cycle.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
};

use futures::future::BoxFuture;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use crate::{error::AppError, events::Changes, store::entity::user};

use super::Domain;

/// A small piece of writing that may share its transaction with others. It can be written more
/// than once (in a batch that failed, then alone), so it must not keep anything from a run.
pub(crate) trait Unit: Send + Sync + 'static {
    /// What a committed unit answers with.
    type Output: Send + Sync + 'static;

    /// The contact (phone digits) whose user this unit writes: it picks the writer and is
    /// locked first.
    fn contact(&self) -> &str;

    /// Writes the unit in `txn`, noting what it changed in `changes`.
    fn write<'t>(
        &'t self,
        domain: &'t Domain,
        txn: &'t DatabaseTransaction,
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Result<Self::Output, AppError>>;
}

/// A queued unit with its caller's reply, its type erased so units of every kind share a queue.
trait Queued: Send + Sync {
    fn contact(&self) -> &str;

    /// Writes the unit and keeps its output until the commit.
    fn write<'t>(
        &'t mut self,
        domain: &'t Domain,
        txn: &'t DatabaseTransaction,
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Result<(), AppError>>;

    /// Answers the caller: with the kept output when `outcome` is a commit, else with the error.
    fn answer(self: Box<Self>, outcome: Result<(), AppError>);
}

struct Job<U: Unit> {
    unit: U,
    output: Option<U::Output>,
    reply: oneshot::Sender<Result<U::Output, AppError>>,
}

impl<U: Unit> Queued for Job<U> {
    fn contact(&self) -> &str {
        self.unit.contact()
    }

    fn write<'t>(
        &'t mut self,
        domain: &'t Domain,
        txn: &'t DatabaseTransaction,
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Result<(), AppError>> {
        Box::pin(async move {
            self.output = Some(self.unit.write(domain, txn, changes).await?);
            Ok(())
        })
    }

    fn answer(self: Box<Self>, outcome: Result<(), AppError>) {
        let Self { output, reply, .. } = *self;
        let answer = outcome.and_then(|()| {
            output.ok_or_else(|| AppError::Unavailable(DbErr::Custom("a committed unit kept no output".into())))
        });
        // An error only means the caller gave up waiting.
        let _ = reply.send(answer);
    }
}

/// The queues in front of the writer tasks, one each; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct WriteBatcher {
    queues: Arc<[mpsc::Sender<Box<dyn Queued>>]>,
}

impl WriteBatcher {
    /// Starts `writers` writer tasks over `domain` (one on SQLite, whatever is asked), each
    /// committing up to `max_batch` units at once.
    pub(crate) fn start(domain: Domain, max_batch: usize, writers: usize) -> Self {
        let max_batch = max_batch.max(1);
        let writers = if domain.db.get_database_backend() == DbBackend::Sqlite { 1 } else { writers.max(1) };
        let queues = (0..writers)
            .map(|_| {
                let (units, queue) = mpsc::channel(max_batch * 4);
                tokio::spawn(run(domain.clone(), queue, max_batch));
                units
            })
            .collect();
        Self { queues }
    }

    /// Queues `unit` and waits until it is committed (its output) or refused (its error).
    pub(crate) async fn write<U: Unit>(&self, unit: U) -> Result<U::Output, AppError> {
        let (reply, answer) = oneshot::channel();
        let queue = &self.queues[writer_for(unit.contact(), self.queues.len())];
        queue.send(Box::new(Job { unit, output: None, reply })).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Writes `unit` in a transaction of its own, for a domain without writer tasks.
pub(crate) async fn write_alone<U: Unit>(domain: &Domain, unit: U) -> Result<U::Output, AppError> {
    let (reply, answer) = oneshot::channel();
    write_batch(domain, vec![Box::new(Job { unit, output: None, reply })]).await;
    answer.await.map_err(|_| stopped())?
}

fn stopped() -> AppError {
    AppError::Unavailable(DbErr::Custom("the writer has stopped; nothing was written, retry".into()))
}

/// The writer of a contact's units.
fn writer_for(contact: &str, writers: usize) -> usize {
    let mut hasher = DefaultHasher::new();
    contact.hash(&mut hasher);
    (hasher.finish() % writers as u64) as usize
}

/// A writer task: one batch at a time until every sender is gone.
async fn run(domain: Domain, mut queue: mpsc::Receiver<Box<dyn Queued>>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        write_batch(&domain, std::mem::take(&mut batch)).await;
        batch.reserve(max_batch);
    }
}

/// Why a transaction of units did not commit.
enum Failure {
    /// The unit at this position failed.
    Unit(usize, AppError),
    /// The transaction could not be opened, locked, announced or committed.
    Store(DbErr),
}

/// Commits `units` together and answers each; when one of them fails, it gets its error and
/// the others are committed one by one.
async fn write_batch(domain: &Domain, mut units: Vec<Box<dyn Queued>>) {
    if units.len() > 1 {
        match commit(domain, &mut units).await {
            Ok(()) => return units.into_iter().for_each(|unit| unit.answer(Ok(()))),
            Err(Failure::Store(error)) => {
                let message = error.to_string();
                return units
                    .into_iter()
                    .for_each(|unit| unit.answer(Err(AppError::Unavailable(DbErr::Custom(message.clone())))));
            }
            Err(Failure::Unit(at, error)) => {
                tracing::debug!(?error, "a unit failed its batch; the others are written one by one");
                units.remove(at).answer(Err(error));
            }
        }
    }
    for mut unit in units {
        let outcome = match commit(domain, std::slice::from_mut(&mut unit)).await {
            Ok(()) => Ok(()),
            Err(Failure::Unit(_, error)) => Err(error),
            Err(Failure::Store(error)) => Err(AppError::Unavailable(error)),
        };
        unit.answer(outcome);
    }
}

/// Writes `units` in one transaction and commits it.
async fn commit(domain: &Domain, units: &mut [Box<dyn Queued>]) -> Result<(), Failure> {
    let mut changes = Changes::default();
    {
        let _turn = domain.gate.enter().await;
        let txn = domain.db.begin().await.map_err(Failure::Store)?;
        if units.len() > 1 && txn.get_database_backend() == DbBackend::Postgres {
            lock_users_in_order(&txn, units).await.map_err(Failure::Store)?;
        }
        for (at, unit) in units.iter_mut().enumerate() {
            unit.write(domain, &txn, &mut changes).await.map_err(|error| Failure::Unit(at, error))?;
        }
        domain.events.announce(&txn, &changes).await.map_err(Failure::Store)?;
        txn.commit().await.map_err(Failure::Store)?;
    }
    domain.metrics.observe_send_batch(units.len());
    // Outside the write gate: loading the rows for subscribers does not hold writers back.
    domain.events.publish(&domain.db, changes).await;
    Ok(())
}

/// Locks the existing users of the units' contacts in id order, before any unit locks its own.
async fn lock_users_in_order(txn: &DatabaseTransaction, units: &[Box<dyn Queued>]) -> Result<(), DbErr> {
    let phones: Vec<&str> = units.iter().map(|unit| unit.contact()).collect();
    user::Entity::find()
        .filter(user::Column::Phone.is_in(phones))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::writer_for;

    #[test]
    fn a_contact_always_has_the_same_writer_and_contacts_spread_over_writers() {
        for contact in ["33611111111", "33622222222"] {
            assert_eq!(writer_for(contact, 4), writer_for(contact, 4));
        }
        let used: std::collections::HashSet<usize> = (0..64).map(|n| writer_for(&format!("336{n:08}"), 4)).collect();
        assert_eq!(used.len(), 4, "64 contacts use every writer");
        assert!((0..64).all(|n| writer_for(&format!("336{n:08}"), 1) == 0));
    }
}
