//! Group commit: concurrent callers queue a unit of work (a webhook delivery, a send's
//! reservation, stored message or refund), a writer task writes every queued unit of the same
//! kind with set-based statements in one transaction, commits once, and only then answers each
//! caller.
//!
//! A batch grows only while a commit is in flight: under light load a unit is committed alone
//! and waits for nothing; under heavy load the fsync and the statements are shared. Latency is
//! bounded by the batch limit (`INGEST_BATCH_MAX`): a unit waits at most for the batch being
//! committed and then for its own, of at most `max_batch` units each.
//!
//! Callers are answered as soon as their batch is committed. What the batch changed is then
//! published to live subscribers by a task of its own, while the writer goes on with the next
//! batch: loading the changed rows for subscribers does not delay the answers, nor the next
//! commit. A writer has at most one publication in flight, so its events keep their commit
//! order, and a publication slower than the commits holds the writer back instead of piling up.
//!
//! A unit can be refused (a send the balance cannot pay for): the kind decides refusals before
//! it writes anything for them, so its batch-mates are committed as if it had not been there.
//! A batch that failed in a way that may pass on a second try (a PostgreSQL deadlock, or a user
//! a concurrent transaction created first) is written again whole. When its statements fail
//! otherwise, its units are written again, each in a transaction of its own, so that only the
//! unit at fault gets the error. A failure of the store itself (no connection, one lost under a
//! statement) answers every unit of the batch with a 503 at once: writing them one by one
//! could not help, and would make each wait for a connection in turn.
//!
//! SQLite has one writer per kind, behind the process's write gate (it allows no more
//! concurrent writers). PostgreSQL has `INGEST_WRITERS` of them, units being routed by contact,
//! so that a contact's units are always written by the same one and two writers rarely touch
//! the same user; a batch locks the users it touches in id order first (ingest in
//! `ingest::contacts`, sends' writes through `reservations::Recipients`), so no two
//! transactions wait on each other in a cycle over them.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use sea_orm::{DbBackend, DbErr};
use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
};

use crate::{
    error::AppError,
    events::Changes,
    metrics::Metrics,
    store::{self, WriteTransaction, Writer},
};

use super::Domain;

/// The answers to a batch of units, one per unit in order, or the error that failed them all.
pub(crate) type Answers<T> = Result<Vec<Result<T, AppError>>, AppError>;

/// A committed batch's answers and what it changed, or the error that failed it.
type Committed<T> = Result<(Vec<Result<T, AppError>>, Changes), AppError>;

/// How many times a batch is written whole when its failure may pass on a second try.
const ATTEMPTS: usize = 3;

/// One kind of small write that concurrent callers share transactions for.
pub(crate) trait Unit: Send + Sync + Sized + 'static {
    /// What a committed unit answers with.
    type Output: Send + 'static;

    /// What the log calls a unit of this kind.
    const NAME: &'static str;

    /// Who its batches are at the writers' turn.
    const WRITER: Writer;

    /// The contact (phone digits) whose user this unit writes, if any: it picks the writer.
    fn contact(&self) -> Option<&str>;

    /// Records a committed batch of `units`, whose commit took `commit`: by default, as a
    /// batch of sends' writes.
    fn observe(metrics: &Metrics, units: usize, _commit: Duration) {
        metrics.observe_send_batch(units);
    }

    /// The writer tasks of this kind, when `domain` has them.
    fn writers(domain: &Domain) -> Option<&WriteBatcher<Self>>;

    /// Writes `units` in `txn`, in order, noting what changed in `changes`: one answer per
    /// unit, a refused unit having written nothing. An error means the statements failed and
    /// nothing of the batch may be kept.
    fn write_all<'t>(
        domain: &'t Domain,
        txn: &'t WriteTransaction,
        units: &'t [&'t Self],
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Answers<Self::Output>>;
}

/// A queued unit with its caller's reply.
struct Job<U: Unit> {
    unit: U,
    reply: oneshot::Sender<Result<U::Output, AppError>>,
}

/// The queues in front of one kind's writer tasks, one each; cheap to clone.
pub(crate) struct WriteBatcher<U: Unit> {
    queues: Arc<[mpsc::Sender<Job<U>>]>,
}

impl<U: Unit> Clone for WriteBatcher<U> {
    fn clone(&self) -> Self {
        Self { queues: self.queues.clone() }
    }
}

impl<U: Unit> std::fmt::Debug for WriteBatcher<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBatcher").field("writers", &self.queues.len()).finish()
    }
}

impl<U: Unit> WriteBatcher<U> {
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
    pub(crate) async fn write(&self, unit: U) -> Result<U::Output, AppError> {
        let (reply, answer) = oneshot::channel();
        let queue = &self.queues[writer_for(unit.contact(), self.queues.len())];
        queue.send(Job { unit, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Writes `unit` in a transaction of its own, for a domain without writer tasks, and publishes
/// what it changed before returning.
pub(crate) async fn write_alone<U: Unit>(domain: &Domain, unit: U) -> Result<U::Output, AppError> {
    let (reply, answer) = oneshot::channel();
    let changes = write_batch(domain, vec![Job { unit, reply }]).await;
    domain.events.publish(&domain.db, changes).await;
    answer.await.map_err(|_| stopped())?
}

fn stopped() -> AppError {
    AppError::Unavailable(DbErr::Custom("the writer has stopped; nothing was written, retry".into()))
}

/// The writer of a contact's units.
fn writer_for(contact: Option<&str>, writers: usize) -> usize {
    let mut hasher = DefaultHasher::new();
    contact.hash(&mut hasher);
    (hasher.finish() % writers as u64) as usize
}

/// A writer task: one batch at a time until every sender is gone, each batch's publication
/// running beside the next batch (see the module's documentation).
async fn run<U: Unit>(domain: Domain, mut queue: mpsc::Receiver<Job<U>>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    let mut publishing: Option<JoinHandle<()>> = None;
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let changes = write_batch(&domain, std::mem::take(&mut batch)).await;
        batch.reserve(max_batch);
        if let Some(previous) = publishing.take() {
            // An error only means the publication panicked or was cancelled at shutdown.
            let _ = previous.await;
        }
        if !changes.is_empty() {
            let domain = domain.clone();
            publishing = Some(tokio::spawn(async move { domain.events.publish(&domain.db, changes).await }));
        }
    }
    if let Some(last) = publishing {
        let _ = last.await;
    }
}

/// Commits `jobs` together and answers each; when the batch's statements fail, its units are
/// committed one by one, so that only the unit at fault gets the error. What the committed
/// transactions changed, in commit order.
async fn write_batch<U: Unit>(domain: &Domain, jobs: Vec<Job<U>>) -> Changes {
    let units: Vec<&U> = jobs.iter().map(|job| &job.unit).collect();
    let outcome = commit_with_retries(domain, &units).await;
    drop(units);
    let mut changes = Changes::default();
    let answers = match outcome {
        Ok((answers, committed)) => {
            changes = committed;
            answers
        }
        Err(error) if jobs.len() > 1 && !is_store_failure(&error) => {
            tracing::warn!(error = error.message(), kind = U::NAME, "a batch failed; its units are written one by one");
            let mut answers = Vec::with_capacity(jobs.len());
            for job in &jobs {
                let answer = match commit_with_retries(domain, &[&job.unit]).await {
                    Ok((mut one, committed)) => {
                        changes.append(committed);
                        one.pop().unwrap_or_else(no_answer)
                    }
                    Err(error) => Err(error),
                };
                answers.push(answer);
            }
            answers
        }
        Err(error) if jobs.len() == 1 => vec![Err(error)],
        Err(error) => {
            let message = error.message();
            jobs.iter().map(|_| Err(AppError::Unavailable(DbErr::Custom(message.clone())))).collect()
        }
    };
    for (job, answer) in jobs.into_iter().zip(answers) {
        // An error only means the caller gave up waiting.
        let _ = job.reply.send(answer);
    }
    changes
}

fn no_answer<T>() -> Result<T, AppError> {
    Err(AppError::Unavailable(DbErr::Custom("a unit of a committed batch got no answer".into())))
}

/// Whether the error is the store's own (no connection, or one lost mid-statement) rather than
/// a statement's.
fn is_store_failure(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(error) if store::is_store_failure(error))
}

/// Whether writing the same batch again may succeed: a PostgreSQL deadlock or serialization
/// failure, or a user the batch meant to create, or give a phone or BSUID, that a concurrent
/// transaction created first.
fn worth_retrying(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(error) if store::is_retryable(error)
        || matches!(error, DbErr::RecordNotInserted)
        || store::is_unique_violation_in(error, "users"))
}

/// [`commit`], again when its failure may pass on a second try.
async fn commit_with_retries<U: Unit>(domain: &Domain, units: &[&U]) -> Committed<U::Output> {
    let mut attempt = 1;
    loop {
        match commit(domain, units).await {
            Err(error) if attempt < ATTEMPTS && worth_retrying(&error) => attempt += 1,
            result => return result,
        }
    }
}

/// Writes `units` in one transaction and commits it; their answers and what it changed. A
/// batch in which every unit was refused is rolled back, so that it leaves nothing behind.
async fn commit<U: Unit>(domain: &Domain, units: &[&U]) -> Committed<U::Output> {
    let mut changes = Changes::default();
    let txn = domain.gate.begin(U::WRITER).await?;
    let answers = U::write_all(domain, &txn, units, &mut changes).await?;
    if answers.len() != units.len() {
        return Err(AppError::Unavailable(DbErr::Custom(format!(
            "{} answers for a batch of {} units",
            answers.len(),
            units.len()
        ))));
    }
    if answers.iter().all(Result::is_err) {
        txn.rollback().await?;
        return Ok((answers, Changes::default()));
    }
    domain.events.announce(&txn, &changes).await?;
    let committing = Instant::now();
    txn.commit().await?;
    U::observe(&domain.metrics, units.len(), committing.elapsed());
    Ok((answers, changes))
}

#[cfg(test)]
mod tests {
    use super::writer_for;

    #[test]
    fn a_contact_always_has_the_same_writer_and_contacts_spread_over_writers() {
        for contact in ["33611111111", "33622222222"] {
            assert_eq!(writer_for(Some(contact), 4), writer_for(Some(contact), 4));
        }
        let used: std::collections::HashSet<usize> =
            (0..64).map(|n| writer_for(Some(&format!("336{n:08}")), 4)).collect();
        assert_eq!(used.len(), 4, "64 contacts use every writer");
        assert!((0..64).all(|n| writer_for(Some(&format!("336{n:08}")), 1) == 0));
        assert_eq!(writer_for(None, 4), writer_for(None, 4), "units with no contact share a writer");
    }
}
