//! Managing users by hand (admins only): accounts that sign in with an email, and a user's
//! name, role, monthly allowance, email and password. Balances change only through the ledger
//! (`adjustCredits`); a new allowance applies from the next monthly reset.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    Select, SqlErr,
};

use crate::{
    auth::{Role, Viewer},
    error::AppError,
    store::{Writer, entity::user},
};

use super::{Domain, accounts, credits, users};

/// The largest monthly allowance a user may be given.
pub const MAX_ALLOWANCE: i64 = 1_000_000_000;

/// An account that signs in with an email and a password.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The sign-in email.
    pub email: String,
    /// A name to show.
    pub name: Option<String>,
    /// What the account may do.
    pub role: Role,
    /// Its first password (at least `MIN_PASSWORD_LENGTH` characters).
    pub password: String,
}

/// Changes to a user; a field left `None` stays as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// A new monthly allowance, from the next reset on.
    pub monthly_allowance: Option<i64>,
    /// A new sign-in email.
    pub email: Option<String>,
}

impl Domain {
    /// Creates an account that signs in with `email` (no WhatsApp number, no credits).
    pub async fn create_account(&self, viewer: &Viewer, account: NewAccount) -> Result<user::Model, AppError> {
        viewer.require_admin()?;
        let email = checked_email(&account.email)?;
        let name = account.name.as_deref().map(checked_name).transpose()?;
        let phc = accounts::hashed_new_password(&account.password, "input.password").await?;
        let _turn = self.gate.enter(Writer::Accounts).await;
        let row = account_row(name, account.role, email.clone(), phc);
        row.insert(&self.db).await.map_err(|error| email_taken(error, &email))
    }

    /// Changes a user's name, role, allowance or email. The last admin who can sign in keeps
    /// that role.
    pub async fn update_user(&self, viewer: &Viewer, id: i64, changes: UserChanges) -> Result<user::Model, AppError> {
        viewer.require_admin()?;
        let email = changes.email.as_deref().map(checked_email).transpose()?;
        let name = changes.name.as_deref().map(checked_name).transpose()?;
        if let Some(allowance) = changes.monthly_allowance.filter(|a| !(0..=MAX_ALLOWANCE).contains(a)) {
            return Err(AppError::BadInput(format!(
                "`monthlyAllowance` must be 0 to {MAX_ALLOWANCE}, got {allowance}"
            )));
        }
        let _turn = self.gate.enter(Writer::Accounts).await;
        let user = user::Entity::find_by_id(id).one(&self.db).await?.ok_or_else(|| users::not_found(id))?;
        if changes.role == Some(Role::User) && user.role == Role::Admin.as_str() && user.password_hash.is_some() {
            self.keep_an_admin(id).await?;
        }
        let mut row = user.into_active_model();
        if let Some(name) = name {
            row.name = Set(Some(name));
        }
        if let Some(role) = changes.role {
            row.role = Set(role.as_str().into());
        }
        if let Some(allowance) = changes.monthly_allowance {
            row.monthly_allowance = Set(allowance);
        }
        if let Some(email) = &email {
            row.email = Set(Some(email.clone()));
        }
        row.update(&self.db).await.map_err(|error| email_taken(error, email.as_deref().unwrap_or_default()))
    }

    /// Sets a user's password, so that they sign in with their email or phone number; the
    /// tokens issued to them before stop working.
    pub async fn set_password(&self, viewer: &Viewer, id: i64, password: &str) -> Result<user::Model, AppError> {
        viewer.require_admin()?;
        let phc = accounts::hashed_new_password(password, "password").await?;
        let _turn = self.gate.enter(Writer::Accounts).await;
        let user = user::Entity::find_by_id(id).one(&self.db).await?.ok_or_else(|| users::not_found(id))?;
        if user.email.is_none() && user.phone.is_none() {
            return Err(AppError::BadInput(format!(
                "user {id} has neither an email nor a phone number to sign in with; give them an email first"
            )));
        }
        self.store_password(id, phc.clone()).await?;
        Ok(user::Model { password_hash: Some(phc), ..user })
    }

    /// Refuses when no admin but `id` can sign in.
    async fn keep_an_admin(&self, id: i64) -> Result<(), AppError> {
        let others = admins_who_can_sign_in().filter(user::Column::Id.ne(id)).count(&self.db).await?;
        if others == 0 {
            return Err(AppError::BadInput(format!(
                "user {id} is the only admin who can sign in; make another admin first"
            )));
        }
        Ok(())
    }
}

/// The admins who have a password, so can sign in.
pub(super) fn admins_who_can_sign_in() -> Select<user::Entity> {
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::PasswordHash.is_not_null())
}

/// The row of an account that signs in with `email` (a lowercased address) and the password
/// hashed as `phc`: no WhatsApp number, no credits.
pub(super) fn account_row(name: Option<String>, role: Role, email: String, phc: String) -> user::ActiveModel {
    let now = Utc::now();
    user::ActiveModel {
        name: Set(name),
        role: Set(role.as_str().into()),
        email: Set(Some(email)),
        password_hash: Set(Some(phc)),
        current_month_credits: Set(0),
        monthly_allowance: Set(0),
        credits_period: Set(credits::period_of(now)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// `email` trimmed and in lower case, when it looks like an address: a domain with a dot, or
/// `localhost` (the default `ADMIN_EMAIL`'s).
pub(super) fn checked_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && (domain == "localhost" || (domain.contains('.') && !domain.starts_with('.')))
    });
    if !well_formed || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(AppError::BadInput(format!("`email` must be an address like ops@example.com, got `{email}`")));
    }
    Ok(email)
}

fn checked_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::BadInput("`name` must be 1 to 200 characters".into()));
    }
    Ok(name.to_owned())
}

/// A unique email taken by another account is the caller's mistake; anything else, the store's.
fn email_taken(error: DbErr, email: &str) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::BadInput(format!("another account already signs in with {email}; choose another email"))
        }
        _ => error.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(checked_email(" Ops@Example.COM ").unwrap(), "ops@example.com");
        assert_eq!(checked_email("admin@localhost").unwrap(), "admin@localhost", "the default ADMIN_EMAIL");
        for wrong in ["ops", "@example.com", "ops@examplecom", "ops@.com", "o ps@example.com", ""] {
            assert_eq!(checked_email(wrong).unwrap_err().code(), "BAD_USER_INPUT", "{wrong}");
        }
    }
}
