//! A workload for the fault tests: signed deliveries in Meta's shapes (texts from several
//! contacts in batches, out-of-order statuses for messages the business sent), and the checks
//! the store must pass against it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use wagate::{
    store::entity::{conversation, credit_ledger, status_event, webhook_delivery},
    whatsapp::signature,
};

use super::{APP_SECRET, DEFAULT_CREDITS, TestApp, meta};

/// One POST Meta makes: the signed bytes, and what they carry.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The body as Meta sends it.
    pub body: Vec<u8>,
    /// Its `X-Hub-Signature-256` header.
    pub signature: String,
    messages: Vec<String>,
    statuses: Vec<(String, String)>,
}

impl Delivery {
    fn signed(body: &Value, messages: Vec<String>, statuses: Vec<(String, String)>) -> Self {
        let body = meta::wire_bytes(body);
        Self { signature: signature::sign(APP_SECRET, &body), body, messages, statuses }
    }
}

/// A message the business sent (Meta took it), whose statuses the workload reports.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its wamid.
    pub wamid: String,
    /// The contact it went to.
    pub to: String,
}

/// The deliveries, and the contact of every message they carry.
pub struct Workload {
    /// Every delivery, in posting order.
    pub deliveries: Vec<Delivery>,
    inbound: BTreeMap<String, String>,
    sent: Vec<Sent>,
}

/// How many messages each inbound delivery carries, in turn.
const BATCH_SIZES: [usize; 5] = [1, 4, 2, 3, 5];

impl Workload {
    /// `per_contact` texts from each contact (two at a time per contact, cut into batches that
    /// mix contacts), and sent → delivered → read (every third: → failed) for each sent
    /// message, every other message's reports in reverse order, two messages per delivery.
    /// Inbound and status deliveries alternate.
    pub fn new(tag: &str, contacts: &[String], per_contact: usize, sent: &[Sent]) -> Self {
        let now = chrono::Utc::now().timestamp();
        let inbound = inbound_texts(tag, contacts, per_contact);
        let mut batches = Vec::new();
        let mut rest = inbound.as_slice();
        for size in BATCH_SIZES.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (batch, after) = rest.split_at((*size).min(rest.len()));
            batches.push(text_delivery(batch, now));
            rest = after;
        }
        let mut statuses = status_deliveries(sent, now).into_iter();
        let mut deliveries = Vec::new();
        for batch in batches {
            deliveries.push(batch);
            deliveries.extend(statuses.next());
        }
        deliveries.extend(statuses);
        Self { deliveries, inbound: inbound.into_iter().collect(), sent: sent.to_vec() }
    }

    /// The deliveries of which a part, but not all, is stored (a delivery is one transaction).
    pub async fn partly_stored(&self, app: &TestApp) -> Vec<usize> {
        let stored = Stored::read(app).await;
        (0..self.deliveries.len())
            .filter(|i| matches!(stored.presence(&self.deliveries[*i]), (present, all) if present > 0 && present < all))
            .collect()
    }

    /// Asserts that everything the deliveries at `indices` carry is stored.
    pub async fn assert_stored(&self, app: &TestApp, indices: &[usize]) {
        let stored = Stored::read(app).await;
        for i in indices {
            let (present, all) = stored.presence(&self.deliveries[*i]);
            assert_eq!(present, all, "acknowledged delivery {i} is stored in part: {present} of {all} items");
        }
    }

    /// Asserts the end state once every delivery was acknowledged: each message stored once,
    /// each status recorded once and the highest applied, each contact charged once per
    /// message and refunded once per failed one, every ledger summing to its balance.
    pub async fn assert_all_stored_once(&self, app: &TestApp) {
        let stored = Stored::read(app).await;
        for wamid in self.inbound.keys().chain(self.sent.iter().map(|s| &s.wamid)) {
            assert_eq!(stored.rows.get(wamid).map(|(rows, _)| *rows), Some(1), "{wamid} is not stored exactly once");
        }
        assert_eq!(stored.rows.len(), self.inbound.len() + self.sent.len(), "messages nobody sent were stored");
        let expected_events: usize = self.deliveries.iter().map(|d| d.statuses.len()).sum();
        assert_eq!(stored.status_events.len(), expected_events, "status reports recorded");
        assert!(stored.status_events.values().all(|n| *n == 1), "a status report was recorded twice");
        for (n, sent) in self.sent.iter().enumerate() {
            assert_eq!(stored.rows[&sent.wamid].1, final_status(n), "the status of {}", sent.wamid);
        }
        for wamid in self.inbound.keys() {
            assert_eq!(stored.rows[wamid].1, "received", "a status reached inbound {wamid}");
        }
        self.assert_credits(app).await;
        app.assert_ledger_matches_balances().await;
        let unprocessed = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Outcome.ne("processed"))
            .all(app.db())
            .await
            .expect("deliveries");
        assert!(
            unprocessed.is_empty(),
            "deliveries not processed: {:?}",
            unprocessed.iter().map(|d| d.id).collect::<Vec<_>>()
        );
    }

    async fn assert_credits(&self, app: &TestApp) {
        let ledger = credit_ledger::Entity::find().all(app.db()).await.expect("ledger");
        let contacts: BTreeSet<&String> = self.inbound.values().chain(self.sent.iter().map(|s| &s.to)).collect();
        for contact in contacts {
            let user = app.user_by_phone(contact).await;
            let entries = |reason: &str| -> Vec<Option<String>> {
                let mine = ledger.iter().filter(|e| e.user_id == user.id && e.reason == reason);
                let mut ids: Vec<_> = mine.map(|e| e.message_id.clone()).collect();
                ids.sort();
                ids
            };
            let received: Vec<_> =
                self.inbound.iter().filter(|(_, c)| *c == contact).map(|(w, _)| Some(w.clone())).collect();
            assert_eq!(entries("inbound"), received, "{contact} is charged once per message received");
            let sent = self.sent.iter().filter(|s| &s.to == contact).count();
            let failed =
                self.sent.iter().enumerate().filter(|(n, s)| &s.to == contact && final_status(*n) == "failed").count();
            let (debits, refunds) = (entries("outbound").len(), entries("refund").len());
            assert_eq!((debits, refunds), (sent, failed), "{contact}'s sends and refunds");
            let expected = DEFAULT_CREDITS - (received.len() + sent) as i64 + failed as i64;
            assert_eq!(user.current_month_credits, expected, "{contact}'s balance");
        }
    }
}

/// The statuses reported for the `n`th sent message, in ladder order.
fn ladder(n: usize) -> [&'static str; 3] {
    if n.is_multiple_of(3) { ["sent", "delivered", "failed"] } else { ["sent", "delivered", "read"] }
}

fn final_status(n: usize) -> &'static str {
    ladder(n)[2]
}

/// (wamid, contact) of `per_contact` texts from each contact, two of a contact in a row.
fn inbound_texts(tag: &str, contacts: &[String], per_contact: usize) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for pair in (0..per_contact).step_by(2) {
        for (c, contact) in contacts.iter().enumerate() {
            for n in pair..(pair + 2).min(per_contact) {
                texts.push((format!("wamid.{tag}.{c}.{n}"), contact.clone()));
            }
        }
    }
    texts
}

fn text_delivery(batch: &[(String, String)], now: i64) -> Delivery {
    let mut contacts: Vec<&String> = batch.iter().map(|(_, contact)| contact).collect();
    contacts.sort();
    contacts.dedup();
    let body = meta::envelope(
        contacts.iter().map(|c| meta::contact(c, &format!("Contact {c}"))).collect(),
        batch.iter().map(|(wamid, contact)| meta::text(wamid, contact, now, &format!("text {wamid}"))).collect(),
        vec![],
    );
    Delivery::signed(&body, batch.iter().map(|(wamid, _)| wamid.clone()).collect(), vec![])
}

fn status_deliveries(sent: &[Sent], now: i64) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for (pair, messages) in sent.chunks(2).enumerate() {
        for step in 0..3 {
            let mut reports = Vec::new();
            let mut carried = Vec::new();
            for (k, message) in messages.iter().enumerate() {
                let n = pair * 2 + k;
                let status = if n.is_multiple_of(2) { ladder(n)[2 - step] } else { ladder(n)[step] };
                let at = now + step as i64;
                reports.push(match status {
                    "failed" => {
                        meta::failed_status(&message.wamid, at, &message.to, 131026, "Message undeliverable", "x")
                    }
                    _ => meta::status(&message.wamid, status, at, &message.to),
                });
                carried.push((message.wamid.clone(), status.to_owned()));
            }
            deliveries.push(Delivery::signed(&meta::status_notification(reports), vec![], carried));
        }
    }
    deliveries
}

/// What the store holds, read through the test's own connection.
struct Stored {
    /// Rows per wamid, and the status of the row.
    rows: HashMap<String, (usize, String)>,
    status_events: HashMap<(String, String), usize>,
}

impl Stored {
    async fn read(app: &TestApp) -> Self {
        let mut rows: HashMap<String, (usize, String)> = HashMap::new();
        for row in conversation::Entity::find().all(app.db()).await.expect("conversations") {
            let entry = rows.entry(row.message_id).or_insert((0, row.status));
            entry.0 += 1;
        }
        let mut status_events = HashMap::new();
        for event in status_event::Entity::find().all(app.db()).await.expect("status events") {
            *status_events.entry((event.message_id, event.status)).or_default() += 1;
        }
        Self { rows, status_events }
    }

    /// How many of the delivery's messages and status reports are stored, out of how many.
    fn presence(&self, delivery: &Delivery) -> (usize, usize) {
        let messages = delivery.messages.iter().filter(|w| self.rows.contains_key(*w)).count();
        let statuses = delivery.statuses.iter().filter(|s| self.status_events.contains_key(*s)).count();
        (messages + statuses, delivery.messages.len() + delivery.statuses.len())
    }
}

/// `count` contact phones starting with `prefix`.
pub fn contacts(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|n| format!("{prefix}{n:04}")).collect()
}

/// Sends `per_contact` texts to each contact through the app (the fake Graph API takes them),
/// as the business would; each is charged one credit. The app must not enforce the service
/// window.
pub async fn send_texts(app: &TestApp, contacts: &[String], per_contact: usize) -> Vec<Sent> {
    let mut sent = Vec::new();
    for n in 0..per_contact {
        for to in contacts {
            let message = json!({ "to": to, "type": "text", "text": { "body": format!("news {n}") } });
            let response = app.send(&message, Some(&app.admin_token())).await;
            let body: Value = response.json().await.expect("send answer");
            let wamid = body["messages"][0]["id"].as_str().unwrap_or_else(|| panic!("not sent: {body}"));
            sent.push(Sent { wamid: wamid.to_owned(), to: to.clone() });
        }
    }
    sent
}
