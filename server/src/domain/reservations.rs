//! A send's price, taken from its recipient's balance before Meta is called (a reservation),
//! and given back when Meta does not take the message (a refund); both group-committed.
//!
//! Reservations are written with set-based statements, whatever the batch's size: the users
//! come read and locked by the batch (see [`Recipients`]), with each recipient's last inbound
//! message, every check and balance is worked out in memory in arrival order, then the ledger
//! rows go in one insert and the balances in one update. A send the checks refuse writes
//! nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbErr, FromQueryResult, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Order, Query},
};

use crate::{
    error::AppError,
    events::Changes,
    store::{
        WriteTransaction,
        entity::{conversation, user},
    },
};

use super::{
    Domain,
    credits::{self, Reason},
    message::Direction,
    sql,
    users::{self, ContactIdentity},
    write_batcher::Answers,
};

/// How a send's ledger reference begins (a UUID follows); the message stored for it carries
/// the same reference.
pub const SEND_REFERENCE_PREFIX: &str = "send:";

/// How long after a contact's last message free-form messages may be sent.
pub const SERVICE_WINDOW_SECONDS: i64 = 24 * 3600;

/// A price taken from a balance before the call to Meta.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    /// The recipient.
    pub(crate) contact: String,
    /// The recipient's user.
    pub(crate) user_id: i64,
    /// The ledger reference the payment (and any refund) names.
    pub(crate) reference: String,
    /// What was taken.
    pub(crate) price: i64,
    /// The balance after it.
    pub(crate) balance_after: i64,
}

/// Taking a send's price from its recipient's balance, after the window and balance checks.
pub(crate) struct Reserve {
    /// The recipient (phone digits).
    pub(crate) to: String,
    /// Meta's type name of the message.
    pub(crate) kind: String,
    /// Its price.
    pub(crate) price: i64,
    /// Whether free-form messages need an open 24-hour window.
    pub(crate) enforce_window: bool,
}

impl Reserve {
    pub(super) fn needs_window(&self) -> bool {
        self.enforce_window && self.kind != "template"
    }
}

/// The users a batch of a send's writes touches, read and locked in id order by one query (per
/// few hundred phones), so that no kind of write reads them again and, on PostgreSQL, no two
/// transactions wait on each other in a cycle.
pub(super) struct Recipients {
    /// The users by phone; the writes add those they create.
    pub(super) users: HashMap<String, user::Model>,
    /// Each user's last inbound message (its timestamp, by user id), read only when a
    /// reservation of the batch checks the 24-hour window. It is the database as the query
    /// began: on PostgreSQL, a message committed while the query waited for a user's lock
    /// counts for the sends after it, as if it had come a moment later.
    last_inbound: HashMap<i64, i64>,
}

impl Recipients {
    /// Reads and locks the users of `phones`, with their last inbound message when
    /// `with_last_inbound`.
    pub(super) async fn lock(txn: &WriteTransaction, phones: &[&str], with_last_inbound: bool) -> Result<Self, DbErr> {
        if with_last_inbound {
            lock_with_last_inbound(txn, phones).await
        } else {
            Ok(Self { users: users::lock_by_phones(txn, phones).await?, last_inbound: HashMap::new() })
        }
    }
}

/// Reserves `units` in order: one answer each, a refused one having written nothing. Their
/// users are in `recipients`, with the last inbound message of those whose send checks the
/// window.
pub(super) async fn reserve_all(
    domain: &Domain,
    txn: &WriteTransaction,
    units: &[&Reserve],
    recipients: &mut Recipients,
    changes: &mut Changes,
) -> Answers<Reservation> {
    let now = Utc::now();
    let Recipients { users, last_inbound } = recipients;
    let period = credits::period_of(now);
    let (mut ledger, mut touched, mut answers) = (Vec::new(), Vec::new(), Vec::with_capacity(units.len()));
    for unit in units.iter().copied() {
        if unit.needs_window() {
            let last = users.get(&unit.to).and_then(|user| last_inbound.get(&user.id).copied());
            if let Err(refusal) = window_open(&unit.to, last, now) {
                answers.push(Err(refusal));
                continue;
            }
        }
        if !users.contains_key(&unit.to) {
            // A contact seen for the first time (a template, or the window check is off), created
            // only for a send its first balance pays: a refused one leaves nothing behind, even
            // when its batch-mates commit.
            if domain.default_allowance < unit.price {
                answers.push(Err(insufficient(unit, domain.default_allowance)));
                continue;
            }
            let who = ContactIdentity { phone: Some(&unit.to), ..Default::default() };
            let user = users::resolve_locked(txn, who, domain.default_allowance, now, changes).await?;
            users.insert(unit.to.clone(), user);
        }
        let Some(user) = users.get_mut(&unit.to) else { return Err(no_user(&unit.to)) };
        if user.credits_period < period {
            let delta = user.monthly_allowance - user.current_month_credits;
            user.current_month_credits = user.monthly_allowance;
            user.credits_period = period.clone();
            ledger.push(credits::entry(user, delta, Reason::MonthlyReset, None, now));
            touched.push(unit.to.clone());
        }
        if user.current_month_credits < unit.price {
            answers.push(Err(insufficient(unit, user.current_month_credits)));
            continue;
        }
        let reference = format!("{SEND_REFERENCE_PREFIX}{}", uuid::Uuid::new_v4());
        user.current_month_credits -= unit.price;
        ledger.push(credits::entry(user, -unit.price, Reason::Outbound, Some(&reference), now));
        touched.push(unit.to.clone());
        answers.push(Ok(Reservation {
            contact: unit.to.clone(),
            user_id: user.id,
            reference,
            price: unit.price,
            balance_after: user.current_month_credits,
        }));
    }
    touched.sort_unstable();
    touched.dedup();
    let balances: Vec<(i64, i64, &str)> = touched
        .iter()
        .filter_map(|phone| users.get(phone))
        .map(|user| (user.id, user.current_month_credits, user.credits_period.as_str()))
        .collect();
    // Deferred, the balances go with the ledger's insert.
    credits::save_balances(txn, &balances).await?;
    for id in credits::append_all(txn, ledger).await? {
        changes.ledger_entry(id);
    }
    Ok(answers)
}

/// The refusal of `unit` by a balance of `balance` credits.
fn insufficient(unit: &Reserve, balance: i64) -> AppError {
    AppError::InsufficientCredits(format!(
        "{} has {balance} credits left and a {} message costs {}; nothing was sent",
        unit.to, unit.kind, unit.price
    ))
}

fn no_user(phone: &str) -> AppError {
    AppError::Unavailable(DbErr::Custom(format!("the user of {phone} vanished while reserving")))
}

/// The users of `phones`, locked as `users::lock_by_phones` locks them, and the timestamp of
/// each one's last inbound message for those who have one: one query, each timestamp found by
/// a seek in the newest-first index.
async fn lock_with_last_inbound(txn: &WriteTransaction, phones: &[&str]) -> Result<Recipients, DbErr> {
    let newest = Query::select()
        .column(("c", conversation::Column::Timestamp))
        .from_as(conversation::Entity, "c")
        .and_where(Expr::col(("c", conversation::Column::UserId)).equals((user::Entity, user::Column::Id)))
        .and_where(Expr::col(("c", conversation::Column::Direction)).eq(Direction::Inbound.as_str()))
        .order_by(("c", conversation::Column::Timestamp), Order::Desc)
        .limit(1)
        .to_owned();
    let (mut users, mut last) = (HashMap::with_capacity(phones.len()), HashMap::with_capacity(phones.len()));
    for chunk in sql::in_chunks(phones) {
        let query = users::locking_by_phones(chunk)
            .expr_as(Expr::SubQuery(None, Box::new(newest.clone().into())), LAST_INBOUND);
        for row in txn.query_all_raw(query.build(txn.get_database_backend())).await? {
            let user = user::Model::from_query_result(&row, "")?;
            if let Some(timestamp) = row.try_get::<Option<i64>>("", LAST_INBOUND)? {
                last.insert(user.id, timestamp);
            }
            if let Some(phone) = user.phone.clone() {
                users.insert(phone, user);
            }
        }
    }
    Ok(Recipients { users, last_inbound: last })
}

/// The column `lock_with_last_inbound` reads each user's last inbound timestamp from.
const LAST_INBOUND: &str = "last_inbound";

/// Free-form messages need the contact's last inbound message to be under 24 hours old.
fn window_open(contact: &str, last_inbound: Option<i64>, now: DateTime<Utc>) -> Result<(), AppError> {
    match last_inbound {
        Some(ts) if now.timestamp() - ts <= SERVICE_WINDOW_SECONDS => Ok(()),
        Some(ts) => Err(AppError::OutsideServiceWindow(format!(
            "{contact}'s last message was {} hours ago: outside the 24-hour customer service window only \
             approved templates can be sent; send a template instead (`\"type\": \"template\"` in Meta's JSON, \
             the `template` field in GraphQL)",
            (now.timestamp() - ts) / 3600
        ))),
        None => Err(AppError::OutsideServiceWindow(format!(
            "{contact} has never written to this number: until they do, only approved templates can be \
             sent; send a template instead (`\"type\": \"template\"` in Meta's JSON, the `template` field in \
             GraphQL)"
        ))),
    }
}

/// Paying a reservation back when Meta did not take the message; answers whether it was paid
/// back now (not already). Refunds are rare, so each is written with the ordinary statements.
pub(crate) struct Refund(pub(crate) Reservation);

/// Refunds `units` in order: whether each was written (not when its user is gone). Each
/// reservation's user comes from `recipients`, or is locked by id when the contact's phone has
/// since moved to another user (a merge).
pub(super) async fn refund_all(
    txn: &WriteTransaction,
    units: &[&Refund],
    recipients: &mut Recipients,
    changes: &mut Changes,
) -> Answers<bool> {
    let mut answers = Vec::with_capacity(units.len());
    for Refund(reservation) in units.iter().copied() {
        let locked = recipients.users.get_mut(&reservation.contact).filter(|user| user.id == reservation.user_id);
        let mut by_id = None;
        let user = match locked {
            Some(user) => Some(user),
            None => by_id.insert(users::lock_by_id(txn, reservation.user_id).await?).as_mut(),
        };
        let Some(user) = user else {
            answers.push(Ok(false));
            continue;
        };
        let (price, reference) = (reservation.price, &reservation.reference);
        answers.push(Ok(credits::change(txn, user, price, Reason::Refund, reference, Utc::now(), changes).await?));
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_open_for_24_hours_after_the_last_inbound_message() {
        let now = Utc::now();
        let at = |hours_ago: i64| Some(now.timestamp() - hours_ago * 3600);
        assert!(window_open("33612345678", at(23), now).is_ok());
        assert!(window_open("33612345678", at(24), now).is_ok());
        let refusal = |last| match window_open("33612345678", last, now) {
            Err(AppError::OutsideServiceWindow(message)) => message,
            other => panic!("not a window refusal: {other:?}"),
        };
        let late = refusal(at(25));
        assert!(late.contains("25 hours ago") && late.contains("template"), "{late}");
        assert!(refusal(None).contains("never written"));
    }
}
