use async_graphql::{Context, Object, Result, SimpleObject};

use crate::{
    auth::{Role, Sessions},
    domain::Domain,
    error::AppError,
    graphql::{
        auth::viewer,
        types::{datetime::DateTimeGql, user::UserNode},
    },
};

/// A signed-in session.
#[derive(SimpleObject, Debug, Clone)]
pub struct LoginPayload {
    /// The bearer token: `Authorization: Bearer <token>` over HTTP, in `connection_init` over
    /// WebSocket.
    pub token: String,
    /// When the token stops working; sign in again then.
    pub expires_at: DateTimeGql,
    /// Who signed in.
    pub user: UserNode,
}

/// Signing in and managing one's password.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs in with an email (or phone number) and password; needs no token. Errors:
    /// UNAUTHENTICATED (wrong identifier or password, or an account without a password: every
    /// case reads the same), RATE_LIMITED (five failures within a minute for one account: wait
    /// the seconds the message gives), UNAVAILABLE.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email (in any case), or its phone number (only its digits count, so \
                          `+33 6 12 34 56 78` is 33612345678).")]
        identifier: String,
        #[graphql(desc = "The account's password.")] password: String,
    ) -> Result<LoginPayload> {
        let user = ctx.data::<Domain>()?.authenticate(&identifier, &password).await?;
        let (token, expires_at) = ctx.data::<Sessions>()?.issue_for(Role::from_stored(&user.role), user.id)?;
        Ok(LoginPayload { token, expires_at: expires_at.into(), user: user.into() })
    }

    /// Replaces the signed-in user's password; the first admin's one-time password should be
    /// replaced this way. Tokens already issued stay valid. Errors: UNAUTHENTICATED,
    /// BAD_USER_INPUT (an operator token, which names no user, or `newPassword` too short),
    /// FORBIDDEN (the account has no password, or `currentPassword` is wrong), RATE_LIMITED (five
    /// wrong passwords within a minute, sign-ins included), NOT_FOUND (the token's user no longer
    /// exists), UNAVAILABLE.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password the account signs in with now.")] current_password: String,
        #[graphql(desc = "The new password, at least 12 characters.")] new_password: String,
    ) -> Result<bool> {
        let Some(id) = viewer(ctx)?.user_id else {
            return Err(
                AppError::BadInput("an operator token has no password; sign in with `login` first".into()).into()
            );
        };
        ctx.data::<Domain>()?.change_password(id, &current_password, &new_password).await?;
        Ok(true)
    }
}
