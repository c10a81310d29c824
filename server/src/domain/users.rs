//! Contacts become users: found by phone or business-scoped id, created on first sight with
//! the default allowance, and merged when a message names both identities.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, sea_query::Expr,
};

use crate::{
    auth::{UserScope, Viewer},
    error::AppError,
    events::Changes,
    store::{
        entity::{conversation, credit_ledger, user},
        pagination::{IdCursor, Page},
    },
};

use super::{
    Domain,
    credits::{self, Reason},
    sql, text_match,
};

/// How a message names its contact.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactIdentity<'a> {
    /// E.164 digits.
    pub phone: Option<&'a str>,
    /// Meta's business-scoped user id.
    pub bsuid: Option<&'a str>,
    /// The WhatsApp profile name.
    pub name: Option<&'a str>,
}

/// The NOT_FOUND error for a user id.
pub(crate) fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no user has id {id}"))
}

/// Reads a user and, on PostgreSQL, locks the row until the transaction ends.
pub(crate) async fn lock_by_id<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).lock_exclusive().one(db).await
}

async fn lock_where<C: ConnectionTrait>(
    db: &C,
    column: user::Column,
    value: Option<&str>,
) -> Result<Option<user::Model>, DbErr> {
    match value {
        Some(v) => user::Entity::find().filter(column.eq(v)).lock_exclusive().one(db).await,
        None => Ok(None),
    }
}

/// The existing users with these phones, by phone, locked (on PostgreSQL) in id order so that
/// two transactions locking several users never wait on each other in a cycle.
pub(crate) async fn lock_by_phones<C: ConnectionTrait>(
    db: &C,
    phones: &[&str],
) -> Result<HashMap<String, user::Model>, DbErr> {
    let mut found = HashMap::with_capacity(phones.len());
    for chunk in sql::in_chunks(phones) {
        let users = locking_by_phones(chunk).all(db).await?;
        found.extend(users.into_iter().filter_map(|user| Some((user.phone.clone()?, user))));
    }
    Ok(found)
}

/// The users of `phones` (one `IN` list's worth), locked in id order, so that transactions
/// locking overlapping sets never wait on each other in a cycle.
pub(crate) fn locking_by_phones(phones: &[&str]) -> Select<user::Entity> {
    user::Entity::find()
        .filter(user::Column::Phone.is_in(phones.iter().copied()))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
}

/// The user a contact identity belongs to, locked, creating or merging as needed.
pub(crate) async fn resolve_locked<C: ConnectionTrait>(
    db: &C,
    who: ContactIdentity<'_>,
    default_allowance: i64,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<user::Model, DbErr> {
    let by_phone = lock_where(db, user::Column::Phone, who.phone).await?;
    let by_bsuid = lock_where(db, user::Column::Bsuid, who.bsuid).await?;
    let mut found = match (by_phone, by_bsuid) {
        (Some(a), Some(b)) if a.id != b.id => merge(db, a, b, now, changes).await?,
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => create(db, who, default_allowance, now, changes).await?,
    };
    let phone = who.phone.filter(|p| found.phone.as_deref() != Some(*p));
    let bsuid = who.bsuid.filter(|b| found.bsuid.as_deref() != Some(*b));
    let name = who.name.filter(|n| found.name.as_deref() != Some(*n));
    if phone.is_some() || bsuid.is_some() || name.is_some() {
        let mut update = user::Entity::update_many().filter(user::Column::Id.eq(found.id));
        if let Some(p) = phone {
            update = update.col_expr(user::Column::Phone, Expr::value(p));
            found.phone = Some(p.to_owned());
        }
        if let Some(b) = bsuid {
            update = update.col_expr(user::Column::Bsuid, Expr::value(b));
            found.bsuid = Some(b.to_owned());
        }
        if let Some(n) = name {
            update = update.col_expr(user::Column::Name, Expr::value(n));
            found.name = Some(n.to_owned());
        }
        update.exec(db).await?;
    }
    Ok(found)
}

/// Creates the user (or, when a concurrent transaction just did, finds theirs).
async fn create<C: ConnectionTrait>(
    db: &C,
    who: ContactIdentity<'_>,
    allowance: i64,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<user::Model, DbErr> {
    let row = user::ActiveModel {
        name: Set(who.name.map(str::to_owned)),
        phone: Set(who.phone.map(str::to_owned)),
        bsuid: Set(who.bsuid.map(str::to_owned)),
        role: Set("user".into()),
        current_month_credits: Set(allowance),
        monthly_allowance: Set(allowance),
        credits_period: Set(credits::period_of(now)),
        created_at: Set(now),
        ..Default::default()
    };
    let key = if who.phone.is_some() { user::Column::Phone } else { user::Column::Bsuid };
    let inserted = user::Entity::insert(row).on_conflict_do_nothing_on([key]).exec(db).await?;
    let created = matches!(inserted, sea_orm::TryInsertResult::Inserted(_));
    let found = match who.phone {
        Some(p) => lock_where(db, user::Column::Phone, Some(p)).await?,
        None => lock_where(db, user::Column::Bsuid, who.bsuid).await?,
    }
    .ok_or_else(|| DbErr::RecordNotFound("the user just created is not visible".into()))?;
    if created {
        credits::append(db, &found, allowance, Reason::MonthlyReset, None, now, changes).await?;
    }
    Ok(found)
}

/// Folds `other` (found by business-scoped id) into `keep` (found by phone): its messages move
/// over, its identity moves over, and its balance is closed by a ledger row, so both ledgers
/// still sum to their balances. `other` stays as an empty record for its history.
async fn merge<C: ConnectionTrait>(
    db: &C,
    keep: user::Model,
    mut other: user::Model,
    now: DateTime<Utc>,
    changes: &mut Changes,
) -> Result<user::Model, DbErr> {
    conversation::Entity::update_many()
        .col_expr(conversation::Column::UserId, Expr::value(keep.id))
        .filter(conversation::Column::UserId.eq(other.id))
        .exec(db)
        .await?;
    let closed = -other.current_month_credits;
    other.current_month_credits = 0;
    user::Entity::update_many()
        .col_expr(user::Column::Bsuid, Expr::value(Option::<String>::None))
        .col_expr(user::Column::CurrentMonthCredits, Expr::value(0i64))
        .filter(user::Column::Id.eq(other.id))
        .exec(db)
        .await?;
    if closed != 0 {
        let row = credit_ledger::ActiveModel {
            user_id: Set(other.id),
            delta: Set(closed),
            reason: Set(credits::ADJUSTMENT.into()),
            balance_after: Set(0),
            period: Set(other.credits_period.clone()),
            note: Set(Some(format!("merged into user {}", keep.id))),
            created_at: Set(now),
            ..Default::default()
        };
        credits::insert_entry(db, row, changes).await?;
    }
    tracing::info!(kept = keep.id, merged = other.id, "merged two records of one contact");
    Ok(keep)
}

impl Domain {
    /// One user, if the viewer may see them.
    pub async fn user(&self, scope: UserScope) -> Result<user::Model, AppError> {
        user::Entity::find_by_id(scope.user_id()).one(&self.db).await?.ok_or_else(|| not_found(scope.user_id()))
    }

    /// The users with these ids (callers have checked the viewer may see them).
    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<user::Model>, AppError> {
        Ok(user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied())).all(&self.db).await?)
    }

    /// Users whose name, phone or business-scoped id contains `search` (ignoring case; a term
    /// written like a number, `+33 6 12-34`, is matched by its digits), by id (admins only).
    pub async fn users(
        &self,
        viewer: &Viewer,
        search: Option<&str>,
        size: u64,
        after: Option<IdCursor>,
    ) -> Result<Page<user::Model>, AppError> {
        viewer.require_admin()?;
        let mut query = user::Entity::find().order_by_asc(user::Column::Id).limit(size + 1);
        if let Some(IdCursor(id)) = after {
            query = query.filter(user::Column::Id.gt(id));
        }
        if let Some(term) = search.map(str::trim).filter(|t| !t.is_empty()) {
            let lowered = term.to_lowercase();
            let backend = self.db.get_database_backend();
            let contains =
                |c: user::Column, term: &str| text_match::contains_ignoring_case(Expr::col(c), term, backend);
            let digits = number_digits(&lowered).unwrap_or_else(|| lowered.clone());
            query = query.filter(
                Condition::any()
                    .add(contains(user::Column::Name, &lowered))
                    .add(contains(user::Column::Phone, &digits))
                    .add(contains(user::Column::Bsuid, &lowered)),
            );
        }
        Ok(Page::from_overfetch(query.all(&self.db).await?, size))
    }
}
/// The digits of a term written like a phone number (digits with `+`, spaces, dots, dashes or
/// brackets), as numbers are stored.
fn number_digits(term: &str) -> Option<String> {
    let looks_like_a_number = term.chars().any(|c| c.is_ascii_digit())
        && term.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '(' | ')'));
    looks_like_a_number.then(|| term.chars().filter(char::is_ascii_digit).collect())
}
