//! Reading a user's messages: newest first with filters and keyset pagination, or a whole
//! thread with one contact in chat order.

mod search;
mod text_index;

pub use text_index::TEXT_INDEX_BATCH;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use crate::{
    auth::UserScope,
    error::AppError,
    store::{
        self,
        entity::{conversation, user},
        pagination::{Page, TimeCursor},
    },
};

use super::{
    Domain,
    message::{Direction, Status},
    users,
};
use search::{Lookup, Search};

/// The longest thread returned at once.
pub const MAX_THREAD: u64 = 1000;

/// Which of a user's messages to list; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    /// Inbound or outbound only.
    pub direction: Option<Direction>,
    /// Meta's type name (`text`, `image`, …); blank is no filter.
    pub kind: Option<String>,
    /// One status.
    pub status: Option<Status>,
    /// A phone number (or business-scoped id) that is the sender or the recipient; blank is no
    /// filter.
    pub contact: Option<String>,
    /// Text contained in `content`, case-insensitive (LIKE's `%` and `_` in it are plain
    /// characters). A term of three characters or more is looked up in a trigram index; a
    /// shorter one is matched along the user's messages (see the `search` module).
    pub search: Option<String>,
    /// Meta's timestamp at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Meta's timestamp before this moment.
    pub until: Option<DateTime<Utc>>,
}

impl ConversationFilter {
    /// Refuses text filters holding control characters (a NUL broke the text index's query),
    /// which no message's content, type or number is searched by, and a `since` after `until`,
    /// which no message could meet.
    fn check(&self) -> Result<(), AppError> {
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since >= until
        {
            return Err(AppError::BadInput(format!(
                "`since` ({since}) is not before `until` ({until}): no message could be in between; swap them"
            )));
        }
        let fields = [("type", &self.kind), ("contact", &self.contact), ("search", &self.search)];
        match fields.into_iter().find(|(_, text)| text.as_deref().is_some_and(|t| t.chars().any(char::is_control))) {
            Some((name, _)) => Err(AppError::BadInput(format!(
                "`{name}` holds a control character (a NUL, a line break…): search for printable text"
            ))),
            None => Ok(()),
        }
    }

    fn apply(&self, backend: DbBackend, mut query: Select<conversation::Entity>) -> Select<conversation::Entity> {
        use conversation::Column as C;
        if let Some(d) = self.direction {
            query = query.filter(C::Direction.eq(d.as_str()));
        }
        if let Some(kind) = given(&self.kind) {
            query = query.filter(C::Kind.eq(kind.to_ascii_lowercase()));
        }
        if let Some(s) = self.status {
            query = query.filter(C::Status.eq(s.as_str()));
        }
        if let Some(contact) = given(&self.contact) {
            query = query.filter(contact_is(contact));
        }
        if let Some(search) = self.search() {
            query = query.filter(search.condition(backend));
        }
        // Meta's timestamps are whole seconds: a message at second s is at or after `since`
        // when s is at least `since` rounded up, and before `until` when s is under it rounded up.
        if let Some(since) = self.since {
            query = query.filter(C::Timestamp.gte(whole_seconds_up(since)));
        }
        if let Some(until) = self.until {
            query = query.filter(C::Timestamp.lt(whole_seconds_up(until)));
        }
        query
    }

    fn search(&self) -> Option<Search> {
        self.search.as_deref().and_then(Search::new)
    }
}

/// The user's messages; for a search the text index answers, only those it names, looked up by
/// id (`user_id + 0` keeps SQLite from walking the user's index instead, which it prefers for
/// the order).
fn owned_by(user: i64, indexed: Option<SimpleExpr>) -> Condition {
    use conversation::Column as C;
    match indexed {
        Some(ids) => Condition::all().add(Expr::col(C::UserId).add(0).eq(user)).add(ids),
        None => Condition::all().add(C::UserId.eq(user)),
    }
}

/// A text filter's value, unless it is blank (a blank one filters nothing).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The unix second at or after `moment`.
fn whole_seconds_up(moment: DateTime<Utc>) -> i64 {
    moment.timestamp() + i64::from(moment.timestamp_subsec_nanos() > 0)
}

fn contact_is(contact: &str) -> Condition {
    let digits = contact.trim().trim_start_matches('+');
    Condition::any().add(conversation::Column::From.eq(digits)).add(conversation::Column::To.eq(digits))
}

impl Domain {
    /// A page of the user's messages, newest first (by Meta's timestamp).
    pub async fn conversations(
        &self,
        scope: UserScope,
        filter: &ConversationFilter,
        size: u64,
        after: Option<TimeCursor>,
    ) -> Result<Page<conversation::Model>, AppError> {
        filter.check()?;
        self.require_user(scope).await?;
        use conversation::Column as C;
        let search = filter.search();
        let indexed = match &search {
            Some(search) => match search.lookup(&self.db).await? {
                Lookup::Indexed => Some(search.indexed()),
                Lookup::Walk => None,
            },
            None => None,
        };
        let mut query = filter
            .apply(
                self.db.get_database_backend(),
                conversation::Entity::find().filter(owned_by(scope.user_id(), indexed)),
            )
            .order_by_desc(C::Timestamp)
            .order_by_desc(C::Id)
            .limit(size + 1);
        if let Some(TimeCursor { timestamp, id }) = after {
            // A row-value comparison, which both backends turn into a seek on the index's
            // (timestamp, id); the equivalent OR made PostgreSQL read every older row and sort.
            let key = |t: Expr, i: Expr| Expr::tuple([t, i]);
            let column = |c: C| Expr::col((conversation::Entity, c));
            query = query.filter(key(column(C::Timestamp), column(C::Id)).lt(key(Expr::val(timestamp), Expr::val(id))));
        }
        Ok(Page::from_overfetch(store::all_planned_for_values(&self.db, query).await?, size))
    }

    /// The latest `last` messages between the user and `contact`, in chat order (oldest first).
    pub async fn thread(
        &self,
        scope: UserScope,
        contact: &str,
        last: u64,
    ) -> Result<Vec<conversation::Model>, AppError> {
        self.require_user(scope).await?;
        use conversation::Column as C;
        let mut rows = conversation::Entity::find()
            .filter(C::UserId.eq(scope.user_id()))
            .filter(contact_is(contact))
            .order_by_desc(C::Timestamp)
            .order_by_desc(C::Id)
            .limit(Ord::min(last, MAX_THREAD))
            .all(&self.db)
            .await?;
        rows.reverse();
        Ok(rows)
    }

    /// Fails with `NOT_FOUND` unless the scoped user exists.
    pub async fn require_user(&self, scope: UserScope) -> Result<(), AppError> {
        let exists = user::Entity::find_by_id(scope.user_id()).one(&self.db).await?.is_some();
        if exists { Ok(()) } else { Err(users::not_found(scope.user_id())) }
    }
}
