//! The `queries` data set: users and their messages, generated from a seed and written with
//! multi-row INSERTs in large transactions (through the webhook, 1 M messages would take an hour).
//!
//! One user, the heavy one, has a tenth of the messages; the others share the rest at random.
//! Messages come in time order over six months, so ids grow with time as in a live table and
//! each user's rows are scattered over the whole table.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait,
    sea_query::{Alias, Expr, InsertStatement, Query},
};
use serde_json::json;

/// A word that about one text message in four contains.
pub const FREQUENT_WORD: &str = "order";
/// A word that no generated message contains.
pub const ABSENT_WORD: &str = "zanzibar";

const START: i64 = 1_750_000_000;
const SPAN: i64 = 183 * 86_400;
const BUSINESS: &str = "15550001111";
const PHONE_NUMBER_ID: &str = "106540352242922";
const ROWS_PER_INSERT: usize = 1_000;
const INSERTS_PER_TRANSACTION: usize = 50;
/// Messages written per transaction.
pub const ROWS_PER_TRANSACTION: usize = ROWS_PER_INSERT * INSERTS_PER_TRANSACTION;
const TEXTS: [&str; 12] = [
    "Hello, is the shop open on Sunday?",
    "Where is my order? It was due yesterday",
    "Thanks a lot, see you tomorrow",
    "Can I change the delivery address of order 4471?",
    "Do you have this in a smaller size?",
    "Perfect, I'll pick it up at 5 pm",
    "Your order has shipped and arrives on Friday",
    "We are open from 9 to 18, Monday to Saturday",
    "Could you send me the invoice please?",
    "Sorry, that colour is sold out",
    "Great, thank you for your help!",
    "Is there any discount for students?",
];
/// Meta's type names with their weights (out of 100).
const KINDS: [(&str, u32); 9] = [
    ("text", 70),
    ("image", 9),
    ("audio", 5),
    ("document", 4),
    ("video", 3),
    ("sticker", 3),
    ("location", 2),
    ("reaction", 2),
    ("interactive", 2),
];
/// Statuses of outbound messages with their weights (out of 100); inbound ones are `received`.
const OUTBOUND_STATUSES: [(&str, u32); 4] = [("read", 60), ("delivered", 25), ("sent", 10), ("failed", 5)];

/// How big a data set to write.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Users (contacts).
    pub users: usize,
    /// Messages over all users.
    pub messages: u64,
}

impl Plan {
    /// The heavy user's index (it has a tenth of the messages).
    pub const HEAVY: usize = 0;

    /// A typical user's index: one of the many that share the other messages evenly.
    pub fn typical(&self) -> usize {
        self.users / 2
    }
}

/// One generated message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its position in time order, from 0.
    pub number: u64,
    /// The index of its user.
    pub user: usize,
    /// Meta's timestamp (unix seconds).
    pub timestamp: i64,
    /// From the contact (true) or to them.
    pub inbound: bool,
    /// Meta's type name.
    pub kind: &'static str,
    /// `received` inbound, an outbound status otherwise.
    pub status: &'static str,
    /// The readable content, as wagate would have stored it.
    pub content: String,
}

/// Messages in time order, the same for the same seed.
pub struct Generator {
    plan: Plan,
    rng: StdRng,
    next: u64,
}

impl Generator {
    /// The messages `plan` asks for, drawn from `seed`.
    pub fn new(plan: Plan, seed: u64) -> Self {
        Self { plan, rng: StdRng::seed_from_u64(seed), next: 0 }
    }

    fn weighted(&mut self, table: &[(&'static str, u32)]) -> &'static str {
        let mut roll = self.rng.random_range(0..table.iter().map(|(_, w)| w).sum::<u32>());
        for (name, weight) in table {
            if roll < *weight {
                return name;
            }
            roll -= weight;
        }
        table[0].0
    }

    fn content(&mut self, kind: &str) -> String {
        let text = TEXTS[self.rng.random_range(0..TEXTS.len())];
        match kind {
            "text" => text.to_owned(),
            "image" | "video" | "sticker" => format!("[{kind}] {}", &text[..text.len().min(24)]),
            "audio" => "[voice message]".to_owned(),
            "document" => format!("[document] invoice-{}.pdf", self.rng.random_range(1000..9999)),
            "location" => "[location] 48.8584, 2.2945".to_owned(),
            "reaction" => "👍".to_owned(),
            _ => "Yes, please".to_owned(),
        }
    }
}

impl Iterator for Generator {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        if self.next >= self.plan.messages {
            return None;
        }
        let number = self.next;
        self.next += 1;
        let user = if self.rng.random_range(0..10) == 0 || self.plan.users < 2 {
            Plan::HEAVY
        } else {
            self.rng.random_range(1..self.plan.users)
        };
        let timestamp = START + (number as i128 * SPAN as i128 / self.plan.messages as i128) as i64;
        let inbound = self.rng.random_range(0..100) < 55;
        let kind = self.weighted(&KINDS);
        let status = if inbound { "received" } else { self.weighted(&OUTBOUND_STATUSES) };
        let content = self.content(kind);
        Some(Message {
            number,
            user,
            timestamp: timestamp + self.rng.random_range(0..30),
            inbound,
            kind,
            status,
            content,
        })
    }
}

/// What seeding wrote.
pub struct Seeded {
    /// The users' ids, by index.
    pub user_ids: Vec<i64>,
    /// How long it took, generation included.
    pub elapsed: Duration,
}

/// Writes `plan`'s users and messages into the (migrated, empty) database, showing each message
/// to `observe` first; media messages come with their fetched files' rows.
pub async fn seed(db: &DatabaseConnection, plan: Plan, mut observe: impl FnMut(&Message)) -> Result<Seeded, String> {
    let started = Instant::now();
    let fail = |e: DbErr| format!("seeding failed: {e}");
    let user_ids = insert_users(db, plan.users).await.map_err(fail)?;
    let phones: Vec<String> = (0..plan.users).map(phone).collect();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut messages = Generator::new(plan, 6).peekable();
    while messages.peek().is_some() {
        let txn = db.begin().await.map_err(fail)?;
        for _ in 0..INSERTS_PER_TRANSACTION {
            let (mut insert, mut media) = (conversations_insert(), media_files_insert());
            let (mut rows, mut files) = (0, 0);
            let refused = |e: sea_orm::sea_query::error::Error| format!("seeding failed: {e}");
            for message in messages.by_ref().take(ROWS_PER_INSERT) {
                observe(&message);
                insert
                    .values(message_row(&message, user_ids[message.user], &phones[message.user], &run))
                    .map_err(refused)?;
                rows += 1;
                if let Some(file) = media_file_row(&message, &run) {
                    media.values(file).map_err(refused)?;
                    files += 1;
                }
            }
            if rows > 0 {
                txn.execute(&insert).await.map_err(fail)?;
            }
            if files > 0 {
                txn.execute(&media).await.map_err(fail)?;
            }
        }
        txn.commit().await.map_err(fail)?;
    }
    Ok(Seeded { user_ids, elapsed: started.elapsed() })
}

/// The contact number of user `index`.
fn phone(index: usize) -> String {
    format!("33{index:09}")
}

fn time(timestamp: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(timestamp, 0).single().unwrap_or_default()
}

async fn insert_users(db: &DatabaseConnection, users: usize) -> Result<Vec<i64>, DbErr> {
    let txn = db.begin().await?;
    let created = time(START);
    let indices: Vec<usize> = (0..users).collect();
    for chunk in indices.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("users")).columns(
            ["name", "phone", "role", "current_month_credits", "monthly_allowance", "credits_period", "created_at"]
                .map(Alias::new),
        );
        for &index in chunk {
            let row: [Expr; 7] = [
                format!("Contact {index}").into(),
                phone(index).into(),
                "user".into(),
                1000i64.into(),
                1000i64.into(),
                "2025-12".into(),
                created.into(),
            ];
            insert.values(row).map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(backend, "SELECT id, phone FROM users WHERE phone IS NOT NULL"))
        .await?;
    let mut ids = HashMap::new();
    for row in rows {
        ids.insert(row.try_get::<String>("", "phone")?, row.try_get::<i64>("", "id")?);
    }
    (0..users).map(|i| ids.get(&phone(i)).copied().ok_or_else(|| DbErr::RecordNotFound(phone(i)))).collect()
}

fn conversations_insert() -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(Alias::new("conversations")).columns(
        [
            "user_id",
            "from",
            "to",
            "message_id",
            "type",
            "content",
            "direction",
            "status",
            "phone_number_id",
            "contact_name",
            "raw",
            "credits_charged",
            "error_code",
            "error_title",
            "timestamp",
            "created_at",
            "updated_at",
            "media_id",
        ]
        .map(Alias::new),
    );
    insert
}

fn media_files_insert() -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(Alias::new("media_files")).columns(
        ["media_id", "message_id", "mime_type", "sha256", "size", "path", "attempts", "next_attempt_at", "fetched_at"]
            .map(Alias::new),
    );
    insert
}

fn wamid(message: &Message, run: &str) -> String {
    format!("wamid.HBgL{run}{:010}", message.number)
}

/// Meta's media id, for a message that carries a file.
fn media_id(message: &Message) -> Option<String> {
    matches!(message.kind, "image" | "video" | "audio" | "document" | "sticker")
        .then(|| format!("{}", 900_000_000_000_000u64 + message.number))
}

/// The `media_files` row of a media message whose file was fetched long ago, as in a server
/// that has been running: the media job has nothing left to do.
fn media_file_row(message: &Message, run: &str) -> Option<[Expr; 9]> {
    let id = media_id(message)?;
    let fetched = time(message.timestamp + 5);
    Some([
        id.as_str().into(),
        wamid(message, run).into(),
        "image/jpeg".into(),
        "bench".into(),
        48_213i64.into(),
        id.into(),
        1i32.into(),
        fetched.into(),
        Some(fetched).into(),
    ])
}

/// The row wagate would have stored for `message`.
fn message_row(message: &Message, user_id: i64, phone: &str, run: &str) -> [Expr; 18] {
    let wamid = wamid(message, run);
    let (from, to) = if message.inbound { (phone, BUSINESS) } else { (BUSINESS, phone) };
    let media = media_id(message);
    let raw = json!({
        "from": from, "id": wamid, "timestamp": message.timestamp.to_string(), "type": message.kind,
        message.kind: match &media {
            Some(id) => json!({ "id": id, "mime_type": "image/jpeg", "sha256": "bench" }),
            None => json!({ "body": message.content }),
        },
    });
    let failed = message.status == "failed";
    let stored = time(message.timestamp + 1);
    [
        user_id.into(),
        from.into(),
        to.into(),
        wamid.into(),
        message.kind.into(),
        message.content.as_str().into(),
        if message.inbound { "inbound" } else { "outbound" }.into(),
        message.status.into(),
        PHONE_NUMBER_ID.into(),
        message.inbound.then(|| format!("Contact {phone}")).into(),
        raw.to_string().into(),
        i64::from(!message.inbound).into(),
        failed.then_some(131_047i64).into(),
        failed.then_some("Re-engagement message").into(),
        message.timestamp.into(),
        stored.into(),
        stored.into(),
        media.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_messages_in_time_order() {
        let plan = Plan { users: 100, messages: 5_000 };
        let first: Vec<Message> = Generator::new(plan, 1).collect();
        let again: Vec<Message> = Generator::new(plan, 1).collect();
        assert_eq!(first.len(), 5_000);
        assert!(
            first
                .iter()
                .zip(&again)
                .all(|(a, b)| (a.user, a.timestamp, &a.content) == (b.user, b.timestamp, &b.content))
        );
        assert!(first.windows(2).all(|w| w[1].timestamp + 30 >= w[0].timestamp));
        let span = first.last().map(|m| m.timestamp).unwrap_or_default() - first[0].timestamp;
        assert!(span > SPAN * 9 / 10, "messages span about six months, not {span} s");
    }

    #[test]
    fn the_heavy_user_has_a_tenth_and_the_others_share_the_rest() {
        let plan = Plan { users: 1_000, messages: 100_000 };
        let mut counts = vec![0u32; plan.users];
        for message in Generator::new(plan, 2) {
            counts[message.user] += 1;
        }
        assert!((9_000..11_000).contains(&counts[Plan::HEAVY]), "heavy user: {}", counts[Plan::HEAVY]);
        assert!((50..130).contains(&counts[plan.typical()]), "typical user: {}", counts[plan.typical()]);
        assert!(counts.iter().all(|&n| n > 0));
    }

    #[test]
    fn statuses_follow_the_direction_and_the_absent_word_is_absent() {
        for message in Generator::new(Plan { users: 10, messages: 2_000 }, 3) {
            assert_eq!(message.inbound, message.status == "received");
            assert!(!message.content.to_lowercase().contains(ABSENT_WORD));
        }
    }
}
