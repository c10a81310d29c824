//! The ingest workload: Meta notifications as Meta sends them, signed with the app secret, and
//! a record of every event the server acknowledged.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicU64, Ordering},
};

use hmac::{Hmac, KeyInit, Mac};
use rand::{Rng, rngs::StdRng};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{fake_graph::PHONE_NUMBER_ID, server::APP_SECRET};

/// How many contacts write in (each becomes a user on first contact).
const CONTACTS: u64 = 10_000;

/// One signed POST body and the events it carries.
#[derive(Clone)]
pub struct Delivery {
    /// The raw body.
    pub body: Vec<u8>,
    /// `sha256=<hex>` over the body.
    pub signature: String,
    /// The wamids of its messages.
    pub messages: Vec<String>,
    /// Its status reports, (wamid, status).
    pub statuses: Vec<(String, &'static str)>,
}

impl Delivery {
    /// Messages and statuses it carries.
    pub fn events(&self) -> usize {
        self.messages.len() + self.statuses.len()
    }
}

/// Deliveries for one run, with unique wamids, and what the server acknowledged.
pub struct Workload {
    run: String,
    next_id: AtomicU64,
    acknowledged: Mutex<Acknowledged>,
}

/// Every event in a delivery answered with 200.
#[derive(Default)]
pub struct Acknowledged {
    /// Acknowledged deliveries (POSTs answered 200), redeliveries included.
    pub deliveries: u64,
    /// Message wamids, each once however often it was redelivered.
    pub messages: Vec<String>,
    /// Status reports, each once.
    pub statuses: Vec<(String, &'static str)>,
}

impl Workload {
    /// A workload whose wamids are unique to this run.
    pub fn new() -> Self {
        let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        Self { run, next_id: AtomicU64::new(0), acknowledged: Mutex::new(Acknowledged::default()) }
    }

    /// The next delivery: 60 % one text message, 15 % a batch of five, 20 % three status
    /// reports (sent, delivered, read) for one outbound message, 5 % a redelivery of
    /// `previous` (Meta retries a delivery it did not see acknowledged).
    pub fn next(&self, rng: &mut StdRng, previous: Option<&Delivery>) -> Delivery {
        let roll = rng.random_range(0..100);
        match (roll, previous) {
            (95.., Some(previous)) => previous.clone(),
            (0..60, _) | (95.., None) => self.messages(rng, 1),
            (60..75, _) => self.messages(rng, 5),
            _ => self.statuses(rng),
        }
    }

    /// Records a delivery the server answered with 200; `first` when it was not a redelivery.
    pub fn acknowledge(&self, delivery: &Delivery, first: bool) {
        let mut acked = self.acknowledged.lock().unwrap_or_else(PoisonError::into_inner);
        acked.deliveries += 1;
        if first {
            acked.messages.extend(delivery.messages.iter().cloned());
            acked.statuses.extend(delivery.statuses.iter().cloned());
        }
    }

    /// What was acknowledged so far.
    pub fn acknowledged(&self) -> std::sync::MutexGuard<'_, Acknowledged> {
        self.acknowledged.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The wamid prefix of this run.
    pub fn prefix(&self) -> String {
        format!("wamid.{}.", self.run)
    }

    fn wamid(&self) -> String {
        format!("{}{}", self.prefix(), self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn messages(&self, rng: &mut StdRng, count: usize) -> Delivery {
        let from = format!("33{:09}", rng.random_range(0..CONTACTS));
        let now = 1_760_000_000 + rng.random_range(0..1_000_000);
        let ids: Vec<String> = (0..count).map(|_| self.wamid()).collect();
        let messages: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({ "from": from, "id": id, "timestamp": now.to_string(), "type": "text",
                        "text": { "body": format!("Bonjour, message {id}") } })
            })
            .collect();
        let value = json!({
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550001111", "phone_number_id": "106540352242922" },
            "contacts": [{ "profile": { "name": format!("Contact {from}") }, "wa_id": from }],
            "messages": messages,
        });
        signed(&value, ids, Vec::new())
    }

    fn statuses(&self, rng: &mut StdRng) -> Delivery {
        let to = format!("33{:09}", rng.random_range(0..CONTACTS));
        let id = self.wamid();
        let steps = ["sent", "delivered", "read"];
        let statuses: Vec<Value> = steps
            .iter()
            .enumerate()
            .map(|(n, status)| {
                json!({ "id": id, "status": status, "timestamp": (1_760_000_000 + n).to_string(), "recipient_id": to })
            })
            .collect();
        let value = json!({
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550001111", "phone_number_id": "106540352242922" },
            "statuses": statuses,
        });
        signed(&value, Vec::new(), steps.iter().map(|s| (id.clone(), *s)).collect())
    }
}

/// A signed delivery of one text message `id` from `from`, written at `timestamp` (Unix
/// seconds): the contact's first message, which opens their 24-hour service window.
pub fn text_from(from: &str, id: &str, timestamp: i64) -> Delivery {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [{ "profile": { "name": format!("Contact {from}") }, "wa_id": from }],
        "messages": [{ "from": from, "id": id, "timestamp": timestamp.to_string(), "type": "text",
                       "text": { "body": "Bonjour" } }],
    });
    signed(&value, vec![id.to_owned()], Vec::new())
}

fn signed(value: &Value, messages: Vec<String>, statuses: Vec<(String, &'static str)>) -> Delivery {
    let notification = json!({ "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }] });
    let body = notification.to_string().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(&body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    Delivery { body, signature, messages, statuses }
}
