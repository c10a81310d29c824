use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::Domain,
    graphql::{
        auth::viewer,
        types::{credits::Credits, numeric_id},
    },
};

/// Queries about credits.
#[derive(Default)]
pub struct CreditsQuery;

#[Object]
impl CreditsQuery {
    /// A user's balance, allowance, period and ledger; a new month resets the balance first.
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (`userId` not numeric), FORBIDDEN (another user's
    /// id with a user token), NOT_FOUND (no such user), UNAVAILABLE; and those of `ledger`.
    async fn credits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose credits: the user's id (`User.id`), a number such as \"42\". A user token may \
                          only give its own.")]
        user_id: ID,
    ) -> Result<Credits> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&user_id, "userId")?)?;
        let user = ctx.data::<Domain>()?.credits(scope).await?;
        Ok(Credits::of(user, scope))
    }
}
