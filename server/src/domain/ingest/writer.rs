//! Webhook deliveries as units of group commit (see [`write_batcher`](crate::domain::write_batcher)).
//!
//! Webhook requests parse and check their delivery on their own task, then queue it and wait:
//! their writer stores every queued delivery with set-based statements (see
//! [`batch`](super::batch)) in one transaction, and each request is answered with its report
//! once that committed. Deliveries are routed by contact: by their first sender, or by the
//! recipient of their first status.

use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;

use crate::{
    domain::write_batcher::{Answers, Unit, WriteBatcher},
    events::Changes,
    metrics::Metrics,
    store::{WriteTransaction, Writer},
    whatsapp::payload::Notification,
};

use super::{Domain, IngestReport, SignatureCheck, Target, batch::Delivery};

/// A delivery to store, as its request or a replay gave it.
pub(crate) struct QueuedDelivery {
    source: Source,
    notification: Notification,
}

/// Where a queued delivery comes from.
enum Source {
    /// A webhook request: its body and how its signature was checked.
    New { body: Vec<u8>, signature_header: Option<String>, signature_verified: bool },
    /// A stored delivery processed again.
    Replay(i64),
}

impl QueuedDelivery {
    /// A webhook request's delivery.
    pub(super) fn new(body: &[u8], signature: SignatureCheck<'_>, notification: Notification) -> Self {
        let source = Source::New {
            body: body.to_vec(),
            signature_header: signature.header.map(str::to_owned),
            signature_verified: signature.verified,
        };
        Self { source, notification }
    }

    /// Stored delivery `id` again, as `notification`.
    pub(super) fn replay(id: i64, notification: Notification) -> Self {
        Self { source: Source::Replay(id), notification }
    }

    fn delivery(&self) -> Delivery<'_> {
        let target = match &self.source {
            Source::New { body, signature_header, signature_verified } => Target::New {
                body,
                signature: SignatureCheck { header: signature_header.as_deref(), verified: *signature_verified },
            },
            Source::Replay(id) => Target::Replay(*id),
        };
        Delivery { target, notification: &self.notification }
    }
}

impl Unit for QueuedDelivery {
    type Output = IngestReport;

    const NAME: &'static str = "a webhook delivery";

    const WRITER: Writer = Writer::Ingest;

    fn contact(&self) -> Option<&str> {
        let notification = &self.notification;
        let recipient =
            || notification.changes.iter().flat_map(|change| &change.statuses).find_map(|s| s.recipient_id.as_deref());
        notification.senders().next().or_else(recipient)
    }

    fn writers(domain: &Domain) -> Option<&WriteBatcher<Self>> {
        domain.ingest_writer.as_ref()
    }

    fn observe(metrics: &Metrics, units: usize, commit: Duration) {
        metrics.observe_commit(units, commit);
    }

    fn write_all<'t>(
        domain: &'t Domain,
        txn: &'t WriteTransaction,
        units: &'t [&'t Self],
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Answers<IngestReport>> {
        Box::pin(async move {
            let batch: Vec<Delivery<'_>> = units.iter().map(|unit| unit.delivery()).collect();
            let reports = domain.store_batch(txn, &batch, Utc::now(), changes).await?;
            Ok(reports.into_iter().map(Ok).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{QueuedDelivery, SignatureCheck};
    use crate::{domain::write_batcher::Unit, whatsapp::payload};

    fn queued(value: Value) -> QueuedDelivery {
        let notification = payload::interpret(&json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1",
            "changes": [{ "field": "messages", "value": value }] }] }));
        QueuedDelivery::new(b"{}", SignatureCheck { header: None, verified: true }, notification)
    }

    #[test]
    fn a_delivery_is_routed_by_its_sender_or_else_by_its_statuses_recipient() {
        let text = queued(json!({ "messages": [{ "from": "33611111111", "id": "wamid.A", "timestamp": "1",
            "type": "text", "text": { "body": "hi" } }] }));
        assert_eq!(text.contact(), Some("33611111111"));
        let status = queued(json!({ "statuses": [{ "id": "wamid.S", "status": "read", "timestamp": "1",
            "recipient_id": "33611111111" }] }));
        assert_eq!(status.contact(), Some("33611111111"), "a contact's statuses go to its messages' writer");
        assert_eq!(queued(json!({})).contact(), None);
    }
}
