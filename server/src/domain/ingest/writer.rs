//! The group-committing ingest writer.
//!
//! Webhook requests parse and check their delivery on their own task, then queue it here and
//! wait. The writer takes everything queued (up to the batch limit), stores it in one
//! transaction, commits once, and only then answers each request. Under light load a batch is
//! one delivery and nothing waits; under heavy load deliveries queue while a commit is in
//! flight, so batches grow exactly when fsyncs and round trips need amortizing.
//!
//! Latency is bounded by the limit: a delivery waits at most for the batch being committed and
//! then for its own, so at most two transactions of `INGEST_BATCH_MAX` deliveries each.
//!
//! SQLite has one writer (it allows no more). PostgreSQL has `INGEST_WRITERS` of them, each
//! committing its own batches concurrently. Deliveries are routed to a writer by contact, so a
//! contact's deliveries are always written by the same one and two writers rarely touch the
//! same user; a batch also locks the existing users it touches in id order first, so two
//! batches never wait on each other in a cycle over them (a rare cycle elsewhere is a
//! deadlock PostgreSQL breaks, and the batch is written again).
//!
//! A batch is stored with set-based statements (see [`batch`](super::batch)), so one delivery
//! whose rows fail fails the batch's statements: its deliveries are then written again one by
//! one, each in its own transaction, so that only the delivery at fault is answered with its
//! error (Meta retries it). A failure of the store itself (no connection, one lost under a
//! statement, a failed commit) answers the whole batch with 503 at once, and nothing of it was
//! written.

use std::time::Instant;

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
};

use chrono::Utc;
use sea_orm::{DbBackend, DbErr};
use tokio::sync::{mpsc, oneshot};

use crate::{error::AppError, events::Changes, store, whatsapp::payload::Notification};

use super::{ATTEMPTS, Domain, IngestReport, SignatureCheck, Target, batch::Delivery};

/// One delivery waiting for its batch.
struct Job {
    body: Vec<u8>,
    signature_header: Option<String>,
    signature_verified: bool,
    notification: Notification,
    reply: oneshot::Sender<Result<IngestReport, DbErr>>,
}

impl Job {
    fn delivery(&self) -> Delivery<'_> {
        let signature = SignatureCheck { header: self.signature_header.as_deref(), verified: self.signature_verified };
        Delivery { target: Target::New { body: &self.body, signature }, notification: &self.notification }
    }
}

/// The queues in front of the writer tasks, one each; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct IngestWriter {
    queues: Arc<[mpsc::Sender<Job>]>,
}

impl IngestWriter {
    /// Starts `writers` writer tasks over `domain` (one on SQLite, whatever is asked), each
    /// committing up to `max_batch` deliveries at once.
    pub(crate) fn start(domain: Domain, max_batch: usize, writers: usize) -> Self {
        let max_batch = max_batch.max(1);
        let writers = if domain.db.get_database_backend() == DbBackend::Sqlite { 1 } else { writers.max(1) };
        let queues = (0..writers)
            .map(|_| {
                let (jobs, queue) = mpsc::channel(max_batch * 4);
                tokio::spawn(run(domain.clone(), queue, max_batch));
                jobs
            })
            .collect();
        Self { queues }
    }

    /// Queues a delivery and waits until it is committed (or refused).
    pub(crate) async fn submit(
        &self,
        body: &[u8],
        signature: SignatureCheck<'_>,
        notification: Notification,
    ) -> Result<IngestReport, AppError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            body: body.to_vec(),
            signature_header: signature.header.map(str::to_owned),
            signature_verified: signature.verified,
            notification,
            reply,
        };
        let queue = &self.queues[writer_for(&job.notification, self.queues.len())];
        queue.send(job).await.map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

fn stopped() -> AppError {
    AppError::Unavailable(DbErr::Custom("the ingest writer has stopped; nothing was stored, retry".into()))
}

/// The writer of a delivery: chosen by its first sender, or by the recipient of its first
/// status, so one contact's deliveries always go to the same writer.
fn writer_for(notification: &Notification, writers: usize) -> usize {
    let recipient =
        || notification.changes.iter().flat_map(|change| &change.statuses).find_map(|s| s.recipient_id.as_deref());
    let mut hasher = DefaultHasher::new();
    notification.senders().next().or_else(recipient).hash(&mut hasher);
    (hasher.finish() % writers as u64) as usize
}

/// A writer task: one batch at a time until every sender is gone.
async fn run(domain: Domain, mut queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        domain.write_batch(std::mem::take(&mut batch)).await;
        batch.reserve(max_batch);
    }
}

/// Why a batch was not committed.
pub(super) enum BatchFailure {
    /// Its statements failed (one delivery may be the cause).
    Statements(DbErr),
    /// The transaction itself could not be opened, announced or committed.
    Store(DbErr),
}

impl BatchFailure {
    /// The failure of a batch's statements, unless the store itself failed under them (a
    /// connection lost mid-statement): writing the deliveries again one by one cannot help
    /// then, and would make each wait for a connection in turn before its 503.
    fn of_statements(error: DbErr) -> Self {
        if store::is_store_failure(&error) { Self::Store(error) } else { Self::Statements(error) }
    }

    fn error(&self) -> &DbErr {
        match self {
            Self::Statements(error) | Self::Store(error) => error,
        }
    }

    /// The error, for a caller that stored a single delivery.
    pub(super) fn into_error(self) -> DbErr {
        match self {
            Self::Statements(error) | Self::Store(error) => error,
        }
    }
}

/// Whether writing the same batch again may succeed: a PostgreSQL deadlock or serialization
/// failure, or a user the batch meant to create that a concurrent transaction created first.
fn worth_retrying(error: &DbErr) -> bool {
    store::is_retryable(error) || matches!(error, DbErr::RecordNotInserted)
}

impl Domain {
    /// Commits `jobs` together and answers each. When the batch's statements fail, its
    /// deliveries are committed one by one, so only the delivery at fault gets the error.
    async fn write_batch(&self, jobs: Vec<Job>) {
        let batch: Vec<Delivery<'_>> = jobs.iter().map(Job::delivery).collect();
        let result = self.commit_deliveries(&batch).await;
        drop(batch);
        match result {
            Ok(reports) => {
                for (job, report) in jobs.into_iter().zip(reports) {
                    // An error only means the request was abandoned (its client left).
                    let _ = job.reply.send(Ok(report));
                }
            }
            Err(BatchFailure::Statements(error)) if jobs.len() > 1 => {
                tracing::warn!(%error, "a batch failed; its deliveries are written one by one");
                for job in jobs {
                    let result = self.commit_deliveries(&[job.delivery()]).await;
                    let report = result.map_err(BatchFailure::into_error).and_then(|mut reports| {
                        reports.pop().ok_or_else(|| DbErr::Custom("a stored delivery has no report".into()))
                    });
                    let _ = job.reply.send(report);
                }
            }
            Err(failure) => {
                let error = failure.into_error().to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(DbErr::Custom(error.clone())));
                }
            }
        }
    }

    /// Commits `batch` in one transaction, written again when that may help; the reports, in
    /// order, once it committed.
    pub(super) async fn commit_deliveries(&self, batch: &[Delivery<'_>]) -> Result<Vec<IngestReport>, BatchFailure> {
        let mut attempt = 1;
        loop {
            match self.commit_batch(batch).await {
                Err(failure) if attempt < ATTEMPTS && worth_retrying(failure.error()) => attempt += 1,
                result => return result,
            }
        }
    }

    /// One transaction for the whole batch; its reports once it committed.
    async fn commit_batch(&self, batch: &[Delivery<'_>]) -> Result<Vec<IngestReport>, BatchFailure> {
        let mut changes = Changes::default();
        let reports = {
            let txn = self.gate.begin().await.map_err(BatchFailure::Store)?;
            let reports =
                self.store_batch(&txn, batch, Utc::now(), &mut changes).await.map_err(BatchFailure::of_statements)?;
            self.events.announce(&txn, &changes).await.map_err(BatchFailure::Store)?;
            let committing = Instant::now();
            txn.commit().await.map_err(BatchFailure::Store)?;
            self.metrics.observe_commit(batch.len(), committing.elapsed());
            reports
        };
        // Outside the write gate: loading the rows for subscribers does not hold writers back.
        self.events.publish(&self.db, changes).await;
        Ok(reports)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::writer_for;
    use crate::whatsapp::payload;

    fn notification(value: Value) -> payload::Notification {
        payload::interpret(&json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1",
            "changes": [{ "field": "messages", "value": value }] }] }))
    }

    fn text_from(from: &str, id: &str) -> payload::Notification {
        notification(json!({ "messages": [{ "from": from, "id": id, "timestamp": "1", "type": "text",
            "text": { "body": "hi" } }] }))
    }

    fn status_to(recipient: &str) -> payload::Notification {
        notification(json!({ "statuses": [{ "id": "wamid.S", "status": "read", "timestamp": "1",
            "recipient_id": recipient }] }))
    }

    #[test]
    fn a_contact_always_has_the_same_writer_and_contacts_spread_over_writers() {
        for contact in ["33611111111", "33622222222", "15550001111"] {
            let writer = writer_for(&text_from(contact, "wamid.A"), 4);
            assert_eq!(writer_for(&text_from(contact, "wamid.B"), 4), writer);
            assert_eq!(writer_for(&status_to(contact), 4), writer, "its statuses go to the same writer");
        }
        let used: std::collections::HashSet<usize> =
            (0..64).map(|n| writer_for(&text_from(&format!("336{n:08}"), "wamid.C"), 4)).collect();
        assert_eq!(used.len(), 4, "64 contacts use every writer");
        assert_eq!(writer_for(&notification(json!({})), 4), writer_for(&notification(json!({})), 4));
        assert!((0..64).all(|n| writer_for(&text_from(&format!("336{n:08}"), "wamid.D"), 1) == 0));
    }
}
