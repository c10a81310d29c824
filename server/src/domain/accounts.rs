//! Staff sign-in: argon2id password hashes on user rows, the first admin, and the checks a
//! login goes through (a throttle per identifier, the same work for unknown identifiers).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, TransactionTrait, sea_query::OnConflict,
};

use crate::{
    auth::{Role, Verified, Viewer},
    error::AppError,
    store::{
        Writer,
        entity::{credential_change, user},
    },
};

use super::{Domain, staff};

/// Failed sign-ins allowed per identifier within [`THROTTLE_WINDOW`].
pub const MAX_FAILED_LOGINS: usize = 5;
/// The window failed sign-ins are counted over.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
/// The shortest password accepted.
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// Recent sign-in attempts that failed or are still being checked, per account (per identifier
/// typed, for one that names no account).
#[derive(Debug, Default, Clone)]
pub struct LoginThrottle(Arc<Mutex<HashMap<String, Vec<Instant>>>>);

impl LoginThrottle {
    /// Counts an attempt for `key` before its password is checked, or refuses when `key` has
    /// too many lately (attempts being checked count as failed until they succeed, so
    /// concurrent attempts cannot slip past the limit); says how long to wait.
    fn attempt(&self, key: &str) -> Result<Instant, AppError> {
        let mut attempts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        attempts.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < THROTTLE_WINDOW);
            !times.is_empty()
        });
        let times = attempts.entry(key.to_owned()).or_default();
        if times.len() >= MAX_FAILED_LOGINS {
            let wait = THROTTLE_WINDOW.saturating_sub(now.duration_since(times[0]));
            return Err(AppError::RateLimited(format!(
                "too many failed sign-ins for this account; wait {} s and try again",
                wait.as_secs().max(1)
            )));
        }
        times.push(now);
        Ok(now)
    }

    /// Forgets an attempt that succeeded.
    fn succeeded(&self, key: &str, at: Instant) {
        let mut attempts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(times) = attempts.get_mut(key)
            && let Some(place) = times.iter().position(|t| *t == at)
        {
            times.remove(place);
        }
    }
}

/// An argon2id hash of `password` in PHC form.
fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::BadInput(format!("the password could not be hashed ({e})")))
}

/// Whether `password` matches `phc`; a malformed hash never matches.
fn matches(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// Runs argon2 off the async workers (it takes tens of milliseconds of CPU and 19 MiB by
/// design), at most one per core at a time: a burst of sign-ins queues rather than taking every
/// blocking thread, each with its own 19 MiB.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static PASSWORD_WORK: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let cores = || std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let interrupted =
        |e: &dyn std::fmt::Display| AppError::BadInput(format!("the password check was interrupted ({e}); try again"));
    let _turn = PASSWORD_WORK
        .get_or_init(|| tokio::sync::Semaphore::new(cores()))
        .acquire()
        .await
        .map_err(|e| interrupted(&e))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| interrupted(&e))
}

/// Whether `password` matches the stored hash, checked off the async workers; a missing hash
/// is checked against the decoy, so it costs the same and never matches.
async fn verify(password: &str, stored: Option<String>) -> Result<bool, AppError> {
    let (attempt, phc) = (password.to_owned(), stored.unwrap_or_else(|| DECOY_HASH.to_owned()));
    blocking(move || matches(&attempt, &phc)).await
}

/// A random password of 20 letters and digits.
fn random_password() -> String {
    use rand::{Rng, distr::Alphanumeric};
    rand::rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect()
}

/// The argon2id hash of a new password given as `field`, once it is long enough, computed off
/// the async workers.
pub(super) async fn hashed_new_password(password: &str, field: &str) -> Result<String, AppError> {
    check_new_password(password, field)?;
    let password = password.to_owned();
    blocking(move || hash(&password)).await?
}

fn check_new_password(password: &str, field: &str) -> Result<(), AppError> {
    // Spaces around it do not count: twelve of them made a password.
    if password.trim().chars().count() < MIN_PASSWORD_LENGTH {
        return Err(AppError::BadInput(format!(
            "`{field}` must be at least {MIN_PASSWORD_LENGTH} characters long, not counting spaces at either end"
        )));
    }
    Ok(())
}

impl Domain {
    /// Creates an admin who signs in with `email` when no admin has a password yet, and
    /// returns the one-time password to show; `None` when an admin exists.
    pub async fn ensure_admin(&self, email: &str) -> Result<Option<String>, AppError> {
        if self.an_admin_can_sign_in().await? {
            return Ok(None);
        }
        let email = staff::checked_email(email).map_err(|_| {
            AppError::BadInput(format!("ADMIN_EMAIL must be an address like ops@example.com, got `{email}`"))
        })?;
        let password = random_password();
        let phc = {
            let password = password.clone();
            blocking(move || hash(&password)).await??
        };
        let _turn = self.gate.enter(Writer::Accounts).await;
        let row = staff::account_row(Some("Administrator".into()), Role::Admin, email.clone(), phc);
        let unless_taken = OnConflict::column(user::Column::Email).do_nothing().to_owned();
        match user::Entity::insert(row).on_conflict(unless_taken).exec(&self.db).await {
            Ok(_) => Ok(Some(password)),
            // Another instance starting at the same time created it, or the email is someone else's.
            Err(DbErr::RecordNotInserted) => match self.an_admin_can_sign_in().await? {
                true => Ok(None),
                false => Err(AppError::BadInput(format!(
                    "ADMIN_EMAIL {email} is the sign-in of an account that is not an admin, so the first admin \
                     cannot be created: set ADMIN_EMAIL to another address"
                ))),
            },
            Err(error) => Err(error.into()),
        }
    }

    /// The viewer a valid token names, with the role its account has now: a role change, or
    /// the account's removal, applies to tokens issued before it (a demoted admin's token could
    /// otherwise make them admin again), and a token issued before the password was last set
    /// is refused. Tokens naming no account (an operator's, from `wagate token issue` without
    /// `--user`) stay as signed.
    pub async fn viewer_as_stored(&self, token: Verified) -> Result<Viewer, AppError> {
        let Some(id) = token.viewer.user_id else { return Ok(token.viewer) };
        let account = user::Entity::find_by_id(id).one(&self.db).await?.ok_or_else(|| {
            AppError::Unauthenticated(format!(
                "the account this token was issued for (user {id}) no longer exists: sign in again"
            ))
        })?;
        // Whole seconds, as tokens carry them: one issued in the second of the change is kept.
        let changed = credential_change::Entity::find_by_id(id).one(&self.db).await?.map(|c| c.changed_at.timestamp());
        if changed.is_some_and(|changed| i64::try_from(token.issued_at).unwrap_or(i64::MAX) < changed) {
            return Err(AppError::Unauthenticated(
                "this token was issued before the account's password changed: sign in again".into(),
            ));
        }
        Ok(Viewer { role: Role::from_stored(&account.role), user_id: Some(id) })
    }

    async fn an_admin_can_sign_in(&self) -> Result<bool, AppError> {
        Ok(staff::admins_who_can_sign_in().one(&self.db).await?.is_some())
    }

    /// The user an email (or phone) and password sign in as. Unknown identifiers cost the
    /// same hash check as known ones, and every failure reads the same.
    pub async fn authenticate(&self, identifier: &str, password: &str) -> Result<user::Model, AppError> {
        let typed = identifier.trim().to_lowercase();
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        let mut who = Condition::any().add(user::Column::Email.eq(&typed));
        if !digits.is_empty() {
            who = who.add(user::Column::Phone.eq(&digits));
        }
        let found =
            user::Entity::find().filter(who).filter(user::Column::PasswordHash.is_not_null()).one(&self.db).await?;
        // However it is typed, an account's attempts count together.
        let key = found.as_ref().map_or(typed, |user| format!("user {}", user.id));
        let attempt = self.login_throttle.attempt(&key)?;
        // An unknown identifier is checked against the decoy hash, so it takes as long as a known one.
        let valid = verify(password, found.as_ref().and_then(|u| u.password_hash.clone())).await?;
        match found {
            Some(user) if valid => {
                self.login_throttle.succeeded(&key, attempt);
                Ok(user)
            }
            _ => Err(AppError::Unauthenticated("wrong email, phone or password; check them and try again".into())),
        }
    }

    /// Replaces a signed-in user's password after checking the current one; the tokens issued
    /// before it stop working, this request's among them (sign in again with the new one).
    pub async fn change_password(&self, user_id: i64, current: &str, new: &str) -> Result<(), AppError> {
        check_new_password(new, "newPassword")?;
        let user =
            user::Entity::find_by_id(user_id).one(&self.db).await?.ok_or_else(|| super::users::not_found(user_id))?;
        if user.password_hash.is_none() {
            return Err(AppError::Forbidden(
                "this account has no password to change; an admin gives it one with setPassword".into(),
            ));
        }
        // Guesses of the current password count with the account's sign-in attempts.
        let key = format!("user {user_id}");
        let attempt = self.login_throttle.attempt(&key)?;
        if !verify(current, user.password_hash.clone()).await? {
            return Err(AppError::Forbidden("the current password is wrong; nothing was changed".into()));
        }
        self.login_throttle.succeeded(&key, attempt);
        let phc = hashed_new_password(new, "newPassword").await?;
        let _turn = self.gate.enter(Writer::Accounts).await;
        self.store_password(user_id, phc).await
    }

    /// Stores `user_id`'s new password hash `phc` and notes when, in one transaction: tokens
    /// issued before now stop working. Callers hold the accounts' write turn.
    pub(super) async fn store_password(&self, user_id: i64, phc: String) -> Result<(), AppError> {
        let txn = self.db.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, sea_orm::sea_query::Expr::value(phc))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
        let row = credential_change::ActiveModel { user_id: Set(user_id), changed_at: Set(chrono::Utc::now()) };
        let replace = OnConflict::column(credential_change::Column::UserId)
            .update_column(credential_change::Column::ChangedAt)
            .to_owned();
        credential_change::Entity::insert(row).on_conflict(replace).exec(&txn).await?;
        Ok(txn.commit().await?)
    }
}

/// The argon2id hash of a password nobody knows, checked against when no account matches.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$RB0iaSDrOK0Q1yrYYNUs9QmLZ5I4MJqWqkAdYOoqLrA";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(matches("correct horse battery", &phc));
        assert!(!matches("correct horse battery!", &phc));
        assert!(!matches("anything", "not a hash"));
    }

    #[test]
    fn the_decoy_hash_is_a_well_formed_argon2id_hash() {
        assert!(argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!matches("", DECOY_HASH));
    }

    #[test]
    fn the_throttle_refuses_after_too_many_attempts_for_one_account_only_and_forgets_successes() {
        let throttle = LoginThrottle::default();
        let succeeded = throttle.attempt("user 1").expect("first attempt");
        throttle.succeeded("user 1", succeeded);
        for _ in 0..MAX_FAILED_LOGINS {
            assert!(throttle.attempt("user 1").is_ok(), "failed or still being checked");
        }
        assert_eq!(throttle.attempt("user 1").unwrap_err().code(), "RATE_LIMITED");
        assert!(throttle.attempt("user 2").is_ok());
    }
}
