//! The batch's contacts: every user its messages name, loaded in one query (locked in id order
//! on PostgreSQL, so two batches never wait on each other in a cycle over them), resolved in
//! delivery order in memory by the rules of `users::resolve_locked` (create on first sight,
//! link a phone and a business-scoped id, merge two records of one contact), then written
//! back: the new users in one multi-row insert, and a statement per changed identity, which
//! is rare.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr, sea_query::OnConflict,
};

use crate::{
    domain::{credits, users::ContactIdentity},
    store::entity::{conversation, user},
};

use crate::domain::sql;

/// What resolving one message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Touch {
    /// The contact was known.
    Found,
    /// The contact was created by this message (and gets its first grant).
    Created,
    /// This user (a handle) was merged into the one found, and its balance is closed.
    Merged(usize),
}

/// The user a message belongs to when it is handled, by handle.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resolved {
    pub(super) handle: usize,
    pub(super) touch: Touch,
}

/// The users a batch touches, each by a handle (an index): as stored when loaded, and as the
/// batch leaves them.
pub(super) struct Contacts {
    /// Each handle's user as the batch leaves it (a new user's id is 0 until it is inserted).
    pub(super) users: Vec<user::Model>,
    /// Each handle's user as loaded; `None` for users the batch creates.
    loaded: Vec<Option<user::Model>>,
    by_phone: HashMap<String, usize>,
    by_bsuid: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Contacts {
    /// Loads (and on PostgreSQL locks, in id order) the users having any of these phones or
    /// business-scoped ids.
    pub(super) async fn load<C: ConnectionTrait>(db: &C, mut wanted: Vec<&str>) -> Result<Self, DbErr> {
        wanted.sort_unstable();
        wanted.dedup();
        let mut contacts = Self {
            users: vec![],
            loaded: vec![],
            by_phone: HashMap::new(),
            by_bsuid: HashMap::new(),
            by_id: HashMap::new(),
        };
        for chunk in sql::in_chunks(&wanted) {
            let any = Condition::any()
                .add(user::Column::Phone.is_in(chunk.iter().copied()))
                .add(user::Column::Bsuid.is_in(chunk.iter().copied()));
            let found =
                user::Entity::find().filter(any).order_by_asc(user::Column::Id).lock_exclusive().all(db).await?;
            for user in found {
                contacts.add(Some(user.clone()), user);
            }
        }
        Ok(contacts)
    }

    /// Loads (and locks) the users with these ids that are not loaded yet.
    pub(super) async fn load_ids<C: ConnectionTrait>(&mut self, db: &C, ids: &[i64]) -> Result<(), DbErr> {
        let mut missing: Vec<i64> = ids.iter().copied().filter(|id| !self.by_id.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        for chunk in sql::in_chunks(&missing) {
            let found = user::Entity::find()
                .filter(user::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(user::Column::Id)
                .lock_exclusive()
                .all(db)
                .await?;
            for user in found {
                self.add(Some(user.clone()), user);
            }
        }
        Ok(())
    }

    /// The handle of a stored user, if loaded.
    pub(super) fn handle_of(&self, id: i64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Whether the batch creates this handle's user.
    pub(super) fn is_new(&self, handle: usize) -> bool {
        self.loaded[handle].is_none()
    }

    fn add(&mut self, loaded: Option<user::Model>, user: user::Model) -> usize {
        if let Some(&handle) = self.by_id.get(&user.id) {
            return handle;
        }
        let handle = self.users.len();
        if let Some(phone) = &user.phone {
            self.by_phone.insert(phone.clone(), handle);
        }
        if let Some(bsuid) = &user.bsuid {
            self.by_bsuid.insert(bsuid.clone(), handle);
        }
        if user.id != 0 {
            self.by_id.insert(user.id, handle);
        }
        self.users.push(user);
        self.loaded.push(loaded);
        handle
    }

    /// The user `who` belongs to at this point of the batch, creating, linking or merging as
    /// `users::resolve_locked` does.
    pub(super) fn resolve(&mut self, who: ContactIdentity<'_>, allowance: i64, now: DateTime<Utc>) -> Resolved {
        let by_phone = who.phone.and_then(|p| self.by_phone.get(p).copied());
        let by_bsuid = who.bsuid.and_then(|b| self.by_bsuid.get(b).copied());
        let (handle, touch) = match (by_phone, by_bsuid) {
            (Some(keep), Some(other)) if keep != other => {
                if let Some(bsuid) = self.users[other].bsuid.take() {
                    self.by_bsuid.remove(&bsuid);
                }
                (keep, Touch::Merged(other))
            }
            (Some(found), _) | (None, Some(found)) => (found, Touch::Found),
            (None, None) => (self.add(None, new_user(who, allowance, now)), Touch::Created),
        };
        if let Some(phone) = who.phone.filter(|p| self.users[handle].phone.as_deref() != Some(*p)) {
            if let Some(old) = self.users[handle].phone.replace(phone.to_owned()) {
                self.by_phone.remove(&old);
            }
            self.by_phone.insert(phone.to_owned(), handle);
        }
        if let Some(bsuid) = who.bsuid.filter(|b| self.users[handle].bsuid.as_deref() != Some(*b)) {
            if let Some(old) = self.users[handle].bsuid.replace(bsuid.to_owned()) {
                self.by_bsuid.remove(&old);
            }
            self.by_bsuid.insert(bsuid.to_owned(), handle);
        }
        if let Some(name) = who.name.filter(|n| self.users[handle].name.as_deref() != Some(*n)) {
            self.users[handle].name = Some(name.to_owned());
        }
        Resolved { handle, touch }
    }

    /// Writes what resolving changed: identities freed by stored users first (so no unique
    /// index sees a value twice), then the new users, then the stored users' new identities
    /// and names, then the messages of merged users moved to the user they were merged into.
    /// `DbErr::RecordNotInserted` when a concurrent transaction created one of the new users
    /// (the batch is then written again, and finds it).
    pub(super) async fn write<C: ConnectionTrait>(&mut self, db: &C, merges: &[(usize, usize)]) -> Result<(), DbErr> {
        self.free_identities(db).await?;
        self.insert_new(db).await?;
        for (user, loaded) in self.users.iter().zip(&self.loaded) {
            let Some(loaded) = loaded else { continue };
            let mut update = user::Entity::update_many().filter(user::Column::Id.eq(user.id));
            let mut changed = false;
            for (column, now, before) in [
                (user::Column::Phone, &user.phone, &loaded.phone),
                (user::Column::Bsuid, &user.bsuid, &loaded.bsuid),
                (user::Column::Name, &user.name, &loaded.name),
            ] {
                if now.is_some() && now != before {
                    update = update.col_expr(column, Expr::value(now.clone()));
                    changed = true;
                }
            }
            if changed {
                update.exec(db).await?;
            }
        }
        for &(keep, other) in merges {
            let (keep, other) = (self.users[keep].id, self.users[other].id);
            conversation::Entity::update_many()
                .col_expr(conversation::Column::UserId, Expr::value(keep))
                .filter(conversation::Column::UserId.eq(other))
                .exec(db)
                .await?;
            tracing::info!(kept = keep, merged = other, "merged two records of one contact");
        }
        Ok(())
    }

    async fn free_identities<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        let stored = || self.users.iter().zip(&self.loaded).filter_map(|(u, l)| l.as_ref().map(|l| (u, l)));
        let phones: Vec<i64> =
            stored().filter(|(u, l)| l.phone.is_some() && u.phone != l.phone).map(|(u, _)| u.id).collect();
        let bsuids: Vec<i64> =
            stored().filter(|(u, l)| l.bsuid.is_some() && u.bsuid != l.bsuid).map(|(u, _)| u.id).collect();
        for (column, ids) in [(user::Column::Phone, phones), (user::Column::Bsuid, bsuids)] {
            if !ids.is_empty() {
                user::Entity::update_many()
                    .col_expr(column, Expr::value(Option::<String>::None))
                    .filter(user::Column::Id.is_in(ids))
                    .exec(db)
                    .await?;
            }
        }
        Ok(())
    }

    async fn insert_new<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        let new: Vec<usize> = (0..self.users.len()).filter(|h| self.is_new(*h)).collect();
        let rows = new.iter().map(|h| insert_row(&self.users[*h])).collect();
        let returned =
            sql::insert_returning(db, rows, Some(OnConflict::new().do_nothing().to_owned()), &[user::Column::Id])
                .await?;
        if returned.len() != new.len() {
            return Err(DbErr::RecordNotInserted);
        }
        // Ids are taken in the order of the VALUES rows.
        let mut ids = returned.iter().map(|row| row.try_get::<i64>("", "id")).collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        for (handle, id) in new.into_iter().zip(ids) {
            self.users[handle].id = id;
            self.by_id.insert(id, handle);
        }
        Ok(())
    }
}

fn new_user(who: ContactIdentity<'_>, allowance: i64, now: DateTime<Utc>) -> user::Model {
    user::Model {
        id: 0,
        name: who.name.map(str::to_owned),
        phone: who.phone.map(str::to_owned),
        bsuid: who.bsuid.map(str::to_owned),
        role: "user".into(),
        email: None,
        password_hash: None,
        current_month_credits: allowance,
        monthly_allowance: allowance,
        credits_period: credits::period_of(now),
        created_at: now,
    }
}

/// A new user's row, with the identity and name the batch leaves it with (its balance is
/// written with the other users' after the charges).
fn insert_row(user: &user::Model) -> user::ActiveModel {
    let mut row = user.clone().into_active_model().reset_all();
    row.id = NotSet;
    row
}
