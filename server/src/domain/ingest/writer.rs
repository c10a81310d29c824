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
//! One delivery whose statements fail does not fail its neighbours: it is answered with its
//! error (Meta retries it) and the rest of the batch is written again without it. A failure of
//! the store itself (no connection, a failed commit) answers the whole batch with 503, and
//! nothing of it was written.

use std::time::Instant;

use chrono::Utc;
use sea_orm::{DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::{error::AppError, events::Changes, store, whatsapp::payload::Notification};

use super::{ATTEMPTS, Domain, IngestReport, SignatureCheck, Target};

/// One delivery waiting for its batch.
struct Job {
    body: Vec<u8>,
    signature_header: Option<String>,
    signature_verified: bool,
    notification: Notification,
    reply: oneshot::Sender<Result<IngestReport, DbErr>>,
}

impl Job {
    fn target(&self) -> Target<'_> {
        let signature = SignatureCheck { header: self.signature_header.as_deref(), verified: self.signature_verified };
        Target::New { body: &self.body, signature }
    }
}

/// The queue in front of the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct IngestWriter {
    jobs: mpsc::Sender<Job>,
}

impl IngestWriter {
    /// Starts the writer task over `domain`, committing up to `max_batch` deliveries at once.
    pub(crate) fn start(domain: Domain, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let (jobs, queue) = mpsc::channel(max_batch * 4);
        tokio::spawn(run(domain, queue, max_batch));
        Self { jobs }
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
        self.jobs.send(job).await.map_err(|_| stopped())?;
        Ok(answer.await.map_err(|_| stopped())??)
    }
}

fn stopped() -> AppError {
    AppError::Unavailable(DbErr::Custom("the ingest writer has stopped; nothing was stored, retry".into()))
}

/// The writer task: one batch at a time until every sender is gone.
async fn run(domain: Domain, mut queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        domain.write_batch(std::mem::take(&mut batch)).await;
        batch.reserve(max_batch);
    }
}

/// Why a batch was not committed.
enum BatchFailure {
    /// The statements of the delivery at this index failed.
    Delivery(usize, DbErr),
    /// The transaction itself could not be opened or committed.
    Store(DbErr),
}

impl BatchFailure {
    fn error(&self) -> &DbErr {
        match self {
            Self::Delivery(_, error) | Self::Store(error) => error,
        }
    }
}

impl Domain {
    /// Commits `jobs` together and answers each.
    async fn write_batch(&self, mut jobs: Vec<Job>) {
        let mut attempt = 1;
        while !jobs.is_empty() {
            match self.commit_batch(&jobs).await {
                Ok(reports) => {
                    for (job, report) in jobs.into_iter().zip(reports) {
                        // An error only means the request was abandoned (its client left).
                        let _ = job.reply.send(Ok(report));
                    }
                    return;
                }
                Err(failure) if attempt < ATTEMPTS && store::is_retryable(failure.error()) => attempt += 1,
                Err(BatchFailure::Delivery(index, error)) => {
                    tracing::warn!(%error, "a delivery failed in a batch; the rest of the batch is written again");
                    let _ = jobs.remove(index).reply.send(Err(error));
                }
                Err(BatchFailure::Store(error)) => {
                    for job in jobs {
                        let _ = job.reply.send(Err(DbErr::Custom(error.to_string())));
                    }
                    return;
                }
            }
        }
    }

    /// One transaction for every job; their reports, in order, once it committed.
    async fn commit_batch(&self, jobs: &[Job]) -> Result<Vec<IngestReport>, BatchFailure> {
        let mut changes = Changes::default();
        let reports = {
            let _turn = self.gate.enter().await;
            let txn = self.db.begin().await.map_err(BatchFailure::Store)?;
            let now = Utc::now();
            let mut reports = Vec::with_capacity(jobs.len());
            for (index, job) in jobs.iter().enumerate() {
                let report = self
                    .ingest_into(&txn, job.target(), &job.notification, now, &mut changes)
                    .await
                    .map_err(|error| BatchFailure::Delivery(index, error))?;
                reports.push(report);
            }
            self.events.announce(&txn, &changes).await.map_err(BatchFailure::Store)?;
            let committing = Instant::now();
            txn.commit().await.map_err(BatchFailure::Store)?;
            self.metrics.observe_commit(jobs.len(), committing.elapsed());
            reports
        };
        // Outside the write gate: loading the rows for subscribers does not hold writers back.
        self.events.publish(&self.db, changes).await;
        Ok(reports)
    }
}
