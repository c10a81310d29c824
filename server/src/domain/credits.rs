//! Credits: a price per message type, a balance per user and period, and an append-only
//! ledger in which every change is a row carrying the balance after it.
//!
//! Callers hold the user's row lock (see `users::resolve_locked`) while these run, so the
//! balance read here is the balance written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{CaseStatement, Expr},
};

use crate::{
    auth::{UserScope, Viewer},
    error::AppError,
    events::Changes,
    store::{
        WriteTransaction, Writer,
        entity::{credit_ledger, user},
        pagination::{IdCursor, Page},
    },
};

use super::{Domain, sql, users};

/// Credits per message type, from the design, with configured overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceTable(BTreeMap<String, i64>);

const DEFAULT_PRICES: [(&str, i64); 16] = [
    ("text", 1),
    ("image", 2),
    ("video", 2),
    ("document", 2),
    ("interactive", 1),
    ("sticker", 1),
    ("audio", 1),
    ("reaction", 0),
    ("template", 1),
    ("location", 1),
    ("contacts", 1),
    ("button", 1),
    ("order", 1),
    ("system", 0),
    ("unsupported", 0),
    ("unknown", 0),
];

/// Meta's message types the table may price besides its own: those a coexistence number
/// receives (edits, deletions) and the first-contact notice. Any other type costs `unknown`.
const OTHER_PRICEABLE: [&str; 3] = ["edit", "revoke", "request_welcome"];

/// The most credits one message may be priced at.
pub const MAX_PRICE: i64 = 1_000_000;

/// The most an adjustment may bring a balance to: a billion, like the largest allowance, so
/// that a balance and a refund on top still fit GraphQL's 32-bit `Int`.
pub const MAX_BALANCE: i64 = 1_000_000_000;

impl PriceTable {
    /// Whether `kind` is a message type the table may price.
    pub fn can_price(kind: &str) -> bool {
        DEFAULT_PRICES.iter().any(|(known, _)| *known == kind) || OTHER_PRICEABLE.contains(&kind)
    }

    /// Every type the table may price, for error messages.
    pub fn priceable() -> Vec<&'static str> {
        DEFAULT_PRICES.iter().map(|(kind, _)| *kind).chain(OTHER_PRICEABLE).collect()
    }

    /// The default table with `overrides` replacing or adding entries.
    pub fn with_overrides(overrides: BTreeMap<String, i64>) -> Self {
        let mut table: BTreeMap<String, i64> = DEFAULT_PRICES.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        table.extend(overrides);
        Self(table)
    }

    /// The price of one message of Meta's type `kind`; a type not in the table costs what
    /// `unknown` costs.
    pub fn price_of(&self, kind: &str) -> i64 {
        self.0.get(kind).or_else(|| self.0.get("unknown")).copied().unwrap_or(0)
    }
}

/// Why the balance changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// An inbound message was charged.
    Inbound,
    /// An outbound message was paid for before it was sent.
    Outbound,
    /// An outbound message Meta refused, or that failed later, was paid back.
    Refund,
    /// A new period reset the balance to the allowance (also the first grant).
    MonthlyReset,
}

impl Reason {
    /// The stored word.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
            Self::Refund => "refund",
            Self::MonthlyReset => "monthly_reset",
        }
    }
}

/// The ledger reason of a change made by hand (an admin's adjustment, a merge).
pub(crate) const ADJUSTMENT: &str = "adjustment";

/// The period (`YYYY-MM`, UTC) a moment belongs to.
pub fn period_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

/// Appends a ledger row; `Ok(false)` when (message, reason) is already in the ledger.
pub(crate) async fn append<C: ConnectionTrait>(
    db: &C,
    user: &user::Model,
    delta: i64,
    reason: Reason,
    message_id: Option<&str>,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<bool, DbErr> {
    insert_entry(db, entry(user, delta, reason, message_id, now), changes).await
}

/// The ledger row of a change by `delta` to `user`'s balance, which already carries it.
pub(crate) fn entry(
    user: &user::Model,
    delta: i64,
    reason: Reason,
    message_id: Option<&str>,
    now: DateTime<Utc>,
) -> credit_ledger::ActiveModel {
    credit_ledger::ActiveModel {
        user_id: Set(user.id),
        delta: Set(delta),
        reason: Set(reason.as_str().to_owned()),
        message_id: Set(message_id.map(str::to_owned)),
        balance_after: Set(user.current_month_credits),
        period: Set(user.credits_period.clone()),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Inserts a ledger row unless (message, reason) is there already; `Ok(false)` then.
pub(crate) async fn insert_entry<C: ConnectionTrait>(
    db: &C,
    row: credit_ledger::ActiveModel,
    changes: &mut Changes,
) -> Result<bool, DbErr> {
    let inserted = credit_ledger::Entity::insert(row)
        .on_conflict_do_nothing_on([credit_ledger::Column::MessageId, credit_ledger::Column::Reason])
        .exec_with_returning(db)
        .await?;
    match inserted {
        sea_orm::TryInsertResult::Inserted(entry) => {
            changes.ledger_entry(entry.id);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Appends the ledger rows in order, with as few statements as the parameter limit allows;
/// their ids, ascending (the order they were given in).
pub(crate) async fn append_all<C: ConnectionTrait>(
    db: &C,
    rows: Vec<credit_ledger::ActiveModel>,
) -> Result<Vec<i64>, DbErr> {
    let returned = sql::insert_returning(db, rows, None, &[credit_ledger::Column::Id]).await?;
    let mut ids = returned.iter().map(|row| row.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Writes the balances `(user id, balance, period)` with one `UPDATE … CASE id …` (per
/// parameter chunk), deferred: no one reads what it returns (see [`WriteTransaction::defer`]).
pub(crate) async fn save_balances(txn: &WriteTransaction, balances: &[(i64, i64, &str)]) -> Result<(), DbErr> {
    for chunk in balances.chunks(sql::MAX_PARAMS / 5) {
        let (mut credits, mut periods) = (CaseStatement::new(), CaseStatement::new());
        for (id, balance, period) in chunk {
            credits = credits.case(user::Column::Id.eq(*id), Expr::value(*balance));
            periods = periods.case(user::Column::Id.eq(*id), Expr::value(*period));
        }
        let update = user::Entity::update_many()
            .col_expr(
                user::Column::CurrentMonthCredits,
                credits.finally(Expr::col(user::Column::CurrentMonthCredits)).into(),
            )
            .col_expr(user::Column::CreditsPeriod, periods.finally(Expr::col(user::Column::CreditsPeriod)).into())
            .filter(user::Column::Id.is_in(chunk.iter().map(|(id, _, _)| *id)));
        txn.defer(txn.get_database_backend().build(&update.into_query())).await?;
    }
    Ok(())
}

/// Resets the balance to the allowance when `now` is in a later period than the balance.
pub(crate) async fn roll_period<C: ConnectionTrait>(
    db: &C,
    user: &mut user::Model,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<(), DbErr> {
    let period = period_of(now);
    if user.credits_period >= period {
        return Ok(());
    }
    let delta = user.monthly_allowance - user.current_month_credits;
    user.current_month_credits = user.monthly_allowance;
    user.credits_period = period;
    save_balance(db, user).await?;
    append(db, user, delta, Reason::MonthlyReset, None, now, changes).await?;
    Ok(())
}

/// What charging `price` takes from a `balance` in its current period: the price, or what
/// is left when that is less (balances never go negative).
pub(crate) fn due(balance: i64, price: i64) -> i64 {
    price.min(balance).max(0)
}

/// Changes the balance by `delta` with a ledger row naming `reference`; `Ok(false)`, and no
/// change, when (reference, reason) is already in the ledger.
pub(crate) async fn change<C: ConnectionTrait>(
    db: &C,
    user: &mut user::Model,
    delta: i64,
    reason: Reason,
    reference: &str,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<bool, DbErr> {
    user.current_month_credits += delta;
    if !append(db, user, delta, reason, Some(reference), now, changes).await? {
        user.current_month_credits -= delta;
        return Ok(false);
    }
    save_balance(db, user).await?;
    Ok(true)
}

/// Pays back what an outbound message cost, once, when it failed after Meta accepted it.
pub(crate) async fn refund_failed<C: ConnectionTrait>(
    db: &C,
    message_id: &str,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<(), DbErr> {
    use crate::store::entity::conversation;
    let paid = conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq(message_id))
        .filter(conversation::Column::CreditsCharged.gt(0))
        .one(db)
        .await?;
    let Some(message) = paid else { return Ok(()) };
    let (Some(reference), Some(mut user)) = (message.send_ref, users::lock_by_id(db, message.user_id).await?) else {
        return Ok(());
    };
    change(db, &mut user, message.credits_charged, Reason::Refund, &reference, now, changes).await?;
    Ok(())
}

async fn save_balance<C: ConnectionTrait>(db: &C, user: &user::Model) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::CurrentMonthCredits, user.current_month_credits.into())
        .col_expr(user::Column::CreditsPeriod, user.credits_period.clone().into())
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    Ok(())
}

impl Domain {
    /// The user's balance, brought into the current period first (a new month resets it).
    pub async fn credits(&self, scope: UserScope) -> Result<user::Model, AppError> {
        let txn = self.gate.begin(Writer::Credits).await?;
        let mut user =
            users::lock_by_id(&txn, scope.user_id()).await?.ok_or_else(|| users::not_found(scope.user_id()))?;
        let mut changes = Changes::default();
        roll_period(&txn, &mut user, Utc::now(), &mut changes).await?;
        self.commit(txn, changes).await?;
        Ok(user)
    }

    /// Adds or removes credits by hand (admins only), as an `adjustment` ledger row noting
    /// `reason`. The balance never goes below zero.
    pub async fn adjust_credits(
        &self,
        viewer: &Viewer,
        user_id: i64,
        delta: i64,
        reason: &str,
    ) -> Result<user::Model, AppError> {
        viewer.require_admin()?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::BadInput(
                "`reason` must say why the balance changes (1 to 500 characters); it is kept in the ledger".into(),
            ));
        }
        if delta == 0 {
            return Err(AppError::BadInput(
                "`delta` must not be zero: give the credits to add (or remove, negative)".into(),
            ));
        }
        let txn = self.gate.begin(Writer::Credits).await?;
        let now = Utc::now();
        let mut changes = Changes::default();
        let mut user = users::lock_by_id(&txn, user_id).await?.ok_or_else(|| users::not_found(user_id))?;
        roll_period(&txn, &mut user, now, &mut changes).await?;
        let balance = user.current_month_credits;
        let after = balance.checked_add(delta).filter(|after| *after <= MAX_BALANCE).ok_or_else(|| {
            AppError::BadInput(format!(
                "user {user_id} has {balance} credits: adding {delta} would pass the most a balance holds, \
                 {MAX_BALANCE}; add at most {}",
                MAX_BALANCE - balance
            ))
        })?;
        if after < 0 {
            return Err(AppError::BadInput(format!(
                "user {user_id} has {balance} credits: removing {} would make the balance negative; remove at most {balance}",
                -delta
            )));
        }
        user.current_month_credits = after;
        save_balance(&txn, &user).await?;
        let row = credit_ledger::ActiveModel {
            user_id: Set(user.id),
            delta: Set(delta),
            reason: Set(ADJUSTMENT.to_owned()),
            balance_after: Set(user.current_month_credits),
            period: Set(user.credits_period.clone()),
            note: Set(Some(reason.to_owned())),
            created_at: Set(now),
            ..Default::default()
        };
        insert_entry(&txn, row, &mut changes).await?;
        self.commit(txn, changes).await?;
        Ok(user)
    }

    /// The user's ledger, newest first.
    pub async fn ledger(
        &self,
        scope: UserScope,
        size: u64,
        after: Option<IdCursor>,
    ) -> Result<Page<credit_ledger::Model>, AppError> {
        let mut query = credit_ledger::Entity::find()
            .filter(credit_ledger::Column::UserId.eq(scope.user_id()))
            .order_by_desc(credit_ledger::Column::Id)
            .limit(size + 1);
        if let Some(IdCursor(id)) = after {
            query = query.filter(credit_ledger::Column::Id.lt(id));
        }
        Ok(Page::from_overfetch(query.all(&self.db).await?, size))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_design_prices_apply_and_unknown_types_cost_what_unknown_costs() {
        let table = PriceTable::with_overrides(BTreeMap::new());
        let expected = [
            ("text", 1),
            ("image", 2),
            ("video", 2),
            ("document", 2),
            ("interactive", 1),
            ("sticker", 1),
            ("audio", 1),
            ("reaction", 0),
            ("template", 1),
            ("location", 1),
            ("contacts", 1),
            ("button", 1),
            ("order", 1),
            ("system", 0),
            ("unsupported", 0),
            ("poll_v9", 0),
        ];
        for (kind, price) in expected {
            assert_eq!(table.price_of(kind), price, "{kind}");
        }
    }

    #[test]
    fn periods_are_utc_calendar_months() {
        let last_moment = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
        assert_eq!(period_of(last_moment), "2026-11");
        assert_eq!(period_of(last_moment + chrono::Duration::seconds(1)), "2026-12");
    }
}
