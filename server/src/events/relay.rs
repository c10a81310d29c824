//! Events between instances: PostgreSQL `NOTIFY` payloads naming what changed, and the
//! listener that turns other instances' payloads into local events.

use std::time::Duration;

use sea_orm::{DatabaseConnection, sqlx::postgres::PgListener};
use serde::{Deserialize, Serialize};

use super::{CHANNEL, Changes, EventBus};

/// PostgreSQL refuses payloads of 8000 bytes or more; stay well under.
const MAX_PAYLOAD: usize = 7_000;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// The instance that made the change (it has published it already).
    #[serde(rename = "o")]
    origin: String,
    #[serde(flatten)]
    changes: Changes,
}

/// The `NOTIFY` payloads announcing `changes`, each under PostgreSQL's size limit.
pub(super) fn payloads(origin: &str, changes: &Changes) -> Vec<String> {
    let mut chunks = vec![Changes::default()];
    let mut size = 0;
    let mut room_for = |cost: usize, chunks: &mut Vec<Changes>| {
        if size + cost > MAX_PAYLOAD - origin.len() - 32 {
            chunks.push(Changes::default());
            size = 0;
        }
        size += cost;
    };
    for (kind, id) in &changes.messages {
        room_for(id.len() + 24, &mut chunks);
        chunks.last_mut().into_iter().for_each(|c| c.messages.push((*kind, id.clone())));
    }
    for id in &changes.ledger {
        room_for(21, &mut chunks);
        chunks.last_mut().into_iter().for_each(|c| c.ledger.push(*id));
    }
    chunks
        .into_iter()
        .filter(|c| !c.is_empty())
        .filter_map(|changes| serde_json::to_string(&Payload { origin: origin.to_owned(), changes }).ok())
        .collect()
}

impl EventBus {
    /// Listens on PostgreSQL for other instances' changes and publishes them here, until the
    /// task is aborted. A lost connection is re-established; what was announced meanwhile is
    /// missed, so once listening again the subscribers are told to re-query.
    pub async fn relay_from_postgres(self, database_url: String, db: DatabaseConnection) {
        let mut backoff = Duration::from_millis(200);
        let mut resumed = false;
        loop {
            let session = self.listen(&database_url, &db, resumed).await;
            resumed = true;
            match session {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(error) => {
                    tracing::warn!(%error, "live events from other instances: listener failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// One listening session; returns when the connection drops. A `resumed` one follows a
    /// session that dropped or never began, so subscribers may have missed events.
    async fn listen(
        &self,
        database_url: &str,
        db: &DatabaseConnection,
        resumed: bool,
    ) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(CHANNEL).await?;
        tracing::info!(channel = CHANNEL, "listening for other instances' live events");
        if resumed {
            self.tell_events_missed();
        }
        while let Some(notification) = listener.try_recv().await? {
            let payload = match serde_json::from_str::<Payload>(notification.payload()) {
                Ok(payload) if *payload.origin != *self.origin => payload,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "ignored a malformed live event notification");
                    continue;
                }
            };
            self.publish(db, payload.changes).await;
        }
        tracing::warn!(
            "the live event listener lost its connection; subscribers are told to re-query once it listens again"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_change_is_split_into_payloads_postgres_accepts_and_nothing_is_lost() {
        let mut changes = Changes::default();
        for n in 0..500 {
            changes.new_message(&format!("wamid.HBgLMzM2MTIzNDU2NzgVAgASGBQzQUZCNzQ2QzU3RjBBMzJCNzk0{n:04}"));
            changes.ledger_entry(n);
        }
        let payloads = payloads("origin-1", &changes);
        assert!(payloads.len() > 1);
        let mut joined = Changes::default();
        for text in &payloads {
            assert!(text.len() < 8_000, "payload of {} bytes", text.len());
            let payload: Payload = serde_json::from_str(text).unwrap();
            assert_eq!(payload.origin, "origin-1");
            joined.messages.extend(payload.changes.messages);
            joined.ledger.extend(payload.changes.ledger);
        }
        assert_eq!(joined, changes);
    }
}
