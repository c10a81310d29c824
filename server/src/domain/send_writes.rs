//! A send's writes as one kind of group-committed unit: its reservation before the call to
//! Meta, its stored message after it, or its refund when Meta did not take it.
//!
//! At 1,000 sends a second they are 2,000 writes a second. Committed together, the writes of
//! concurrent sends share each transaction's `BEGIN`, `COMMIT` and flush, whatever their kind;
//! committed by kind, each kind took its own turn at SQLite's one writer connection. Within a
//! batch the reservations are written first, then the stored messages, then the refunds, each
//! kind with its own set-based statements. Two writes of one send are never in one batch: each
//! waits for the one before it to be committed.

use futures::future::BoxFuture;
use sea_orm::DbErr;

use crate::{
    error::AppError,
    events::Changes,
    store::{WriteTransaction, Writer, entity::conversation},
};

use super::{
    Domain,
    outbound::{self, Record},
    reservations::{self, Recipients, Refund, Reservation, Reserve},
    write_batcher::{Answers, Unit, WriteBatcher},
};

/// One write of a send.
pub(crate) enum SendWrite {
    /// Its price, taken before the call to Meta.
    Reserve(Reserve),
    /// The message Meta accepted.
    Record(Record),
    /// Its price, given back.
    Refund(Refund),
}

/// What a committed [`SendWrite`] answers with, kind for kind.
pub(crate) enum SendWritten {
    /// The reservation made.
    Reserved(Reservation),
    /// The message as stored.
    Recorded(Box<conversation::Model>),
    /// Whether a refund was written (not when the user is gone).
    Refunded(bool),
}

impl Domain {
    /// Takes a send's price from its recipient's balance, after the window and balance checks.
    pub(crate) async fn reserve(&self, reserve: Reserve) -> Result<Reservation, AppError> {
        match self.write_unit(SendWrite::Reserve(reserve)).await? {
            SendWritten::Reserved(reservation) => Ok(reservation),
            _ => Err(crossed()),
        }
    }

    /// Gives a reservation's price back; whether a refund was written.
    pub(crate) async fn refund(&self, reservation: Reservation) -> Result<bool, AppError> {
        match self.write_unit(SendWrite::Refund(Refund(reservation))).await? {
            SendWritten::Refunded(written) => Ok(written),
            _ => Err(crossed()),
        }
    }

    /// Stores a message Meta accepted.
    pub(crate) async fn record(&self, record: Record) -> Result<conversation::Model, AppError> {
        match self.write_unit(SendWrite::Record(record)).await? {
            SendWritten::Recorded(stored) => Ok(*stored),
            _ => Err(crossed()),
        }
    }
}

fn crossed() -> AppError {
    AppError::Unavailable(DbErr::Custom("a send's write was answered as another kind of write; retry".into()))
}

impl Unit for SendWrite {
    type Output = SendWritten;

    const NAME: &'static str = "a send's write";

    const WRITER: Writer = Writer::Sends;

    fn contact(&self) -> Option<&str> {
        match self {
            Self::Reserve(reserve) => Some(&reserve.to),
            Self::Record(record) => Some(record.contact()),
            Self::Refund(Refund(reservation)) => Some(&reservation.contact),
        }
    }

    fn writers(domain: &Domain) -> Option<&WriteBatcher<Self>> {
        domain.send_writer.as_ref()
    }

    fn write_all<'t>(
        domain: &'t Domain,
        txn: &'t WriteTransaction,
        units: &'t [&'t Self],
        changes: &'t mut Changes,
    ) -> BoxFuture<'t, Answers<SendWritten>> {
        Box::pin(write_all(domain, txn, units, changes))
    }
}

/// Writes each kind's units with that kind's statements, reservations first; the answers in
/// the units' order.
async fn write_all(
    domain: &Domain,
    txn: &WriteTransaction,
    units: &[&SendWrite],
    changes: &mut Changes,
) -> Answers<SendWritten> {
    // Every user the batch touches, read and locked at once in id order: each kind of write
    // reads them from here, so no two transactions wait on each other in a cycle.
    let phones: Vec<&str> = units.iter().filter_map(|unit| unit.contact()).collect();
    let checks_window = units.iter().any(|unit| matches!(unit, SendWrite::Reserve(reserve) if reserve.needs_window()));
    let mut recipients = Recipients::lock(txn, &phones, checks_window).await?;
    let mut answers: Vec<Option<Result<SendWritten, AppError>>> = units.iter().map(|_| None).collect();
    let (at, reserves) = of_kind(units, |unit| match unit {
        SendWrite::Reserve(reserve) => Some(reserve),
        _ => None,
    });
    if !reserves.is_empty() {
        let written = reservations::reserve_all(domain, txn, &reserves, &mut recipients, changes).await?;
        place(&mut answers, at, written, SendWritten::Reserved);
    }
    let (at, records) = of_kind(units, |unit| match unit {
        SendWrite::Record(record) => Some(record),
        _ => None,
    });
    if !records.is_empty() {
        let written = outbound::store_all(domain, txn, &records, &mut recipients.users, changes).await?;
        place(&mut answers, at, written, |stored| SendWritten::Recorded(Box::new(stored)));
    }
    let (at, refunds) = of_kind(units, |unit| match unit {
        SendWrite::Refund(refund) => Some(refund),
        _ => None,
    });
    if !refunds.is_empty() {
        let written = reservations::refund_all(txn, &refunds, &mut recipients, changes).await?;
        place(&mut answers, at, written, SendWritten::Refunded);
    }
    Ok(answers.into_iter().map(|answer| answer.unwrap_or_else(|| Err(crossed()))).collect())
}

/// The units of one kind, with their places in the batch.
fn of_kind<'a, K>(units: &[&'a SendWrite], pick: impl Fn(&'a SendWrite) -> Option<&'a K>) -> (Vec<usize>, Vec<&'a K>) {
    units.iter().enumerate().filter_map(|(place, unit)| Some((place, pick(unit)?))).unzip()
}

/// Puts one kind's answers in their places.
fn place<T>(
    answers: &mut [Option<Result<SendWritten, AppError>>],
    at: Vec<usize>,
    written: Vec<Result<T, AppError>>,
    wrap: fn(T) -> SendWritten,
) {
    for (place, answer) in at.into_iter().zip(written) {
        answers[place] = Some(answer.map(wrap));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use serde_json::json;

    use super::*;
    use crate::{
        domain::{credits::PriceTable, outbound::OutboundMessage},
        events::EventBus,
        metrics::Metrics,
        store::{self, PoolSettings, SqliteSync, StatementCounter, Store, entity::user},
    };

    const ANA: &str = "33611111111";
    const BOB: &str = "33622222222";
    const CARL: &str = "33633333333";

    /// Services over a fresh SQLite file in `dir`, without writer tasks; new contacts get 100.
    async fn domain(dir: &tempfile::TempDir) -> Domain {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("wagate.db").display());
        let settings = PoolSettings {
            acquire_timeout: Duration::from_secs(5),
            max_connections: 2,
            sqlite_sync: SqliteSync::Normal,
        };
        let db = store::connect(&url, settings).await.expect("connect");
        store::migrate(&db).await.expect("migrate");
        let store = Store::open(db, &url, settings, &StatementCounter::default()).await.expect("open the store");
        let events = EventBus::new(16);
        Domain::new(store, PriceTable::with_overrides(Default::default()), 100, events.clone(), Metrics::new(events))
    }

    fn text_to(contact: &str) -> Reserve {
        Reserve { to: contact.into(), kind: "text".into(), price: 1, enforce_window: false }
    }

    fn accepted(reservation: &Reservation, wamid: &str) -> Record {
        text_message(&reservation.contact, wamid, reservation.price, Some(reservation.reference.clone()))
    }

    /// The text `wamid` Meta accepted for `contact`, paid `price` under `send_ref`.
    fn text_message(contact: &str, wamid: &str, price: i64, send_ref: Option<String>) -> Record {
        Record(OutboundMessage {
            message_id: wamid.into(),
            from: "15550001111".into(),
            phone_number_id: "123456".into(),
            to: contact.into(),
            kind: "text".into(),
            raw: json!({ "to": contact, "type": "text", "text": { "body": "Bonjour" } }),
            credits_charged: price,
            send_ref,
        })
    }

    async fn balance(domain: &Domain, phone: &str) -> i64 {
        let found = user::Entity::find().filter(user::Column::Phone.eq(phone)).one(domain.db()).await.expect("read");
        found.expect("the user exists").current_month_credits
    }

    #[tokio::test]
    async fn writes_of_every_kind_share_one_transaction_and_each_gets_its_own_answer() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let domain = domain(&dir).await;
        let ana = domain.reserve(text_to(ANA)).await.expect("reserve for Ana");
        let bob = domain.reserve(text_to(BOB)).await.expect("reserve for Bob");

        // Carl's reservation, Ana's accepted message and Bob's refund, in one transaction.
        let units = [
            SendWrite::Record(accepted(&ana, "wamid.ANA")),
            SendWrite::Refund(Refund(bob)),
            SendWrite::Reserve(text_to(CARL)),
        ];
        let batch: Vec<&SendWrite> = units.iter().collect();
        let mut changes = Changes::default();
        let txn = domain.gate.begin(store::Writer::Sends).await.expect("begin");
        let answers = write_all(&domain, &txn, &batch, &mut changes).await.expect("the batch is written");
        txn.commit().await.expect("commit");

        assert_eq!(answers.len(), 3);
        assert!(matches!(&answers[0], Ok(SendWritten::Recorded(stored)) if stored.message_id == "wamid.ANA"));
        assert!(matches!(&answers[1], Ok(SendWritten::Refunded(true))));
        assert!(
            matches!(&answers[2], Ok(SendWritten::Reserved(carl)) if carl.contact == CARL && carl.balance_after == 99)
        );
        assert_eq!(balance(&domain, ANA).await, 99, "Ana paid for her message");
        assert_eq!(balance(&domain, BOB).await, 100, "Bob was refunded");
        assert_eq!(balance(&domain, CARL).await, 99, "Carl's price is reserved");
        assert!(!changes.is_empty(), "the stored message and the ledger rows are announced");
    }

    #[tokio::test]
    async fn one_lock_serves_every_kind_of_the_batch() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let domain = domain(&dir).await;
        let now = chrono::Utc::now().timestamp();
        let hello = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [{
            "field": "messages", "value": { "metadata": { "phone_number_id": "123456" },
            "messages": [{ "from": ANA, "id": "wamid.IN", "timestamp": now.to_string(), "type": "text",
                           "text": { "body": "Bonjour" } }] } }] }] });
        let body = serde_json::to_vec(&hello).expect("json");
        domain
            .ingest_webhook(&body, crate::domain::ingest::SignatureCheck { header: None, verified: true })
            .await
            .expect("Ana writes in");
        let checked = |to: &str| Reserve { enforce_window: true, ..text_to(to) };
        let to_carl = text_message(CARL, "wamid.CARL", 1, None);

        // Ana's and Bob's sends check the window; Carl, a new contact, is created by his
        // reservation and is the user of the message stored for him in the same batch.
        let units = [
            SendWrite::Reserve(checked(ANA)),
            SendWrite::Reserve(checked(BOB)),
            SendWrite::Reserve(text_to(CARL)),
            SendWrite::Record(to_carl),
        ];
        let batch: Vec<&SendWrite> = units.iter().collect();
        let mut changes = Changes::default();
        let txn = domain.gate.begin(store::Writer::Sends).await.expect("begin");
        let answers = write_all(&domain, &txn, &batch, &mut changes).await.expect("the batch is written");
        txn.commit().await.expect("commit");

        assert!(matches!(&answers[0], Ok(SendWritten::Reserved(ana)) if ana.contact == ANA), "Ana wrote in");
        assert!(
            matches!(&answers[1], Err(AppError::OutsideServiceWindow(_))),
            "Bob never did: {:?}",
            answers[1].as_ref().err()
        );
        let Ok(SendWritten::Reserved(carl)) = &answers[2] else { panic!("Carl's send is reserved") };
        let Ok(SendWritten::Recorded(stored)) = &answers[3] else { panic!("Carl's message is stored") };
        assert_eq!(stored.user_id, carl.user_id, "the user his reservation created");
        let carls = user::Entity::find().filter(user::Column::Phone.eq(CARL)).all(domain.db()).await.expect("read");
        assert_eq!(carls.len(), 1, "one user for Carl");
    }

    #[tokio::test]
    async fn a_refund_pays_back_the_user_that_paid_even_when_the_phone_now_names_another() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let domain = domain(&dir).await;
        domain.reserve(text_to(ANA)).await.expect("reserve for Ana");
        let bob = domain.reserve(text_to(BOB)).await.expect("reserve for Bob");
        // As after a merge: the reservation names Ana's phone, but Bob's user paid it.
        let moved = Reservation { contact: ANA.into(), ..bob };
        let units = [SendWrite::Refund(Refund(moved))];
        let batch: Vec<&SendWrite> = units.iter().collect();
        let mut changes = Changes::default();
        let txn = domain.gate.begin(store::Writer::Sends).await.expect("begin");
        let answers = write_all(&domain, &txn, &batch, &mut changes).await.expect("the batch is written");
        txn.commit().await.expect("commit");
        assert!(matches!(&answers[0], Ok(SendWritten::Refunded(true))));
        assert_eq!(balance(&domain, BOB).await, 100, "Bob, who paid, is refunded");
        assert_eq!(balance(&domain, ANA).await, 99, "Ana keeps her payment");
    }

    #[tokio::test]
    async fn a_refund_after_an_early_failure_refunded_in_the_same_batch_starts_from_that_balance() {
        use crate::store::entity::{credit_ledger, status_event};
        use sea_orm::ActiveValue::Set;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let domain = domain(&dir).await;
        let first = domain.reserve(text_to(ANA)).await.expect("reserve");
        let second = domain.reserve(text_to(ANA)).await.expect("reserve");
        let now = chrono::Utc::now();
        let failed = status_event::ActiveModel {
            message_id: Set("wamid.A".into()),
            status: Set("failed".into()),
            timestamp: Set(now.timestamp()),
            raw: Set("{}".into()),
            created_at: Set(now),
            ..Default::default()
        };
        status_event::Entity::insert(failed)
            .exec(domain.db())
            .await
            .expect("Meta's failed status, before the send's answer");
        let units = [SendWrite::Record(accepted(&first, "wamid.A")), SendWrite::Refund(Refund(second))];
        let batch: Vec<&SendWrite> = units.iter().collect();
        let mut changes = Changes::default();
        let txn = domain.gate.begin(store::Writer::Sends).await.expect("begin");
        write_all(&domain, &txn, &batch, &mut changes).await.expect("the batch is written");
        txn.commit().await.expect("commit");

        let ledger = credit_ledger::Entity::find().all(domain.db()).await.expect("ledger");
        let steps: Vec<(i64, i64)> = ledger.iter().map(|row| (row.delta, row.balance_after)).collect();
        assert_eq!(steps, [(100, 100), (-1, 99), (-1, 98), (1, 99), (1, 100)], "each row carries the balance after it");
        assert_eq!(balance(&domain, ANA).await, 100, "both sends paid back");
    }
}
