use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::{
    auth::Role,
    domain::{
        Domain,
        staff::{NewAccount, UserChanges},
    },
    graphql::{
        auth::viewer,
        types::{
            numeric_id,
            user::{UserNode, UserRole},
        },
    },
};

/// An account that signs in with an email (staff): no WhatsApp number, no credits.
#[derive(InputObject)]
pub struct NewAccountInput {
    /// The sign-in email.
    pub email: String,
    /// A name to show.
    pub name: Option<String>,
    /// What the account may do.
    pub role: UserRole,
    /// Its first password, at least 12 characters; the account can change it with
    /// `changePassword`.
    pub password: String,
}

/// Changes to a user; a field left out stays as it is.
#[derive(InputObject, Default)]
pub struct UserChangesInput {
    /// A new name.
    pub name: Option<String>,
    /// A new role. It applies at once, to the tokens already issued too (each request reads the
    /// account's role); an open WebSocket session keeps the role it started with.
    pub role: Option<UserRole>,
    /// A new monthly allowance (0 to 1,000,000,000), from the next monthly reset on; the current
    /// balance changes only with `adjustCredits`.
    pub monthly_allowance: Option<i32>,
    /// A new sign-in email.
    pub email: Option<String>,
}

/// Managing users (admins only).
#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates an account that signs in with an email and a password (admins only). Errors:
    /// UNAUTHENTICATED, FORBIDDEN (a user token), BAD_USER_INPUT (a malformed or taken email, a
    /// blank name or one over 200 characters, a password under 12 characters), UNAVAILABLE.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email, name, role and first password.")] input: NewAccountInput,
    ) -> Result<UserNode> {
        let account =
            NewAccount { email: input.email, name: input.name, role: role(input.role), password: input.password };
        Ok(ctx.data::<Domain>()?.create_account(&viewer(ctx)?, account).await?.into())
    }

    /// Changes a user's name, role, monthly allowance or email (admins only). Errors:
    /// UNAUTHENTICATED, FORBIDDEN (a user token), BAD_USER_INPUT (`id` not numeric, a malformed or
    /// taken email, a blank name or one over 200 characters, an allowance outside 0 to
    /// 1,000,000,000, or making the last admin who can sign in a user), NOT_FOUND (no such user),
    /// UNAVAILABLE.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id (`User.id`), a number such as \"42\".")] id: ID,
        #[graphql(desc = "The changes; a field left out stays as it is.")] input: UserChangesInput,
    ) -> Result<UserNode> {
        let changes = UserChanges {
            name: input.name,
            role: input.role.map(role),
            monthly_allowance: input.monthly_allowance.map(i64::from),
            email: input.email,
        };
        Ok(ctx.data::<Domain>()?.update_user(&viewer(ctx)?, numeric_id(&id, "id")?, changes).await?.into())
    }

    /// Sets a user's password, so that they sign in with their email or phone number and see
    /// their own conversations (admins only). Errors: UNAUTHENTICATED, FORBIDDEN (a user token),
    /// BAD_USER_INPUT (`id` not numeric, a password under 12 characters, a user with neither an
    /// email nor a phone number), NOT_FOUND (no such user), UNAVAILABLE.
    async fn set_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id (`User.id`), a number such as \"42\".")] id: ID,
        #[graphql(desc = "Their new password, at least 12 characters.")] password: String,
    ) -> Result<UserNode> {
        Ok(ctx.data::<Domain>()?.set_password(&viewer(ctx)?, numeric_id(&id, "id")?, &password).await?.into())
    }
}

fn role(role: UserRole) -> Role {
    match role {
        UserRole::Admin => Role::Admin,
        UserRole::User => Role::User,
    }
}
