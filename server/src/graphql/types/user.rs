use async_graphql::{Enum, ID, SimpleObject};
use chrono::Utc;

use crate::{domain::credits, store::entity::user};

/// What a user may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserRole {
    /// Sees and manages everything.
    Admin,
    /// Sees only their own data.
    User,
}

/// A WhatsApp contact (or a staff member) and their credit balance.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "User")]
pub struct UserNode {
    /// wagate's numeric id of the user, as text (e.g. "42"): what `userId` and `id` arguments take.
    pub id: ID,
    /// The WhatsApp profile name, as last seen.
    pub name: Option<String>,
    /// The phone number as E.164 digits; null for a staff account and for a contact known only
    /// by business-scoped id.
    pub phone: Option<String>,
    /// Meta's business-scoped user id, when known.
    pub business_scoped_user_id: Option<String>,
    /// What the user may do.
    pub role: UserRole,
    /// The balance of the current period (for a user not touched yet this period, the
    /// allowance it resets to at its first touch).
    pub current_month_credits: i64,
    /// What each new period resets the balance to.
    pub monthly_allowance: i64,
    /// The period (`YYYY-MM`, UTC) the balance belongs to: the current one.
    pub credits_period: String,
}

impl From<user::Model> for UserNode {
    fn from(u: user::Model) -> Self {
        let period = credits::period_of(Utc::now());
        let (current_month_credits, credits_period) = match u.credits_period < period {
            true => (u.monthly_allowance, period),
            false => (u.current_month_credits, u.credits_period),
        };
        Self {
            id: ID(u.id.to_string()),
            name: u.name,
            phone: u.phone,
            business_scoped_user_id: u.bsuid,
            role: if u.role == "admin" { UserRole::Admin } else { UserRole::User },
            current_month_credits,
            monthly_allowance: u.monthly_allowance,
            credits_period,
        }
    }
}
