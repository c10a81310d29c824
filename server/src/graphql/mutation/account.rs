use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    auth::{Role, Sessions},
    domain::Domain,
    error::AppError,
    graphql::{auth::viewer, types::user::UserNode},
};

/// A signed-in session.
#[derive(SimpleObject, Debug, Clone)]
pub struct LoginPayload {
    /// The bearer token: `Authorization: Bearer <token>` over HTTP, in `connection_init` over
    /// WebSocket.
    pub token: String,
    /// When the token stops working; sign in again then.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: UserNode,
}

/// Signing in and managing one's password.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in with an email (or phone number) and password. Errors: UNAUTHENTICATED for
    /// wrong credentials, RATE_LIMITED after repeated failures for one account.
    async fn login(&self, ctx: &Context<'_>, identifier: String, password: String) -> Result<LoginPayload> {
        let user = ctx.data::<Domain>()?.authenticate(&identifier, &password).await?;
        let (token, expires_at) = ctx.data::<Sessions>()?.issue_for(Role::from_stored(&user.role), user.id)?;
        Ok(LoginPayload { token, expires_at, user: user.into() })
    }

    /// Replaces the signed-in user's password (at least 12 characters); the first admin's
    /// one-time password should be replaced this way.
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> Result<bool> {
        let Some(id) = viewer(ctx)?.user_id else {
            return Err(
                AppError::BadInput("an operator token has no password; sign in with `login` first".into()).into()
            );
        };
        ctx.data::<Domain>()?.change_password(id, &current_password, &new_password).await?;
        Ok(true)
    }
}
